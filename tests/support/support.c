// SPDX-License-Identifier: Apache-2.0
/* placeholder so the support library is never empty */
int bs_test_support_linked;
