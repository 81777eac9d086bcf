# Kernel matrix: boots Debian's cloud kernels in QEMU (TCG) with a busybox
# initramfs whose /init runs the detection suite for every backend.
#
#   make test-vm          all kernels -> $(VM_CSV) (under build/: a test
#                         run never edits the committed results/)
#   make measure-kernels  the committed figures: results/kernel-matrix.csv,
#                         results/verifier.csv (guests and this host)
#   make test-vm-broken   proves a broken case makes the matrix fail
#   tests/vm/check-parse.sh       the verdict logic on synthetic guest logs
#   make report           results/kernel-matrix.csv -> docs/results.md (table)
#
# VM_MODE=suite runs harness/detect_suite.c, VM_MODE=probe the built-in
# probe (bpf/vmprobe.bpf.c).  Default: suite when it exists.
VM_DIR := $(BUILD)/vm
VM_RUNNER := $(VM_DIR)/runner
VM_INITRD := $(VM_DIR)/initramfs.cpio.gz
VM_BUSYBOX ?= /bin/busybox
# [SUITE:]META, oldest first (the table's order; test-vm-broken boots the
# first and the last): bullseye's 5.10 (the oldest LTS still on managed
# nodes) and sid's newest through a private apt setup under $(VM_DIR)/apt
# (matrix.sh), bookworm's 6.1 and 6.12 through the system's apt
VM_KERNELS ?= bullseye:linux-image-cloud-amd64 linux-image-cloud-amd64 \
	linux-image-6.12-cloud-amd64 sid:linux-image-cloud-amd64
VM_CSV ?= $(BUILD)/results/kernel-matrix.csv
VM_HAVE_SUITE := $(if $(wildcard harness/detect_suite.c),1)
VM_MODE ?= $(if $(VM_HAVE_SUITE),suite,probe)
# separate objects per flavour: the define changes what gets linked
VM_RUNNER_OBJ := $(BUILD)/obj/tests/vm/runner-$(if $(VM_HAVE_SUITE),suite,probe).o

EXTRA_DEB_PACKAGES += qemu-system-x86 busybox-static libbpf-dev libelf-dev \
	zlib1g-dev gzip
EXTRA_TEST_CMDS += tests/vm/check-parse.sh \
	'make -s --no-print-directory BUILD=$(BUILD) test-vm' \
	'make -s --no-print-directory BUILD=$(BUILD) test-vm-broken'

# $(GENERATED) is defined after the fragments are read: name the skeletons.
# The probe flavour needs only its own, so it builds while others are broken.
ifeq ($(VM_HAVE_SUITE),1)
VM_GEN := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(wildcard bpf/*.bpf.c)) \
	$(patsubst nri/%.proto,$(BUILD)/nri/%.pb-c.h,$(wildcard nri/*.proto))
VM_BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(wildcard bpf/*.bpf.c))
else
VM_GEN := $(BUILD)/bpf/vmprobe.skel.h
VM_BPF_OBJS := $(BUILD)/bpf/vmprobe.bpf.o
endif

$(VM_RUNNER_OBJ): tests/vm/runner.c | $(VM_GEN)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(if $(VM_HAVE_SUITE),-DBS_HAVE_DETECT_SUITE) -c $< -o $@

VM_VERIFY_OBJ := $(BUILD)/obj/tests/vm/verify.o

# own rule: the generic one waits for every skeleton
$(VM_VERIFY_OBJ): tests/vm/verify.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Static: the guest has nothing but busybox.  The probe needs only tracefs.o
# (and verifier_stats.o for "runner verify", case_opts.o and cli.o for its
# options), so it still links while the library is mid-edit.
ifeq ($(VM_HAVE_SUITE),1)
VM_RUNNER_LIBS := $(BUILD)/libbeesting.a
else
VM_RUNNER_LIBS := $(BUILD)/obj/bpf/tracefs.o $(BUILD)/obj/bpf/verifier_stats.o \
	$(BUILD)/obj/harness/case_opts.o $(BUILD)/obj/lib/cli.o
endif

$(VM_RUNNER): $(VM_RUNNER_OBJ) $(VM_VERIFY_OBJ) $(VM_RUNNER_LIBS)
	$(call msg,LD-STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static $(LDFLAGS) -o $@ $(VM_RUNNER_OBJ) $(VM_VERIFY_OBJ) \
		$(VM_RUNNER_LIBS) $(LDLIBS) \
		2> $@.log || { cat $@.log; false; }

# The BPF objects ride along for "runner verify" (per-program diagnostics).
$(VM_INITRD): $(VM_RUNNER) $(VM_BPF_OBJS) tests/vm/init tests/vm/mkinitrd.sh
	$(call msg,INITRD,$@)
	$(Q)tests/vm/mkinitrd.sh $@ $(VM_RUNNER) tests/vm/init $(VM_BUSYBOX) \
		$(VM_BPF_OBJS)

VM_ARGS = --build $(BUILD) --initrd $(VM_INITRD) --mode $(VM_MODE) \
	--kernels "$(VM_KERNELS)"

test-vm: $(VM_INITRD)
	$(Q)mkdir -p $(dir $(VM_CSV))
	$(Q)tests/vm/matrix.sh $(VM_ARGS) --csv $(VM_CSV)

# The committed figures: every guest (kernel-matrix.csv and its verifier
# rows) and this host's verifier counts, into results/; then make report.
measure-kernels: $(VM_INITRD) all
	$(Q)tests/vm/matrix.sh $(VM_ARGS) --csv results/kernel-matrix.csv
	$(Q)BEESTING_RESULTS=results $(BUILD)/tests/test_verifier_budget --jobs=1

test-vm-broken: $(VM_INITRD)
	$(Q)tests/vm/check-broken.sh $(VM_ARGS)

vm-initrd: $(VM_INITRD)

.PHONY: test-vm test-vm-broken vm-initrd measure-kernels
