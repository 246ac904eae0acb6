#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# --pid: only the named process is observed; other processes running the
# same binary, before or after, are not counted.
. "$(dirname "$0")/../lib.sh"
require_root_bpf

"$PROBE_FIRE" --wait-file "$LIB_TMP/go" --count 7 tenant_api_call org-watched >/dev/null &
watched=$!
track $watched
"$PROBE_FIRE" --wait-file "$LIB_TMP/go" --count 5 tenant_api_call org-other >/dev/null &
other=$!
track $other
start_observer --pid "$watched"
touch "$LIB_TMP/go"
wait $watched $other
"$PROBE_FIRE" --count 3 tenant_api_call org-later >/dev/null

m=$(scrape)
check_eq "the process named by --pid is counted" 7 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-watched"}')"
check_eq "another process of the same binary is not" absent \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-other"}')"
check_eq "a process started later is not" absent \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-later"}')"
stop_observer TERM
check_eq "exit code 0" 0 "$OBS_RC"
remove_pins

out=$("$OBSERVER" --target "$PROBE_FIRE" --pid 999999999 2>&1)
check_eq "--pid of no process: usage error" 2 $?
grep -q 'no such process' <<<"$out" && ok "--pid of no process says so" ||
	not_ok "--pid of no process says so: $out"
