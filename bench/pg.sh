# Sourced by bench/run.sh and bench/ab.sh for `--storage postgres`: a throwaway PostgreSQL cluster
# in the scratch dir, started pinned to the server's CPU, so that Starling and its database share
# one core as the peers' in-process storage does. The cluster keeps PostgreSQL's defaults (fsync and synchronous
# commit on), as a production database would. Needs the Debian package postgresql (initdb, pg_ctl
# under /usr/lib/postgresql/<version>/bin); run as root, the cluster belongs to user postgres.
# Expects die, log, proc_ticks and BENCH_SERVER_CPU (bench/harness.sh).
PG_BIN=; PG_DIR=; PG_PORT=; PG_PID=; PG_URL=

# pg_run CMD...: CMD as the cluster's owner (postgres when this runs as root, else this user)
pg_run() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; else "$@"; fi
}

# pg_start DIR PORT: a new cluster in DIR (must not exist) listening on 127.0.0.1:PORT, with an
# empty database `starling`, whose URL it leaves in PG_URL (not in a subshell: pg_stop needs PG_PID)
pg_start() {
  PG_DIR=$1; PG_PORT=$2
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || die "--storage postgres needs PostgreSQL's server programs (apt-get install -y postgresql)"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" != 0 ] || chown postgres "$PG_DIR"
  pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1 \
    || { tail -n 20 "$PG_DIR/initdb.log" >&2; die "initdb failed (log above)"; }
  pg_run taskset -c "$BENCH_SERVER_CPU" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null \
    || { tail -n 20 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start (log above)"; }
  PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
  pg_run "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres starling || die "createdb failed"
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') started: pid $PG_PID, port $PG_PORT, CPU $BENCH_SERVER_CPU"
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/starling"
}

# pg_config FILE URL: a bench configuration (bench/starling-bench.yaml.in, written) made to store
# in the PostgreSQL database at URL instead of SQLite
pg_config() {
  sed -i -e 's|^  driver: sqlite$|  driver: postgres|' -e "s|^  path: starling.sqlite\$|  url: $2|" \
    -e "s|^  url: postgres://.*\$|  url: $2|" "$1"
  grep -q '^  driver: postgres$' "$1" && grep -q "^  url: $2\$" "$1" \
    || die "bench/starling-bench.yaml.in no longer has the storage lines --storage postgres rewrites"
}

# pg_db NAME [TEMPLATE]: (re)creates database NAME, empty or as a copy of TEMPLATE (which must
# have no connections); prints its URL
pg_db() {
  pg_run env PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres --if-exists "$1" \
    || die "dropdb $1 failed"
  pg_run "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres ${2:+-T "$2"} "$1" || die "createdb $1 failed"
  echo "postgres://postgres@127.0.0.1:$PG_PORT/$1"
}

pg_stop() {
  [ -n "$PG_PID" ] || return 0
  pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || kill -TERM "$PG_PID" 2>/dev/null || true
  PG_PID=
}

# pg_cpu_ticks: CPU ticks used so far by the cluster: the postmaster with the children it has
# reaped (cutime, cstime), plus the children alive now (backends, autovacuum, writers). A child
# that ends between two readings moves from the second sum into the first, so differences hold.
pg_cpu_ticks() {
  local total c
  total=$(proc_ticks "$PG_PID" reaped)
  for c in $(cat "/proc/$PG_PID/task/$PG_PID/children" 2>/dev/null); do total=$((total + $(proc_ticks "$c"))); done
  echo "$total"
}
