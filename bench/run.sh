#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/run.sh - `make bench`: what the observer costs, measured against its
# peers in the same run, printed as a table and as JSON. BENCHMARKS.md says
# how each figure is obtained and what it is compared with.
#
#   1  probe cost per hit in a tight loop: no probe, probe with nothing
#      attached, the empty BPF program (the bare uprobe trap), the observer,
#      bpftrace doing the same aggregation
#   2  BPF-side time per hit, per rule, from kernel.bpf_stats_enabled
#   3  the reference IdP's throughput under wrk, observer off and on, ABBA
#   4  scrape cost at 1k, 10k and 100k series: callgrind instructions, wall
#      time, the observer's resident memory
#   5  the observer's CPU use idle and under one scrape per second
#
# Needs root and BPF. Every process it starts is ended by PID on exit, its
# pins (/sys/fs/bpf/agentidp-bench-*) are removed, and
# kernel.bpf_stats_enabled is put back to what it was.
#
# Environment: BUILD (absolute build dir), BENCH_QUICK=1 for a fast smoke
# run with small counts (its numbers are not worth recording).
# shellcheck disable=SC2119 # stack.sh functions take an optional port
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
B=$BUILD/bench
RAW=$B/raw
OBSERVER=${OBSERVER:-$BUILD/agentidp-observer}
LOOP=$B/probe-loop
PIN_BASE=/sys/fs/bpf/agentidp-bench-$$
RESULTS=$B/results.tsv
JSON=$B/results.json
TABLE=$B/results.txt

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	REPS=3 HITS=50000 HITS_FREE=2000000 WRK_S=2 WRK_PAIRS=1 IDLE_S=3
	LEVELS=(1000 10000)
else
	REPS=9 HITS=200000 HITS_FREE=20000000 WRK_S=8 WRK_PAIRS=3 IDLE_S=10
	LEVELS=(1000 10000 100000)
fi
KINDS=(str1 str2 int3)
declare -A KIND_PROBE=([str1]=tenant_api_call [str2]=rate_limit_hit
	[str2b]=billing_limit_rejection [int3]=db_pool_state)

declare -a PIDS=()
STATS_OLD=""
STACK_UP=0

