#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The HTTP side: exact Content-Type, landing page, 404, 405 with Allow, HEAD,
# a custom telemetry path.
. "$(dirname "$0")/../lib.sh"
require_root_bpf
start_observer --web.telemetry-path /custom

# status METHOD PATH: the HTTP status code.
status() { curl -s -o /dev/null -w '%{http_code}' -X "$1" "$OBS_URL$2"; }

check_eq "GET /custom is 200" 200 "$(status GET /custom)"
check_eq "the default /metrics is 404 when the path is /custom" 404 "$(status GET /metrics)"
check_eq "GET / is 200" 200 "$(status GET /)"
check_eq "an unknown path is 404" 404 "$(status GET /nope)"
check_eq "POST is 405" 405 "$(status POST /custom)"
check_eq "DELETE is 405" 405 "$(status DELETE /)"
check_eq "Content-Type is exactly the 0.0.4 text format" \
	"text/plain; version=0.0.4; charset=utf-8" \
	"$(curl -s -o /dev/null -w '%{content_type}' "$OBS_URL/custom")"
allow=$(curl -s -D - -o /dev/null -X POST "$OBS_URL/custom" | tr -d '\r' | awk -F': ' 'tolower($1) == "allow" { print $2 }')
check_eq "405 names the allowed methods" "GET, HEAD" "$allow"
grep -q 'href="/custom"' <(curl -s "$OBS_URL/") && ok "the landing page links the metrics" ||
	not_ok "the landing page links the metrics"
check_eq "HEAD is 200 with no body" "200 0" \
	"$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$OBS_URL/custom")"

# Many scrapes at once all get complete, valid bodies.
pids=()
for i in $(seq 1 20); do
	curl -fsS -o "$LIB_TMP/par.$i" "$OBS_URL/custom" &
	pids+=($!)
done
wait "${pids[@]}"
bad=0
for i in $(seq 1 20); do
	"$EXPO_LINT" --require agentidp_observer_build_info "$LIB_TMP/par.$i" 2>/dev/null || bad=$((bad + 1))
done
check_eq "20 concurrent scrapes all get complete, valid bodies" 0 "$bad"

stop_observer INT
check_eq "SIGINT: exit code 0" 0 "$OBS_RC"
remove_pins
