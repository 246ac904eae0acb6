# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# stack.sh - start and stop the demo stack: Redis, PostgreSQL, the reference
# IdP, agentidp-observer and Prometheus. Sourced by run-demo.sh and by
# tests/integration/test_demo_stack.sh, so the demo and its test run the
# very same stack.
#
# Everything lives under one state directory ($STACK_DIR): data, sockets,
# configuration and logs. Servers listen on 127.0.0.1 only (PostgreSQL also
# on a Unix socket inside $STACK_DIR) and are never system services. Each
# process started is recorded in STACK_PIDS and stack_stop ends exactly
# those, by PID, newest first.
#
# Before calling stack_* functions, set:
#   BUILD      absolute build directory (holds agentidp-idp, agentidp-observer)
#   STACK_DIR  absolute state directory; stack_prepare wipes and recreates it

declare -a STACK_PIDS=()
declare -a STACK_NAMES=()
declare -a STACK_IDP_EXTRA=()	# more flags for the IdP, e.g. (--token-ttl 1)

# Tunables a caller may override before stack_start_idp.
STACK_POOL_SIZE=${STACK_POOL_SIZE:-20}
STACK_POOL_TIMEOUT_MS=${STACK_POOL_TIMEOUT_MS:-20000}
STACK_TOKEN_RATE=${STACK_TOKEN_RATE:-5/60}
STACK_API_RATE=${STACK_API_RATE:-40/2}
STACK_FREE_QUOTA=${STACK_FREE_QUOTA:-30}

stack_log() { echo "demo: $*" >&2; }

# stack_track NAME PID: remember a process for stack_stop.
stack_track() {
	STACK_NAMES+=("$1")
	STACK_PIDS+=("$2")
}

# stack_pick_port PREFERRED: PREFERRED if nothing listens on it, else a
# free port from the ephemeral-looking range, so fixed, memorable URLs are
# printed when possible and a busy port never breaks the demo.
stack_pick_port() {
	local port=$1
	for _ in $(seq 1 50); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
		port=$((20000 + RANDOM % 20000))
	done
	return 1
}

