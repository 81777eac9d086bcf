# The research harness: the scenario engine and its backends at the top,
# the rooms below it (attack/: the attack tool and the recon; runtime/:
# runc, OCI, containerd, CRI pods; reliability/: the rel_* scenarios), all
# in the library (the injection tests and bench/ use them too) but for the
# mains; beesting-bench; make bench / bench-matrix / plots.
HARNESS_MAINS := harness/bench_main.c harness/attack/attack.c
LIB_SRCS += $(filter-out $(HARNESS_MAINS),$(wildcard harness/*.c harness/*/*.c))
BINS += beesting-bench
EXTRA_DEB_PACKAGES += gnuplot-nox busybox-static runc
# CRI-O (BEESTING_CRIO) runs containers through conmon; skopeo puts the
# victim image into its containers/storage
EXTRA_DEB_PACKAGES += conmon skopeo

$(BUILD)/beesting-bench: $(BUILD)/obj/harness/bench_main.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# ---- make bench ------------------------------------------------------------
# make bench INJECT=projected|bind|ocihook DETECT=open|readscan|fanotify|auditd|fatrace
#            [BACKEND=auto|kind|local|containerd|crio] [ATTACH=auto|...] [RUNS=N]
# (BACKEND=containerd: the same run on every containerd BEESTING_CONTAINERD
# names, ":" between directories, each in its own run id; BACKEND=crio: on
# the CRI-O BEESTING_CRIO names)
INJECT ?= projected
DETECT ?= open
BACKEND ?= auto
ATTACH ?= auto
RUNS ?= 5
RESULTS ?= results
BENCH_FLAGS ?=
BENCH = $(BUILD)/beesting-bench --results $(RESULTS) --srcdir . \
	--backend $(BACKEND) --attach $(ATTACH) --runs $(RUNS) $(BENCH_FLAGS)
# every injection x every detector of ours, then the peers with the
# default injection
MATRIX := $(foreach i,projected bind ocihook,$(foreach d,open readscan fanotify,$(i):$(d))) \
	projected:auditd projected:fatrace

# What a run needs, and the host micro-benchmarks it runs when they build
# (a teammate's half-done benchmark must not stop the main job).
BENCH_NEEDS = beesting beesting-hook beesting-attack beesting-bench
BENCH_OPTIONAL = detect-bench nri-rtt
define bench_build
	$(Q)$(MAKE) --no-print-directory $(addprefix $(BUILD)/,$(filter $(BENCH_NEEDS),$(BINS)))
	$(Q)$(MAKE) --no-print-directory $(addprefix $(BUILD)/,$(filter $(BENCH_OPTIONAL),$(BINS))) \
		|| echo "bench: optional benchmarks did not build: their rows are skipped"
endef

bench: deps
	$(bench_build)
	$(Q)$(BENCH) --inject $(INJECT) --detect $(DETECT)

bench-matrix: deps
	$(bench_build)
	$(Q)failed=""; n=0; for c in $(MATRIX); do \
		n=$$((n + 1)); \
		echo "==> bench-matrix $$n/$(words $(MATRIX)): $${c%%:*} x $${c##*:}"; \
		$(BENCH) --inject $${c%%:*} --detect $${c##*:} || failed="$$failed $$c"; \
	done; \
	$(BUILD)/beesting-bench --results $(RESULTS) --report; \
	if [ -n "$$failed" ]; then echo "broken runs:$$failed"; exit 1; fi

plots: $(BUILD)/beesting-bench
	$(Q)$(BUILD)/beesting-bench --results $(RESULTS) --report \
		--plot-dir $(BUILD)/plots >/dev/null
	$(Q)for p in coverage overhead stealth; do \
		[ ! -f $(BUILD)/plots/$$p.gp ] || gnuplot $(BUILD)/plots/$$p.gp || exit 1; \
	done
	$(Q)ls -l $(RESULTS)/*.svg

.PHONY: bench bench-matrix plots
LINT_EXTRA += harness/bench_main.c

# docs/results.md from docs/results.md.in and the committed results/*.csv
# (tests/test_results_doc fails when they disagree).
report: $(BUILD)/beesting-bench
	$(Q)$(BUILD)/beesting-bench --results results --report \
		--doc docs/results.md >/dev/null
	$(Q)echo "report: docs/results.md regenerated from results/*.csv"

.PHONY: report
