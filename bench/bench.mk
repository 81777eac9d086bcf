# Benchmark helpers shared by the harness and the teammates' benchmark
# programs (bench/nri_*.c, bench/detect_*.c are mains: not in the library).
LIB_SRCS += bench/csv.c bench/stats.c
