LIB_SRCS += $(wildcard strategies/*.c)
