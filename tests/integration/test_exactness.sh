#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Counts are exact across threads, processes and CPUs, for processes that
# started before the observer as well as after it.
. "$(dirname "$0")/../lib.sh"
require_root_bpf

# A process already running when the observer starts (it fires once the
# observer serves, that is once every probe is attached).
"$PROBE_FIRE" --wait-file "$LIB_TMP/go" --count 1000 tenant_api_call org-early \
	>"$LIB_TMP/early.out" &
early=$!
track $early
sleep 0.2
start_observer
touch "$LIB_TMP/go"
wait $early
check_eq "a process started before the observer is observed" "fired 1000" \
	"$(cat "$LIB_TMP/early.out")"

# A million events: 4 processes x 4 threads x 62500, all started after the
# observer, all at once on every CPU.
pids=()
for i in 1 2 3 4; do
	"$PROBE_FIRE" --wait-attach --threads 4 --count 62500 tenant_api_call org-many \
		>"$LIB_TMP/many.$i" &
	pids+=($!)
	track $!
done
for p in "${pids[@]}"; do wait "$p"; done
m=$(scrape)
check_eq "1,000,000 events from 16 threads in 4 processes count exactly" 1000000 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-many"}')"
check_eq "the early process's 1000 events count exactly" 1000 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-early"}')"
check_eq "the BPF side saw every event" 1001000 \
	"$(value "$m" 'agentidp_observer_probe_events_total{probe="tenant_api_call"}')"
check_eq "nothing lost" 0 "$(value "$m" 'agentidp_observer_lost_events_total{probe="tenant_api_call"}')"

# Two-label probes from many threads with two alternating tenants.
"$PROBE_FIRE" --wait-attach --threads 8 --count 5000 rate_limit_hit /v1/agents t1 >/dev/null &
a=$!
"$PROBE_FIRE" --wait-attach --threads 8 --count 5000 rate_limit_hit /v1/agents t10 >/dev/null &
b=$!
track $a
track $b
wait $a $b
m=$(scrape)
check_eq "tenant t1 counts 40000" 40000 \
	"$(value "$m" 'agentidp_rate_limit_hits_total{endpoint="/v1/agents",tenant_id="t1"}')"
check_eq "tenant t10 (t1 is its prefix) counts 40000" 40000 \
	"$(value "$m" 'agentidp_rate_limit_hits_total{endpoint="/v1/agents",tenant_id="t10"}')"

stop_observer TERM
remove_pins
