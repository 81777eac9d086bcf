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
