LIB_SRCS += $(filter-out %_fuzz.c,$(wildcard nri/*.c))
