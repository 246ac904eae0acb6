# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # the DRIVE_* results are read by the sourcing script
#
# drive.sh - traffic against the demo IdP that produces every agentidp_*
# metric, tallied from the HTTP responses alone. Sourced after stack.sh by
# run-demo.sh and by the integration test, which compares the tallies with
# what the observer and Prometheus report.
#
# What the client can tell from a response, and so what it tallies:
#   429                         one rate_limit_hit for (route, tenant)
#   403 agent_limit_reached     one billing_limit_rejection (tenant, agents)
#   403 api_quota_exhausted     one billing_limit_rejection (tenant, api_calls)
#   any answer to a /v1 call with a valid token, except 503 (no database
#   connection: the token was never checked)    one tenant_api_call (tenant)
# The token endpoint's rate limit counts a known client under its tenant and
# a request with no usable client under "-" (IDP_NO_TENANT in the IdP).

declare -A DRIVE_RL=()		# "route|tenant" -> 429 responses
declare -A DRIVE_BILL=()	# "tenant|limit_type" -> 403 billing refusals
declare -A DRIVE_CALLS=()	# tenant -> authenticated API calls
declare -A DRIVE_TOKEN=()	# tenant -> a bearer token
declare -A DRIVE_SECRET=()	# client -> secret
declare -A DRIVE_STATUS=()	# "step" -> space-separated status codes, for the report
DRIVE_STATUS_CODE=""
DRIVE_RETRY_AFTER=""
DRIVE_BODY=""

# The tenants and clients the demo seeds: one free, two pro (one of which
# only holds pool connections, so its traffic never meets the others' limits).
DRIVE_TENANTS=(acme:free globex:pro initech:pro)
DRIVE_CLIENTS=(acme:acme-app acme:acme-ci globex:globex-app initech:initech-batch)

