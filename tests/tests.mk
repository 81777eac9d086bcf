# Every tests/test_*.c is one Criterion suite.
TEST_SUITES += $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
