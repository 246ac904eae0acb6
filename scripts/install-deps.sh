#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Installs the Debian 12 packages a make target needs, and only those that
# are missing, so that `make`, `make check`, `make demo` and `make bench` work
# on a fresh machine. Called by the Makefile with the name of a package group;
# it never touches the network when everything is already installed.
#
# usage: scripts/install-deps.sh build|check|demo|bench
set -euo pipefail

build=(clang llvm make gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
	libmicrohttpd-dev systemtap-sdt-dev binutils)
idp=(libhiredis-dev libpq-dev libssl-dev libjansson-dev redis-server postgresql)
check=("${build[@]}" "${idp[@]}" g++ curl prometheus procps libclang-rt-14-dev python3 python3-yaml)
demo=("${build[@]}" "${idp[@]}" curl prometheus procps)
bench=("${check[@]}" bpftrace wrk valgrind linux-perf)

case "${1:-}" in
build) want=("${build[@]}") ;;
check) want=("${check[@]}") ;;
demo) want=("${demo[@]}") ;;
bench) want=("${bench[@]}") ;;
*)
	echo "usage: $0 build|check|demo|bench" >&2
	exit 2
	;;
esac

missing=()
for pkg in "${want[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages: ${missing[*]}; run as root or install them with apt-get" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
