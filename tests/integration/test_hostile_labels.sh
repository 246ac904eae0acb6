#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Hostile label values: every case renders a valid exposition, the right
# self-metric counts it, and none shows under the empty label value (the
# strict check in scrape() runs with --no-empty-label-values).
. "$(dirname "$0")/../lib.sh"
require_root_bpf
start_observer

FFFD=$'\xef\xbf\xbd'
# calls TENANT_AS_RENDERED: the tenant_api_calls_total value of that series.
calls() { value "$m" "agentidp_tenant_api_calls_total{tenant_id=\"$1\"}"; }
stat() { value "$m" "agentidp_observer_$1{probe=\"tenant_api_call\"}"; }

fire tenant_api_call 'a"b'
fire tenant_api_call 'a\b'
fire tenant_api_call $'a\nb'
fire tenant_api_call $'a\rb'
fire tenant_api_call @hex:ff41
fire tenant_api_call @hex:80
fire tenant_api_call @hex:c0af
fire tenant_api_call ''
fire tenant_api_call @null
fire tenant_api_call @unmapped
m=$(scrape)
check_eq 'a quote is escaped' 1 "$(calls 'a\"b')"
check_eq 'a backslash is escaped' 1 "$(calls 'a\\b')"
check_eq 'a newline is escaped' 1 "$(calls 'a\nb')"
check_eq 'a CR becomes U+FFFD' 1 "$(calls "a${FFFD}b")"
check_eq '0xFF becomes U+FFFD' 1 "$(calls "${FFFD}A")"
check_eq 'a stray continuation byte is one U+FFFD' \
	1 "$(calls "${FFFD}")"
check_eq 'an overlong "/" is two U+FFFD' 1 "$(calls "${FFFD}${FFFD}")"
check_eq 'the empty string counts under <empty>' 1 "$(calls '<empty>')"
check_eq 'NULL and an unmapped pointer count under <unreadable>' 2 "$(calls '<unreadable>')"
check_eq 'both are read errors' 2 "$(stat label_read_errors_total)"
check_eq 'nothing is shown under the empty label value' absent "$(calls '')"

# Longer than 63 bytes: cut, counted once per event.
fire --count 3 tenant_api_call @repeat:100:x
m=$(scrape)
check_eq 'a 100-byte value is cut to 63 bytes' 3 "$(calls "$(printf 'x%.0s' $(seq 1 63))")"
check_eq 'each cut is counted' 3 "$(stat label_truncations_total)"

# A cut that would fall inside a 2-byte character drops the whole character:
# 62 'a', then U+00E9 (c3 a9) across bytes 63-64, then more.
long=$(printf '61%.0s' $(seq 1 62))c3a9$(printf '62%.0s' $(seq 1 10))
fire tenant_api_call "@hex:$long"
# Same prefix, other tail: the same series.
long2=$(printf '61%.0s' $(seq 1 62))c3a9$(printf '63%.0s' $(seq 1 10))
fire tenant_api_call "@hex:$long2"
m=$(scrape)
check_eq 'a cut inside a character keeps 62 bytes, and both tails share the series' 2 \
	"$(calls "$(printf 'a%.0s' $(seq 1 62))")"
# Exactly 63 bytes is not a cut.
fire tenant_api_call @repeat:63:y
m=$(scrape)
check_eq 'exactly 63 bytes is kept whole' 1 "$(calls "$(printf 'y%.0s' $(seq 1 63))")"
check_eq 'and is not counted as a cut' 5 "$(stat label_truncations_total)"

# The sum over the metric equals the events fired.
sum=$(awk '/^agentidp_tenant_api_calls_total\{/ { s += $NF } END { print s }' "$m")
check_eq 'the sum over all series equals the 16 events fired' 16 "$sum"
check_eq 'the BPF side saw 16 events' 16 "$(stat probe_events_total)"

stop_observer TERM
remove_pins
