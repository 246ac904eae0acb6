#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The four seed scenarios of the mission, each through the test IdP, each an
# exact delta on a fresh observer.
. "$(dirname "$0")/../lib.sh"
require_root_bpf
start_observer

# A client rejected by the rate limiter on POST /oauth2/token: +1 exactly.
fire rate_limit_hit /oauth2/token org-abc
m=$(scrape)
check_eq "one 429 on /oauth2/token counts 1" 1 \
	"$(value "$m" 'agentidp_rate_limit_hits_total{endpoint="/oauth2/token",tenant_id="org-abc"}')"
fire rate_limit_hit /oauth2/token org-abc
m=$(scrape)
check_eq "a second 429 counts 2" 2 \
	"$(value "$m" 'agentidp_rate_limit_hits_total{endpoint="/oauth2/token",tenant_id="org-abc"}')"

# 15 of 20 pool connections in use and 2 queued read 15 and 2.
"$PROBE_FIRE" --wait-attach --hold db_pool_state 15 2 20 >"$LIB_TMP/pool.out" &
pool=$!
track $pool
for _ in $(seq 1 200); do grep -q held "$LIB_TMP/pool.out" && break; sleep 0.01; done
m=$(scrape)
check_eq "15 connections in use read 15" 15 "$(value "$m" agentidp_db_pool_active_connections)"
check_eq "2 queued requests read 2" 2 "$(value "$m" agentidp_db_pool_waiting_requests)"
check_eq "the pool size reads 20" 20 "$(value "$m" agentidp_db_pool_max_connections)"

# An authenticated call of tenant org-abc: +1.
fire tenant_api_call org-abc
m=$(scrape)
check_eq "one authenticated call of org-abc counts 1" 1 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-abc"}')"

# A free-tier tenant refused its 11th agent: +1 under limit_type="agents".
fire billing_limit_rejection org-free agents
m=$(scrape)
check_eq "a refused 11th agent is one billing rejection" 1 \
	"$(value "$m" 'agentidp_billing_limit_rejections_total{tenant_id="org-free",limit_type="agents"}')"
check_eq "no api_calls rejection was invented" absent \
	"$(value "$m" 'agentidp_billing_limit_rejections_total{tenant_id="org-free",limit_type="api_calls"}')"

# The observer's own accounting agrees: every event seen, none lost.
check_eq "probe events seen for rate_limit_hit" 2 \
	"$(value "$m" 'agentidp_observer_probe_events_total{probe="rate_limit_hit"}')"
check_eq "no event lost" 0 "$(value "$m" 'agentidp_observer_lost_events_total{probe="tenant_api_call"}')"

kill -TERM $pool
stop_observer TERM
check_eq "observer exits 0 on SIGTERM" 0 "$OBS_RC"
remove_pins
