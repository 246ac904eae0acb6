#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The HTTP side: exact Content-Type, landing page, 404, 405 with Allow, HEAD,
# a custom telemetry path; listen addresses with a port out of range are
# usage errors, and a port in use is refused with its reason.
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

# A port out of 1..65535 is a usage error (exit 2, one line), never another
# port. The timeout ends an observer that wrongly starts serving instead.
for addr in 127.0.0.1:94770 127.0.0.1:65536 127.0.0.1:0 :0; do
	err=$(timeout 10 "$OBSERVER" --target "$PROBE_FIRE" --web.listen-address "$addr" \
		--bpffs.path "${OBS_PIN}-2" 2>&1 >/dev/null)
	rc=$?
	check_eq "--web.listen-address $addr: exit 2 with one stderr line" "2 1" \
		"$rc $(printf '%s\n' "$err" | grep -c .)"
done
rm -rf "${OBS_PIN}-2"

# A second observer on the running one's port fails with the reason. It gets
# its own pin directory: only the port may collide.
err=$(timeout 10 "$OBSERVER" --target "$PROBE_FIRE" --web.listen-address "${OBS_URL#http://}" \
	--bpffs.path "${OBS_PIN}-2" 2>&1 >/dev/null)
rc=$?
rm -rf "${OBS_PIN}-2"
check_eq "a port in use: exit 1" 1 "$rc"
if grep -q 'cannot listen.*err="Address already in use"' <<<"$err"; then
	ok "a port in use: the log says 'cannot listen' and why"
else
	not_ok "a port in use: the log says 'cannot listen' and why:" \
		"got '$(tail -2 <<<"$err" | tr '\n' ' ')'"
fi
check_eq "the first observer still serves" 200 "$(status GET /custom)"

stop_observer INT
check_eq "SIGINT: exit code 0" 0 "$OBS_RC"
remove_pins
