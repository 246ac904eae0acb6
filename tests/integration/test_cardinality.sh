#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# --series.limit: past N series of a metric, new label sets go to its
# overflow series; existing series keep counting; the sum over the metric
# equals the events fired; a flood of a million tenants stays bounded.
. "$(dirname "$0")/../lib.sh"
require_root_bpf
start_observer --series.limit 5

# 20 distinct tenants from one thread: t-0..t-4 are admitted, in order.
fire --count 20 tenant_api_call @seq:t-
fire --count 3 tenant_api_call t-0
m=$(scrape)
check_eq 'an admitted series keeps counting past the limit' 4 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="t-0"}')"
check_eq 'the 6th tenant has no series of its own' absent \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="t-5"}')"
check_eq '15 events went to the overflow series' 15 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="<overflow>"}')"
check_eq 'the overflow self-metric says 15' 15 \
	"$(value "$m" 'agentidp_observer_overflow_events_total{probe="tenant_api_call"}')"
check_eq 'series admitted: 5' 5 "$(value "$m" 'agentidp_observer_series{probe="tenant_api_call"}')"
check_eq 'the metric shows 5 series plus the overflow series' 6 \
	"$(grep -c '^agentidp_tenant_api_calls_total{' "$m")"
check_eq 'the sum over the metric equals the 23 events fired' 23 \
	"$(awk '/^agentidp_tenant_api_calls_total\{/ { s += $NF } END { print s }' "$m")"

# Two-label metric: the overflow series has every label at <overflow>.
fire --count 7 rate_limit_hit /v1/agents @seq:r-
m=$(scrape)
check_eq 'a two-label overflow series' 2 \
	"$(value "$m" 'agentidp_rate_limit_hits_total{endpoint="<overflow>",tenant_id="<overflow>"}')"
check_eq 'limits are per metric: rate_limit_hit admitted its own 5' 5 \
	"$(value "$m" 'agentidp_observer_series{probe="rate_limit_hit"}')"
stop_observer TERM
remove_pins

# A million distinct tenants from 4 threads against a limit of 1000: the
# counts stay exact and the maps and the observer's memory stay bounded.
start_observer --series.limit 1000
fire --threads 4 --count 250000 tenant_api_call @seq:flood-
m=$(scrape)
check_eq 'flood: 1000 series admitted' 1000 \
	"$(value "$m" 'agentidp_observer_series{probe="tenant_api_call"}')"
check_eq 'flood: 999000 events in the overflow series' 999000 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="<overflow>"}')"
check_eq 'flood: the sum is exactly 1000000' 1000000 \
	"$(awk '/^agentidp_tenant_api_calls_total\{/ { s += $NF } END { print s }' "$m")"
check_eq 'flood: nothing lost' 0 \
	"$(value "$m" 'agentidp_observer_lost_events_total{probe="tenant_api_call"}')"
check_eq 'flood: the counters map holds 1001 entries' 1001 \
	"$(value "$m" 'agentidp_observer_map_entries{map="counters"}')"
rss=$(value "$m" process_resident_memory_bytes)
if [ "${rss%.*}" -lt $((64 * 1024 * 1024)) ]; then
	ok "flood: observer resident memory ${rss%.*} bytes stays under 64 MiB"
else
	not_ok "flood: observer resident memory ${rss%.*} bytes stays under 64 MiB"
fi
stop_observer TERM
remove_pins
