# BPF programs are found by the top Makefile (bpf/*.bpf.c -> skeletons).
# User-side loaders (bpf/X.c) go into the library.
LIB_SRCS += $(filter-out %.bpf.c,$(wildcard bpf/*.c))

# Detection: the case runner as a command and the overhead benchmark.
BINS += detect-suite detect-bench

$(BUILD)/detect-suite: $(BUILD)/obj/bench/detect_suite_cli.o $(BUILD)/libbeesting.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libbeesting.a $(LDLIBS)

$(BUILD)/detect-bench: $(BUILD)/obj/bench/detect_bench.o $(BUILD)/libbeesting.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libbeesting.a $(LDLIBS)
