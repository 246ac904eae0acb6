#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A bounded libFuzzer pass over each target of tests/fuzz (make fuzz), both
# at once, FUZZ_SECONDS (20) each, starting from a copy of the committed
# seed corpus so that the repository is left as it was. One ok/not ok line
# per fuzzer; a finding is kept under $BUILD/fuzz/artifacts with the command
# that replays it. Without clang's libFuzzer this is a skip, or under
# CI=true a failure.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZERS=(fuzz_labels fuzz_exposition)
ART=$BUILD/fuzz/artifacts

tmp=$(mktemp -d /tmp/agentidp-fuzz.XXXXXX)
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# Missing tools are a skip outside CI, a failure under CI=true.
unavailable() {
	local f
	for f in "${FUZZERS[@]}"; do
		if [ "${CI:-}" = true ]; then
			echo "not ok - $f: $1 (required under CI=true)"
		else
			echo "skip - $f: $1"
		fi
	done
	exit 0
}

# The fuzzers themselves may be built already; this asks whether the
# toolchain that make fuzz needs is here at all.
command -v clang >/dev/null || unavailable "clang is not installed"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$tmp/probe.c"
clang -fsanitize=fuzzer "$tmp/probe.c" -o "$tmp/probe" 2>/dev/null ||
	unavailable "clang cannot link libFuzzer (Debian package libclang-rt-14-dev)"

mkdir -p "$ART"
for f in "${FUZZERS[@]}"; do
	[ -x "$BUILD/fuzz/$f" ] || continue
	mkdir -p "$tmp/$f"
	cp "$TOP/tests/fuzz/corpus/$f/"* "$tmp/$f/"
	"$BUILD/fuzz/$f" -max_total_time="$FUZZ_SECONDS" -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$ART/$f-" \
		"$tmp/$f" >"$tmp/$f.log" 2>&1 &
	pids+=($!)
done

i=0
for f in "${FUZZERS[@]}"; do
	log=$tmp/$f.log
	if [ ! -x "$BUILD/fuzz/$f" ]; then
		echo "not ok - $f: $BUILD/fuzz/$f is not built (make fuzz)"
		continue
	fi
	wait "${pids[$i]}"
	rc=$?
	i=$((i + 1))
	runs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok - $f: $runs inputs in ${FUZZ_SECONDS}s, no finding"
		continue
	fi
	# The invariant or sanitizer message, and the saved input to replay.
	why=$(grep -m1 -E 'invariant violated|runtime error|ERROR: [A-Za-z]*Sanitizer|ERROR: libFuzzer' \
		"$log")
	input=$(sed -n -E 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -1)
	replay="$BUILD/fuzz/$f ${input:-(no input saved)}"
	cp "$log" "$ART/$f.log"
	echo "not ok - $f: exit $rc: ${why:-see $ART/$f.log}; replay: $replay"
done
# Every fuzzer has been waited for; nothing is left for cleanup to end.
pids=()
