// SPDX-License-Identifier: Apache-2.0
/* detect-suite: the detection cases as a command (see detect_suite.h). */
#include "harness/detect_suite.h"

int main(int argc, char **argv)
{
	return bs_detect_suite_main(argc, argv);
}
