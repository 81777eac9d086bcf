# Benchmark and measurement programs: each bench/X.c is a main linked
# against the library (reliability-bench: bench/reliability.mk).
#   detect-suite  the detection cases as a command (harness/detect_suite.c)
#   detect-bench  detection overhead
#   nri-rtt       NRI round trip
BINS += detect-suite detect-bench nri-rtt

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
