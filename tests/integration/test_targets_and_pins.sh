#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# One file is attached once and one pin directory serves one observer:
# either mistake would count every event twice.
. "$(dirname "$0")/../lib.sh"
require_root_bpf

# refusal DESC CODE PATTERN ARGS...: the observer refuses at once, in one line.
refusal() {
	local desc=$1 code=$2 pattern=$3
	shift 3
	expect_exit "$desc" "$code" "$pattern" timeout 20 "$OBSERVER" \
		--web.listen-address "127.0.0.1:$(free_port)" "$@"
}

ln -s "$PROBE_FIRE" "$LIB_TMP/link"
refusal "the same target twice" 2 "are the same file" \
	--target "$PROBE_FIRE" --target "$PROBE_FIRE" --bpffs.path "$OBS_PIN"
refusal "a target and a link to it" 2 "are the same file" \
	--target "$PROBE_FIRE" --target "$LIB_TMP/link" --bpffs.path "$OBS_PIN"
refusal "the root of the BPF filesystem as pin directory" 1 "directory of their own" \
	--target "$PROBE_FIRE" --bpffs.path /sys/fs/bpf

# A relative target is resolved against the working directory.
cd "$(dirname "$PROBE_FIRE")" || fatal "no build directory"
start_observer --target "./$(basename "$PROBE_FIRE")"
cd "$TOP" || fatal "no top directory"
fire --count 4 tenant_api_call org-rel
m=$(scrape)
check_eq "a relative --target is attached and counted once" 4 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-rel"}')"
check_eq "the target is shown by its absolute path" 1 \
	"$(value "$m" "agentidp_observer_target_attached{target=\"$PROBE_FIRE\"}")"

# A second observer on the same pin directory is refused while the first runs.
refusal "a second observer on the same pins" 1 "another observer is using" \
	--target "$PROBE_FIRE" --bpffs.path "$OBS_PIN"
fire --count 3 tenant_api_call org-rel
m=$(scrape)
check_eq "and the first still counts each event once" 7 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-rel"}')"

# The lock goes with the process, even after SIGKILL.
stop_observer KILL
start_observer
m=$(scrape)
check_eq "after SIGKILL the pins can be taken again" 7 \
	"$(value "$m" 'agentidp_tenant_api_calls_total{tenant_id="org-rel"}')"
stop_observer TERM
remove_pins

# A target path with a quote, a space and a newline: every log line stays
# one record, in logfmt and in JSON.
odd="$LIB_TMP/we\"ird"$'\n'"na me"
cp "$PROBE_FIRE" "$odd"
start_observer --target "$odd" --log.format json
stop_observer TERM
if python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
recs = [json.loads(l) for l in lines]
assert any(r.get("msg") == "attached" and r.get("target") == sys.argv[2] for r in recs), recs
' "$OBS_LOG" "$odd" 2>"$LIB_TMP/json.err"; then
	ok "JSON logs stay one valid object per line and carry the odd path intact"
else
	not_ok "JSON logs with an odd target path: $(tail -2 "$LIB_TMP/json.err" | tr '\n' ' ')"
fi
start_observer --target "$odd"
stop_observer TERM
check_eq "logfmt: every line is a record (starts with ts=)" 0 "$(grep -vc '^ts=' "$OBS_LOG")"
grep -q 'msg="attached" target="[^"]*we\\"ird\\nna me"' "$OBS_LOG" &&
	ok "logfmt: the odd path is one quoted, escaped value" ||
	not_ok "logfmt: the odd path is one quoted, escaped value: $(grep attached "$OBS_LOG")"
remove_pins
