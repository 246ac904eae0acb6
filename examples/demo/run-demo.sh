#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# run-demo.sh - the whole stack on one machine, driven until every
# agentidp_* metric has a value, then a report that puts side by side what
# the HTTP client counted, what the observer serves and what Prometheus
# returns for the same series. Run by `make demo` (which has built the IdP
# and the observer and installed the packages); needs root for BPF.
#
#   BUILD=/abs/build examples/demo/run-demo.sh        stays up until Ctrl-C
#   BUILD=/abs/build ONESHOT=1 examples/demo/run-demo.sh   exits after the report,
#                                                          0 if every value agrees
#
# State (databases, logs, Prometheus TSDB) lives in $BUILD/demo and is wiped
# at the next start; the observer's maps are pinned in /sys/fs/bpf/agentidp-demo
# and removed on exit. Everything started here is ended by PID on exit.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
STACK_DIR=$BUILD/demo
ONESHOT=${ONESHOT:-}
DEMO_BPFFS=/sys/fs/bpf/agentidp-demo
DEMO_HOLD_MS=6000

# shellcheck source-path=SCRIPTDIR
source "$TOP/examples/demo/stack.sh"
source "$TOP/examples/demo/drive.sh"

demo_die() {
	stack_log "$*"
	stack_log "logs are in $STACK_DIR/log"
	exit 1
}

demo_preflight() {
	[ "$(id -u)" -eq 0 ] || demo_die "the observer loads BPF programs: run as root"
	[ -x "$BUILD/agentidp-idp" ] || demo_die "$BUILD/agentidp-idp missing: run 'make idp'"
	[ -x "$BUILD/agentidp-observer" ] ||
		demo_die "$BUILD/agentidp-observer missing: run 'make observer'"
	for cmd in redis-server redis-cli psql pg_isready prometheus curl setpriv; do
		command -v "$cmd" >/dev/null ||
			demo_die "'$cmd' not found: run scripts/install-deps.sh demo"
	done
}

demo_start() {
	stack_log "starting Redis, PostgreSQL, the IdP, the observer and Prometheus in $STACK_DIR"
	stack_prepare || demo_die "cannot prepare $STACK_DIR"
	stack_start_redis || demo_die "Redis did not start"
	stack_start_postgres || demo_die "PostgreSQL did not start"
	drive_seed || demo_die "seeding tenants failed"
	stack_start_observer "$DEMO_BPFFS" || demo_die "the observer did not start"
	stack_start_idp || demo_die "the IdP did not start"
	stack_start_prometheus || demo_die "Prometheus did not start"
	# The IdP reports its pool every second: this proves the probes reach
	# the observer before any traffic is sent.
	stack_wait "the observer to see the IdP" 100 \
		test "$(stack_metric agentidp_db_pool_max_connections)" = "$STACK_POOL_SIZE" ||
		demo_die "the observer sees no db_pool_state from the IdP"
}

# Poll until CMD prints WANT, for up to TRIES tenths of a second.
demo_until() {
	local want=$1 tries=$2
	shift 2
	for _ in $(seq 1 "$tries"); do
		[ "$("$@")" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

demo_traffic() {
	local k=$((STACK_POOL_SIZE + 5))

	stack_log "traffic: tokens, token 429s, agents up to the free limit, quota, API 429s"
	drive_logins || demo_die "could not log in"
	drive_token_limits
	drive_agents
	drive_quota
	drive_api_limit

	stack_log "traffic: $k concurrent requests each holding a connection for ${DEMO_HOLD_MS} ms"
	drive_hold_start "$k" "$DEMO_HOLD_MS"
	demo_until "$STACK_POOL_SIZE" 50 stack_metric agentidp_db_pool_active_connections
	demo_until 5 30 stack_metric agentidp_db_pool_waiting_requests
	DEMO_HELD_ACTIVE=$(stack_metric agentidp_db_pool_active_connections)
	DEMO_HELD_WAITING=$(stack_metric agentidp_db_pool_waiting_requests)
	DEMO_HELD_SLEEPERS=$(drive_pg_sleepers)
	demo_until "$STACK_POOL_SIZE" 60 stack_promql 'sum(agentidp_db_pool_active_connections)'
	DEMO_HELD_PROM_ACTIVE=$(stack_promql 'sum(agentidp_db_pool_active_connections)')
	DEMO_HELD_PROM_WAITING=$(stack_promql 'sum(agentidp_db_pool_waiting_requests)')
	drive_hold_wait
}

# The client's tally for one exposition series, or "-" for the gauges.
demo_expected() {
	local s=$1 ep tn lt
	ep=$(sed -n 's/.*endpoint="\([^"]*\)".*/\1/p' <<<"$s")
	tn=$(sed -n 's/.*tenant_id="\([^"]*\)".*/\1/p' <<<"$s")
	lt=$(sed -n 's/.*limit_type="\([^"]*\)".*/\1/p' <<<"$s")
	case $s in
	agentidp_rate_limit_hits_total*) echo "${DRIVE_RL[$ep|$tn]:-0}" ;;
	agentidp_billing_limit_rejections_total*) echo "${DRIVE_BILL[$tn|$lt]:-0}" ;;
	agentidp_tenant_api_calls_total*) echo "${DRIVE_CALLS[$tn]:-0}" ;;
	*) echo "-" ;;
	esac
}

