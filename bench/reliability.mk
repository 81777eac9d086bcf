# Reliability: restarts, churn, flood, faults.  The short versions are the
# tests/test_reliability_*.c suites (make test); `make reliability` runs the
# long ones (50 containers, 1,000 churn cycles, 1,000,000 opens) and appends
# the figures to results/reliability.csv.
BINS += reliability-bench
REL_RESULTS ?= results
REL_FLAGS ?=
REL_COMMIT = $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# The scenarios are harness/reliability/rel_*.c, in the library.
$(BUILD)/reliability-bench: $(BUILD)/obj/bench/reliability.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

reliability: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD)/reliability-bench \
		$(BUILD)/beesting $(BUILD)/beesting-attack
	$(Q)mkdir -p $(REL_RESULTS)
	$(Q)./$(BUILD)/reliability-bench --results $(REL_RESULTS) \
		--commit $(REL_COMMIT) $(REL_FLAGS)

.PHONY: reliability
