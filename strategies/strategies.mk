LIB_SRCS += $(wildcard strategies/*.c)
# OCI/runc helpers for the injection tests and the benchmarks (skipped when a
# harness fragment already lists them).
LIB_SRCS += $(filter-out $(LIB_SRCS),harness/oci.c harness/runc.c)

# The OCI createContainer hook the "ocihook" strategy installs.
BINS += beesting-hook
$(BUILD)/beesting-hook: $(BUILD)/obj/agent/beesting-hook.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)
