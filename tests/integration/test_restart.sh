#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Counters live in pinned maps: an observer restarted on the same pin path
# (after SIGTERM or SIGKILL) continues them; incompatible pins are refused;
# bpftool shows the pinned maps with readable keys.
. "$(dirname "$0")/../lib.sh"
require_root_bpf
start_observer

fire --count 5 tenant_api_call org-abc
m=$(scrape)
check_eq "5 calls before the restart" 5 "$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-abc"}')"

# bpftool reads the pinned counters with BTF: the key's fields by name.
dump=$(bpftool map dump pinned "$OBS_PIN/counters" 2>&1)
if grep -q '"label"' <<<"$dump" && grep -q '"org-abc"' <<<"$dump"; then
	ok "bpftool map dump pinned shows readable keys"
else
	not_ok "bpftool map dump pinned shows readable keys: $(head -c 300 <<<"$dump")"
fi

stop_observer TERM
check_eq "SIGTERM: exit code 0" 0 "$OBS_RC"
start_observer
grep -q 'reused=true' "$OBS_LOG" && ok "restart reuses the pinned maps" || not_ok "restart reuses the pinned maps"
fire --count 3 tenant_api_call org-abc
m=$(scrape)
check_eq "counters continue after a clean restart: 5 + 3" 8 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-abc"}')"
check_eq "the probe is attached once, not twice" 4 \
	"$(value "$m" "agentidp_observer_target_attached_probes{target=\"$PROBE_FIRE\"}")"

# SIGKILL: no cleanup at all; the pins survive and the links die with it.
stop_observer KILL
start_observer
fire --count 2 tenant_api_call org-abc
m=$(scrape)
check_eq "counters continue after SIGKILL and restart: 8 + 2" 10 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-abc"}')"
check_eq "events are counted once after SIGKILL and restart (no double attach)" 10 \
	"$(value "$m" 'agentidp_observer_probe_events_total{probe="tenant_api_call"}')"
stop_observer TERM

# Pins sized by another --series.limit are refused with a reason, exit 1.
out=$("$OBSERVER" --target "$PROBE_FIRE" --web.listen-address 127.0.0.1:$(free_port) \
	--bpffs.path "$OBS_PIN" --series.limit 7 2>&1)
rc=$?
check_eq "pins of another --series.limit: exit code 1" 1 "$rc"
grep -q 'another --series.limit' <<<"$out" && ok "the refusal names the series limit" ||
	not_ok "the refusal names the series limit: $out"

# Pins from an incompatible layout (a forged layout record) are refused.
bpftool map update pinned "$OBS_PIN/meta" key hex 00 00 00 00 \
	value hex 63 00 00 00 00 00 00 00 10 27 00 00 00 00 00 00
out=$("$OBSERVER" --target "$PROBE_FIRE" --web.listen-address 127.0.0.1:$(free_port) \
	--bpffs.path "$OBS_PIN" 2>&1)
rc=$?
check_eq "pins of another layout version: exit code 1" 1 "$rc"
grep -q 'incompatible observer' <<<"$out" && ok "the refusal says the pins are incompatible" ||
	not_ok "the refusal says the pins are incompatible: $out"

# An empty layout record (a first start stopped between pinning and writing
# it) is adopted, and the counters are still there.
bpftool map update pinned "$OBS_PIN/meta" key hex 00 00 00 00 \
	value hex 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
start_observer
grep -q 'adopting them' "$OBS_LOG" && ok "an empty layout record is adopted with a warning" ||
	not_ok "an empty layout record is adopted with a warning"
m=$(scrape)
check_eq "the adopted pins keep their counts" 10 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-abc"}')"
stop_observer TERM
start_observer
grep -q 'reused=true' "$OBS_LOG" && ! grep -q 'adopting' "$OBS_LOG" &&
	ok "the layout record was written again" || not_ok "the layout record was written again"
stop_observer TERM
remove_pins
