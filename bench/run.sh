#!/usr/bin/env bash
# Benchmark Starling with the shared XMPP harness (../shared/bench relative to the repo root), and
# optionally Prosody and ejabberd in the same sitting. See docs/performance.md.
#
#   npm run bench                  build, start Starling pinned to CPU 1, provision, run the presets,
#                                  print a summary, stop the server
#   npm run bench:compare          the same, plus Prosody and ejabberd (alternating per preset),
#                                  then Starling's ratio to the better peer per scenario
#   bash bench/run.sh [--compare] [--quick] [--runs N] [--presets "login chat ..."] [--peers "prosody ejabberd"]
#                     [--warm] [--one-tls-context] [--storage sqlite|postgres] [--pg-statements]
#                     [--no-build] [--keep-scratch]
#
# --warm: before each measured run of login, login-tls or chat, every server (Starling and the
# peers alike) runs the same preset once, unmeasured, on the same process: the figures are then
# those of a server that has been running, not of its first seconds after a start (V8 still
# compiling, for Starling; see docs/performance.md). Other presets always run on a fresh process.
#
# --one-tls-context: the harness's driver keeps one TLS context for all its connections, as a real
# client does, instead of building one per STARTTLS login (bench/driver/one-tls-context.cjs, loaded
# into the driver only, for every server of the run alike); the result lines' note says so.
#
# --storage postgres: Starling stores in PostgreSQL instead of SQLite, a throwaway cluster in the
# scratch dir pinned to the server's CPU (bench/pg.sh), so Starling and its database share one
# core. Starling's result notes say storage=postgres, and after each of its runs a db_cpu line
# gives the CPU time of the database and of Starling over the whole run (the driver's own CPU
# readings see Starling's process only, and count the database among other processes' load).
# --pg-statements (with --storage postgres): the cluster loads pg_stat_statements, which starts
# counting after provisioning; at the end the statements of Starling's database, by total
# execution time, go to bench/results/<date>-pg-statements.txt (what the database spent its time
# on, statement by statement; docs/performance-log.md, "Existence checks of batched writes").
#
# Env: STARLING_BENCH_HARNESS (default <repo>/../shared/bench), BENCH_USERS (users u1..uN to
# provision; default 5000, enough for idle-5k; idle-18k needs 18000), STARLING_BENCH_PORT (35222),
# STARLING_BENCH_PG_PORT (35432, --storage postgres), STARLING_NODE_FLAGS (extra node flags for
# the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
# Results: bench/results/<date>-starling.jsonl (and -prosody / -ejabberd with --compare).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/bench/harness.sh"
. "$REPO/bench/pg.sh"

COMPARE=0; QUICK=0; RUNS=1; BUILD=1; KEEP=0; WARM=0; ONE_CTX=0; STORAGE=sqlite; PG_STATEMENTS=0; PEERS="prosody ejabberd"
PRESETS="login login-tls idle-5k idle-5k-tls chat presence"
while [ $# -gt 0 ]; do
  case $1 in
    --compare) COMPARE=1; shift ;;
    --quick) QUICK=1; shift ;;
    --warm) WARM=1; shift ;;
    --one-tls-context) ONE_CTX=1; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --presets) PRESETS=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    --storage) STORAGE=$2; shift 2 ;;
    --pg-statements) PG_STATEMENTS=1; shift ;;
    --no-build) BUILD=0; shift ;;
    --keep-scratch) KEEP=1; shift ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1 (see bash bench/run.sh --help)" >&2; exit 2 ;;
  esac
done
case $STORAGE in sqlite|postgres) ;; *) echo "bench: --storage must be sqlite or postgres" >&2; exit 2 ;; esac
[ "$PG_STATEMENTS" = 0 ] || [ "$STORAGE" = postgres ] || { echo "bench: --pg-statements needs --storage postgres" >&2; exit 2; }

SCRATCH=$(mktemp -d /tmp/starling-bench.XXXXXX)
chmod 755 "$SCRATCH"                         # ejabberd's start script runs the node as user ejabberd
export BENCH_SCRATCH="$SCRATCH/peers"        # the peers' start scripts write here, not /tmp/peerbench
export BENCH_USERS=${BENCH_USERS:-5000}
PORT=${STARLING_BENCH_PORT:-35222}
DOMAIN=$BENCH_DOMAIN
STAMP=$(date +%Y-%m-%d-%H%M)
RES="$REPO/bench/results"
mkdir -p "$RES" "$BENCH_SCRATCH"
OUT_S="$RES/$STAMP-starling.jsonl"
# which Starling was measured: the build is of the working tree, so record commit and dirtiness
REV=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(cd "$REPO" && git status --porcelain -- src 2>/dev/null)" ] || REV="$REV+dirty-src"

