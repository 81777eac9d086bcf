# Benchmark and measurement programs: each bench/X.c is a main linked
# against the library (reliability-bench: bench/reliability.mk).
#   detect-suite  the detection cases as a command (harness/detect_suite.c)
#   detect-bench  detection overhead
#   nri-rtt       NRI round trip
#   respond-bench --respond per detector x method -> results/respond.csv
#                 (make bench-respond [RESPOND_RUNS=N])
BINS += detect-suite detect-bench nri-rtt respond-bench
RESPOND_RUNS ?= 20

$(BUILD)/detect-suite: $(BUILD)/obj/bench/detect_suite_cli.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/detect-bench: $(BUILD)/obj/bench/detect_bench.o \
		$(BUILD)/obj/bench/peer_toggle.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS)

$(BUILD)/nri-rtt: $(BUILD)/obj/bench/nri_rtt.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lm

$(BUILD)/respond-bench: $(BUILD)/obj/bench/respond_bench.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench-respond: $(BUILD)/respond-bench
	$(Q)$(BUILD)/respond-bench --runs $(RESPOND_RUNS)

.PHONY: bench-respond
