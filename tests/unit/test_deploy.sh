#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Checks of the deployment artefacts in deploy/: the Prometheus rules pass
# promtool and their unit tests, the example Prometheus config passes
# promtool, the Grafana dashboard and the Kubernetes manifests parse and hold
# what they must, every metric they name is one the observer documents, and
# the systemd unit passes systemd-analyze verify where that exists. Prints
# one "ok - ..." or "not ok - ..." line per check (or "skip - ...") for
# tests/run.sh to count. Needs no root and builds nothing.
#
#   tests/unit/test_deploy.sh

set -u

. "$(dirname "$0")/../lib.sh"
TMP=$LIB_TMP
DEPLOY=$TOP/deploy
RULES=$DEPLOY/prometheus/agentidp-observer.rules.yml
RULES_TEST=$DEPLOY/prometheus/agentidp-observer.rules.test.yml
PROM_CONFIG=$DEPLOY/prometheus/prometheus.yml
DASHBOARD=$DEPLOY/grafana/agentidp-observer.json
DAEMONSET=$DEPLOY/kubernetes/daemonset.yaml
UNIT=$DEPLOY/systemd/agentidp-observer.service
README=$TOP/README.md

# Debian's python3 with python3-yaml (scripts/install-deps.sh check), not
# whatever python3 comes first in PATH.
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3


# The rules load, and behave as their unit tests say.
check_cmd "promtool check rules $(basename "$RULES")" promtool check rules "$RULES"
check_cmd "promtool test rules $(basename "$RULES_TEST")" promtool test rules "$RULES_TEST"

# The example config is valid and loads the rules file next to it.
check_cmd "promtool check config $(basename "$PROM_CONFIG")" promtool check config "$PROM_CONFIG"

# The dashboard is JSON ...
check_cmd "$(basename "$DASHBOARD") is valid JSON" "$PYTHON" -m json.tool "$DASHBOARD"

# ... importable with a Prometheus data source of the importer's choosing:
# schemaVersion 36+, a DS_PROMETHEUS input, every panel and query on it,
# unique panel ids.
check_cmd "$(basename "$DASHBOARD"): schemaVersion 36+, \${DS_PROMETHEUS} everywhere, unique ids" \
	"$PYTHON" - "$DASHBOARD" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
errs = []
if d.get("schemaVersion", 0) < 36:
    errs.append("schemaVersion %s < 36" % d.get("schemaVersion"))
if not any(i.get("name") == "DS_PROMETHEUS" and i.get("pluginId") == "prometheus"
           for i in d.get("__inputs", [])):
    errs.append("no DS_PROMETHEUS input")
ids = set()
for p in d["panels"]:
    if p["id"] in ids:
        errs.append("panel id %d twice" % p["id"])
    ids.add(p["id"])
    if p["type"] == "row":
        continue
    for o in [p] + p.get("targets", []):
        if o.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            errs.append("panel '%s' not on ${DS_PROMETHEUS}" % p["title"])
    if not p.get("targets"):
        errs.append("panel '%s' has no query" % p["title"])
if errs:
    sys.exit("; ".join(errs))
EOF

# The Kubernetes manifests parse, and the DaemonSet has what the observer
# needs: host PIDs, the pin filesystem, BTF, the metrics port, probes, limits.
check_cmd "$(basename "$DAEMONSET") parses and holds the DaemonSet's essentials" \
	"$PYTHON" - "$DAEMONSET" <<'EOF'
import sys, yaml
docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1])) if d}
errs = [k + " missing" for k in ("Namespace", "ServiceAccount", "DaemonSet", "Service")
        if k not in docs]
