# NRI front-end: protocol library (plugin + runtime side) and the decode
# fuzz target (the RTT benchmark is bench/nri_rtt.c).
LIB_SRCS += $(filter-out %_fuzz.c,$(wildcard nri/*.c))

# ---- fuzzing: make fuzz [FUZZ_SECONDS=60] | fuzz-long | fuzz-smoke -------
FUZZ_SECONDS ?= 60
NRI_FUZZ := $(BUILD)/fuzz/nri_decode_fuzz
NRI_FUZZ_CORPUS := $(BUILD)/fuzz/nri-corpus
# shared/ sits beside the repository root (DEVELOPERS.md)
NRI_GOLDEN ?= $(abspath $(CURDIR)/../shared/nri-golden)
CFLAGS += -DNRI_T_GOLDEN='"$(NRI_GOLDEN)"'
NRI_FUZZ_SRCS := nri/decode_fuzz.c $(filter-out %_fuzz.c %/runtime.c %/cri.c,$(wildcard nri/*.c)) \
	lib/log.c
NRI_FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -I. -I$(BUILD) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

$(NRI_FUZZ): $(NRI_FUZZ_SRCS) $(BUILD)/nri/api.pb-c.c $(BUILD)/nri/ttrpc.pb-c.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(NRI_FUZZ_CFLAGS) -Wno-unused-parameter $^ -lprotobuf-c \
		-lpthread -o $@

$(NRI_FUZZ_CORPUS):
	$(Q)mkdir -p $@
	$(Q)for f in $(wildcard $(NRI_GOLDEN)/*.runtime-to-plugin.bin); do \
		{ printf '\077'; cat $$f; } > $@/$$(basename $$f); done

fuzz: $(NRI_FUZZ) | $(NRI_FUZZ_CORPUS)
	$(Q)$(NRI_FUZZ) -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-rss_limit_mb=2048 $(NRI_FUZZ_CORPUS)

fuzz-long:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=600

# Bounded run for make test; ends with the line run-suites.sh counts.
fuzz-smoke:
	$(Q)if ! $(MAKE) -s --no-print-directory $(NRI_FUZZ) $(NRI_FUZZ_CORPUS); then \
		echo "fuzz: 0 passed, 0 failed, 1 skipped"; exit 0; fi; \
	if $(NRI_FUZZ) -max_total_time=20 -timeout=10 -rss_limit_mb=2048 \
		$(NRI_FUZZ_CORPUS) >$(BUILD)/fuzz/smoke.log 2>&1; then \
		tail -3 $(BUILD)/fuzz/smoke.log; echo "fuzz: 1 passed, 0 failed"; \
	else tail -40 $(BUILD)/fuzz/smoke.log; echo "fuzz: 0 passed, 1 failed"; exit 1; fi

EXTRA_TEST_CMDS += 'make -s --no-print-directory BUILD=$(BUILD) fuzz-smoke'

.PHONY: fuzz fuzz-long fuzz-smoke