log() { echo "bench: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	[ "$STACK_UP" = 1 ] && stack_stop
	[ -n "${STACK_DIR:-}" ] && rm -rf "$STACK_DIR"
	[ -n "$STATS_OLD" ] && sysctl -q -w kernel.bpf_stats_enabled="$STATS_OLD"
	rm -rf "$PIN_BASE"-*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# res KEY VALUE: one figure of the machine-readable copy.
res() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"; }
get() { awk -F'\t' -v k="$1" '$1 == k { v = $2 } END { print v }' "$RESULTS"; }

# calc FMT EXPR A [B [C]]: awk arithmetic on a, b and c, printed with FMT;
# nothing when A or B (if given) is missing.
calc() {
	local fmt=$1 expr=$2
	shift 2
	awk -v a="${1:-}" -v b="${2-x}" -v c="${3:-}" \
		"BEGIN { if (a != \"\" && b != \"\") printf \"$fmt\", $expr }"
}

# stop PID: end one process this script started, and wait for it.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

wait_http() {
	for _ in $(seq 1 "${2:-300}"); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_observer PIN TARGET [FLAGS...]: sets OBS_PID and OBS_URL. A port
# found free can be taken by someone else before the observer binds it: if
# the observer exits, it is tried again on another port.
start_observer() {
	local pin=$1 target=$2 port
	shift 2
	for _ in 1 2 3; do
		port=$(free_port) || die "no free port"
		rm -rf "$pin"
		"$OBSERVER" --target "$target" --web.listen-address "127.0.0.1:$port" \
			--bpffs.path "$pin" "$@" 2>>"$RAW/observer.log" &
		OBS_PID=$!
		PIDS+=("$OBS_PID")
		OBS_URL=http://127.0.0.1:$port
		for _ in $(seq 1 300); do
			curl -fsS -o /dev/null "$OBS_URL/" 2>/dev/null && return 0
			kill -0 "$OBS_PID" 2>/dev/null || break
			sleep 0.1
		done
		stop "$OBS_PID"
	done
	die "the observer did not start; see $RAW/observer.log"
}

# metric URL NAME: the value of the unlabelled sample NAME.
metric() { curl -fsS "$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'; }

# ---------------------------------------------------------------------------
# Tracers for section 1 and 2. tracer_start CFG sets TRACER_PID.

BT_SCRIPT=$B/aggregate.bt

write_bpftrace_script() {
	# The observer's aggregation, in bpftrace: a count per label tuple
	# (64-byte strings, as the observer reads), the last value per process.
	cat >"$BT_SCRIPT" <<-EOF
		usdt:$LOOP:agentidp:tenant_api_call { @api[str(arg0)] = count(); }
		usdt:$LOOP:agentidp:rate_limit_hit { @rl[str(arg0), str(arg1)] = count(); }
		usdt:$LOOP:agentidp:db_pool_state { @pool[pid] = (arg0, arg1, arg2); }
	EOF
}

tracer_start() {
	local out=$RAW/tracer.$1.log
	: >"$out"
	case $1 in
	empty | minimal)
		"$B/attach-empty" "$B/$1.bpf.o" "${TRACER_BIN:-$LOOP}" >"$out" 2>&1 &
		TRACER_PID=$!
		PIDS+=("$TRACER_PID")
		for _ in $(seq 1 100); do grep -q '^ready' "$out" && break; sleep 0.1; done
		grep -q '^ready' "$out" || die "attach-empty failed: $(head -3 "$out")"
		;;
	observer)
		start_observer "$PIN_BASE-probe" "$LOOP"
		TRACER_PID=$OBS_PID
		;;
	bpftrace)
		# bpftrace complains about RLIMIT_MEMLOCK and about the tracefs it
		# does not need; only a failure to attach matters.
		bpftrace "$BT_SCRIPT" >"$out" 2>&1 &
		TRACER_PID=$!
		PIDS+=("$TRACER_PID")
		for _ in $(seq 1 300); do grep -q '^Attaching' "$out" && break; sleep 0.1; done
		grep -q '^Attaching' "$out" || die "bpftrace failed: $(head -3 "$out")"
		;;
	esac
}

tracer_stop() {
	if [ "$1" = bpftrace ]; then
		kill -INT "$TRACER_PID" 2>/dev/null
		wait "$TRACER_PID" 2>/dev/null
	else
		stop "$TRACER_PID"
	fi
}

# ---------------------------------------------------------------------------
# 1. Probe cost per hit.

# stats_col: "min median max" of the numbers on stdin, one a line.
stats_col() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (!NR)
				exit
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f %.3f %.3f", v[1], m, v[NR]
		}'
}

probe_runs() {
	local cfg=$1 hits=$2 wait=() kinds=("${KINDS[@]}") loop=$LOOP traced=1
	case $cfg in
	free) traced=0 ;;
	disabled) traced=0 loop=$B/probe-loop-disabled ;;
	minimal) kinds=(str1) ;;
	esac
	[ "$traced" = 1 ] && wait=(--wait-attach) && tracer_start "$cfg"
	"$loop" loop "${wait[@]}" --hits "$hits" --reps "$REPS" "${kinds[@]}" \
		>>"$RAW/probe.$cfg" || die "probe-loop failed under $cfg"
	[ "$traced" = 1 ] && tracer_stop "$cfg"
	return 0
}

