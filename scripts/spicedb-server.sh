#!/usr/bin/env bash
# A real SpiceDB server on Postgres, on loopback, for the server-backend tests and for trying
# rac-authz against SpiceDB as deployed. Idempotent; everything it makes lives in .tools/ (the
# spicedb binary, cached) and .data/ (keys, pid, logs), both git-ignored.
#
#   scripts/spicedb-server.sh install   spicedb binary + Postgres + role + database + migrations
#   scripts/spicedb-server.sh start     install, then `spicedb serve` with a fresh preshared key,
#                                       waiting until it answers; writes .data/spicedb.env
#   scripts/spicedb-server.sh stop      stop that spicedb
#   scripts/spicedb-server.sh env       print the env file (source it to point rac-authz at it)
#   scripts/spicedb-server.sh datastore install, then print SPICEDB_BIN and SPICEDB_DATASTORE_URI
#                                       (for tests that start their own spicedb nodes on it)
#
# Variables: SPICEDB_DB (database name, default racauthz), SPICEDB_GRPC_PORT (50151),
# SPICEDB_HTTP_PORT (8543, SpiceDB's HTTP gateway), FRESH=1 (drop and recreate the database),
# SPICEDB_SERVE_FLAGS (more `spicedb serve` flags, space-separated, to try a setting),
# SPICEDB_QUERY_EXEC_MODE (cache_statement: how SpiceDB's Postgres driver sends its queries; see
# SERVE_URI below; `exec` is SpiceDB's own default), SPICEDB_DISPATCH_CHUNK_SIZE (500: object ids
# per dispatched subproblem, SpiceDB's default 100; larger chunks gave a senior administrator's
# client list its first result sooner, README "Running against a SpiceDB server").
# A port already taken is replaced by a free one; .data/spicedb.env says which.
set -euo pipefail
# what it writes (the Postgres password, the env file with SpiceDB's key, logs) is the caller's alone
umask 077
cd "$(dirname "$0")/.."
ROOT=$PWD

SPICEDB_VERSION=v1.57.1
GO_TOOLCHAIN=go1.27.3
TOOLS=$ROOT/.tools/bin
DATA=$ROOT/.data
SPICEDB=$TOOLS/spicedb
DB=${SPICEDB_DB:-racauthz}
PG_ROLE=racauthz
ENV_FILE=$DATA/spicedb.env

log() { printf '[spicedb-server] %s\n' "$*" >&2; }
# the given port if it is free, else one the kernel picks
port_or_free() {
  node -e '
    const net = require("net");
    const want = Number(process.argv[1]);
    const take = (p) => { const s = net.createServer(); s.once("error", () => take(0));
      s.listen(p, "127.0.0.1", () => { console.log(s.address().port); s.close(); }); };
    take(want);' "$1"
}
as_postgres() { runuser -u postgres -- "$@"; }

install_spicedb() {
  if [ -x "$SPICEDB" ] && "$SPICEDB" version 2>/dev/null | grep -q "$SPICEDB_VERSION"; then
    return
  fi
  log "building spicedb $SPICEDB_VERSION with $GO_TOOLCHAIN (first time only; several minutes)"
  mkdir -p "$TOOLS"
  GOTOOLCHAIN=$GO_TOOLCHAIN GOBIN=$TOOLS GOFLAGS=-mod=mod \
    go install "github.com/authzed/spicedb/cmd/spicedb@$SPICEDB_VERSION"
  "$SPICEDB" version
}

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1; }

install_postgres() {
  if [ -z "$(pg_version)" ] || [ ! -x "/usr/lib/postgresql/$(pg_version)/bin/postgres" ]; then
    log "installing postgresql from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  local v
  v=$(pg_version)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$v main$"; then
    pg_createcluster "$v" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk '$1=="'"$v"'" && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster "$v" main start
  fi
  PG_PORT=$(pg_lsclusters -h | awk '$1=="'"$v"'" && $2=="main" {print $3}')
  mkdir -p "$DATA"
  if [ ! -s "$DATA/pg-password" ]; then
    head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DATA/pg-password"
  fi
  chmod 600 "$DATA/pg-password" # (one written before the umask above was readable by all)
  local pw
  pw=$(cat "$DATA/pg-password")
  if [ "$(as_postgres psql -p "$PG_PORT" -tAc "select 1 from pg_roles where rolname='$PG_ROLE'")" != 1 ]; then
    as_postgres psql -p "$PG_PORT" -qc "create role $PG_ROLE login"
  fi
  as_postgres psql -p "$PG_PORT" -qc "alter role $PG_ROLE password '$pw'"
  if [ "${FRESH:-0}" = 1 ]; then
    as_postgres dropdb -p "$PG_PORT" --if-exists --force "$DB"
  fi
  if [ "$(as_postgres psql -p "$PG_PORT" -tAc "select 1 from pg_database where datname='$DB'")" != 1 ]; then
    as_postgres createdb -p "$PG_PORT" -O "$PG_ROLE" "$DB"
  fi
  DATASTORE_URI="postgres://$PG_ROLE:$pw@127.0.0.1:$PG_PORT/$DB?sslmode=disable"
  # What serve uses: SpiceDB's Postgres driver (pgx) told to keep each query it prepares, per
  # connection, instead of SpiceDB's default `exec` (parse, plan and bind every query anew). On
  # this schema a check runs about fifteen queries of a few fixed shapes, and Postgres spent most
  # of its time parsing and planning them: prepared once, its CPU per check fell from about 1.9 ms
  # to 0.5-0.6 ms and a gRPC loop's checks a second rose from 406-431 to 652-809 (README,
  # "Running against a SpiceDB server"). The cost: a migration that alters a table makes each
  # connection's cached statement fail once (pgx drops it and prepares it again), and a pooler in
  # transaction mode (PgBouncer) cannot carry prepared statements.
  SERVE_URI="$DATASTORE_URI&default_query_exec_mode=${SPICEDB_QUERY_EXEC_MODE:-cache_statement}"
}

