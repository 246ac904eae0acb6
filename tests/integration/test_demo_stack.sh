#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The demo stack end to end: the reference IdP on real Redis and PostgreSQL,
# the observer attached to it, and Prometheus scraping the observer. Every
# expected value comes from the HTTP responses the client received: the
# 429s it counted, the one refused 11th agent, the quota refusals, the
# authenticated calls, and the pool while K requests hold connections
# (checked against PostgreSQL's own view of the sleeping sessions).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
require_root_bpf

[ -x "$BUILD/agentidp-idp" ] || fatal "$BUILD/agentidp-idp missing (make idp)"
for cmd in redis-server psql prometheus setpriv; do
	command -v "$cmd" >/dev/null || fatal "'$cmd' missing (scripts/install-deps.sh check)"
done

# The stack lives under build/, next to the demo's, and is removed on exit.
STACK_DIR=$BUILD/test-demo-stack.$$
# shellcheck source=examples/demo/stack.sh
. "$TOP/examples/demo/stack.sh"
# shellcheck source=examples/demo/drive.sh
. "$TOP/examples/demo/drive.sh"
trap 'stack_stop; rm -rf "$STACK_DIR"; lib_cleanup' EXIT

stack_prepare || fatal "cannot prepare $STACK_DIR"
stack_start_redis "$(free_port)" || fatal "redis did not start"
stack_start_postgres "$(free_port)" || fatal "postgres did not start"
drive_seed || fatal "seeding failed"
stack_start_idp "$(free_port)" || fatal "the IdP did not start: $(tail -3 "$STACK_DIR/log/idp.log")"
# --pid: only this test's IdP counts, even if a demo runs the same binary.
stack_start_observer "/sys/fs/bpf/agentidp-demo-test-$$" "$(free_port)" \
	--pid "$STACK_IDP_PID" || fatal "the observer did not start"
stack_start_prometheus "$(free_port)" || fatal "prometheus did not start"
stack_wait "the observer to see the IdP's pool" 100 \
	test "$(stack_metric agentidp_db_pool_max_connections)" = "$STACK_POOL_SIZE" ||
	fatal "no db_pool_state from the IdP reached the observer"

# sum_series FAMILY: the sum over every series of FAMILY in /metrics.
sum_series() {
	curl -fsS "$STACK_OBS_URL/metrics" |
		awk -v f="$1" 'index($0, f "{") == 1 || index($0, f " ") == 1 { s += $NF }
			END { print s + 0 }'
}

# codes STEP: the status codes a drive step received, space-separated.
codes() { local s=${DRIVE_STATUS[$1]}; echo "${s% }"; }

# count_codes CODE LIST: how many times CODE appears in LIST.
count_codes() { tr ' ' '\n' <<<"$2" | grep -c "^$1\$"; }

drive_logins || fatal "could not obtain tokens"

# A client over its token window: 5 granted, then 429 with Retry-After.
drive_token_limits
check_eq "token endpoint: acme-ci got 5 tokens then 3 answers 429" \
	"200 200 200 200 200 429 429 429" "$(codes token-acme-ci)"
check_eq "token endpoint: credential-less requests get 401 then 429" \
	"401 401 401 401 401 429 429" "$(codes token-anonymous)"
drive_token_request acme acme-ci
retry=$DRIVE_RETRY_AFTER
check_eq "one more token request is refused too" 429 "$DRIVE_STATUS_CODE"
if [ "$retry" -ge 1 ] 2>/dev/null && [ "$retry" -le 60 ]; then
	ok "429 carries Retry-After ($retry s)"
else
	not_ok "429 carries Retry-After between 1 and 60: got '$retry'"
fi

# The free tenant fills its 10 agents; the 11th is refused exactly once.
drive_agents
check_eq "free tenant: 10 agents created, the 11th refused with 403" \
	"201 201 201 201 201 201 201 201 201 201 403" "$(codes agents-create)"