section_probe() {
	local cfg k mn md mx
	log "1/5 probe cost per hit ($REPS reps x $HITS hits, two rounds)"
	write_bpftrace_script
	rm -f "$RAW"/probe.*
	# Two rounds in opposite orders, so that drift of the machine during the
	# run does not favour whoever goes first.
	for cfg in disabled free empty minimal observer bpftrace bpftrace observer minimal empty \
		free disabled; do
		if [ "$cfg" = free ] || [ "$cfg" = disabled ]; then
			probe_runs "$cfg" "$HITS_FREE"
		else
			probe_runs "$cfg" "$HITS"
		fi
	done
	for cfg in disabled free empty minimal observer bpftrace; do
		for k in "${KINDS[@]}"; do
			read -r mn md mx <<<"$(awk -v k="$k" '$2 == k { print $4 }' "$RAW/probe.$cfg" | stats_col)"
			[ -n "$mn" ] || continue
			# ns per iteration of the loop with the probe site
			res "probe.$cfg.$k.loop_ns.min" "$mn"
			res "probe.$cfg.$k.loop_ns.median" "$md"
			res "probe.$cfg.$k.loop_ns.max" "$mx"
			read -r mn md mx <<<"$(awk -v k="$k" '$2 == k { print $4 - $3 }' "$RAW/probe.$cfg" | stats_col)"
			res "probe.$cfg.$k.hit_ns.min" "$mn"
			res "probe.$cfg.$k.hit_ns.median" "$md"
		done
	done
}

# ---------------------------------------------------------------------------
# 2. BPF-side time per hit (kernel.bpf_stats_enabled).

# prog_totals CFG: "run_time_ns run_cnt" summed over the tracer's programs.
prog_totals() {
	case $1 in
	observer)
		curl -fsS "$OBS_URL/metrics" | awk '
			$1 == "agentidp_observer_bpf_program_run_seconds_total" { t = $2 }
			$1 == "agentidp_observer_bpf_program_runs_total" { n = $2 }
			END { printf "%.0f %d\n", t * 1e9, n }'
		;;
	empty | minimal)
		bpftool prog show id "$EMPTY_ID" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
		;;
	bpftrace)
		# bpftrace names each program after its probe; no other loader here does.
		bpftool prog show -j | jq -r --argjson ids "$BT_IDS" \
			'[.[] | select(.id as $i | $ids | index($i))] |
			 "\(map(.run_time_ns // 0) | add) \(map(.run_cnt // 0) | add)"'
		;;
	esac
}

section_bpf_stats() {
	local cfg k before after
	log "2/5 BPF-side time per hit (kernel.bpf_stats_enabled)"
	STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled) || die "no kernel.bpf_stats_enabled"
	sysctl -q -w kernel.bpf_stats_enabled=1 || die "cannot set kernel.bpf_stats_enabled"
	for cfg in empty minimal observer bpftrace; do
		local ids_before kinds=(str1 str2 int3)
		[ "$cfg" = minimal ] && kinds=(str1)
		ids_before=$(bpftool prog show -j | jq -c '[.[].id]')
		tracer_start "$cfg"
		EMPTY_ID=$(sed -n 's/^ready prog_id=\([0-9]*\).*/\1/p' "$RAW/tracer.$cfg.log")
		BT_IDS=$(bpftool prog show -j | jq -c --argjson old "$ids_before" \
			'[.[] | select((.id as $i | $old | index($i) | not) and
			  (.name == "tenant_api_call" or .name == "rate_limit_hit" or
			   .name == "db_pool_state"))
			  | .id]')
		for k in "${kinds[@]}"; do
			before=$(prog_totals "$cfg")
			"$LOOP" loop --wait-attach --hits "$HITS" --reps 1 "$k" >/dev/null ||
				die "probe-loop failed"
			after=$(prog_totals "$cfg")
			res "bpf.$cfg.$k.ns_per_run" "$(echo "$before $after" |
				awk '{ printf "%.1f", ($4 > $2) ? ($3 - $1) / ($4 - $2) : 0 }')"
		done
		tracer_stop "$cfg"
	done
	sysctl -q -w kernel.bpf_stats_enabled="$STATS_OLD"
}

# ---------------------------------------------------------------------------
# 3. The reference IdP under wrk, observer off and on.

# wrk_run: one fixed load; prints "requests_per_s requests".
wrk_run() {
	wrk -t2 -c16 -d"${WRK_S}s" -H "Authorization: Bearer $TOKEN" \
		"$STACK_IDP_URL/v1/usage" 2>&1 | tee -a "$RAW/wrk.log" |
		awk '/ requests in / { n = $1 } /^Requests\/sec:/ { r = $2 }
			END { print (r == "" ? 0 : r), (n == "" ? 0 : n) }'
}

