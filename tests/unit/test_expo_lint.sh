#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Unit tests for expo-lint (tests/tools/expo_lint.c): valid bodies it must
# accept, and one body per fault kind it must refuse, on the right line and
# for the right reason. Prints one "ok - ..." or "not ok - ..." line per case
# and exits 1 if any case failed. Builds nothing: run it after the build.
#
#   BUILD=build tests/unit/test_expo_lint.sh
#   EXPO_LINT_PROMTOOL=promtool tests/unit/test_expo_lint.sh
#
# With EXPO_LINT_PROMTOOL set, every valid body must also get past the parser
# of "promtool check metrics" (exit 0, or 3 for its lint hints), so that what
# expo-lint accepts stays a subset of what Prometheus accepts.

set -u

BUILD=${BUILD:-build}
LINT=$BUILD/expo-lint
PROMTOOL=${EXPO_LINT_PROMTOOL:-}

TMP=$(mktemp -d /tmp/test-expo-lint.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
FAILED=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }

# The first lines of expo-lint's stderr, on one line, for a failure message.
errs() { head -3 "$TMP/err" | tr '\n' '|'; }

if [ ! -x "$LINT" ]; then
	not_ok "expo-lint binary at $LINT (build it first)"
	exit 1
fi

# good DESC [ARGS...] <BODY: expo-lint must accept BODY, given as a file, with
# exit 0 and nothing on stderr.
good() {
	local desc=$1 rc
	shift
	cat >"$TMP/body"
	"$LINT" "$@" "$TMP/body" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$TMP/err" ]; then
		not_ok "$desc: expected exit 0 and no output, got exit $rc: $(errs)"
		return
	fi
	if [ -n "$PROMTOOL" ]; then
		"$PROMTOOL" check metrics <"$TMP/body" >"$TMP/err" 2>&1
		rc=$?
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
			not_ok "$desc: promtool refuses it (exit $rc): $(errs)"
			return
		fi
	fi
	ok "$desc"
}

# bad DESC LINE TEXT [ARGS...] <BODY: expo-lint must refuse BODY, given on
# stdin, with exit 1 and exactly one problem: "expo-lint: line LINE: ..."
# containing TEXT. LINE "-" is a problem of the whole body (no line number);
# LINE "N+" lets later lines report the damage the first fault caused.
bad() {
	local desc=$1 line=$2 text=$3 rc want got first max=1
	shift 3
	cat >"$TMP/body"
	"$LINT" "$@" <"$TMP/body" 2>"$TMP/err"
	rc=$?
	if [ "$line" = - ]; then
		want="expo-lint: "
	else
		[[ "$line" == *+ ]] && max=1000
		want="expo-lint: line ${line%+}: "
	fi
	got=$(wc -l <"$TMP/err")
	first=$(head -1 "$TMP/err")
	if [ "$rc" -ne 1 ]; then
		not_ok "$desc: expected exit 1, got $rc: $(errs)"
	elif [ "$got" -lt 1 ] || [ "$got" -gt "$max" ]; then
		not_ok "$desc: expected 1 problem, got $got: $(errs)"
	elif [[ "$first" != "$want"* ]]; then
		not_ok "$desc: expected a line starting '$want', got: $(errs)"
	elif [[ "$first" != *"$text"* ]]; then
		not_ok "$desc: expected '$text' in: $(errs)"
	else
		ok "$desc"
	fi
}

# usage DESC ARGS...: expo-lint must exit 2 with a reason on stderr.
usage() {
	local desc=$1 rc
	shift
	"$LINT" "$@" </dev/null >/dev/null 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ne 2 ] || [ ! -s "$TMP/err" ]; then
		not_ok "$desc: expected exit 2 and a reason, got exit $rc: $(errs)"
	else
		ok "$desc"
	fi
}

# ---- valid bodies ----

