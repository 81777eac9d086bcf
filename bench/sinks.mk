# Alert sinks: access -> webhook received, -> metric incremented and ->
# Event posted (stand-in API server), p50 and p99 over SINK_N opens; then
# the agent with every sink on at SINK_LOAD_RATE alerts/s for SINK_LOAD_S
# seconds (RSS, CPU, every alert accounted for); appended to
# results/sinks.csv (`make bench-sinks`; the committed figures are
# SINK_LOAD_S=60).
BINS += sink-bench sink-load
SINK_N ?= 200
SINK_LOAD_S ?= 10
SINK_LOAD_RATE ?= 1000

$(BUILD)/sink-bench: $(BUILD)/obj/bench/sink_latency.o \
		$(BUILD)/obj/bench/sink_common.o $(BUILD)/libbeesting.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libbeesting.a \
		$(LDLIBS)

$(BUILD)/sink-load: $(BUILD)/obj/bench/sink_load.o \
		$(BUILD)/obj/bench/sink_common.o $(BUILD)/libbeesting.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libbeesting.a \
		$(LDLIBS)

SINK_COMMIT = $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

bench-sinks: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD)/sink-bench $(BUILD)/sink-load \
		$(BUILD)/beesting
	$(Q)mkdir -p results
	$(Q)./$(BUILD)/sink-bench -n $(SINK_N) -r results -b $(BUILD) \
		-c $(SINK_COMMIT)
	$(Q)./$(BUILD)/sink-load -s $(SINK_LOAD_S) -R $(SINK_LOAD_RATE) \
		-r results -b $(BUILD) -c $(SINK_COMMIT)

.PHONY: bench-sinks