# idp_events: probe hits the observer has seen, all probes together.
idp_events() {
	curl -fsS "$STACK_OBS_URL/metrics" |
		awk '/^agentidp_observer_probe_events_total/ { s += $2 } END { print s + 0 }'
}

section_idp() {
	local i mode rps reqs secret token_json ev cpu0 cpu1
	log "3/5 reference IdP under wrk ($WRK_PAIRS x off/empty/on/on/empty/off, ${WRK_S}s runs)"
	# shellcheck source=examples/demo/stack.sh
	source "$TOP/examples/demo/stack.sh"
	# A copy of the IdP of our own: a tracer attached to build/agentidp-idp
	# by someone else (tests, demo) cannot touch it, nor a rebuild.
	mkdir -p "$B/stack-bin"
	cp "$BUILD/agentidp-idp" "$B/stack-bin/agentidp-idp"
	cp "$OBSERVER" "$B/stack-bin/agentidp-observer"
	STACK_DIR=/tmp/agentidp-bench-$$
	# A pro tenant and a rate limit that never bites: every request is the
	# same full path (token lookup, rate limit in Redis, usage read).
	# shellcheck disable=SC2034 # read by stack.sh
	STACK_API_RATE=1000000000/1
	# shellcheck disable=SC2034
	STACK_POOL_SIZE=8
	STACK_UP=1
	local saved_build=$BUILD
	BUILD=$B/stack-bin
	if ! { stack_prepare && stack_start_redis && stack_start_postgres; }; then
		die "the stack did not start; see $STACK_DIR/log"
	fi
	secret=$(stack_provision benchcorp pro bench-app) || die "provisioning failed"
	stack_start_idp || die "the IdP did not start"
	token_json=$(curl -fsS -u "bench-app:$secret" -d grant_type=client_credentials \
		"$STACK_IDP_URL/oauth2/token") || die "no token from the IdP"
	TOKEN=$(echo "$token_json" | jq -r .access_token)
	# Warm the IdP, its pool and the database caches.
	wrk -t2 -c16 -d2s -H "Authorization: Bearer $TOKEN" "$STACK_IDP_URL/v1/usage" >/dev/null

	: >"$RAW/wrk.log"
	: >"$RAW/idp.runs"
	for ((i = 0; i < WRK_PAIRS; i++)); do
		# Each mode's runs sit symmetrically around the middle of the
		# sequence, so a slow drift of the machine favours none of them.
		for mode in off empty on on empty off; do
			case $mode in
			on) stack_start_observer "$PIN_BASE-idp" || die "observer on the IdP failed" ;;
			empty) TRACER_BIN=$B/stack-bin/agentidp-idp tracer_start empty ;;
			esac
			cpu0=$(proc_ticks "$STACK_IDP_PID")
			read -r rps reqs <<<"$(wrk_run)"
			cpu1=$(proc_ticks "$STACK_IDP_PID")
			ev=0
			case $mode in
			on)
				ev=$(idp_events)
				[ "$ev" -gt 0 ] || die "the observer counted no probe hit in the IdP"
				kill -TERM "$STACK_OBS_PID"
				wait "$STACK_OBS_PID" 2>/dev/null
				rm -rf "$PIN_BASE-idp"
				;;
			empty) tracer_stop empty ;;
			esac
			echo "$mode $rps $reqs $ev $((cpu1 - cpu0))" >>"$RAW/idp.runs"
		done
	done
	BUILD=$saved_build
	stack_stop
	STACK_UP=0
	# idp.runs columns: mode, req/s, requests, probe hits, IdP CPU ticks.
	for mode in off empty on; do
		res "idp.$mode.rps.mean" "$(awk -v m="$mode" '$1 == m { s += $2; n++ }
			END { printf "%.1f", s / n }' "$RAW/idp.runs")"
		# The IdP's own CPU time per request: far less noisy than throughput.
		res "idp.$mode.cpu_us_per_request" "$(awk -v m="$mode" -v hz="$(getconf CLK_TCK)" \
			'$1 == m { c += $5; r += $3 } END { printf "%.1f", c / hz / r * 1e6 }' \
			"$RAW/idp.runs")"
	done
	res idp.on.hits_per_request "$(awk '$1 == "on" { e += $4; r += $3 }
		END { printf "%.2f", e / r }' "$RAW/idp.runs")"
	res idp.runs "$(awk '{ printf "%s %s, ", $1, $2 }' "$RAW/idp.runs")"
}

