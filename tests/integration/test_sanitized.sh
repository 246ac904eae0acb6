#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The unit tests and a set of integration tests again, on the ASan+UBSan
# builds of tests/sanitize.mk (make asan): the inner tests' lines are passed
# through as "sanitized: ...", and no observer log may hold a sanitizer
# report, including LeakSanitizer's at exit.
. "$(dirname "$0")/../lib.sh"

SAN_BUILD=$BUILD/asan
INTEGRATION=(test_seed_scenarios.sh test_hostile_labels.sh test_gauges.sh test_http.sh)
SAN_REPORT='ERROR: (AddressSanitizer|LeakSanitizer)|Sanitizer has encountered|runtime error:|SUMMARY: [A-Za-z]*Sanitizer'

# Abort at the first report, so that it cannot scroll by in a passing test.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# relay NAME OUTPUT RC: the inner test's ok/not ok/skip lines under our
# prefix; an exit without a failing line, or a report, is one failure more.
relay() {
	local name=$1 out=$2 rc=$3
	awk -v p="sanitized: $name: " '/^(ok|not ok|skip) - / { sub(/ - /, " - " p); print }' <<<"$out"
	if grep -qE "$SAN_REPORT" <<<"$out"; then
		not_ok "sanitized: $name: sanitizer report: $(grep -m1 -E "$SAN_REPORT" <<<"$out")"
	elif [ "$rc" -ne 0 ] && ! grep -q '^not ok - ' <<<"$out"; then
		not_ok "sanitized: $name: exited $rc without a failing assertion"
	fi
}

# The unit tests need no root.
for src in "$TOP"/tests/unit/test_*.c; do
	t=$(basename "$src" .c)
	if [ ! -x "$SAN_BUILD/tests/$t" ]; then
		not_ok "sanitized: unit/$t is not built (make asan)"
		continue
	fi
	out=$("$SAN_BUILD/tests/$t" 2>&1)
	relay "unit/$t" "$out" $?
done

require_root_bpf
[ -x "$SAN_BUILD/agentidp-observer" ] ||
	fatal "sanitized: $SAN_BUILD/agentidp-observer is not built (make asan)"

# The inner tests start this observer and leave its logs here on exit.
export OBSERVER=$SAN_BUILD/agentidp-observer LIB_KEEP_LOGS=$LIB_TMP/logs TOP BUILD
mkdir -p "$LIB_KEEP_LOGS"
for t in "${INTEGRATION[@]}"; do
	out=$(bash "$TOP/tests/integration/$t" 2>&1)
	relay "$t" "$out" $?
done

# Every observer those tests started has exited: its log is complete.
logs=("$LIB_KEEP_LOGS"/*.log)
if [ ! -f "${logs[0]}" ]; then
	not_ok "sanitized: no observer log was kept (LIB_KEEP_LOGS hook in tests/lib.sh)"
	exit 1
fi
bad=0
for log in "${logs[@]}"; do
	if grep -qE "$SAN_REPORT" "$log"; then
		bad=$((bad + 1))
		not_ok "sanitized: $(basename "$log"): $(grep -m3 -E "$SAN_REPORT|^    #[0-3] " "$log" |
			tr '\n' ' ')"
		# Keep the whole report where it can be read after the temp dir is gone.
		cp "$log" "$SAN_BUILD/" 2>/dev/null
	fi
done
check_eq "sanitized: observer logs with a sanitizer report (of ${#logs[@]})" 0 "$bad"
