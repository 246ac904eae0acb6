#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs every test and ends with the line "N passed, N failed".
#
# Unit tests (tests/unit: C binaries built by make, and scripts) need no
# root; integration tests (tests/integration) need root and BPF, and under
# CI=true fail rather than skip without them. Each test prints one
# "ok - ..." or "not ok - ..." line per assertion; a test that exits
# non-zero without saying why counts as one failure.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP BUILD=${BUILD:-$TOP/build}
cd "$TOP" || exit 1

pass=0 fail=0 skip=0
failed_lines=()

run_one() {
	local name=$1 out rc
	shift
	echo "== $name"
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
	local p f s
	p=$(grep -c '^ok - ' <<<"$out")
	f=$(grep -c '^not ok - ' <<<"$out")
	s=$(grep -c '^skip - ' <<<"$out")
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	while IFS= read -r l; do failed_lines+=("$name: $l"); done < <(grep '^not ok - ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail=$((fail + 1))
		failed_lines+=("$name: exited $rc without a failing assertion")
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
for t in tests/unit/test_*.sh; do
	[ -f "$t" ] && run_one "unit/$(basename "$t")" bash "$t"
done
for t in tests/integration/test_*.sh; do
	[ -f "$t" ] && run_one "integration/$(basename "$t")" bash "$t"
done

if [ ${#failed_lines[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failed_lines[@]}"
fi
echo
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
