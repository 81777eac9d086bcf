#!/usr/bin/env bash
# Kernel matrix driver: fetch (and cache) each kernel, boot it in QEMU/TCG
# with the matrix initramfs, turn the guest's result lines into CSV rows
#   kernel,backend,detect,case,expect,result
# and end with "<label>: N passed, N failed, N skipped".  Exits non-zero when
# a case failed, a backend did not start or a guest did not finish.  No QEMU
# or no kernel package: reported as skipped, never as passed.  fanotify runs
# on its own backend only; a kernel whose config (from its package) lacks
# CONFIG_FANOTIFY_ACCESS_PERMISSIONS gets one fanotify "(start)" row N/A,
# with the reason, instead of a guest run.
#
# usage: matrix.sh --initrd FILE [--build DIR] [--kernels "META..."]
#        [--csv FILE] [--mode probe|suite] [--break-case NAME] [--case NAME]
#        [--backends a,b] [--detects a,b] [--timeout SECS] [--label NAME]
#        [--unsupported "detect/backend ..."] [--jobs N]
set -uo pipefail

build=${BUILD:-build} initrd= csv= mode=probe brk= only= label=vm
kernels="linux-image-cloud-amd64 linux-image-6.12-cloud-amd64"
backends=lsm,fentry,kprobe,tracepoint detects=open,readscan,fanotify
limit=${VM_TIMEOUT:-180}
lsm=lockdown,capability,landlock,yama,apparmor,bpf
unsupported="readscan/lsm" jobs=2

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2 ;;
	--initrd) initrd=$2 ;;
	--kernels) kernels=$2 ;;
	--csv) csv=$2 ;;
	--mode) mode=$2 ;;
	--break-case) brk=$2 ;;
	--case) only=$2 ;;
	--backends) backends=$2 ;;
	--detects) detects=$2 ;;
	--timeout) limit=$2 ;;
	--label) label=$2 ;;
	--unsupported) unsupported=$2 ;;
	--jobs) jobs=$2 ;;
	--parse-only) parse_only=$2 ;;
	--detects-for) detects_for=$2 ;;
	*) echo "$label: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2 || { echo "$label: $1 needs a value" >&2; exit 2; }
done

kdir=$build/vm/kernels
rundir=$build/vm/run
passed=0 failed=0 skipped=0

