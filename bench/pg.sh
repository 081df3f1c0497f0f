# Sourced by bench/run.sh and bench/ab.sh for `--storage postgres`: a throwaway PostgreSQL cluster
# in the scratch dir, started pinned to the server's CPU, so that Starling and its database share
# one core as the peers' in-process storage does. The cluster keeps PostgreSQL's defaults (fsync and synchronous
# commit on), as a production database would. Needs the Debian package postgresql (initdb, pg_ctl
# under /usr/lib/postgresql/<version>/bin); run as root, the cluster belongs to user postgres.
# Expects die, log, proc_ticks and BENCH_SERVER_CPU (bench/harness.sh).
PG_BIN=; PG_DIR=; PG_PORT=; PG_PID=; PG_URL=
# server options added by the caller before pg_start (run.sh --pg-statements)
PG_OPTS=

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
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1${PG_OPTS:+ $PG_OPTS}" start >/dev/null \
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

# pg_psql DB ARGS...: psql on the cluster's database DB as its owner
pg_psql() {
  local db=$1; shift
  pg_run "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" "$@"
}

# pg_statements_reset: counting starts afresh (needs PG_OPTS with pg_stat_statements at pg_start);
# the extension's view and functions live in database postgres, not in Starling's
pg_statements_reset() {
  pg_psql postgres -c 'create extension if not exists pg_stat_statements' -c 'select pg_stat_statements_reset()' >/dev/null \
    || die "pg_stat_statements could not be reset"
}

# pg_statements_report: the statements run on database starling since the reset, most execution
# time first; texts that differ only after their first 100 characters (multi-row VALUES lists
# of different lengths, say) are summed as one
pg_statements_report() {
  # one line: pg_run hands the command to sh, which does not read bash's $'...' quoting
  local sql="select count(*) as texts, sum(calls) as calls, sum(rows) as rows,"
  sql+=" round(sum(total_exec_time)::numeric, 1) as exec_ms,"
  sql+=" round((sum(total_exec_time) / sum(calls))::numeric, 3) as ms_per_call,"
  sql+=" left(regexp_replace(query, '\s+', ' ', 'g'), 100) as statement from pg_stat_statements"
  sql+=" where dbid = (select oid from pg_database where datname = 'starling')"
  sql+=" group by 6 order by 4 desc limit 40"
  pg_psql postgres -P pager=off -c "$sql"
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