check_eq "the listing shows the 10 agents" 10 "$DRIVE_AGENTS_LISTED"
check_eq "deleting an agent answers 204" 204 "$(codes agents-delete)"

# The quota: the 13 agent calls above (11 creations, the refused one
# included, a listing and a deletion) were charged, so quota - 13 more pass.
drive_quota
check_eq "free tenant: $((STACK_FREE_QUOTA - 13)) more calls pass, then 3 refused" \
	"$((STACK_FREE_QUOTA - 13))" \
	"$(count_codes 200 "${DRIVE_STATUS[quota]}")"
check_eq "past the quota: three answers 403" 3 "$(count_codes 403 "${DRIVE_STATUS[quota]}")"
check_eq "usage reports the quota used up" '"api_calls":30,"api_call_quota":30' \
	"$(grep -o '"api_calls":[0-9]*,"api_call_quota":[0-9]*' <<<"$DRIVE_USAGE")"

drive_api_limit
burst429=$(count_codes 429 "${DRIVE_STATUS[burst]}")
if [ "$burst429" -ge 1 ]; then
	ok "the API burst met the per-tenant limit ($burst429 x 429)"
else
	not_ok "the API burst of 60 produced no 429"
fi

# The agent limit holds under concurrency: 15 simultaneous creations by a
# fresh free tenant give exactly 10 agents and 5 refusals.
DRIVE_SECRET[hooli-app]=$(stack_provision hooli free hooli-app) || fatal "seeding hooli failed"
drive_login hooli hooli-app || fatal "no token for hooli"
hooli_pids=()
for i in $(seq 1 15); do
	curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${DRIVE_TOKEN[hooli]}" \
		-H 'Content-Type: application/json' -d "{\"name\": \"bot-$i\"}" \
		"$STACK_IDP_URL/v1/agents" >"$LIB_TMP/hooli.$i" &
	hooli_pids+=($!)
done
# Only these: a bare wait would also wait for the servers of the stack.
wait "${hooli_pids[@]}"
hooli=$(cat "$LIB_TMP"/hooli.* | fold -w 3 | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
check_eq "15 concurrent creations: 10 created, 5 refused" "201:10 403:5 " "$hooli"
check_eq "the database holds exactly 10 agents for hooli" 10 \
	"$(stack_psql "SELECT count(*) FROM agents WHERE tenant_id = 'hooli'")"
DRIVE_CALLS[hooli]=15
DRIVE_BILL[hooli|agents]=5

# Pool: K = size + 5 requests each hold a connection; 20 run, 5 queue.
K=$((STACK_POOL_SIZE + 5))
drive_hold_start "$K" 6000
for _ in $(seq 1 50); do
	[ "$(stack_metric agentidp_db_pool_waiting_requests)" = 5 ] &&
		[ "$(drive_pg_sleepers)" = "$STACK_POOL_SIZE" ] && break
	sleep 0.1
done
sleepers=$(drive_pg_sleepers)
check_eq "PostgreSQL sees $STACK_POOL_SIZE sessions sleeping for the holders" \
	"$STACK_POOL_SIZE" "$sleepers"
check_eq "while $K hold: active connections gauge = sessions PostgreSQL runs" "$sleepers" \
	"$(stack_metric agentidp_db_pool_active_connections)"
check_eq "while $K hold: waiting requests gauge = $K - $STACK_POOL_SIZE" 5 \
	"$(stack_metric agentidp_db_pool_waiting_requests)"
for _ in $(seq 1 40); do
	[ "$(stack_promql 'sum(agentidp_db_pool_waiting_requests)')" = 5 ] && break
	sleep 0.1
done
check_eq "PromQL: active connections while held" "$STACK_POOL_SIZE" \
	"$(stack_promql 'sum(agentidp_db_pool_active_connections)')"
check_eq "PromQL: waiting requests while held" 5 \
	"$(stack_promql 'sum(agentidp_db_pool_waiting_requests)')"
drive_hold_wait
check_eq "all $K holders were answered 200" "$K" "$(count_codes 200 "${DRIVE_STATUS[hold]}")"
check_eq "after the holders: active connections back to 0" 0 \
	"$(stack_metric agentidp_db_pool_active_connections)"
check_eq "after the holders: waiting requests back to 0" 0 \
	"$(stack_metric agentidp_db_pool_waiting_requests)"
check_eq "max connections is the pool size" "$STACK_POOL_SIZE" \
	"$(stack_metric agentidp_db_pool_max_connections)"

# Counters against the client's tallies, series by series.
BILL=agentidp_billing_limit_rejections_total
total429=0
for k in "${!DRIVE_RL[@]}"; do
	total429=$((total429 + DRIVE_RL[$k]))
	ep=${k%%|*} tn=${k#*|}
	check_eq "rate_limit_hits{$ep,$tn} = 429s counted by the client" "${DRIVE_RL[$k]}" \
		"$(stack_metric "$(printf '%s{endpoint="%s",tenant_id="%s"}' \
			agentidp_rate_limit_hits_total "$ep" "$tn")")"
done
check_eq "sum of rate_limit_hits = every 429 the client received" "$total429" \
	"$(sum_series agentidp_rate_limit_hits_total)"
check_eq "the refused 11th agent is exactly one billing rejection" 1 \
	"$(stack_metric "$BILL{tenant_id=\"acme\",limit_type=\"agents\"}")"
check_eq "three refused calls past the quota are three api_calls rejections" 3 \
	"$(stack_metric "$BILL{tenant_id=\"acme\",limit_type=\"api_calls\"}")"
check_eq "no other billing rejections" 9 "$(sum_series agentidp_billing_limit_rejections_total)"
check_eq "the 5 concurrent refusals are 5 billing rejections" 5 \
	"$(stack_metric "$BILL{tenant_id=\"hooli\",limit_type=\"agents\"}")"
for tn in acme globex initech hooli; do
	check_eq "tenant_api_calls{$tn} = authenticated calls answered" "${DRIVE_CALLS[$tn]}" \
		"$(stack_metric "agentidp_tenant_api_calls_total{tenant_id=\"$tn\"}")"
done

# Prometheus returns the same values through PromQL once it has scraped.
idp_series() {
	curl -fsS "$STACK_OBS_URL/metrics" | grep '^agentidp_' | grep -v '^agentidp_observer_'
}
settle() {
	local line
	while read -r line; do
		[ "$(stack_promql "${line% *}")" = "${line##* }" ] || return 1
	done < <(idp_series)
}
for _ in $(seq 1 60); do settle && break; sleep 0.2; done
while read -r line; do
	check_eq "PromQL ${line% *}" "${line##* }" "$(stack_promql "${line% *}")"
done < <(idp_series)
check_eq "PromQL sum(agentidp_rate_limit_hits_total) = client's 429s" "$total429" \
	"$(stack_promql 'sum(agentidp_rate_limit_hits_total)')"

# Tokens survive an IdP restart; forged and expired ones do not.
stack_stop_idp
stack_start_idp "$(free_port)" || fatal "the IdP did not restart"
drive_api globex GET /v1/usage
check_eq "after a restart the issued token is still accepted" 200 "$DRIVE_STATUS_CODE"
DRIVE_TOKEN[forged]=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
drive_api forged GET /v1/usage
check_eq "a forged token of the right shape is refused" 401 "$DRIVE_STATUS_CODE"
stack_stop_idp
STACK_IDP_EXTRA=(--token-ttl 1)
stack_start_idp "$(free_port)" || fatal "the IdP did not start with --token-ttl 1"
drive_login initech initech-batch || fatal "no short-lived token"
sleep 2
drive_api initech GET /v1/usage
check_eq "an expired token is refused" 401 "$DRIVE_STATUS_CODE"
stack_stop_idp
STACK_IDP_EXTRA=()
stack_start_idp "$(free_port)" || fatal "the IdP did not restart"
drive_api initech GET /v1/usage
check_eq "an expired token stays refused after a restart" 401 "$DRIVE_STATUS_CODE"
check_eq "client secrets are stored hashed, never in clear" 0 \
	"$(stack_psql "SELECT count(*) FROM clients WHERE secret_hash NOT LIKE 'pbkdf2-sha256\$%'")"

# Malformed requests get the RFC's JSON errors (globex-app still has four
# token requests left in its window; the API calls use globex's token).
tok() {
	curl -sS -o "$LIB_TMP/body" -D "$LIB_TMP/head" -w '%{http_code}' "$@" \
		"$STACK_IDP_URL/oauth2/token"
}
err_of() { sed -n 's/^{"error":"\([^"]*\)".*/\1/p' "$LIB_TMP/body"; }
gs=${DRIVE_SECRET[globex-app]}
check_eq "wrong secret: 401 invalid_client" "401 invalid_client" \
	"$(tok -u "globex-app:x$gs" -d grant_type=client_credentials) $(err_of)"
check_eq "Basic was tried, so the 401 carries WWW-Authenticate: Basic" 1 \
	"$(grep -ci '^WWW-Authenticate: Basic' "$LIB_TMP/head")"
check_eq "another grant: 400 unsupported_grant_type" "400 unsupported_grant_type" \
	"$(tok -u "globex-app:$gs" -d grant_type=password) $(err_of)"
check_eq "a parameter twice: 400 invalid_request" "400 invalid_request" \
	"$(tok -u "globex-app:$gs" -d 'grant_type=client_credentials&grant_type=x') $(err_of)"
check_eq "Basic and client_secret together: 400 invalid_request" "400 invalid_request" \
	"$(tok -u "globex-app:$gs" -d "grant_type=client_credentials&client_secret=$gs") $(err_of)"

api() {
	curl -sS -o "$LIB_TMP/body" -D "$LIB_TMP/head" -w '%{http_code}' \
		-H "Authorization: Bearer ${DRIVE_TOKEN[globex]}" "$@"
}
JSON=(-H 'Content-Type: application/json')
check_eq "broken JSON: 400 invalid_request" "400 invalid_request" \
	"$(api "${JSON[@]}" -d '{"name":' "$STACK_IDP_URL/v1/agents") $(err_of)"
check_eq "a name with a space: 400 invalid_request" "400 invalid_request" \
	"$(api "${JSON[@]}" -d '{"name":"a b"}' "$STACK_IDP_URL/v1/agents") $(err_of)"
check_eq "a form body to the JSON API: 415" 415 \
	"$(api -d name=x "$STACK_IDP_URL/v1/agents")"
check_eq "a body over 16 KiB: 413" 413 \
	"$(api "${JSON[@]}" --data-binary @<(head -c 20000 /dev/zero | tr '\0' x) \
		"$STACK_IDP_URL/v1/agents")"
check_eq "PUT on /v1/usage: 405 with Allow: GET" "405 1" \
	"$(api -X PUT "$STACK_IDP_URL/v1/usage") $(grep -c '^Allow: GET' "$LIB_TMP/head")"
check_eq "deleting an agent that does not exist: 404" 404 \
	"$(api -X DELETE "$STACK_IDP_URL/v1/agents/00000000-0000-0000-0000-000000000000")"
check_cmd "the IdP survived all of it" kill -0 "$STACK_IDP_PID"

# A pool of 2 with a 500 ms wait: of 3 requests holding 1.5 s each, the
# third gives up in the queue and is answered 503.
stack_stop_idp
STACK_POOL_SIZE=2 STACK_POOL_TIMEOUT_MS=500 stack_start_idp "$(free_port)" ||
	fatal "the IdP did not start with a pool of 2"
drive_login initech initech-batch || fatal "no token for initech"
DRIVE_STATUS[hold]=""
drive_hold_start 3 1500
drive_hold_wait
check_eq "pool of 2, 3 holders, 500 ms wait: two 200, one 503" "200 200 503" \
	"$(tr ' ' '\n' <<<"${DRIVE_STATUS[hold]# }" | sort | xargs)"