finish() {
	echo "$label: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

skip_all() {
	echo "$label: skipped: $1"
	skipped=$((skipped + 1))
	finish
}

# Metapackage -> the versioned image package it currently depends on.
resolve() {
	apt-cache depends --no-recommends --no-suggests "$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# Download and unpack one image package into $kdir/$pkg; keep only
# /boot (vmlinuz + config): the modules are not needed by the guest.
download() {
	local pkg=$1 tmp

	tmp=$(mktemp -d "$kdir/dl.XXXXXX") || return 1
	if ! (cd "$tmp" && apt-get download -q "$pkg") >"$tmp/log" 2>&1; then
		apt-get update -q >>"$tmp/log" 2>&1
		(cd "$tmp" && apt-get download -q "$pkg") >>"$tmp/log" 2>&1
	fi
	if ! ls "$tmp"/*.deb >/dev/null 2>&1 ||
		! dpkg-deb -x "$tmp"/*.deb "$tmp/x" 2>>"$tmp/log"; then
		tail -3 "$tmp/log" | sed "s/^/$label:   /"
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "${kdir:?}/$pkg"
	mkdir -p "$kdir/$pkg" && mv "$tmp/x/boot" "$kdir/$pkg/boot"
	rm -rf "$tmp"
}

# Prints the cached vmlinuz for a metapackage, fetching it when missing.
kernel_image() {
	local meta=$1 pkg

	pkg=$(resolve "$meta")
	if [ -z "$pkg" ]; then
		apt-get update -q >/dev/null 2>&1
		pkg=$(resolve "$meta")
	fi
	# offline: fall back to what the last run resolved
	[ -n "$pkg" ] || pkg=$(cat "$kdir/$meta.pkg" 2>/dev/null)
	if [ -z "$pkg" ]; then
		echo "$label: apt knows no package $meta" >&2
		return 1
	fi
	if ! ls "$kdir/$pkg"/boot/vmlinuz-* >/dev/null 2>&1; then
		echo "$label: fetching $pkg" >&2
		download "$pkg" >&2 || return 1
	fi
	echo "$pkg" >"$kdir/$meta.pkg"
	ls "$kdir/$pkg"/boot/vmlinuz-* | head -1
}

# Guest result lines -> CSV rows (appended to $2) and "P F S N/A" on stdout.
# Combinations in $unsupported (detect/backend) that do not start are
# skipped, not failed: the strategy has no such backend by design.
# Messages for humans go to stderr.
parse() {
	tr -d '\r' <"$1" | awk -v rows="$2" -v na=" $unsupported " '
	function row(c, e, r) {
		print kernel "," back "," det "," c "," e "," r >>rows
	}
	function kv(s, k,   i) {
		for (i = 1; i <= NF; i++)
			if (index($i, k "=") == 1)
				return substr($i, length(k) + 2)
		return ""
	}
	/^@@ begin / {
		kernel = kv($0, "kernel"); det = kv($0, "detect")
		back = kv($0, "backend"); open_cfg = 1; nfail = 0; ncase = 0
		next
	}
	/^case / && open_cfg {
		res = $NF; ncase++
		if (kv($0, "backend") != back) {
			printf "  %s/%s/%s: asked for %s, suite ran %s\n", kernel, det,
				$2, back, kv($0, "backend") >"/dev/stderr"
			res = "FAIL"
		}
		row($2, kv($0, "expect"), res)
		if (res == "PASS") p++
		else if (res == "BLIND" || res == "SKIP") s++
		else { f++; nfail++ }
		next
	}
	/^@@ end rc=/ {
		rc = kv($0, "rc") + 0; open_cfg = 0
		if (rc == 2 && index(na, " " det "/" back " ")) {
			printf "  %s %s/%s: not supported by design\n", kernel, det,
				back >"/dev/stderr"
			row("(start)", "-", "N/A"); s++; nna++
		} else if (rc == 2) {
			printf "  %s %s/%s: backend did not start\n", kernel, det,
				back >"/dev/stderr"
			row("(start)", "-", "NOSTART"); f++
		} else if (rc != 0 && nfail == 0) {
			printf "  %s %s/%s: runner exited %d\n", kernel, det, back,
				rc >"/dev/stderr"
			row("(runner)", "-", "EXIT" rc); f++
		} else if (rc == 0 && ncase == 0) {
			printf "  %s %s/%s: no cases ran\n", kernel, det,
				back >"/dev/stderr"
			row("(runner)", "-", "NOCASES"); f++
		}
		next
	}
	END {
		if (open_cfg) {
			printf "  %s %s/%s: guest stopped mid-run\n", kernel, det,
				back >"/dev/stderr"
			row("(runner)", "-", "UNFINISHED"); f++
		}
		print p + 0, f + 0, s + 0, nna + 0
	}'
}

# "verify" lines of one guest log ($1): rows for results/verifier.csv
# (appended to $2; columns as the host's tests/test_verifier_budget.c) and
# "OK OVER" on stdout.  OVER (past a quarter of the verifier's limit, or
# E2BIG) fails the run; FAIL (a hook this kernel lacks) is the suite's.
verifier_rows() {
	tr -d '\r' <"$1" | awk -v rows="$2" '
	/^@@ guest / { for (i = 1; i <= NF; i++) if ($i ~ /^kernel=/) k = substr($i, 8) }
	/^verify / && NF >= 7 {
		obj = $2; sub(/\.bpf\.o$/, "", obj); sub(/^detect_/, "", obj); prog = $3
		b = "-"
		if (prog ~ /lsm/) b = "lsm"
		else if (prog ~ /fentry|fexit/) b = "fentry"
		else if (prog ~ /k(ret)?probe/) b = "kprobe"
		else if (prog ~ /_tp_|tracepoint/) b = "tracepoint"
		n = substr($6, 7); sh = substr($7, 7)
		if (n == "-") n = ""; if (sh == "-") sh = ""
		st = $5 == "OK" ? "ok" : $5 == "OVER" ? "over" : "not_loaded"
		why = ""; for (i = 8; i <= NF; i++) why = why (why == "" ? "" : " ") $i
		print k "," obj "," $4 "," b "," prog "," n ",1000000," sh "," st "," why >>rows
		if ($5 == "OVER") over++; else if ($5 == "OK") ok++
	}
	END { print ok + 0, over + 0 }'
}

# Replaces the guests' kernels' rows of results/verifier.csv ($1) with
# this run's, keeping the host's and other kernels'.
write_verifier_csv() {
	local out=$1 k
	[ -s "$vrows" ] || return 0
	[ -s "$out" ] || echo "kernel,detect,config,backend,program,insns,limit,share,status,note" >"$out"
	cp "$out" "$out.tmp"
	for k in $(cut -d, -f1 "$vrows" | sort -u); do
		grep -v "^$k," "$out.tmp" >"$out.tmp2"; mv "$out.tmp2" "$out.tmp"
	done
	cat "$vrows" >>"$out.tmp" && mv "$out.tmp" "$out" && echo "$label: wrote $out"
}

# Prints $detects without fanotify when the kernel's config (beside its
# vmlinuz) says it cannot: permission events need
# CONFIG_FANOTIFY_ACCESS_PERMISSIONS.  The reason goes to $2/fanotify.na.
# No config file: fanotify runs and the guest says what it finds.
guest_detects() {
	local vmlinuz=$1 dir=$2 cfg opt
	cfg=$(dirname "$vmlinuz")/config-${vmlinuz##*/vmlinuz-}
	case ",$detects," in *,fanotify,*) ;; *) echo "$detects"; return ;; esac
	for opt in CONFIG_FANOTIFY CONFIG_FANOTIFY_ACCESS_PERMISSIONS; do
		if [ -r "$cfg" ] && ! grep -q "^$opt=y" "$cfg"; then
			echo "${vmlinuz##*/vmlinuz-} kernel config lacks $opt" >"$dir/fanotify.na"
			tr , '\n' <<<"$detects" | grep -vx fanotify | paste -sd, -
			return
		fi
	done
	echo "$detects"
}