# What the observer serves: counters named with _total, gauges, escapes.
good "valid: observer-style counters, gauges and escapes" <<'EOF'
# HELP agentidp_rate_limit_hits_total Rate limiter rejections, by endpoint and tenant.
# TYPE agentidp_rate_limit_hits_total counter
agentidp_rate_limit_hits_total{endpoint="/oauth/token",tenant_id="acme"} 12
agentidp_rate_limit_hits_total{endpoint="/oauth/token",tenant_id="q\"uo\\te\nnl"} 1
agentidp_rate_limit_hits_total{endpoint="/oauth/token",tenant_id="Zürich-日本-😀"} 0
# HELP agentidp_db_pool_active_connections Active connections; backslash \\ and a\nnewline.
# TYPE agentidp_db_pool_active_connections gauge
agentidp_db_pool_active_connections 3
# HELP agentidp_observer_build_info Build information.
# TYPE agentidp_observer_build_info gauge
agentidp_observer_build_info{version="0.1.0",libbpf="1.1"} 1
EOF

# A complete histogram and summary, one series each, with +Inf and NaN.
good "valid: histogram and summary" <<'EOF'
# HELP agentidp_observer_scrape_duration_seconds Time to render /metrics.
# TYPE agentidp_observer_scrape_duration_seconds histogram
agentidp_observer_scrape_duration_seconds_bucket{le="0.001"} 3
agentidp_observer_scrape_duration_seconds_bucket{le="0.01"} 5
agentidp_observer_scrape_duration_seconds_bucket{le="+Inf"} 5
agentidp_observer_scrape_duration_seconds_sum 0.0123
agentidp_observer_scrape_duration_seconds_count 5
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} NaN
rpc_seconds{quantile="0.99"} 1.5e-3
rpc_seconds_sum -2
rpc_seconds_count 0
EOF

# The lenient corners the format allows: no metadata, colons, blanks in the
# label set, a trailing comma, tabs, timestamps, value spellings.
good "valid: untyped samples, blanks, trailing comma, timestamps" <<'EOF'
# A free-form comment.
#
job:request_rate:5m{ path = "/a" , code="200", } 1.5E+3 1700000000000
job:request_rate:5m{path="/b"}	.5	-1
empty_braces{} -0
gauge_values{v="inf"} +Inf
gauge_values{v="-inf"} -Inf
gauge_values{v="tiny"} 1e-400
EOF

# An empty exposition has no families at all, which the format allows.
good "valid: empty body" </dev/null

# HELP and TYPE with no sample (a gauge before any process reported), a HELP
# without text, and a family whose own name ends in _count.
good "valid: metadata-only families, empty HELP" <<'EOF'
# HELP agentidp_db_pool_waiting_requests
# TYPE agentidp_db_pool_waiting_requests gauge
# TYPE agentidp_db_pool_max_connections gauge
# TYPE requests_count gauge
requests_count 4
EOF

# Empty label values are legal unless --no-empty-label-values is given.
good "valid: empty label value without the option" <<'EOF'
x{a=""} 1
EOF

# --require is met by a family's samples, whatever their suffix.
good "valid: --require and --no-empty-label-values satisfied" \
	--require agentidp_tenant_api_calls_total --require h --no-empty-label-values <<'EOF'
# TYPE agentidp_tenant_api_calls_total counter
agentidp_tenant_api_calls_total{tenant_id="acme"} 7
# TYPE h histogram
h_bucket{le="+Inf"} 0
h_sum 0
h_count 0
EOF

# ---- line structure ----

bad "bad: missing newline at the end" 2 "missing newline" < <(printf 'a 1\nb 2')
bad "bad: empty line" 2 "empty line" < <(printf 'a 1\n\nb 2\n')
bad "bad: whitespace-only line" 2 "blank line" < <(printf 'a 1\n \t\nb 2\n')
bad "bad: CRLF line ending" 1 "carriage return" < <(printf 'a 1\r\n')
bad "bad: NUL byte" 1 "NUL byte" < <(printf 'a{x="\0"} 1\n')
bad "bad: leading whitespace" 2 "starts with whitespace" < <(printf 'a 1\n b 1\n')
bad "bad: trailing whitespace" 1 "ends with whitespace" < <(printf 'a 1 \n')

# ---- HELP and TYPE ----

bad "bad: second HELP" 3 "second HELP for 'x'" <<'EOF'
# HELP x one
# TYPE x gauge
# HELP x two
EOF

bad "bad: second TYPE" 2 "second TYPE for 'x'" <<'EOF'
# TYPE x gauge
# TYPE x counter
EOF

bad "bad: HELP after the family's first sample" 2 "HELP for 'x' after its first sample" <<'EOF'
x 1
# HELP x late
EOF

