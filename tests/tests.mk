# Every tests/test_*.c is one Criterion suite; tests/support/*.c is test-only
# shared code (Criterion checks, fixtures), linked into the suites only.
TEST_SUITES += $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
TEST_SUPPORT_SRCS := $(wildcard tests/support/*.c)
TEST_SUPPORT_LIB := $(BUILD)/libbstest.a
TEST_SUPPORT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TEST_SUPPORT_SRCS))

$(TEST_SUPPORT_LIB): $(TEST_SUPPORT_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^