# stack_wait DESC TRIES CMD...: retry CMD every 0.1 s.
stack_wait() {
	local desc=$1 tries=$2
	shift 2
	for _ in $(seq 1 "$tries"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	stack_log "timed out waiting for $desc"
	return 1
}

stack_alive() { kill -0 "$1" 2>/dev/null; }

# stack_prepare: a fresh state directory and the unprivileged account the
# database runs as (PostgreSQL refuses to run as root).
stack_prepare() {
	rm -rf "$STACK_DIR"
	mkdir -p "$STACK_DIR"/{log,run,redis,prom}
	STACK_PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	if [ ! -x "$STACK_PG_BIN/postgres" ]; then
		stack_log "PostgreSQL server binaries not found under /usr/lib/postgresql"
		return 1
	fi
	STACK_PG_USER=""
	if [ "$(id -u)" -eq 0 ]; then
		# The postgresql package creates this account; no user is added here.
		if ! getent passwd postgres >/dev/null; then
			stack_log "as root, the 'postgres' account is needed (package postgresql)"
			return 1
		fi
		STACK_PG_USER=postgres
	fi
	stack_pg_prefix
}

# The prefix that runs a PostgreSQL binary as the database account. setpriv
# execs, so the PID of a backgrounded command is the server's own.
stack_pg_prefix() {
	STACK_PG_AS=()
	if [ -n "$STACK_PG_USER" ]; then
		STACK_PG_AS=(setpriv --reuid="$STACK_PG_USER" --regid="$STACK_PG_USER"
			--init-groups --reset-env --)
	fi
}

stack_start_redis() {
	STACK_REDIS_PORT=$(stack_pick_port "${1:-16379}") || return 1
	redis-server --bind 127.0.0.1 --port "$STACK_REDIS_PORT" --protected-mode yes \
		--dir "$STACK_DIR/redis" --save "" --appendonly no --daemonize no \
		--logfile "$STACK_DIR/log/redis.log" &
	stack_track redis $!
	stack_wait "redis on port $STACK_REDIS_PORT" 100 \
		redis-cli -h 127.0.0.1 -p "$STACK_REDIS_PORT" ping
}

# stack_pg_home: where the database's data and socket go. $STACK_DIR when
# the database account can enter it; a checkout under a private home
# directory (0700) cannot be entered, and then a fresh directory in /tmp is
# used instead, and removed by stack_stop.
stack_pg_home() {
	STACK_PG_HOME=$STACK_DIR
	STACK_PG_TMP=""
	if [ -n "$STACK_PG_USER" ] && ! "${STACK_PG_AS[@]}" test -x "$STACK_DIR/run"; then
		STACK_PG_HOME=$(mktemp -d /tmp/agentidp-pg.XXXXXX) || return 1
		STACK_PG_TMP=$STACK_PG_HOME
		chmod 755 "$STACK_PG_HOME"
		mkdir -p "$STACK_PG_HOME/run"
		stack_log "'$STACK_PG_USER' cannot enter $STACK_DIR; PostgreSQL data goes to $STACK_PG_HOME"
	fi
}

stack_start_postgres() {
	local pgdata sock pwfile
	STACK_PG_PORT=$(stack_pick_port "${1:-15432}") || return 1
	stack_pg_home || return 1
	pgdata=$STACK_PG_HOME/pg
	sock=$STACK_PG_HOME/run
	pwfile=$sock/pg.pw
	STACK_PG_SOCK=$sock

	# TCP on loopback needs a password nobody is told; local clients come
	# through the socket directory, which only root and the owner can enter.
	mkdir -p "$pgdata"
	head -c 24 /dev/urandom | base64 >"$pwfile"
	chmod 700 "$pgdata" "$sock"
	chmod 600 "$pwfile"
	if [ -n "$STACK_PG_USER" ]; then
		chown "$STACK_PG_USER:" "$pgdata" "$sock" "$pwfile"
	fi
	"${STACK_PG_AS[@]}" "$STACK_PG_BIN/initdb" -D "$pgdata" -U agentidp --auth-local=trust \
		--auth-host=scram-sha-256 --pwfile="$pwfile" -E UTF8 \
		--no-instructions >"$STACK_DIR/log/initdb.log" 2>&1 || {
		stack_log "initdb failed; see $STACK_DIR/log/initdb.log"
		return 1
	}
	rm -f "$pwfile"

	"${STACK_PG_AS[@]}" "$STACK_PG_BIN/postgres" -D "$pgdata" -p "$STACK_PG_PORT" -k "$sock" \
		-c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off \
		-c synchronous_commit=off -c full_page_writes=off \
		>"$STACK_DIR/log/postgres.log" 2>&1 &
	stack_track postgres $!
	stack_wait "postgres on port $STACK_PG_PORT" 150 \
		pg_isready -q -h "$sock" -p "$STACK_PG_PORT" -U agentidp -d postgres || return 1
	psql -q -h "$sock" -p "$STACK_PG_PORT" -U agentidp -d postgres \
		-c "CREATE DATABASE agentidp" >/dev/null || return 1
	STACK_DB="host=$sock port=$STACK_PG_PORT user=agentidp dbname=agentidp"
}

# stack_psql SQL: one query against the IdP's database, unaligned output.
stack_psql() {
	psql -X -q -t -A -h "$STACK_PG_SOCK" -p "$STACK_PG_PORT" -U agentidp -d agentidp -c "$1"
}

# stack_provision TENANT TIER CLIENT_ID: prints the new client's secret.
stack_provision() {
	local secret
	secret=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
	echo "$secret" | "$BUILD/agentidp-idp" --db "$STACK_DB" provision "$1" "$2" "$3" \
		2>>"$STACK_DIR/log/provision.log" || {
		stack_log "provisioning $1/$3 failed; see $STACK_DIR/log/provision.log"
		return 1
	}
	echo "$secret"
}

# stack_start_idp [PORT]: the IdP with the stack's limits.
stack_start_idp() {
	STACK_IDP_PORT=$(stack_pick_port "${1:-18080}") || return 1
	"$BUILD/agentidp-idp" --listen "127.0.0.1:$STACK_IDP_PORT" --db "$STACK_DB" \
		--redis "127.0.0.1:$STACK_REDIS_PORT" --pool-size "$STACK_POOL_SIZE" \
		--pool-timeout-ms "$STACK_POOL_TIMEOUT_MS" --token-rate "$STACK_TOKEN_RATE" \
		--api-rate "$STACK_API_RATE" --free-api-quota "$STACK_FREE_QUOTA" --allow-hold \
		"${STACK_IDP_EXTRA[@]}" 2>>"$STACK_DIR/log/idp.log" &
	STACK_IDP_PID=$!
	stack_track idp "$STACK_IDP_PID"
	STACK_IDP_URL=http://127.0.0.1:$STACK_IDP_PORT
	stack_wait "the IdP on port $STACK_IDP_PORT" 100 curl -fsS "$STACK_IDP_URL/healthz"
}

# stack_stop_idp: end the IdP (and only it), e.g. to restart it.
stack_stop_idp() {
	kill -TERM "$STACK_IDP_PID" 2>/dev/null
	wait "$STACK_IDP_PID" 2>/dev/null
}

# stack_start_observer BPFFS [PORT] [--pid PID]...: the observer on the IdP
# binary, its maps pinned under BPFFS (removed first: counters start at 0).
stack_start_observer() {
	local bpffs=$1
	shift
	STACK_OBS_PORT=$(stack_pick_port "${1:-19477}") || return 1
	shift $(($# > 0 ? 1 : 0))
	# An observer holds its pin directory with flock(2): never wipe the
	# maps of one that still runs (another demo on this host).
	if [ -d "$bpffs" ] && ! flock -n "$bpffs" true; then
		echo "stack: $bpffs is in use by another observer (is another demo running?)" >&2
		return 1
	fi
	STACK_BPFFS=$bpffs
	rm -rf "$STACK_BPFFS"
	"$BUILD/agentidp-observer" --target "$BUILD/agentidp-idp" "$@" \
		--web.listen-address "127.0.0.1:$STACK_OBS_PORT" --bpffs.path "$STACK_BPFFS" \
		2>>"$STACK_DIR/log/observer.log" &
	STACK_OBS_PID=$!
	stack_track observer "$STACK_OBS_PID"
	STACK_OBS_URL=http://127.0.0.1:$STACK_OBS_PORT
	stack_wait "the observer on port $STACK_OBS_PORT" 150 curl -fsS "$STACK_OBS_URL/metrics"
}

stack_start_prometheus() {
	STACK_PROM_PORT=$(stack_pick_port "${1:-19090}") || return 1
	cat >"$STACK_DIR/prometheus.yml" <<-EOF
		# Written by examples/demo/stack.sh for one demo run.
		global:
		  scrape_interval: 1s
		  evaluation_interval: 1s
		scrape_configs:
		  - job_name: agentidp-observer
		    static_configs:
		      - targets: ['127.0.0.1:$STACK_OBS_PORT']
	EOF
	prometheus --config.file="$STACK_DIR/prometheus.yml" \
		--storage.tsdb.path="$STACK_DIR/prom" \
		--web.listen-address="127.0.0.1:$STACK_PROM_PORT" --log.level=warn \
		2>>"$STACK_DIR/log/prometheus.log" &
	stack_track prometheus $!
	STACK_PROM_URL=http://127.0.0.1:$STACK_PROM_PORT
	stack_wait "prometheus on port $STACK_PROM_PORT" 300 curl -fsS "$STACK_PROM_URL/-/ready" ||
		return 1
	# Ready is not scraping: target discovery reaches the scraper only after
	# a few seconds. Wait for the first successful scrape of the observer.
	stack_wait "prometheus to scrape the observer" 150 stack_prom_up
}

stack_prom_up() { [ "$(stack_promql 'sum(up{job="agentidp-observer"})')" = 1 ]; }

# stack_metric NAME_AND_LABELS: the value of one exact series line of the
# observer's /metrics (e.g. 'agentidp_db_pool_active_connections' or
# 'x{a="1",b="2"}'), or nothing when absent.
stack_metric() {
	curl -fsS "$STACK_OBS_URL/metrics" 2>/dev/null |
		awk -v s="$1" 'index($0, s" ") == 1 { print $NF; exit }'
}

# stack_promql EXPR: the value of an instant query that yields one sample
# (wrap it in sum() to be sure), or nothing. Parsed with sed: the answer's
# shape is fixed and no JSON tool is assumed on a fresh machine.
stack_promql() {
	curl -fsS -G "$STACK_PROM_URL/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
		sed -n 's/.*"value":\[[0-9.e+]*,"\([^"]*\)"\].*/\1/p'
}

# stack_stop: end every process started, newest first, by PID.
stack_stop() {
	local i pid
	for ((i = ${#STACK_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${STACK_PIDS[$i]}
		if stack_alive "$pid"; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 1 50); do
				stack_alive "$pid" || break
				sleep 0.1
			done
			stack_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	STACK_PIDS=()
	STACK_NAMES=()
	[ -n "${STACK_BPFFS:-}" ] && rm -rf "$STACK_BPFFS"
	[ -n "${STACK_PG_TMP:-}" ] && rm -rf "$STACK_PG_TMP"
	return 0
}
