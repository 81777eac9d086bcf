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
#        [--unsupported FILE] [--jobs N]
#   --kernels: [SUITE:]META..., e.g. bullseye:linux-image-cloud-amd64
#   --unsupported: configurations expected not to start, per kernel
#     (default tests/vm/unsupported, which says the format)
set -uo pipefail

build=${BUILD:-build} initrd= csv= mode=probe brk= only= label=vm
kernels="bullseye:linux-image-cloud-amd64 linux-image-cloud-amd64 linux-image-6.12-cloud-amd64 sid:linux-image-cloud-amd64"
backends=lsm,fentry,kprobe,tracepoint detects=open,readscan,fanotify
# per configuration (the slowest took 60 s, a loaded host, TCG)
limit=${VM_TIMEOUT:-180}
lsm=lockdown,capability,landlock,yama,apparmor,bpf
unsupported=$(dirname "$0")/unsupported jobs=2

# each option and the variable its value goes to
declare -A opt_var=(
	[--build]=build [--initrd]=initrd [--kernels]=kernels [--csv]=csv
	[--mode]=mode [--break-case]=brk [--case]=only [--backends]=backends
	[--detects]=detects [--timeout]=limit [--label]=label
	[--unsupported]=unsupported [--jobs]=jobs [--parse-only]=parse_only
	[--detects-for]=detects_for
)
while [ $# -gt 0 ]; do
	var=${1:+${opt_var[$1]:-}}
	[ -n "$var" ] || { echo "$label: unknown option $1" >&2; exit 2; }
	[ $# -ge 2 ] || { echo "$label: $1 needs a value" >&2; exit 2; }
	printf -v "$var" '%s' "$2"
	shift 2
done

# absolute: apt downloads run from a temp dir, and a relative build dir
# there named an empty private apt setup (no kernel found on a fresh clone)
build=$(realpath -m "$build")
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

# A kernel is "META" (the system's apt, bookworm here) or "SUITE:META": a
# suite bookworm's apt does not know, read through a private apt setup
# under $build/vm/apt/SUITE (own sources list, lists and cache; the
# system's sources are never touched).  Stable suites get their -security
# archive too.
apt_dir() {
	local suite=$1 dir
	# apt reads relative Dir:: paths below /etc/apt
	dir=$(realpath -m "$build/vm/apt/$suite")

	if [ ! -f "$dir/sources.list" ]; then
		mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/parts"
		{
			echo "deb http://deb.debian.org/debian $suite main"
			case "$suite" in
			sid | unstable | experimental) ;;
			*) echo "deb http://deb.debian.org/debian-security $suite-security main" ;;
			esac
		} >"$dir/sources.list"
	fi
	echo "$dir"
}

# apt-get or apt-cache ($2) for suite $1 ("": the system's), then args.
apt_in() {
	local suite=$1 tool=$2 dir
	shift 2
	if [ -z "$suite" ]; then
		"$tool" "$@"
		return
	fi
	dir=$(apt_dir "$suite")
	"$tool" -o Dir::Etc::SourceList="$dir/sources.list" \
		-o Dir::Etc::SourceParts="$dir/parts" \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
		-o APT::Sandbox::User=root "$@"
}

# Package -> what it depends on whose name matches $3 (awk regex).
depends_on() {
	apt_in "$1" apt-cache depends --no-recommends --no-suggests "$2" 2>/dev/null |
		awk -v re="$3" '$1 == "Depends:" && $2 ~ re { print $2 }'
}

# Metapackage -> the versioned image package it currently depends on.
resolve() {
	depends_on "$1" "$2" '^linux-image-' | head -1
}

# Download and unpack package $2 of suite $1 into $3; 0 when unpacked.
fetch_deb() {
	local suite=$1 pkg=$2 x=$3 tmp=$3.dl

	mkdir -p "$tmp" || return 1
	(cd "$tmp" && apt_in "$suite" apt-get download -q "$pkg") >"$tmp/log" 2>&1 &&
		dpkg-deb -x "$tmp"/*.deb "$x" 2>>"$tmp/log"
	local rc=$?
	[ "$rc" -eq 0 ] || tail -3 "$tmp/log" | sed "s/^/$label:   /"
	rm -rf "$tmp"
	return "$rc"
}

# Download one image package and keep only vmlinuz + config, as
# $kdir/$pkg/boot/{vmlinuz,config}-VERSION: the guest needs no modules.
# Newer packaging (sid, 2026) ships an empty linux-image-V that depends on
# linux-binary-V (/usr/lib/modules/V/vmlinuz) and linux-base-V (its
# config): those are fetched too.
download() {
	local suite=$1 pkg=$2 tmp dep f v

	tmp=$(mktemp -d "$kdir/dl.XXXXXX") || return 1
	fetch_deb "$suite" "$pkg" "$tmp/x" || { rm -rf "$tmp"; return 1; }
	if ! ls "$tmp"/x/boot/vmlinuz-* >/dev/null 2>&1; then
		for dep in $(depends_on "$suite" "$pkg" '^linux-(binary|base)-[0-9]'); do
			fetch_deb "$suite" "$dep" "$tmp/x" || { rm -rf "$tmp"; return 1; }
		done
	fi
	mkdir -p "$tmp/boot"
	for f in "$tmp"/x/boot/vmlinuz-* "$tmp"/x/boot/config-*; do
		[ -f "$f" ] && mv "$f" "$tmp/boot/"
	done
	for f in "$tmp"/x/usr/lib/modules/*/vmlinuz "$tmp"/x/usr/lib/modules/*/config; do
		[ -f "$f" ] || continue
		v=${f%/*} v=${v##*/}
		mv "$f" "$tmp/boot/${f##*/}-$v"
	done
	if ! ls "$tmp"/boot/vmlinuz-* >/dev/null 2>&1; then
		echo "$label:   $pkg and what it depends on hold no vmlinuz"
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "${kdir:?}/$pkg"
	mkdir -p "$kdir/$pkg" && mv "$tmp/boot" "$kdir/$pkg/boot"
	rm -rf "$tmp"
}

