# BPF programs are found by the top Makefile (bpf/*.bpf.c -> skeletons).
# User-side loaders (bpf/X.c) go into the library.
LIB_SRCS += $(filter-out %.bpf.c,$(wildcard bpf/*.c))