bad "bad: TYPE after the family's first sample" 3 "TYPE for 'x' after its first sample" <<'EOF'
# HELP x help
x 1
# TYPE x gauge
EOF

bad "bad: unknown TYPE" 1 "unknown type 'Counter'" <<'EOF'
# TYPE x Counter
EOF

bad "bad: invalid escape in HELP" 1 "invalid escape '\\t' in HELP" <<'EOF'
# HELP x tab\there
EOF

bad "bad: HELP ending in a lone backslash" 1 "lone backslash" <<'EOF'
# HELP x text\
EOF

bad "bad: HELP without the space after #" 1 "malformed HELP line" <<'EOF'
#HELP x text
EOF

# ---- names and labels ----

bad "bad: metric name starting with a digit" 1 "expected a metric name" <<'EOF'
1x 1
EOF

bad "bad: invalid character in metric name" 1 "invalid character '-'" <<'EOF'
x-y 1
EOF

bad "bad: invalid label name" 1 "expected a label name" <<'EOF'
x{1a="b"} 1
EOF

bad "bad: reserved label name" 1 "label name '__name__' is reserved" <<'EOF'
x{__name__="x"} 1
EOF

bad "bad: duplicate label name" 1 "duplicate label name 'a'" <<'EOF'
x{a="1",b="2",a="3"} 1
EOF

bad "bad: invalid escape in label value" 1 "invalid escape '\\t' in label value" <<'EOF'
x{a="tab\there"} 1
EOF

