#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Idle keep-alive connections and slow partial requests cannot starve
# scrapes; 50 concurrent scrapes all get complete, valid bodies; the
# observer keeps working with descriptors above 1024; requests trickled a
# byte at a time (which the idle timeout never ends) are cut at the
# request deadline.
. "$(dirname "$0")/../lib.sh"
require_root_bpf
ulimit -n 8192 2>/dev/null || fatal "cannot raise this shell's descriptor limit"
start_observer
fire --count 42 tenant_api_call org-abc
port=${OBS_URL##*:}

# 1100 connections held open by this shell: 1000 idle after one complete
# keep-alive request, 100 that sent half a request line and stopped. The
# observer's own descriptors go past 1024.
idle=()
for i in $(seq 1 1000); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fatal "connection $i refused"
	printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >&$fd
	idle+=($fd)
done
for i in $(seq 1 100); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fatal "slow connection $i refused"
	printf 'GET /metr' >&$fd
	idle+=($fd)
done
# The observer accepts from its backlog in batches; give it a moment.
for _ in $(seq 1 100); do
	fds=$(ls /proc/"$OBS_PID"/fd | wc -l)
	[ "$fds" -gt 1024 ] && break
	sleep 0.05
done
if [ "$fds" -gt 1024 ]; then
	ok "the observer holds $fds descriptors, past 1024"
else
	not_ok "the observer holds $fds descriptors, past 1024"
fi

# 50 concurrent scrapes while all of that is held open.
pids=()
for i in $(seq 1 50); do
	curl -fsS --max-time 20 -o "$LIB_TMP/c.$i" "$OBS_URL/metrics" &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "50 concurrent scrapes beside 1100 held connections all succeed" 0 "$failed"
bad=0
for i in $(seq 1 50); do
	"$EXPO_LINT" --no-empty-label-values --require agentidp_tenant_api_calls_total \
		"$LIB_TMP/c.$i" 2>/dev/null || bad=$((bad + 1))
	[ "$(value "$LIB_TMP/c.$i" 'agentidp_tenant_api_calls_total{tenant_id="org-abc"}')" = 42 ] ||
		bad=$((bad + 1))
done
check_eq "all 50 bodies are complete, valid and exact" 0 "$bad"

# The idle timeout frees the slots: after it, the held connections are closed.
sleep 11
fds=$(ls /proc/"$OBS_PID"/fd | wc -l)
if [ "$fds" -lt 100 ]; then
	ok "idle and slow connections are closed after the timeout ($fds descriptors left)"
else
	not_ok "idle and slow connections are closed after the timeout ($fds descriptors left)"
fi
for fd in "${idle[@]}"; do exec {fd}>&-; done
m=$(scrape)
check_eq "the observer still serves exact values" 42 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-abc"}')"
# 300 connections that trickle a request one header byte every 2 s, so the
# 10 s idle timeout never fires: 250 fresh ones and 50 keep-alive ones that
# had one request answered first. The 10 s request deadline must cut them
# all while they still trickle.
base=$(ls /proc/"$OBS_PID"/fd | wc -l)
slow=()
for i in $(seq 1 300); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fatal "trickling connection $i refused"
	[ "$i" -le 50 ] && printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >&$fd
	printf 'GET /metrics HTTP/1.1\r\nX-Slow: ' >&$fd
	slow+=($fd)
done
# The trickler ignores SIGPIPE: its writes start failing once the server cuts.
(
	trap '' PIPE
	for _ in $(seq 1 12); do
		sleep 2
		for fd in "${slow[@]}"; do printf 'x' >&$fd; done 2>/dev/null
	done
) &
trickler=$!
track "$trickler"
for fd in "${slow[@]}"; do exec {fd}>&-; done
for _ in $(seq 1 100); do
	fds=$(ls /proc/"$OBS_PID"/fd | wc -l)
	[ "$fds" -ge $((base + 300)) ] && break
	sleep 0.05
done
check_eq "the observer accepted the 300 trickling connections" 1 \
	"$([ "$fds" -ge $((base + 300)) ] && echo 1 || echo "0 ($fds descriptors, base $base)")"
sleep 12
fds=$(ls /proc/"$OBS_PID"/fd | wc -l)
check_eq "the trickler is still sending after the deadline" 1 \
	"$(kill -0 "$trickler" 2>/dev/null && echo 1 || echo 0)"
if [ "$fds" -lt $((base + 10)) ]; then
	ok "trickling connections are cut at the request deadline ($fds descriptors, base $base)"
else
	not_ok "trickling connections are cut at the request deadline ($fds descriptors, base $base)"
fi
check_eq "a scrape beside the tricklers succeeds with the exact value" 42 \
	"$(curl -fsS --max-time 15 "$OBS_URL/metrics" |
		value /dev/stdin 'agentidp_tenant_api_calls_total{tenant_id="org-abc"}')"
kill "$trickler" 2>/dev/null
wait "$trickler" 2>/dev/null

stop_observer TERM
check_eq "and stops cleanly" 0 "$OBS_RC"
remove_pins
