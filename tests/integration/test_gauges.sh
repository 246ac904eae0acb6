#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Gauges are per process, summed over live processes, absent before any
# report, and gone at the next scrape once a process is killed.
. "$(dirname "$0")/../lib.sh"
require_root_bpf
start_observer

m=$(scrape)
check_eq "before any report the gauge is absent" absent \
	"$(value "$m" agentidp_db_pool_active_connections)"

# hold_pool A W M: a process that reports once and stays alive; echoes its PID.
hold_pool() {
	local out=$LIB_TMP/pool.$RANDOM
	"$PROBE_FIRE" --wait-attach --hold db_pool_state "$@" >"$out" &
	local pid=$!
	for _ in $(seq 1 300); do grep -q held "$out" && break; sleep 0.01; done
	echo $pid
}

p1=$(hold_pool 15 2 20)
track "$p1"
p2=$(hold_pool 4 0 20)
track "$p2"
m=$(scrape)
check_eq "two processes: active connections sum to 19" 19 \
	"$(value "$m" agentidp_db_pool_active_connections)"
check_eq "two processes: waiting requests sum to 2" 2 \
	"$(value "$m" agentidp_db_pool_waiting_requests)"

# A process killed with SIGKILL stops contributing at the next scrape.
kill -KILL "$p1"
wait "$p1" 2>/dev/null
m=$(scrape)
check_eq "after SIGKILL only the survivor's 4 remain" 4 \
	"$(value "$m" agentidp_db_pool_active_connections)"
check_eq "after SIGKILL the waiting gauge is the survivor's 0" 0 \
	"$(value "$m" agentidp_db_pool_waiting_requests)"

# A restarted process reports fresh values, never the dead one's.
p3=$(hold_pool 7 1 20)
track "$p3"
m=$(scrape)
check_eq "a restarted process adds its fresh 7" 11 \
	"$(value "$m" agentidp_db_pool_active_connections)"
kill -KILL "$p2" "$p3"
wait "$p2" "$p3" 2>/dev/null
m=$(scrape)
check_eq "with every process gone the gauge is absent again" absent \
	"$(value "$m" agentidp_db_pool_active_connections)"
check_eq "three exited processes' entries were removed" 3 \
	"$(value "$m" agentidp_observer_exited_process_gauges_removed_total)"

stop_observer TERM
remove_pins
