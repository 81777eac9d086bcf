/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BS_TESTS_VM_VERIFY_H
#define BS_TESTS_VM_VERIFY_H

/* runner verify OBJ.bpf.o...: load every program of every object on its
 * own and print "verify <object> <program> OK|FAIL <error>", with the tail
 * of the verifier log for failures.  Diagnostics only: tells which program
 * a kernel rejects when a backend does not start.  Returns 0 when all
 * loaded, 1 otherwise. */
int vm_verify_main(int argc, char **argv);

#endif