# ---------------------------------------------------------------------------
# 4 and 5. Scrape cost against series count; CPU when idle.

# proc_mem PID: "VmRSS VmHWM" in KiB.
proc_mem() { awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' "/proc/$1/status"; }

# proc_ticks PID: user + system time of the whole process, threads that
# have exited included (clock ticks).
proc_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# proc_cpu PID: "on-CPU ns, context switches" summed over all its threads.
proc_cpu() {
	local t ns=0 cs=0 a b c
	for t in /proc/"$1"/task/*; do
		read -r a _ <"$t/schedstat" || continue
		b=$(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status")
		ns=$((ns + a))
		cs=$((cs + b))
	done
	c=$ns
	echo "$c $cs"
}

callgrind_scrape() {
	local level=$1 port out log pid n=3
	port=$(free_port) || die "no free port"
	out=$RAW/callgrind.$level.out
	log=$RAW/callgrind.$level.log
	# The same pins, reused: the observer under callgrind reads exactly the
	# maps the native one filled. Only scrape_render (map read, render) counts.
	valgrind --tool=callgrind --toggle-collect=scrape_render --callgrind-out-file="$out" \
		"$OBSERVER" --target "$LOOP" --series.limit 100000 \
		--web.listen-address "127.0.0.1:$port" --bpffs.path "$PIN_BASE-scrape" \
		>"$log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_http "http://127.0.0.1:$port/" 600 ||
		die "the observer under callgrind did not start; see $log"
	for _ in $(seq 1 "$n"); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/metrics" ||
			die "scrape under callgrind failed"
	done
	stop "$pid"
	awk -v n="$n" '/^totals:/ { printf "%.0f", $2 / n }' "$out"
}

section_scrape() {
	local level filled=0 i t times ir mn md series body_sz cpu0 cpu1 cs0 cs1
	log "4/5 scrape cost at ${LEVELS[*]} series; 5/5 CPU when idle"
	start_observer "$PIN_BASE-scrape" "$LOOP" --series.limit 100000
	for level in "${LEVELS[@]}"; do
		"$LOOP" fill --wait-attach "$filled" "$level" >/dev/null || die "fill failed"
		filled=$level
		series=$(curl -fsS "$OBS_URL/metrics" | grep -c '^agentidp_tenant_api_calls_total{')
		[ "$series" -eq "$level" ] || die "expected $level series, the observer shows $series"
		times=""
		for i in $(seq 1 7); do
			t=$(curl -fsS -o "$RAW/body.$level" -w '%{time_total}' "$OBS_URL/metrics")
			times="$times $(awk -v t="$t" 'BEGIN { printf "%.3f", t * 1000 }')"
		done
		body_sz=$(stat -c %s "$RAW/body.$level")
		read -r mn md _ <<<"$(echo "$times" | tr ' ' '\n' | grep . | stats_col)"
		res "scrape.$level.wall_ms.min" "$mn"
		res "scrape.$level.wall_ms.median" "$md"
		res "scrape.$level.render_ms" "$(metric "$OBS_URL" agentidp_observer_scrape_duration_seconds |
			awk '{ printf "%.2f", $1 * 1000 }')"
		res "scrape.$level.body_bytes" "$body_sz"
		read -r mn md <<<"$(proc_mem "$OBS_PID")"
		res "scrape.$level.rss_kib" "$mn"
		res "scrape.$level.hwm_kib" "$md"

		if [ "$level" = 10000 ] || [ "${#LEVELS[@]}" = 1 ]; then
			# 5. Idle: no scrapes at all; then one scrape a second.
			read -r cpu0 cs0 <<<"$(proc_cpu "$OBS_PID")"
			sleep "$IDLE_S"
			read -r cpu1 cs1 <<<"$(proc_cpu "$OBS_PID")"
			res cpu.idle.ms_per_s "$(calc %.4f '(b - a) / 1e6 / c' "$cpu0" "$cpu1" "$IDLE_S")"
			res cpu.idle.wakeups_per_s "$(calc %.1f '(b - a) / c' "$cs0" "$cs1" "$IDLE_S")"
			read -r cpu0 cs0 <<<"$(proc_cpu "$OBS_PID")"
			for _ in $(seq 1 "$IDLE_S"); do
				curl -fsS -o /dev/null "$OBS_URL/metrics"
				sleep 1
			done
			read -r cpu1 cs1 <<<"$(proc_cpu "$OBS_PID")"
			res cpu.scrape1s.ms_per_s "$(calc %.3f '(b - a) / 1e6 / c' "$cpu0" "$cpu1" "$IDLE_S")"
			res cpu.scrape1s.wakeups_per_s "$(calc %.1f '(b - a) / c' "$cs0" "$cs1" "$IDLE_S")"
			res cpu.series "$level"
		fi

		ir=$(callgrind_scrape "$level")
		res "scrape.$level.instructions" "$ir"
		res "scrape.$level.instructions_per_series" "$(calc %.0f 'a / b' "$ir" "$level")"
	done
	stop "$OBS_PID"
}

# load_note: record the 1-minute load average if it is the highest yet.
load_note() {
	local l
	read -r l _ </proc/loadavg
	[ "$(le "$l" "$(get load.max)")" = 1 ] && return 0
	res load.max "$l"
}

# ---------------------------------------------------------------------------
# The table.

r() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

# mm KEY: "min/median" of a figure.
mm() { echo "$(get "$1.min")/$(get "$1.median")"; }

# mib KEY: a KiB figure in MiB.
mib() { calc %.1f 'a / 1024' "$(get "$1")"; }

machine() {
	echo "$(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
		"kernel $(uname -r)"
}

print_table() {
	local k
	echo "agentidp-observer benchmarks ($(date -u +%Y-%m-%dT%H:%MZ))"
	echo "machine: $(machine); highest load average during the run: $(get load.max)"
	if [ "$(le "$(get load.max)" "$(nproc)")" = 0 ]; then
		echo "WARNING: the machine was busier than its $(nproc) CPUs during this run;" \
			"medians are not to be trusted, minima are the better figure."
	fi
	echo "tools: $(bpftrace --version 2>/dev/null | head -1), $(valgrind --version)," \
		"libbpf $(dpkg-query -W -f '${Version}' libbpf1 2>/dev/null)"
	echo
	echo "1. probe cost per hit, ns (probe loop minus paired no-probe loop)," \
		"min / median of $((2 * REPS)) reps"
	printf '%-6s %16s %16s %16s %16s %16s %16s %9s %9s\n' kind "compiled out" "unattached" \
		"empty BPF" "minimal agg." observer bpftrace "obs/bpftr" "obs/empty"
	for k in "${KINDS[@]}"; do
		printf '%-6s %16s %16s %16s %16s %16s %16s %9s %9s\n' "$k" \
			"$(mm "probe.disabled.$k.loop_ns")" "$(mm "probe.free.$k.loop_ns")" \
			"$(mm "probe.empty.$k.hit_ns")" "$(mm "probe.minimal.$k.hit_ns")" \
			"$(mm "probe.observer.$k.hit_ns")" "$(mm "probe.bpftrace.$k.hit_ns")" \
			"$(r "$(get "probe.observer.$k.hit_ns.median")" \
				"$(get "probe.bpftrace.$k.hit_ns.median")")" \
			"$(r "$(get "probe.observer.$k.hit_ns.median")" \
				"$(get "probe.empty.$k.hit_ns.median")")"
	done
	echo "   minimal agg./bpftrace for str1:" \
		"$(r "$(get probe.minimal.str1.hit_ns.median)" "$(get probe.bpftrace.str1.hit_ns.median)")" \
		"(the least any exact per-label counter can cost; bench/minimal.bpf.c)"
	echo "   (compiled out, unattached: ns per loop iteration, the probe site built with"
	echo "   AGENTIDP_PROBES_DISABLE and with nothing attached; traced columns: ns per hit"
	echo "   over the paired no-probe loop)"
	echo
	echo "2. BPF-side ns per run (kernel.bpf_stats_enabled)"
	printf '%-6s %-24s %10s %10s %10s %10s %10s\n' kind rule "empty" minimal observer \
		bpftrace "obs/bpftr"
	for k in str1 str2 int3; do
		printf '%-6s %-24s %10s %10s %10s %10s %10s\n' "$k" "${KIND_PROBE[$k]}" \
			"$(get "bpf.empty.$k.ns_per_run")" "$(get "bpf.minimal.$k.ns_per_run")" \
			"$(get "bpf.observer.$k.ns_per_run")" "$(get "bpf.bpftrace.$k.ns_per_run")" \
			"$(r "$(get "bpf.observer.$k.ns_per_run")" "$(get "bpf.bpftrace.$k.ns_per_run")")"
	done
	echo "   billing_limit_rejection runs the same code as rate_limit_hit (two strings)."
	echo
	echo "3. reference IdP, GET /v1/usage under wrk -t2 -c16, req/s"
	echo "   runs (mode req/s): $(get idp.runs)"
	echo "   mean: off $(get idp.off.rps.mean), empty BPF $(get idp.empty.rps.mean)," \
		"observer $(get idp.on.rps.mean)"
	echo "   observer/off $(r "$(get idp.on.rps.mean)" "$(get idp.off.rps.mean)")," \
		"empty/off $(r "$(get idp.empty.rps.mean)" "$(get idp.off.rps.mean)")," \
		"observer/empty $(r "$(get idp.on.rps.mean)" "$(get idp.empty.rps.mean)");" \
		"probe hits per request $(get idp.on.hits_per_request)"
	echo "   IdP CPU per request, us: off $(get idp.off.cpu_us_per_request)," \
		"empty BPF $(get idp.empty.cpu_us_per_request), observer $(get idp.on.cpu_us_per_request)"
	echo
	echo "4. scrape cost"
	printf '%-8s %14s %10s %16s %10s %12s %8s %8s\n' series instructions "Ir/series" \
		"wall ms min/med" "render ms" "body bytes" "RSS MiB" "HWM MiB"
	for k in "${LEVELS[@]}"; do
		printf '%-8s %14s %10s %16s %10s %12s %8s %8s\n' "$k" \
			"$(get "scrape.$k.instructions")" "$(get "scrape.$k.instructions_per_series")" \
			"$(mm "scrape.$k.wall_ms")" "$(get "scrape.$k.render_ms")" \
			"$(get "scrape.$k.body_bytes")" "$(mib "scrape.$k.rss_kib")" \
			"$(mib "scrape.$k.hwm_kib")"
	done
	echo
	echo "5. observer CPU at $(get cpu.series) series:" \
		"idle $(get cpu.idle.ms_per_s) ms/s ($(get cpu.idle.wakeups_per_s) wakeups/s);" \
		"one scrape a second $(get cpu.scrape1s.ms_per_s) ms/s" \
		"($(get cpu.scrape1s.wakeups_per_s) wakeups/s)"
	print_budget
}

# verdict DESC OK KEY: one budget line, "met" or "MISSED", with the
# figures; "n/a" when the section that measures it did not run.
verdict() {
	local desc=$1 ok=$2 word
	case $ok in
	1) word=met ;;
	0) word=missed ;;
	*) word=n/a ;;
	esac
	printf '   %-7s %s\n' "$([ "$word" = missed ] && echo MISSED || echo "$word")" "$desc"
	res "budget.$3" "$word"
}

# le A B: 1 if A <= B, 0 if not, n/a if either is missing.
le() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || a == "n/a" || b == "n/a")
			print "n/a"
		else
			print (a + 0 <= b + 0) ? 1 : 0
	}'
}

print_budget() {
	local k x y last=${LEVELS[-1]} first=${LEVELS[0]}
	echo
	echo "budget (issue 5), from the figures above:"
	for k in "${KINDS[@]}"; do
		x=$(calc %.3f 'a - b' "$(get "probe.free.$k.loop_ns.median")" \
			"$(get "probe.disabled.$k.loop_ns.median")")
		y=$(calc %.3f 'a - b' "$(get "probe.disabled.$k.loop_ns.max")" \
			"$(get "probe.disabled.$k.loop_ns.min")")
		verdict "$k unattached vs compiled out: $x ns/hit (medians), within the" \
			"$(le "$x" "$y")" "unattached.$k"
		echo "           compiled-out loop's own spread $y ns"
	done
	for k in "${KINDS[@]}"; do
		x=$(r "$(get "probe.observer.$k.hit_ns.median")" "$(get "probe.bpftrace.$k.hit_ns.median")")
		y=$(r "$(get "probe.observer.$k.hit_ns.min")" "$(get "probe.bpftrace.$k.hit_ns.min")")
		verdict "$k observer/bpftrace per hit <= 0.90: $x (medians), $y (minima)" \
			"$(le "$x" 0.90)" "vs_bpftrace.$k"
	done
	x=$(r "$(get probe.observer.str1.hit_ns.median)" "$(get probe.empty.str1.hit_ns.median)")
	y=$(r "$(get probe.observer.str1.hit_ns.min)" "$(get probe.empty.str1.hit_ns.min)")
	verdict "str1 observer/bare trap <= 1.35: $x (medians), $y (minima)" "$(le "$x" 1.35)" \
		vs_trap.str1
	x=$(get bpf.observer.str1.ns_per_run)
	verdict "str1 BPF side <= 250 ns: $x ns" "$(le "$x" 250)" bpf_side.str1
	x=$(r "$(get idp.on.rps.mean)" "$(get idp.off.rps.mean)")
	verdict "IdP throughput with the observer >= 0.98 of without: $x" "$(le 0.98 "$x")" idp
	for k in "${LEVELS[@]}"; do
		x=$(get "scrape.$k.instructions_per_series")
		verdict "scrape at $k series <= 1500 instructions/series: $x" "$(le "$x" 1500)" \
			"scrape_ir.$k"
	done
	x=$(get "scrape.$last.instructions_per_series")
	y=$(get "scrape.$first.instructions_per_series")
	verdict "scrape linear: instructions/series at $last within 10% of at $first ($x vs $y)" \
		"$(le "$x" "$(calc %.1f 'a * 1.1' "$y")")" scrape_linear
	x=$(mib "scrape.$last.hwm_kib")
	verdict "memory at $last series < 64 MiB: peak RSS $x MiB" "$(le "$x" 63.99)" memory
	x=$(get cpu.idle.ms_per_s)
	y=$(get cpu.idle.wakeups_per_s)
	verdict "idle: $x ms CPU/s, $y wakeups/s (met if < 0.1 ms/s and <= 1 wakeup/s)" \
		"$(calc %d '(a < 0.1 && b <= 1.05) ? 1 : 0' "$x" "$y")" idle
}

write_json() {
	jq -Rn '[inputs | split("\t") | {(.[0]): (.[1] | tonumber? // .)}] | add' <"$RESULTS" >"$JSON"
}

# ---------------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "needs root (BPF, kernel.bpf_stats_enabled)"
[ -x "$OBSERVER" ] || die "$OBSERVER is not built"
for tool in bpftrace wrk valgrind bpftool jq curl; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh bench)"
done
make -C "$TOP" --no-print-directory -f Makefile -f bench/bench.mk BUILD="$BUILD" bench-tools ||
	die "cannot build the bench tools"
mkdir -p "$RAW"
rm -f "$RESULTS" "$RAW/idp.runs" "$RAW/observer.log"
res machine "$(machine)"
res date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

SECTIONS=${BENCH_SECTIONS:-probe bpf_stats idp scrape}
for s in $SECTIONS; do
	# The highest 1-minute load average seen at a section's start or end:
	# other people's work on the machine shows up here, not in the ratios.
	load_note
	"section_$s"
	load_note
done
print_table | tee "$TABLE"
write_json
log "results: $TABLE, $JSON (raw data under $RAW)"