if not errs:
    spec = docs["DaemonSet"]["spec"]["template"]["spec"]
    c = spec["containers"][0]
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    if spec.get("hostPID") is not True:
        errs.append("hostPID is not true")
    if "/sys/fs/bpf" not in mounts:
        errs.append("no /sys/fs/bpf mount")
    if not mounts.get("/sys/kernel/btf", {}).get("readOnly"):
        errs.append("no read-only /sys/kernel/btf mount")
    if "/sys/kernel/debug" in mounts:
        errs.append("mounts /sys/kernel/debug, which is not needed")
    if 9477 not in [p["containerPort"] for p in c.get("ports", [])]:
        errs.append("no containerPort 9477")
    for probe in ("readinessProbe", "livenessProbe"):
        if c.get(probe, {}).get("httpGet", {}).get("path") != "/":
            errs.append(probe + " is not GET /")
    if c.get("resources", {}).get("limits", {}).get("memory") != "128Mi":
        errs.append("memory limit is not 128Mi")
    if docs["Service"]["spec"].get("clusterIP") != "None":
        errs.append("Service is not headless")
if errs:
    sys.exit("; ".join(errs))
EOF

# The cells of the tables under README.md's "## The metrics": the backquoted
# names, labels cut off, with an abbreviation like "`a_b_c_total`,
# `..._d_total`" expanded to every a_..._d_total it can stand for
# (a_d_total, a_b_d_total, a_b_c_d_total).
awk -F'`' '/^## / { in_metrics = ($0 ~ /^## The metrics/) }
in_metrics && /^\| `/ {
	prev = ""
	for (i = 2; i <= NF; i += 2) {
		n = $i
		sub(/\{.*/, "", n)
		if (n ~ /^\.\.\._/ && prev != "") {
			s = substr(n, 4)
			p = prev
			while (match(p, /_[^_]*$/)) {
				p = substr(p, 1, RSTART - 1)
				print p s
			}
		} else if (n ~ /^[a-z_][a-z0-9_]*$/) {
			print n
			prev = n
		}
	}
}' "$README" | sort -u >"$TMP/documented"

# check_names FILE: every agentidp_* and process_* metric FILE names is in
# README.md's tables. Prometheus' own up and scrape_duration_seconds are not
# the observer's.
check_names() {
	local f=$1 name missing=() cnt
	cnt=$(grep -oE '\b(agentidp|process)_[a-z0-9_]*[a-z0-9]' "$f" | sort -u | tee "$TMP/used" | wc -l)
	while IFS= read -r name; do
		grep -qxF "$name" "$TMP/documented" || missing+=("$name")
	done <"$TMP/used"
	if [ "$cnt" -eq 0 ]; then
		not_ok "$(basename "$f"): names no metric at all"
	elif [ ${#missing[@]} -eq 0 ]; then
		ok "$(basename "$f"): all $cnt metric names are documented in README.md"
	else
		not_ok "$(basename "$f"): not in README.md's metric tables: ${missing[*]}"
	fi
}
if [ -s "$TMP/documented" ]; then
	check_names "$RULES"
	check_names "$DASHBOARD"
else
	not_ok "no metric names found in README.md's tables"
fi

# The unit, as systemd would load it. ExecStart must name an executable that
# exists, so a copy points at the built observer (or /bin/true) unless the
# observer is installed. verify exits 0 even on unknown keys and bad values;
# any output at all is a failure.
if command -v systemd-analyze >/dev/null; then
	exe=/usr/local/sbin/agentidp-observer
	if [ ! -x "$exe" ]; then
		exe=$BUILD/agentidp-observer
		[ -x "$exe" ] || exe=/bin/true
	fi
	sed "s|^ExecStart=/usr/local/sbin/agentidp-observer |ExecStart=$exe |" "$UNIT" \
		>"$TMP/agentidp-observer.service"
	out=$(systemd-analyze verify "$TMP/agentidp-observer.service" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify $(basename "$UNIT") (ExecStart at $exe)"
	else
		not_ok "systemd-analyze verify $(basename "$UNIT"): exit $rc: $(echo "$out" | head -5 | tr '\n' ' ')"
	fi
else
	echo "skip - systemd-analyze verify $(basename "$UNIT"): systemd-analyze is not installed"
fi

