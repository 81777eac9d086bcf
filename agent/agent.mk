# Library part of the agent: everything in agent/ but the programs' mains.
AGENT_MAINS := agent/beesting.c agent/beesting-hook.c
LIB_SRCS += $(filter-out $(AGENT_MAINS),$(wildcard agent/*.c))

BINS += beesting
$(BUILD)/beesting: $(BUILD)/obj/agent/beesting.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Alert sinks: the metrics endpoint (libmicrohttpd) and webhooks (libcurl);
# prometheus and alertmanager are the real receivers the tests run.
LDLIBS += -lmicrohttpd -lcurl
EXTRA_DEB_PACKAGES += libmicrohttpd-dev libcurl4-openssl-dev prometheus \
	prometheus-alertmanager

# The OCI createContainer hook the "ocihook" strategy installs.  runc runs it
# from the node's filesystem, so it is fully static and links only its own
# objects and lib/fs (libc only): no libbpf, no libjansson, nothing else
# from $(LIB).
HOOK_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,agent/beesting-hook.c agent/hook_json.c lib/fs.c)
BINS += beesting-hook
$(BUILD)/beesting-hook: $(HOOK_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $(HOOK_OBJS)
