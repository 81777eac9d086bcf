LIB_SRCS += $(wildcard strategies/*.c)
# OCI/runc helpers for the injection tests and the benchmarks (skipped when a
# harness fragment already lists them).
LIB_SRCS += $(filter-out $(LIB_SRCS),harness/oci.c harness/runc.c)

# The OCI createContainer hook the "ocihook" strategy installs.  runc runs it
# from the node's filesystem, so it is fully static and links only its own
# objects: no libbpf, no libjansson, nothing from $(LIB).
HOOK_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,agent/beesting-hook.c agent/hook_json.c)
BINS += beesting-hook
$(BUILD)/beesting-hook: $(HOOK_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $(HOOK_OBJS)