# Boot one kernel; results in $rundir/META/ (qemu.rc: qemu's exit status).
boot_one() {
	local meta=$1 vmlinuz=$2 dir=$rundir/$1 n det
	local append="console=ttyS0 quiet panic=-1 lsm=$lsm bs.mode=$mode"

	rm -rf "$dir" && mkdir -p "$dir"
	det=$(guest_detects "$vmlinuz" "$dir")
	append+=" bs.backends=$backends bs.detects=$det bs.timeout=$limit"
	[ -n "$brk" ] && append+=" bs.break=$brk"
	[ -n "$only" ] && append+=" bs.case=$only"
	# the guest bounds each configuration; this bounds the whole boot
	n=$(($(tr , '\n' <<<"$backends" | wc -l) * $(tr , '\n' <<<"$detects" | wc -l)))
	timeout $((limit * n + 60)) qemu-system-x86_64 -accel tcg -cpu max \
		-m 1024 -smp 1 -nodefaults -display none -monitor none \
		-no-reboot -kernel "$vmlinuz" -initrd "$initrd" \
		-append "$append" \
		-serial "file:$dir/console.log" -serial "file:$dir/results.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 2>"$dir/qemu.err"
	echo $? >"$dir/qemu.rc"
}

# Adds one finished boot to the counters and appends its rows to $rows.
report_one() {
	local meta=$1 dir=$rundir/$1 rc p f s na

	rc=$(cat "$dir/qemu.rc" 2>/dev/null || echo 255)
	echo "$label: results of $meta"
	tr -d '\r' <"$dir/results.log" | grep -v '^@@' | sed "s/^/  | /"
	read -r p f s na < <(parse "$dir/results.log" "$rows")
	read -r vok vover < <(verifier_rows "$dir/results.log" "$vrows")
	[ "$vover" -gt 0 ] && echo "  $meta: $vover program x configuration over the verifier budget"
	f=$((f + vover)) p=$((p + vok))
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ -f "$dir/fanotify.na" ]; then
		read -r kver why <"$dir/fanotify.na"
		echo "  $kver fanotify/fanotify: unsupported: $why"
		echo "$kver,fanotify,fanotify,(start),-,N/A" >>"$rows"
		skipped=$((skipped + 1))
	fi
	# isa-debug-exit: (code << 1) | 1; anything else: the guest never got
	# to report (panic, hang, qemu error)
	if [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ] || ! grep -q '^@@ done' "$dir/results.log"; then
		echo "$label: $meta: guest did not finish (qemu exit $rc); console:"
		tail -n 15 "$dir/console.log" "$dir/qemu.err" 2>/dev/null | tr -d "\r" | sed "s/^/  ! /"
		failed=$((failed + 1))
	elif [ "$rc" -eq 3 ] && [ "$f" -eq 0 ] && [ "$na" -eq 0 ]; then
		echo "$label: $meta: guest reported a failure no case line shows"
		failed=$((failed + 1))
	fi
}

# --parse-only LOG: the result-line parser alone (tests/vm/check-parse.sh)
if [ -n "${parse_only:-}" ]; then
	parse "$parse_only" /dev/stdout
	exit
fi

# --detects-for VMLINUZ: the detects a guest of that kernel is asked for,
# and why fanotify is left out (tests/vm/check-parse.sh)
if [ -n "${detects_for:-}" ]; then
	tmp=$(mktemp -d) && guest_detects "$detects_for" "$tmp"
	cat "$tmp/fanotify.na" 2>/dev/null
	rm -rf "$tmp"
	exit
fi

command -v qemu-system-x86_64 >/dev/null ||
	skip_all "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
[ -r "$initrd" ] || { echo "$label: no initramfs ${initrd:-given}"; failed=1; finish; }
mkdir -p "$kdir" "$rundir"
rows=$(mktemp) && vrows=$(mktemp) && trap 'rm -f "$rows" "$vrows"' EXIT

# Fetch sequentially (apt), boot up to $jobs guests at once (one TCG vCPU
# each), then report in matrix order.
booted=()
for meta in $kernels; do
	if ! vmlinuz=$(kernel_image "$meta"); then
		echo "$label: skipped $meta: no kernel package could be fetched"
		skipped=$((skipped + 1))
		continue
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	echo "$label: booting ${vmlinuz##*/} ($mode)"
	boot_one "$meta" "$vmlinuz" &
	booted+=("$meta")
done
wait
for meta in "${booted[@]}"; do
	report_one "$meta"
done
ran=${#booted[@]}

if [ -n "$csv" ] && [ "$ran" -gt 0 ]; then
	mkdir -p "$(dirname "$csv")"
	{ echo "kernel,backend,detect,case,expect,result"; cat "$rows"; } >"$csv.tmp" &&
		mv "$csv.tmp" "$csv" && echo "$label: wrote $csv"
fi
[ -n "$csv" ] && [ "$ran" -gt 0 ] && write_verifier_csv "$(dirname "$csv")/verifier.csv"
finish