# sizes: the harness presets as they are; --quick shortens the time-based phases only, except
# chat's fixed-rate phase, which keeps the preset's 20 s: its p99 is a target, and half of it on a
# freshly started server measures the first seconds' warm-up (docs/performance-log.md)
# chat: the preset's ramp stops at 48k msg/s, which Starling reached unsaturated; extend it (the
# peers saturate near 20k, so for them nothing changes)
EXTRA_chat=(--rates 4000,8000,12000,16000,24000,32000,48000,64000,80000); EXTRA_idle=()
if [ "$QUICK" = 1 ]; then
  EXTRA_chat+=(--step-secs 5 --drain-secs 10)
  EXTRA_idle=(--hold 12 --settle 5)
fi
# harness PRESET ARGS...: the shared harness's run.sh, which starts the driver (never a server);
# with --one-tls-context the driver's node preloads the shared-context module
DRIVER_NODE_OPTIONS=${NODE_OPTIONS:-}
[ "$ONE_CTX" = 0 ] || DRIVER_NODE_OPTIONS="$DRIVER_NODE_OPTIONS --require \"$REPO/bench/driver/one-tls-context.cjs\""
harness() { NODE_OPTIONS="$DRIVER_NODE_OPTIONS" "$HARNESS/run.sh" "$@"; }
extra_for() { case $1 in chat) echo "${EXTRA_chat[@]}" ;; idle-*) echo "${EXTRA_idle[@]}" ;; esac; }
# --warm: whether a preset gets an unmeasured run first (the idle presets measure memory from a
# fresh process, and presence creates subscriptions that a second run would find in place)
warms() { [ "$WARM" = 1 ] && case $1 in login|login-tls|chat) true ;; *) false ;; esac; }
# warm_up SERVER PRESET HARNESS-ARGS...: the unmeasured run, its result lines kept out of the results
warm_up() {
  local who=$1 preset=$2; shift 2
  log "unmeasured warm-up run of $preset: $who"
  # shellcheck disable=SC2046
  harness "$preset" "$@" $(extra_for "$preset") --out "$SCRATCH/warm-up.jsonl" >/dev/null || log "$who: warm-up run reported failure"
}

# ------------------------------------------------------------------ Starling
SPID=
start_starling() { # $1 = note for the startup line
  local t0 t1 line
  raise_nofile
  t0=$(now_ms)
  NODE_ENV=production taskset -c "$BENCH_SERVER_CPU" node ${STARLING_NODE_FLAGS:-} "$REPO/bin/starling" start -c "$SCRATCH/starling.yaml" >> "$SCRATCH/starling.log" 2>&1 &
  SPID=$!
  if ! wait_port 127.0.0.1 "$PORT" 60; then
    tail -n 30 "$SCRATCH/starling.log" >&2 || true
    kill -TERM "$SPID" 2>/dev/null || true; SPID=
    die "Starling did not open port $PORT within 60 s (log above, full log in $SCRATCH/starling.log)"
  fi
  t1=$(now_ms)
  kill -0 "$SPID" 2>/dev/null || die "Starling exited right after start (see $SCRATCH/starling.log)"
  sleep 2
  line=$(printf '{"ts":"%s","scenario":"startup","preset":"startup","label":"starling","ok":true,"event":"server_started","server":"starling","pid":%s,"port":%s,"domain":"%s","startup_ms":%s,"idle_rss_kib":%s,"cpu":"%s","note":"%s"}' \
    "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$SPID" "$PORT" "$DOMAIN" $((t1 - t0)) "$(rss_kib "$SPID")" "$BENCH_SERVER_CPU" "$1, starling=$REV$NOTE_DB")
  echo "$line" >> "$OUT_S"
  log "Starling started: pid $SPID, $((t1 - t0)) ms to accept connections ($1)"
}
stop_starling() {
  [ -n "$SPID" ] || return 0
  if kill -0 "$SPID" 2>/dev/null; then
    kill -TERM "$SPID"
    for _ in $(seq 200); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SPID" 2>/dev/null; then log "Starling did not stop in 20 s: SIGKILL"; kill -KILL "$SPID" 2>/dev/null || true; fi
  else
    log "WARNING: Starling (pid $SPID) was no longer running (crash? see $SCRATCH/starling.log)"
  fi
  wait "$SPID" 2>/dev/null || true
  SPID=
}
# --storage postgres: the CPU time of the database and of Starling over one measured run (set-up,
# logins and every phase), as a db_cpu line in Starling's results
# (preset db-cpu-PRESET, so the harness's summarize.js keeps it apart from the preset's results)
DB_T0=0; S_T0=0; W_T0=0
db_cpu_start() { [ "$STORAGE" = postgres ] || return 0; DB_T0=$(pg_cpu_ticks); S_T0=$(proc_ticks "$SPID"); W_T0=$(now_ms); }
db_cpu_line() { # preset note
  [ "$STORAGE" = postgres ] || return 0
  local hz db st
  hz=$(getconf CLK_TCK); db=$(( $(pg_cpu_ticks) - DB_T0 )); st=$(( $(proc_ticks "$SPID") - S_T0 ))
  printf '{"ts":"%s","scenario":"db_cpu","preset":"db-cpu-%s","label":"starling","ok":true,"db":"postgres","db_cpu_s":%s,"starling_cpu_s":%s,"wall_s":%s,"note":"%s"}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$1" "$(awk -v t="$db" -v h="$hz" 'BEGIN{printf "%.2f", t/h}')" \
    "$(awk -v t="$st" -v h="$hz" 'BEGIN{printf "%.2f", t/h}')" "$(awk -v t=$(( $(now_ms) - W_T0 )) 'BEGIN{printf "%.1f", t/1000}')" "$2" >> "$OUT_S"
  log "database CPU over the run: $(awk -v a="$db" -v b="$st" 'BEGIN{printf "%.0f", b ? 100*a/b : 0}') % of Starling's"
}
S_ARGS() { echo --port "$PORT" --domain "$DOMAIN" --label starling --server-pid "$SPID" --scram-cache "$SCRATCH/scram-cache-starling.json"; }