# The IdP's four metric families, without the observer's own.
demo_series() {
	curl -fsS "$STACK_OBS_URL/metrics" | grep '^agentidp_' | grep -v '^agentidp_observer_'
}

# Wait until Prometheus has scraped the final values of every series.
demo_prom_settle() {
	local line
	for _ in $(seq 1 100); do
		while read -r line; do
			[ "$(stack_promql "${line% *}")" = "${line##* }" ] || continue 2
		done < <(demo_series)
		return 0
	done
	stack_log "Prometheus has not caught up with every series; showing what it has"
}

demo_report() {
	local line series want prom
	demo_prom_settle
	echo
	echo "== HTTP responses, as the client saw them"
	printf '  %-18s %s\n' "token acme-ci:" "${DRIVE_STATUS[token-acme-ci]}"
	printf '  %-18s %s\n' "token anonymous:" "${DRIVE_STATUS[token-anonymous]}"
	printf '  %-18s %s\n' "11 agents (free):" "${DRIVE_STATUS[agents-create]}"
	printf '  %-18s %s\n' "11th refused:" "$DRIVE_AGENT_REFUSAL"
	printf '  %-18s %s\n' "quota (free):" "${DRIVE_STATUS[quota]}"
	printf '  %-18s %s\n' "quota refusal:" "$DRIVE_QUOTA_REFUSAL"
	printf '  %-18s %s\n' "usage (free):" "$DRIVE_USAGE"
	printf '  %-18s %s\n' "API burst (pro):" "${DRIVE_STATUS[burst]}"
	printf '  %-18s %s\n' "holders (pro):" "${DRIVE_STATUS[hold]}"
	echo
	echo "== pool of $STACK_POOL_SIZE while $((STACK_POOL_SIZE + 5)) requests held connections"
	printf '  %-34s %s\n' "PostgreSQL sessions in pg_sleep:" "$DEMO_HELD_SLEEPERS"
	printf '  %-34s active=%s waiting=%s\n' "observer /metrics:" "$DEMO_HELD_ACTIVE" \
		"$DEMO_HELD_WAITING"
	printf '  %-34s active=%s waiting=%s\n' "Prometheus (PromQL sum):" \
		"$DEMO_HELD_PROM_ACTIVE" "$DEMO_HELD_PROM_WAITING"
	echo
	echo "== agentidp_* series: client tally | observer /metrics | Prometheus query API"
	DEMO_DISAGREE=0
	while read -r line; do
		series=${line% *}
		want=$(demo_expected "$series")
		prom=$(stack_promql "$series")
		printf '  %-82s %6s %6s %6s\n' "$series" "$want" "${line##* }" "$prom"
		if { [ "$want" != - ] && [ "$want" != "${line##* }" ]; } ||
			[ "$prom" != "${line##* }" ]; then
			DEMO_DISAGREE=$((DEMO_DISAGREE + 1))
		fi
	done < <(demo_series)
	# The held pool: observer and Prometheus against PostgreSQL's sessions.
	if [ "$DEMO_HELD_ACTIVE" != "$DEMO_HELD_SLEEPERS" ] ||
		[ "$DEMO_HELD_PROM_ACTIVE" != "$DEMO_HELD_SLEEPERS" ]; then
		DEMO_DISAGREE=$((DEMO_DISAGREE + 1))
	fi
	if [ "$DEMO_DISAGREE" -eq 0 ]; then
		echo "  every value agrees: client, observer and Prometheus"
	else
		echo "  $DEMO_DISAGREE value(s) disagree; see the rows above"
	fi
	echo
	if [ -n "$ONESHOT" ] && [ "$ONESHOT" != 0 ]; then
		echo "== would be up at (ONESHOT: stopped after this report)"
	else
		echo "== look at"
	fi
	echo "  IdP:         $STACK_IDP_URL  (POST /oauth2/token, /v1/agents, /v1/usage)"
	echo "  observer:    $STACK_OBS_URL/metrics"
	echo "  Prometheus:  $STACK_PROM_URL/graph?g0.expr=agentidp_tenant_api_calls_total"
	echo "  BPF maps:    bpftool map dump pinned $DEMO_BPFFS/<map>"
	echo "  logs:        $STACK_DIR/log"
	echo "  try:         curl -u 'globex-app:${DRIVE_SECRET[globex-app]}'" \
		"-d grant_type=client_credentials $STACK_IDP_URL/oauth2/token"
}

demo_cleanup() {
	[ -n "${DEMO_SLEEP_PID:-}" ] && kill "$DEMO_SLEEP_PID" 2>/dev/null
	[ ${#STACK_PIDS[@]} -gt 0 ] && stack_log "stopping everything the demo started"
	stack_stop
}

main() {
	demo_preflight
	trap demo_cleanup EXIT
	trap 'exit 130' INT TERM
	demo_start
	demo_traffic
	demo_report
	if [ -n "$ONESHOT" ] && [ "$ONESHOT" != 0 ]; then
		# CI reads the exit code: a disagreement is a failure.
		[ "$DEMO_DISAGREE" -eq 0 ]
		return
	fi
	echo
	echo "demo: up; press Ctrl-C to stop everything it started"
	# A sleep in the background keeps the shell able to run its traps.
	while :; do
		sleep 3600 &
		DEMO_SLEEP_PID=$!
		wait "$DEMO_SLEEP_PID"
	done
}

main "$@"
