# The bottom layer: utilities every other layer may use (logging, clock,
# file and command helpers, size limits, CSV, JSON escaping, sample
# statistics, the testbed tools' option parser).  Nothing
# here includes another directory of the project.
LIB_SRCS += $(wildcard lib/*.c)
