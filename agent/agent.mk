# Library part of the agent: everything in agent/ but the programs' mains.
AGENT_MAINS := agent/beesting.c agent/beesting-hook.c
LIB_SRCS += $(filter-out $(AGENT_MAINS),$(wildcard agent/*.c))