# drive_split OUT: body, Retry-After and status from curl's output.
drive_split() {
	local out=$1
	DRIVE_STATUS_CODE=${out##*$'\n'}
	out=${out%$'\n'*}
	DRIVE_RETRY_AFTER=${out##*$'\n'}
	DRIVE_BODY=${out%$'\n'*}
}

drive_count() {
	local -n arr=$1
	arr[$2]=$((${arr[$2]:-0} + 1))
}

# drive_seed: provision tenants and clients (secrets into DRIVE_SECRET).
drive_seed() {
	local t c spec secret
	for c in "${DRIVE_CLIENTS[@]}"; do
		t=${c%%:*}
		for spec in "${DRIVE_TENANTS[@]}"; do
			[ "${spec%%:*}" = "$t" ] || continue
			secret=$(stack_provision "$t" "${spec#*:}" "${c#*:}") || return 1
			DRIVE_SECRET[${c#*:}]=$secret
		done
	done
}

# drive_token_request TENANT CLIENT: POST /oauth2/token with Basic auth.
# CLIENT "" sends no credentials at all. Sets DRIVE_STATUS_CODE/DRIVE_BODY.
drive_token_request() {
	local tenant=$1 client=$2 out
	local -a auth=()
	[ -n "$client" ] && auth=(-u "$client:${DRIVE_SECRET[$client]}")
	out=$(curl -sS "${auth[@]}" -d grant_type=client_credentials \
		-w '\n%header{retry-after}\n%{http_code}' "$STACK_IDP_URL/oauth2/token")
	drive_split "$out"
	[ "$DRIVE_STATUS_CODE" = 429 ] && drive_count DRIVE_RL "/oauth2/token|${tenant:--}"
	return 0
}

# drive_login TENANT CLIENT: a token for TENANT into DRIVE_TOKEN.
drive_login() {
	drive_token_request "$1" "$2"
	if [ "$DRIVE_STATUS_CODE" != 200 ]; then
		stack_log "token for $2 failed: $DRIVE_STATUS_CODE $DRIVE_BODY"
		return 1
	fi
	DRIVE_TOKEN[$1]=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$DRIVE_BODY")
}

drive_route_of() {
	case $1 in
	/v1/agents/*) echo "/v1/agents/{id}" ;;
	*) echo "${1%%\?*}" ;;
	esac
}

# drive_tally TENANT PATH STATUS BODY: account one /v1 response.
drive_tally() {
	local tenant=$1 route status=$3 body=$4
	route=$(drive_route_of "$2")
	case $status in
	401 | 503) return 0 ;;
	esac
	drive_count DRIVE_CALLS "$tenant"
	case $status in
	429) drive_count DRIVE_RL "$route|$tenant" ;;
	403)
		case $body in
		*'"agent_limit_reached"'*) drive_count DRIVE_BILL "$tenant|agents" ;;
		*'"api_quota_exhausted"'*) drive_count DRIVE_BILL "$tenant|api_calls" ;;
		esac
		;;
	esac
}

# drive_api TENANT METHOD PATH [JSON]: one authenticated call, tallied.
drive_api() {
	local tenant=$1 method=$2 path=$3 out
	local -a data=()
	[ $# -ge 4 ] && data=(-H 'Content-Type: application/json' -d "$4")
	out=$(curl -sS -X "$method" -H "Authorization: Bearer ${DRIVE_TOKEN[$tenant]}" \
		"${data[@]}" -w '\n%header{retry-after}\n%{http_code}' "$STACK_IDP_URL$path")
	drive_split "$out"
	drive_tally "$tenant" "$path" "$DRIVE_STATUS_CODE" "$DRIVE_BODY"
}

# drive_burst TENANT PATH N: N GETs down one keep-alive connection, as fast
# as the IdP answers, to run into the per-tenant limit. The status codes go
# to DRIVE_BURST_CODES.
drive_burst() {
	local tenant=$1 path=$2 n=$3 code
	DRIVE_BURST_CODES=""
	while read -r code; do
		drive_tally "$tenant" "$path" "$code" ""
		DRIVE_BURST_CODES+="$code "
	done < <(for _ in $(seq 1 "$n"); do
		printf 'url = "%s%s"\noutput = "/dev/null"\n' "$STACK_IDP_URL" "$path"
	done | curl -sS -K - -H "Authorization: Bearer ${DRIVE_TOKEN[$tenant]}" \
		-w '%{http_code}\n')
}

drive_step() { DRIVE_STATUS[$1]="${DRIVE_STATUS[$1]:-}$2 "; }

# drive_logins: one token per tenant.
drive_logins() {
	drive_login acme acme-app && drive_login globex globex-app &&
		drive_login initech initech-batch
}

# drive_token_limits: a client asking for more tokens than its window
# allows, and requests with no credentials, limited per address.
drive_token_limits() {
	local i limit=${STACK_TOKEN_RATE%%/*}
	for i in $(seq 1 $((limit + 3))); do
		drive_token_request acme acme-ci
		drive_step token-acme-ci "$DRIVE_STATUS_CODE"
	done
	for i in $(seq 1 $((limit + 2))); do
		drive_token_request "" ""
		drive_step token-anonymous "$DRIVE_STATUS_CODE"
	done
}

# drive_agents: the free tenant fills its 10 agents, is refused the 11th,
# lists them and deletes one.
drive_agents() {
	local i id
	for i in $(seq -w 1 11); do
		drive_api acme POST /v1/agents "{\"name\": \"agent-$i\"}"
		drive_step agents-create "$DRIVE_STATUS_CODE"
	done
	DRIVE_AGENT_REFUSAL=$DRIVE_BODY
	drive_api acme GET /v1/agents
	drive_step agents-list "$DRIVE_STATUS_CODE"
	DRIVE_AGENTS_LISTED=$(grep -o '"id"' <<<"$DRIVE_BODY" | wc -l)
	id=$(sed -n 's/^{"agents":\[{"id":"\([^"]*\)".*/\1/p' <<<"$DRIVE_BODY")
	drive_api acme DELETE "/v1/agents/$id"
	drive_step agents-delete "$DRIVE_STATUS_CODE"
}

# drive_quota: the free tenant calls until its monthly quota is used up,
# then twice more.
drive_quota() {
	local extra=0
	for _ in $(seq 1 $((STACK_FREE_QUOTA + 5))); do
		drive_api acme GET /v1/agents
		drive_step quota "$DRIVE_STATUS_CODE"
		if [ "$DRIVE_STATUS_CODE" = 403 ]; then
			DRIVE_QUOTA_REFUSAL=$DRIVE_BODY
			extra=$((extra + 1))
			[ $extra -ge 3 ] && break
		fi
	done
	drive_api acme GET /v1/usage
	DRIVE_USAGE=$DRIVE_BODY
}

# drive_api_limit: the pro tenant bursts past its per-tenant rate.
drive_api_limit() {
	local limit=${STACK_API_RATE%%/*}
	drive_burst globex /v1/agents $((limit + 20))
	DRIVE_STATUS[burst]=$DRIVE_BURST_CODES
}

# drive_hold_start K MS: K concurrent GET /v1/usage?hold_ms=MS in the
# background, each holding one pooled connection for MS once it has one.
drive_hold_start() {
	local k=$1 ms=$2 i
	DRIVE_HOLD_DIR=$(mktemp -d "${STACK_DIR}/hold.XXXXXX")
	DRIVE_HOLD_PIDS=()
	for i in $(seq 1 "$k"); do
		curl -sS -o /dev/null -w '%{http_code}' \
			-H "Authorization: Bearer ${DRIVE_TOKEN[initech]}" \
			"$STACK_IDP_URL/v1/usage?hold_ms=$ms" >"$DRIVE_HOLD_DIR/$i" 2>&1 &
		DRIVE_HOLD_PIDS+=($!)
	done
}

# drive_hold_wait: wait for the holders and tally their answers.
drive_hold_wait() {
	local pid f
	for pid in "${DRIVE_HOLD_PIDS[@]}"; do
		wait "$pid"
	done
	for f in "$DRIVE_HOLD_DIR"/*; do
		drive_tally initech /v1/usage "$(cat "$f")" ""
		drive_step hold "$(cat "$f")"
	done
	rm -rf "$DRIVE_HOLD_DIR"
}

# drive_pg_sleepers: sessions of the IdP sleeping in pg_sleep right now,
# i.e. pooled connections held by the holders, seen from the database.
drive_pg_sleepers() {
	stack_psql "SELECT count(*) FROM pg_stat_activity
		WHERE datname = 'agentidp' AND state = 'active'
		AND query LIKE 'SELECT pg_sleep%'"
}