# The raw newline ends line 1 inside the value; line 2 is debris.
bad "bad: raw newline in label value" 1+ "unterminated label value" <<'EOF'
x{a="two
lines"} 1
EOF

bad "bad: unclosed label set" 1 "expected ',' or '}'" <<'EOF'
x{a="b" 1
EOF

# ---- UTF-8 ----

bad "bad: overlong UTF-8 (C0 AF for /)" 2 "invalid UTF-8 at column 6" \
	< <(printf 'a 1\nx{a="\xc0\xaf"} 1\n')
bad "bad: overlong 3-byte UTF-8 (E0 80 AF)" 1 "invalid UTF-8 at column 6" \
	< <(printf 'x{a="\xe0\x80\xaf"} 1\n')
bad "bad: UTF-16 surrogate in UTF-8 (ED A0 80)" 1 "invalid UTF-8 at column 6" \
	< <(printf 'x{a="\xed\xa0\x80"} 1\n')
bad "bad: code point past U+10FFFF (F4 90 80 80)" 1 "invalid UTF-8 at column 6" \
	< <(printf 'x{a="\xf4\x90\x80\x80"} 1\n')
bad "bad: stray continuation byte" 1 "invalid UTF-8 at column 7" \
	< <(printf 'x{a="a\x80"} 1\n')
bad "bad: truncated UTF-8 sequence" 1 "invalid UTF-8 at column 6" \
	< <(printf 'x{a="\xe6\x97"} 1\n')
bad "bad: invalid UTF-8 in HELP" 1 "invalid UTF-8 at column 12" \
	< <(printf '# HELP x a \xff\n')

# ---- values and timestamps ----

bad "bad: value is not a float" 1 "value 'abc' is not a float" <<'EOF'
x abc
EOF

bad "bad: hexadecimal value" 1 "value '0x10' is not a float" <<'EOF'
x 0x10
EOF

bad "bad: unsigned Inf" 1 "value 'Inf' is not a float" <<'EOF'
x Inf
EOF

bad "bad: value out of range" 1 "out of range" <<'EOF'
x 1e400
EOF

bad "bad: sample without value" 1 "has no value" <<'EOF'
x{a="b"}
EOF

bad "bad: no blank before the value" 1 "expected a blank before the value" <<'EOF'
x{a="b"}1
EOF

bad "bad: fractional timestamp" 1 "timestamp '1.5'" <<'EOF'
x 1 1.5
EOF

bad "bad: timestamp past int64" 1 "timestamp '9223372036854775808'" <<'EOF'
x 1 9223372036854775808
EOF

bad "bad: text after the timestamp" 1 "after the timestamp" <<'EOF'
x 1 2 3
EOF

# ---- families ----

bad "bad: family split by another family's samples" 3 "family 'a' appears again" <<'EOF'
a{k="1"} 1
b 1
a{k="2"} 1
EOF

bad "bad: family's HELP after another family" 4 "family 'a' appears again" <<'EOF'
# TYPE a gauge
a 1
b 1
# HELP a late
EOF

bad "bad: counter family x, sample x_total" 2 "'x_total' is not a series of counter 'x'" <<'EOF'
# TYPE x counter
x_total 1
EOF

bad "bad: counter family x_total, sample x" 3 "'x' is not a series of counter 'x_total'" <<'EOF'
# HELP x_total Events.
# TYPE x_total counter
x 1
EOF

bad "bad: summary with a _bucket series" 3 "'s_bucket' is not a series of summary 's'" <<'EOF'
# TYPE s summary
s_sum 1
s_bucket{le="1"} 1
EOF

bad "bad: histogram sample without suffix" 2 "without _bucket, _sum or _count" <<'EOF'
# TYPE h histogram
h 1
EOF

bad "bad: histogram bucket without le" 2 "'h_bucket' lacks the 'le' label" <<'EOF'
# TYPE h histogram
h_bucket 1
EOF

bad "bad: le that is not a float" 2 "'le' label value 'big' is not a float" <<'EOF'
# TYPE h histogram
h_bucket{le="big"} 1
EOF

bad "bad: histogram _count with le" 3 "'h_count' must not carry the 'le' label" <<'EOF'
# TYPE h histogram
h_bucket{le="+Inf"} 1
h_count{le="+Inf"} 1
EOF

bad "bad: summary quantile sample without quantile" 2 "'s' lacks the 'quantile' label" <<'EOF'
# TYPE s summary
s 1
EOF

bad "bad: family declared under a histogram's series name" 5 "'h_sum' clashes" <<'EOF'
# TYPE h histogram
h_bucket{le="+Inf"} 1
h_sum 1
h_count 1
# HELP h_sum Not a family of its own.
EOF

# ---- series ----

bad "bad: duplicate series" 3 "duplicate series x{a=\"1\"} (first at line 1)" <<'EOF'
x{a="1"} 1
x{a="2"} 1
x{a="1"} 2
EOF

bad "bad: duplicate series, labels in another order" 2 "(first at line 1)" <<'EOF'
x{a="1",b="2"} 1
x{b="2",a="1"} 1
EOF

bad "bad: duplicate series without labels" 3 "duplicate series x (first at line 2)" <<'EOF'
# TYPE x gauge
x 1
x 2
EOF

bad "bad: empty label value with --no-empty-label-values" 2 "label 'tenant_id' has an empty value" \
	--no-empty-label-values <<'EOF'
x{tenant_id="acme"} 1
x{tenant_id=""} 1
EOF

# ---- counter values ----

bad "bad: negative counter" 2 "counter 'x_total' is negative" <<'EOF'
# TYPE x_total counter
x_total -1
EOF

bad "bad: NaN counter" 2 "counter 'x_total' is NaN" <<'EOF'
# TYPE x_total counter
x_total NaN
EOF

bad "bad: negative histogram bucket" 2 "histogram count 'h_bucket' is negative" <<'EOF'
# TYPE h histogram
h_bucket{le="+Inf"} -1
EOF

# ---- --require ----

bad "bad: --require of a missing family" - "required family 'y' has no sample" \
	--require x --require y <<'EOF'
x 1
EOF

bad "bad: --require of a family with metadata only" - "required family 'x' has no sample" \
	--require x <<'EOF'
# HELP x Declared, never sampled.
# TYPE x gauge
EOF

# ---- reporting ----

# Every faulty line is reported, each under its own number, in order.
"$LINT" <<'EOF' 2>"$TMP/err" >/dev/null
a 1
b x
c 1
d{__x="1"} 1
a{k="2"} 2
EOF
rc=$?
got=$(cut -d: -f2 "$TMP/err" | tr '\n' ' ')
if [ "$rc" -eq 1 ] && [ "$got" = " line 2  line 4  line 5 " ]; then
	ok "reports: one line per problem, in line order"
else
	not_ok "reports: expected exit 1 and lines 2, 4, 5, got exit $rc and '$got'"
fi

# ---- usage ----

usage "usage: unknown option" --strict
usage "usage: --require with an invalid name" --require 1x
usage "usage: two files" "$TMP/a" "$TMP/b"
usage "usage: unreadable file" "$TMP/does-not-exist"

exit "$FAILED"