have_image() {
	[ -n "$1" ] && ls "$kdir/$1"/boot/vmlinuz-* >/dev/null 2>&1
}

fetch_image() {
	[ -n "$2" ] || return 1
	echo "$label: fetching $2${1:+ ($1)}" >&2
	download "$1" "$2" >&2
}

# Prints the cached vmlinuz for a kernel ([SUITE:]META), fetching it when
# missing.  Lists that are missing or stale (their package is gone from
# the mirror) are updated once; offline, what the last run resolved and
# cached is used.
kernel_image() {
	local spec=$1 suite= meta=$1 pkg cached

	case "$spec" in *:*) suite=${spec%%:*} meta=${spec#*:} ;; esac
	cached=$(cat "$kdir/${spec/:/_}.pkg" 2>/dev/null)
	pkg=$(resolve "$suite" "$meta")
	have_image "$pkg" || fetch_image "$suite" "$pkg"
	if ! have_image "$pkg"; then
		echo "$label: updating the package lists for ${suite:-the system}" >&2
		apt_in "$suite" apt-get update -q >/dev/null 2>&1
		pkg=$(resolve "$suite" "$meta")
		have_image "$pkg" || fetch_image "$suite" "$pkg"
	fi
	if ! have_image "$pkg"; then
		have_image "$cached" || {
			echo "$label: apt knows no package $meta${suite:+ in $suite}" >&2
			return 1
		}
		echo "$label: $spec: using the cached $cached" >&2
		pkg=$cached
	fi
	echo "$pkg" >"$kdir/${spec/:/_}.pkg"
	ls "$kdir/$pkg"/boot/vmlinuz-* | head -1
}

# Guest result lines -> CSV rows (appended to $2) and "P F S N/A" on stdout.
# Configurations the $unsupported file expects not to start on that
# kernel are skipped, not failed, and say why.  Messages for humans go to
# stderr.
parse() {
	tr -d '\r' <"$1" | awk -v rows="$2" -v naf="$unsupported" '
	BEGIN {
		while ((getline l < naf) > 0) {
			if (l ~ /^[ \t]*(#|$)/) continue
			split(l, w, " "); nna_rules++
			na_det[nna_rules] = w[1]; na_back[nna_rules] = w[2]
			na_below[nna_rules] = w[3]
			sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]+/, "", l)
			na_why[nna_rules] = l
		}
	}
	# "5.10.0-46-cloud-amd64" -> 5 * 1000 + 10; 0: not a version
	function kver(k,   v) {
		if (!match(k, /^[0-9]+\.[0-9]+/)) return 0
		split(substr(k, 1, RLENGTH), v, ".")
		return v[1] * 1000 + v[2]
	}
	# why kernel k is not expected to start det/back; "" when it is
	function na_reason(k, d, b,   i, v) {
		for (i = 1; i <= nna_rules; i++) {
			if (na_det[i] != d || (na_back[i] != "*" && na_back[i] != b))
				continue
			if (na_below[i] == "-") return na_why[i]
			v = kver(k)
			if (v && v < kver(na_below[i])) return na_why[i]
		}
		return ""
	}
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
		why = rc == 2 ? na_reason(kernel, det, back) : ""
		if (why != "") {
			printf "  %s %s/%s: not supported: %s\n", kernel, det,
				back, why >"/dev/stderr"
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
	local meta=$1 vmlinuz=$2 dir=$rundir/${1/:/_} n det
	local append="console=ttyS0 quiet panic=-1 no_timer_check lsm=$lsm bs.mode=$mode"

	rm -rf "$dir" && mkdir -p "$dir"
	SECONDS=0
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
	echo "$SECONDS" >"$dir/secs"
}

# Adds one finished boot to the counters and appends its rows to $rows.
report_one() {
	local meta=$1 dir=$rundir/${1/:/_} rc p f s na

	rc=$(cat "$dir/qemu.rc" 2>/dev/null || echo 255)
	echo "$label: results of $meta (guest ran $(cat "$dir/secs" 2>/dev/null)s)"
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

# Fetch every kernel first (apt, one at a time), boot up to $jobs guests at
# once (one TCG vCPU each), newest first: newer verifiers take longest, so
# the short old guests fill in behind them.  Report in matrix order.
booted=()
declare -A image
for meta in $kernels; do
	if ! image[$meta]=$(kernel_image "$meta"); then
		echo "$label: skipped $meta: no kernel package could be fetched"
		skipped=$((skipped + 1))
		continue
	fi
	booted+=("$meta")
done
for ((i = ${#booted[@]} - 1; i >= 0; i--)); do
	meta=${booted[i]} vmlinuz=${image[${booted[i]}]}
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	echo "$label: booting ${vmlinuz##*/} ($mode)"
	boot_one "$meta" "$vmlinuz" &
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
