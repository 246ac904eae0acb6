#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The target binary replaced on disk by a rename (a package upgrade): the
# observer notices, re-attaches without a restart, logs it, shows it in a
# self-metric, counts the new binary's events and keeps counting processes
# that still run the old one.
. "$(dirname "$0")/../lib.sh"
require_root_bpf
bin=$LIB_TMP/agentidp-idp
cp "$PROBE_FIRE" "$bin"
start_observer --target "$bin"
attached="agentidp_observer_target_attached{target=\"$bin\"}"
reattached="agentidp_observer_target_reattaches_total{target=\"$bin\"}"

"$bin" --wait-attach --count 2 tenant_api_call org-old >/dev/null || fatal "old binary did not fire"
# An old process that stays up across the upgrade and fires after it.
"$bin" --wait-file "$LIB_TMP/go" --count 5 tenant_api_call org-old-late >/dev/null &
late=$!
track $late

# The upgrade: a new file renamed over the old path (a new inode).
cp "$PROBE_FIRE" "$bin.new"
mv -f "$bin.new" "$bin"
for _ in $(seq 1 50); do
	grep -q 'target file replaced' "$OBS_LOG" && break
	sleep 0.1
done
grep -q 'target file replaced' "$OBS_LOG" && ok "the replacement is logged" ||
	not_ok "the replacement is logged"
m=$(scrape)
check_eq "the re-attach is counted in a self-metric" 1 "$(value "$m" "$reattached")"
check_eq "the new file is attached" 1 "$(value "$m" "$attached")"

"$bin" --wait-attach --count 3 tenant_api_call org-new >/dev/null || fatal "new binary did not fire"
touch "$LIB_TMP/go"
wait $late
m=$(scrape)
check_eq "events from the old binary before the upgrade" 2 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-old"}')"
check_eq "events from the new binary are counted" 3 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-new"}')"
check_eq "an old process still running the old binary is still counted" 5 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-old-late"}')"

# A replacement without probes is refused but keeps the old attachment.
cp /bin/true "$bin.new"
mv -f "$bin.new" "$bin"
sleep 2
m=$(scrape)
check_eq "a replacement without probes shows as not attached" 0 "$(value "$m" "$attached")"

# A target written in place in two steps: the half-written file cannot be
# attached; once complete it must be, without a restart.
rm -f "$bin"
head -c 4096 "$PROBE_FIRE" >"$bin"
chmod +x "$bin"
sleep 1.5
cat "$PROBE_FIRE" >"$bin"
for _ in $(seq 1 50); do
	m=$(scrape 2>/dev/null)
	[ "$(value "$m" "$attached")" = 1 ] && break
	sleep 0.1
done
check_eq "a target completed after a failed attach is attached" 1 "$(value "$m" "$attached")"
"$bin" --wait-attach --count 6 tenant_api_call org-rewritten >/dev/null || fatal "rewritten binary did not fire"
m=$(scrape)
check_eq "and its events are counted" 6 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-rewritten"}')"
stop_observer TERM
check_eq "exit code 0" 0 "$OBS_RC"
remove_pins