# CPU speed of both CPUs just before a run, as the harness's suite.sh records it: this machine's
# speed changes between sittings and within one, and the line shows it next to the figures.
calib() { # $1 = label, $2 = results file
  local c
  for c in "$BENCH_SERVER_CPU" "${BENCH_DRIVER_CPU:-0}"; do taskset -c "$c" node "$HARNESS/tools/calib.js" 1000 "$1" >> "$2" || log "calib failed"; done
}

# ------------------------------------------------------------------ peers
ACTIVE_PEERS=()
if [ "$COMPARE" = 1 ]; then
  for p in $PEERS; do
    case $p in
      prosody) bin=prosody ;;
      ejabberd) bin=ejabberdctl ;;
      *) die "--peers: unknown peer $p (prosody, ejabberd)" ;;
    esac
    if dpkg -s "$p" >/dev/null 2>&1 && command -v "$bin" >/dev/null 2>&1; then ACTIVE_PEERS+=("$p")
    else log "SKIPPING $p: Debian package '$p' is not installed (apt-get install -y $p)"; fi
  done
fi
start_peer() { # name; appends a startup line to its results file
  local line
  line=$("$HARNESS/servers/$1/start.sh" "${@:2}" | tail -n 1)
  printf '{"ts":"%s","scenario":"startup","preset":"startup","label":"%s","ok":true,%s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$1" "${line#\{}" | sed -E 's#,"scratch":"[^"]*"##' >> "$RES/$STAMP-$1.jsonl"
  log "$1 started: $line"
}
stop_peer() { "$HARNESS/servers/$1/stop.sh" >&2 || true; }
P_ARGS() { echo --target "$1" --out "$RES/$STAMP-$1.jsonl" --scram-cache "$BENCH_SCRATCH/scram-cache-$1.json"; }

