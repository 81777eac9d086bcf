# Library part of the agent: everything in agent/ but the programs' mains.
AGENT_MAINS := agent/beesting.c agent/beesting-hook.c
LIB_SRCS += $(filter-out $(AGENT_MAINS),$(wildcard agent/*.c))

BINS += beesting
$(BUILD)/beesting: $(BUILD)/obj/agent/beesting.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)
