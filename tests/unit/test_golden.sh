#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The golden exposition (tests/golden/metrics.prom, compared byte for byte
# by test_golden.c) is itself valid for promtool and the strict checker.
. "$(dirname "$0")/../lib.sh"
golden=$TOP/tests/golden/metrics.prom
check_cmd "the golden body passes promtool check metrics" promtool check metrics <"$golden"
check_cmd "the golden body passes the strict exposition check" \
	"$EXPO_LINT" --no-empty-label-values --require agentidp_tenant_api_calls_total "$golden"