cleanup() {
  stop_starling || true
  pg_stop || true
  for p in "${ACTIVE_PEERS[@]}"; do stop_peer "$p"; done
  if [ "$KEEP" = 1 ]; then log "scratch kept in $SCRATCH"; else rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ build + config
if [ "$BUILD" = 1 ]; then log "npm run build"; (cd "$REPO" && npm run build --silent) >&2; fi
ensure_cert "$SCRATCH/certs"
bench_config "$SCRATCH/starling.yaml" "$SCRATCH" "$PORT" "$SCRATCH/certs"
NOTE_DB=
if [ "$STORAGE" = postgres ]; then
  [ "$PG_STATEMENTS" = 0 ] || PG_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
  pg_start "$SCRATCH/pg" "${STARLING_BENCH_PG_PORT:-35432}"
  pg_config "$SCRATCH/starling.yaml" "$PG_URL"
  NOTE_DB=" storage=postgres"
fi
node "$REPO/bin/starling" check-config -c "$SCRATCH/starling.yaml" >&2 || die "bench config refused by check-config"

# ------------------------------------------------------------------ provisioning
log "provisioning Starling: u1..u$BENCH_USERS and p1..p600 (XEP-0077 over STARTTLS; Starling refuses plaintext registration)"
start_starling "fresh database"
harness provision $(S_ARGS) --tls --out "$OUT_S" >/dev/null || log "Starling provisioning reported failures (see $OUT_S)"
# the presence preset registers its p-users over plaintext, which Starling refuses: create them here
harness raw register --users 600 --prefix p --concurrency 20 --tls --preset provision-presence $(S_ARGS) --out "$OUT_S" >/dev/null \
  || log "Starling provisioning of p1..p600 reported failures (see $OUT_S)"
stop_starling
[ "$PG_STATEMENTS" = 0 ] || pg_statements_reset
for p in "${ACTIVE_PEERS[@]}"; do
  log "provisioning $p: u1..u$BENCH_USERS (the presence preset creates p1..p600 itself)"
  stop_peer "$p"
  start_peer "$p" --fresh
  harness provision $(P_ARGS "$p") >/dev/null || log "$p provisioning reported failures"
  stop_peer "$p"
done

# ------------------------------------------------------------------ runs (servers alternate per preset)
FAILED=0
NOTE_CTX=; [ "$ONE_CTX" = 0 ] || NOTE_CTX=" one-tls-context"
for r in $(seq 1 "$RUNS"); do
  for preset in $PRESETS; do
    log "run $r/$RUNS preset $preset: starling"
    calib starling "$OUT_S"
    start_starling "before $preset run $r"
    sleep 1
    NOTE="run=$r starling=$REV$NOTE_CTX$NOTE_DB"
    # shellcheck disable=SC2046
    if warms "$preset"; then NOTE="$NOTE warm"; warm_up starling "$preset" $(S_ARGS); fi
    db_cpu_start
    # shellcheck disable=SC2046
    if harness "$preset" $(S_ARGS) --out "$OUT_S" --note "$NOTE" $(extra_for "$preset") > "$SCRATCH/last.json"; then log "ok"
    else FAILED=$((FAILED + 1)); log "FAILED: $(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8").trim().split("\n").pop());console.log(r.error, JSON.stringify(r.metrics&&r.metrics.errors||{}))' "$SCRATCH/last.json" 2>/dev/null || echo "no result line")"; fi
    db_cpu_line "$preset" "$NOTE"
    stop_starling
    sleep 2
    for p in "${ACTIVE_PEERS[@]}"; do
      log "run $r/$RUNS preset $preset: $p"
      calib "$p" "$RES/$STAMP-$p.jsonl"
      start_peer "$p"
      sleep 3
      NOTE="run=$r$NOTE_CTX"
      # shellcheck disable=SC2046
      if warms "$preset"; then NOTE="$NOTE warm"; warm_up "$p" "$preset" $(P_ARGS "$p"); fi
      # shellcheck disable=SC2046
      if harness "$preset" $(P_ARGS "$p") --note "$NOTE" $(extra_for "$preset") >/dev/null; then log "ok"; else log "$p: preset $preset reported failure"; fi
      stop_peer "$p"
      sleep 2
    done
  done
done

# ------------------------------------------------------------------ summary
if [ "$PG_STATEMENTS" = 1 ]; then
  if pg_statements_report > "$RES/$STAMP-pg-statements.txt"; then log "statements: $RES/$STAMP-pg-statements.txt"
  else log "the pg_stat_statements report failed (psql's message above)"; fi
fi
FILES=("$OUT_S"); for p in "${ACTIVE_PEERS[@]}"; do FILES+=("$RES/$STAMP-$p.jsonl"); done
echo
echo "## Harness summary (medians; node ../shared/bench/tools/summarize.js --wide)"
echo
node "$HARNESS/tools/summarize.js" "${FILES[@]}" --wide
echo
if [ "$COMPARE" = 1 ] && [ "${#ACTIVE_PEERS[@]}" -gt 0 ]; then
  node "$REPO/bench/compare.js" "${FILES[@]}"
else
  node "$REPO/bench/compare.js" "$OUT_S" --baseline "$HARNESS/results/baseline-prosody.jsonl" "$HARNESS/results/baseline-ejabberd.jsonl"
fi
echo
log "results: ${FILES[*]}"
[ "$FAILED" = 0 ] || { log "$FAILED Starling scenario(s) failed (see above)"; exit 1; }
