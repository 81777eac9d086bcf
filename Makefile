# Beesting: one Makefile for the agent, the BPF programs, the tests and the
# benchmarks.  Each directory adds its sources and programs in its own *.mk
# fragments (<dir>/*.mk, tests/vm/vm.mk), read in name order; no fragment
# depends on another's position.
#
#   make            build everything into $(BUILD)
#   make deps       install the Debian packages the project needs
#   make test       deps + build + layer check + every Criterion suite
#                   (+ VM matrix, fuzz)
#   make bench      the main job: one INJECT x DETECT configuration -> results/
#   make lint       layer check + clang-tidy + cppcheck
#   make layers     includes run one way (tests/layers.sh)
#   make fmt        clang-format every tracked C file in place
#   make fmt-check  the same as a check (changes nothing)
#   make V=1        show the commands

BUILD ?= build
V ?= 0
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)"
endif

CC := gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PROTOC_C ?= protoc-c
ARCH := x86

# -std=c11: NRI has fields named `linux`, a macro in GNU C mode.
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. -I$(BUILD) -MMD -MP
LDLIBS += -lbpf -lelf -lz -lprotobuf-c -ljansson -lpthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -I. \
	-Wall -Werror -Wno-unused-function

all:

# ---- modules add to these -------------------------------------------------
LIB_SRCS :=      # linked into $(BUILD)/libbeesting.a
BINS :=          # $(BUILD)/<name>, built by module rules
TEST_SUITES :=   # $(BUILD)/tests/<name>, Criterion binaries run by make test
PROTOS := $(wildcard nri/*.proto)
BPF_SRCS := $(wildcard bpf/*.bpf.c)

# Defined before the fragments are read, so their rules may name them.
LIB := $(BUILD)/libbeesting.a
VMLINUX_H := $(BUILD)/vmlinux.h

include $(sort $(wildcard */*.mk */*/*.mk))

# ---- generated: vmlinux.h, skeletons, protobuf-c --------------------------
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))
PB_SRCS := $(patsubst nri/%.proto,$(BUILD)/nri/%.pb-c.c,$(PROTOS))
PB_HDRS := $(PB_SRCS:.c=.h)
GENERATED := $(SKELS) $(PB_HDRS)

$(VMLINUX_H):
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/nri/%.pb-c.c $(BUILD)/nri/%.pb-c.h &: nri/%.proto
	$(call msg,PROTOC,$<)
	$(Q)mkdir -p $(BUILD)
	$(Q)$(PROTOC_C) --c_out=$(BUILD) $<

# ---- the library -----------------------------------------------------------
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) \
	$(patsubst $(BUILD)/%.c,$(BUILD)/obj/gen/%.o,$(PB_SRCS))

$(BUILD)/obj/gen/%.o: $(BUILD)/%.c $(PB_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Wno-unused-parameter -c $< -o $@

$(BUILD)/obj/%.o: %.c | $(GENERATED)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

# ---- tests -----------------------------------------------------------------
TEST_BINS := $(addprefix $(BUILD)/tests/,$(TEST_SUITES))

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT_LIB) $(LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT_LIB) $(LIB) -lcriterion $(LDLIBS)

all: $(LIB) $(addprefix $(BUILD)/,$(BINS)) $(TEST_BINS)

# ---- top-level jobs --------------------------------------------------------
DEB_PACKAGES := libbpf-dev bpftool clang llvm libelf-dev zlib1g-dev \
	libprotobuf-c-dev protobuf-c-compiler libcriterion-dev runc \
	busybox-static libjansson-dev clang-tidy cppcheck clang-format \
	libclang-rt-14-dev $(EXTRA_DEB_PACKAGES)

deps:
	$(Q)PACKAGES="$(sort $(DEB_PACKAGES))" ./tests/install-deps.sh

# Includes run one way (lib <- bpf <- nri <- strategies <- agent <- harness
# <- bench; tests at the side): make test and make lint stop on a violation.
layers:
	$(Q)./tests/layers.sh

# Figures the suites record on the way (verifier counts, the VM matrix) go
# under $(BUILD)/results: a test run never edits the committed results/,
# which test_results_doc compares with docs/results.md.
TEST_RESULTS := $(BUILD)/results

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tests/layers.sh
	$(Q)$(MAKE) --no-print-directory fmt-check
	$(Q)mkdir -p $(TEST_RESULTS)
	$(Q)BUILD=$(BUILD) BEESTING_RESULTS=$(abspath $(TEST_RESULTS)) \
		./tests/run-suites.sh $(TEST_BINS) $(EXTRA_TEST_CMDS)

LINT_SRCS = $(filter-out %.bpf.c,$(LIB_SRCS) $(LINT_EXTRA) $(AGENT_MAINS) \
	harness/attack/attack.c $(wildcard bench/*.c))
lint: layers | $(GENERATED)
	$(Q)BUILD=$(BUILD) LINT_CFLAGS="$(filter-out -MMD -MP,$(CFLAGS))" \
		./tests/lint.sh $(sort $(LINT_SRCS))

# Every tracked C file; generated code (skeletons, protobuf-c, vmlinux.h)
# lives untracked in $(BUILD).
FMT_SRCS = $(shell git ls-files '*.c' '*.h')
fmt:
	$(Q)clang-format -i $(FMT_SRCS)

# make test runs it: every tracked C file stays as clang-format leaves it.
fmt-check:
	$(Q)bad=$$(clang-format --dry-run -Werror $(FMT_SRCS) 2>&1 | \
		sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*/\1/p' | sort -u); \
	if [ -n "$$bad" ]; then \
		printf 'needs clang-format: %s\n' $$bad; \
		echo "fmt-check: $$(echo "$$bad" | wc -l) files differ from .clang-format (make fmt)" >&2; \
		exit 1; \
	fi; echo "fmt-check: clean ($(words $(FMT_SRCS)) files)"

clean:
	rm -rf $(BUILD)

.PHONY: all deps test layers lint fmt fmt-check clean
.DELETE_ON_ERROR:
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
