# SPDX-License-Identifier: BSD-2-Clause
#
# Shared helpers for the integration tests (bash). Each test script sources
# this file, prints one "ok - ..." or "not ok - ..." line per assertion, and
# tests/run.sh adds the lines up into the final "N passed, N failed".
#
# Every process a test starts is recorded and ended by PID on exit; nothing
# is ever ended by name.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-$TOP/build}
OBSERVER=${OBSERVER:-$BUILD/agentidp-observer}

declare -a LIB_PIDS=()
LIB_TMP=$(mktemp -d /tmp/agentidp-test.XXXXXX)

lib_cleanup() {
	local pid
	for pid in "${LIB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${LIB_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# LIB_KEEP_LOGS=DIR keeps the observer logs, written in full by now, for
	# a caller that checks them (test_sanitized.sh looks for sanitizer reports).
	if [ -n "${LIB_KEEP_LOGS:-}" ]; then
		local log
		for log in "$LIB_TMP"/observer.*.log; do
			[ -f "$log" ] && cp "$log" "$LIB_KEEP_LOGS/$(basename "$0" .sh).$(basename "$log")"
		done
	fi
	rm -rf "$LIB_TMP"
	# This test's own pins, also when it stopped early (OBS_PIN is set below).
	case "${OBS_PIN:-}" in /sys/fs/bpf/agentidp-test-*) rm -rf "$OBS_PIN" ;; esac
}
trap lib_cleanup EXIT

# track PID: remember a background process so that it is ended on exit.
track() { LIB_PIDS+=("$1"); }

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" == "$3" ]; then
		ok "$1"
	else
		not_ok "$1: expected '$2', got '$3'"
	fi
}

# check_cmd DESC CMD...: the command must exit 0; its output is shown if not.
check_cmd() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc: '$*' failed: $(echo "$out" | head -5 | tr '\n' ' ')"
	fi
}

# expect_exit DESC CODE PATTERN CMD...: a refusal: the exit code, exactly
# one line on stderr, and that line says PATTERN.
expect_exit() {
	local desc=$1 code=$2 pattern=$3 err rc
	shift 3
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	check_eq "$desc: exit code" "$code" "$rc"
	check_eq "$desc: one line on stderr" 1 "$(grep -c . <<<"$err")"
	grep -q -- "$pattern" <<<"$err" && ok "$desc: says '$pattern'" ||
		not_ok "$desc: stderr '$err' lacks '$pattern'"
}

# fatal MSG: a broken precondition; the script cannot go on.
fatal() {
	not_ok "$*"
	exit 1
}

# require_root_bpf: these tests need root and a kernel with BPF. Outside CI
# they are skipped with a visible line; under CI=true a missing capability is
# a failure, never a skip.
require_root_bpf() {
	local why=""
	if [ "$(id -u)" -ne 0 ]; then
		why="not root"
	elif [ ! -e /sys/kernel/btf/vmlinux ]; then
		why="kernel has no BTF (/sys/kernel/btf/vmlinux)"
	fi
	[ -z "$why" ] && return 0
	if [ "${CI:-}" = true ]; then
		fatal "root and BPF are required under CI=true: $why"
	fi
	echo "skip - $(basename "$0"): $why"
	exit 0
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# wait_http URL [TRIES]: poll until URL answers (10 ms steps).
wait_http() {
	local url=$1 tries=${2:-500}
	for _ in $(seq 1 "$tries"); do
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}

# ---------------------------------------------------------------------------
# The observer under test.

PROBE_FIRE=$BUILD/tests/probe-fire
EXPO_LINT=$BUILD/expo-lint

# start_observer [FLAGS...]: start the observer on a fresh loopback port with
# a pin directory of this test's own (removed on exit), attached to the test
# IdP unless FLAGS name a --target; wait until it serves. Sets OBS_PID,
# OBS_URL, OBS_PIN, OBS_LOG.
OBS_PIN=${OBS_PIN:-/sys/fs/bpf/agentidp-test-$$}
start_observer() {
	local port targets=(--target "$PROBE_FIRE") attempt
	case " $* " in *" --target "*) targets=() ;; esac
	# A port found free can be taken before the observer binds it (other
	# test runs on this host): then pick another, up to three times.
	for attempt in 1 2 3; do
		port=$(free_port) || fatal "no free port"
		OBS_URL=http://127.0.0.1:$port
		OBS_LOG=$LIB_TMP/observer.$port.log
		"$OBSERVER" "${targets[@]}" --web.listen-address "127.0.0.1:$port" \
			--bpffs.path "$OBS_PIN" "$@" >"$OBS_LOG" 2>&1 &
		OBS_PID=$!
		track "$OBS_PID"
		for _ in $(seq 1 1000); do
			# Ours, not whatever else may answer on the port: it logged that it listens.
			if grep -q -e 'msg="listening"' -e '"msg":"listening"' "$OBS_LOG" && curl -fsS -o /dev/null "$OBS_URL/"; then
				return 0
			fi
			kill -0 "$OBS_PID" 2>/dev/null || break
			sleep 0.01
		done
		kill -0 "$OBS_PID" 2>/dev/null && break # alive but not serving: give up
		wait "$OBS_PID" 2>/dev/null
		grep -q 'cannot listen' "$OBS_LOG" || break
	done
	fatal "observer did not start: $(tail -3 "$OBS_LOG" | tr '\n' ' ')"
}

# stop_observer [SIGNAL]: stop it and wait; its exit code is left in OBS_RC.
stop_observer() {
	kill -"${1:-TERM}" "$OBS_PID" 2>/dev/null
	wait "$OBS_PID" 2>/dev/null
	OBS_RC=$?
}

remove_pins() { rm -rf "$OBS_PIN"; }

# scrape: fetch /metrics into a new file, check it with promtool and with
# the strict checker (one ok/not ok line each), and echo the file's path.
scrape() {
	local f out n
	f=$(mktemp "$LIB_TMP/scrape.XXXXXX")
	n=$(basename "$f")
	curl -fsS -o "$f" "$OBS_URL/metrics" || { not_ok "$n: GET failed" >&2; echo "$f"; return; }
	if out=$(promtool check metrics <"$f" 2>&1); then
		ok "$n passes promtool check metrics" >&2
	else
		not_ok "$n fails promtool: $(echo "$out" | head -3 | tr '\n' ' ')" >&2
	fi
	if out=$("$EXPO_LINT" --no-empty-label-values "$f" 2>&1); then
		ok "$n passes the strict exposition check" >&2
	else
		not_ok "$n fails expo-lint: $(echo "$out" | head -3 | tr '\n' ' ')" >&2
	fi
	echo "$f"
}

# value FILE SERIES: the value of the sample whose name and labels are
# exactly SERIES (as rendered), or "absent".
value() {
	# Through the environment: awk -v would interpret the backslashes of
	# escaped label values.
	SERIES="$2" awk 'BEGIN { s = ENVIRON["SERIES"] }
		index($0, s " ") == 1 { v = substr($0, length(s) + 2) }
		END { print (v == "" ? "absent" : v) }' "$1"
}

# fire ARGS...: run the test IdP once, waiting for the observer's attach.
fire() {
	"$PROBE_FIRE" --wait-attach "$@" >/dev/null || fatal "probe-fire $* failed"
}