migrate() {
  mkdir -p "$DATA"
  # secrets go by environment, not on the command line (which every local user can read)
  if ! SPICEDB_DATASTORE_CONN_URI="$DATASTORE_URI" "$SPICEDB" datastore migrate head --datastore-engine postgres \
    --log-level warn --skip-release-check >"$DATA/migrate.log" 2>&1; then
    log "migration failed:"; cat "$DATA/migrate.log" >&2; exit 1
  fi
  # statistics the query planner needs on SpiceDB's table (see the file); as the table's owner
  if ! PGPASSWORD=$(cat "$DATA/pg-password") psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$DB" \
    -f scripts/postgres-tuning.sql >>"$DATA/migrate.log" 2>&1; then
    log "tuning the datastore failed:"; cat "$DATA/migrate.log" >&2; exit 1
  fi
}

install() {
  install_spicedb
  install_postgres
  migrate
  log "spicedb $SPICEDB_VERSION and Postgres database $DB are ready"
}

stop() {
  if [ -s "$DATA/spicedb.pid" ]; then
    local pid
    pid=$(cat "$DATA/spicedb.pid")
    # only the spicedb it started: the pid may since have gone to another process
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = spicedb ] && kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      log "stopped spicedb (pid $pid)"
    fi
    rm -f "$DATA/spicedb.pid"
  fi
  # the env file describes a running server only
  rm -f "$ENV_FILE"
}

start() {
  install
  stop
  GRPC_PORT=$(port_or_free "${SPICEDB_GRPC_PORT:-50151}")
  HTTP_PORT=$(port_or_free "${SPICEDB_HTTP_PORT:-8543}")
  METRICS_PORT=$(port_or_free 0)
  local key
  key=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  # the key and the datastore's URI (its password) by environment, not on the command line
  SPICEDB_GRPC_PRESHARED_KEY="$key" SPICEDB_DATASTORE_CONN_URI="$SERVE_URI" "$SPICEDB" serve --skip-release-check \
    --grpc-addr "127.0.0.1:$GRPC_PORT" \
    --http-enabled --http-addr "127.0.0.1:$HTTP_PORT" \
    --dispatch-cluster-enabled=false --dispatch-upstream-addr="" \
    --metrics-addr "127.0.0.1:$METRICS_PORT" \
    --datastore-engine postgres \
    --dispatch-chunk-size "${SPICEDB_DISPATCH_CHUNK_SIZE:-500}" \
    --log-level warn \
    ${SPICEDB_SERVE_FLAGS:-} \
    >"$DATA/spicedb.log" 2>&1 &
  echo $! >"$DATA/spicedb.pid"
  cat >"$ENV_FILE" <<ENV
SPICEDB_ENDPOINT=127.0.0.1:$GRPC_PORT
SPICEDB_TOKEN=$key
SPICEDB_INSECURE=true
SPICEDB_HTTP_GATEWAY=http://127.0.0.1:$HTTP_PORT
SPICEDB_DATASTORE_URI='$SERVE_URI'
SPICEDB_BIN=$SPICEDB
ENV
  # wait until the gRPC API answers (any status from SpiceDB itself counts)
  for _ in $(seq 1 100); do
    if node scripts/spicedb-wait.mjs "127.0.0.1:$GRPC_PORT" "$key" 2>/dev/null; then
      log "spicedb serving on 127.0.0.1:$GRPC_PORT (gRPC), 127.0.0.1:$HTTP_PORT (HTTP gateway)"
      return
    fi
    if ! kill -0 "$(cat "$DATA/spicedb.pid")" 2>/dev/null; then
      log "spicedb exited:"; cat "$DATA/spicedb.log" >&2; exit 1
    fi
    sleep 0.2
  done
  log "spicedb did not answer in time:"; cat "$DATA/spicedb.log" >&2; exit 1
}

case "${1:-start}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  env) cat "$ENV_FILE" ;;
  datastore)
    install >&2
    printf 'SPICEDB_BIN=%s\nSPICEDB_DATASTORE_URI=%s\n' "$SPICEDB" "$SERVE_URI"
    ;;
  *) echo "usage: $0 install|start|stop|env|datastore" >&2; exit 2 ;;
esac
