# Injection and detection strategies, the token store and the method table:
# all library code.
LIB_SRCS += $(wildcard strategies/*.c)
