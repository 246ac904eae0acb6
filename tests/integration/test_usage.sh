#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Usage errors exit 2, other failures 1, each with one line on stderr that
# says why; --version and --list-probes work without root.
. "$(dirname "$0")/../lib.sh"

expect_exit "no --target" 2 "--target is required" "$OBSERVER"
expect_exit "an unknown flag" 2 "unknown flag '--bogus'" "$OBSERVER" --target "$PROBE_FIRE" --bogus
expect_exit "a flag without its value" 2 "needs a value" "$OBSERVER" --target
expect_exit "a bad --series.limit" 2 "--series.limit 'lots'" \
	"$OBSERVER" --target "$PROBE_FIRE" --series.limit lots
expect_exit "a zero --series.limit" 2 "from 1 to" "$OBSERVER" --target "$PROBE_FIRE" --series.limit 0
expect_exit "a bad --log.level" 2 "--log.level 'loud'" \
	"$OBSERVER" --target "$PROBE_FIRE" --log.level loud
expect_exit "a bad --pid" 2 "--pid '12x'" "$OBSERVER" --target "$PROBE_FIRE" --pid 12x
expect_exit "a telemetry path with HTML in it" 2 "use only letters" \
	"$OBSERVER" --target "$PROBE_FIRE" --web.telemetry-path '/m"><script>'
expect_exit "a relative --bpffs.path" 2 "absolute path" \
	"$OBSERVER" --target "$PROBE_FIRE" --bpffs.path rel/dir
expect_exit "a target that does not exist" 2 "No such file" \
	"$OBSERVER" --target "$LIB_TMP/nope"
expect_exit "a target without the probes" 2 "has no agentidp probes" "$OBSERVER" --target /bin/sh
mkfifo "$LIB_TMP/fifo"
expect_exit "a FIFO as target (must not hang)" 2 "not a regular file" \
	timeout 10 "$OBSERVER" --target "$LIB_TMP/fifo"
expect_exit "a directory as target" 2 "not a regular file" "$OBSERVER" --target "$LIB_TMP"
echo "not elf" >"$LIB_TMP/text"
expect_exit "a target that is not ELF" 2 "not an ELF file" "$OBSERVER" --target "$LIB_TMP/text"

# Not root: a clear refusal, exit 1 (the uid-65534 user exists on Debian).
if [ "$(id -u)" -eq 0 ]; then
	expect_exit "not root" 1 "must run as root" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$OBSERVER" --target "$PROBE_FIRE"
else
	expect_exit "not root" 1 "must run as root" "$OBSERVER" --target "$PROBE_FIRE"
fi

# --version and --list-probes need no privileges.
v=$("$OBSERVER" --version)
check_eq "--version exits 0" 0 $?
grep -q "^agentidp-observer $(cat "$TOP/VERSION") " <<<"$v" && ok "--version names the version" ||
	not_ok "--version names the version: $v"
probes=$("$OBSERVER" --list-probes "$PROBE_FIRE")
check_eq "--list-probes finds the four probes" 4 "$(grep -c '^agentidp:' <<<"$probes")"
grep -q '^agentidp:db_pool_state .*args="-4@' <<<"$probes" && ok "--list-probes shows arg specs" ||
	not_ok "--list-probes shows arg specs: $probes"
"$OBSERVER" --list-probes /bin/sh >/dev/null
check_eq "--list-probes on a file without probes exits 1" 1 $?

# With root: a pin directory off any BPF filesystem is refused, exit 1.
require_root_bpf
expect_exit "a pin directory not on a BPF filesystem" 1 "not on a BPF filesystem" \
	"$OBSERVER" --target "$PROBE_FIRE" --bpffs.path "$LIB_TMP/pins" --web.listen-address 127.0.0.1:$(free_port)
expect_exit "a bad --web.listen-address" 2 "is not HOST:PORT" \
	"$OBSERVER" --target "$PROBE_FIRE" --bpffs.path "$OBS_PIN" --web.listen-address nonsense
remove_pins
