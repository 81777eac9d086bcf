# The bottom layer: utilities every other layer may use (logging, clock,
# file and command helpers, size limits, CSV, sample statistics).  Nothing
# here includes another directory of the project.
LIB_SRCS += $(wildcard lib/*.c)
