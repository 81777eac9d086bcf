# Alert sinks: access -> webhook received and -> metric incremented, p50 and
# p99 over SINK_N opens, appended to results/sinks.csv (`make bench-sinks`).
BINS += sink-bench
SINK_N ?= 200

$(BUILD)/sink-bench: $(BUILD)/obj/bench/sink_latency.o $(BUILD)/libbeesting.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libbeesting.a $(LDLIBS)

bench-sinks: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD)/sink-bench $(BUILD)/beesting
	$(Q)mkdir -p results
	$(Q)./$(BUILD)/sink-bench -n $(SINK_N) -r results -b $(BUILD) \
		-c $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

.PHONY: bench-sinks
