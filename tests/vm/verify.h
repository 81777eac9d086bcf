/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BS_TESTS_VM_VERIFY_H
#define BS_TESTS_VM_VERIFY_H

/* runner verify OBJ.bpf.o...: load every program of every object on its
 * own, in each configuration the agent may load it in (readscan's
 * windows), and print
 *   verify <object> <program> <config> OK|OVER|FAIL insns=N share=F [error]
 * with the tail of the verifier log for failures.  insns: what the
 * verifier processed; OVER: past a quarter of its limit
 * (bpf/verifier_stats.h) or refused with E2BIG.  Returns 1 when one is
 * OVER, else 0: a FAIL (a hook this kernel lacks) is the suite's to judge
 * by whether the backend starts. */
int vm_verify_main(int argc, char **argv);

#endif
