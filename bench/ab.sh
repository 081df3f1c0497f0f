#!/usr/bin/env bash
# Two Starling builds measured at once: the method behind the "both builds at once" figures of
# docs/performance-log.md. Each build runs as its own server pinned to the same core (CPU 1), each
# with its own harness driver on the other core, both drivers started together, a fresh pair of
# processes for every run. Whatever the host does during a run (it changes speed between minutes
# on this machine) it does to both, so the ratio of their CPU per measured login is steadier than
# two figures taken one after the other.
#
#   npm run bench:ab -- --base <rev> [--test <rev>] [--preset login-tls|login|chat|presence] [--runs N]
#                       [--logins M] [--rate R] [--storage sqlite|postgres]
#
# --base, --test: git revisions, built in worktrees under the scratch dir; --test defaults to the
# working tree, whose files are copied there and built the same way. --runs (default 4): the
# servers' start order alternates between runs (each build keeps its ports). --logins: measured logins per run (default 3,000 for login-tls, 10,000
# for login), after the harness's 1,000 untimed ones. --preset chat: 100 pairs of sessions send
# each other messages at --rate (default 8,000 msg/s per server) for a 15 s fixed phase (then
# one short ramp step at the same rate, which the harness always runs); the figure is server CPU
# per delivered message of the fixed phase. --preset presence: the harness's presence preset (600
# users on a ring of 50-contact rosters; 300 online, then 300 newcomers log in and send presence,
# 50 at a time); its 30,000 subscriptions are made once per build while provisioning, so every
# run starts from them; the figure is server CPU per newcomer of the measured phase (about a
# second, its CPU read in 10 ms ticks: only differences of 5-10 % show; take eight runs or more).
# --storage postgres: each build stores in its own throwaway PostgreSQL cluster (bench/pg.sh),
# both pinned to the builds' core, provisioned once and copied afresh from that state before
# every run (as the SQLite data dirs are). Each run's line then also gives each cluster's CPU
# ticks and the ratio of server and database together.
# Prints per run: each build's server CPU per measured login, message or newcomer (the harness's
# CpuMeter) and test/base, and the /proc CPU ticks of each whole run (untimed logins and set-up
# included); then the medians.
# Results: bench/results/<date>-ab.jsonl (the drivers' result lines, labelled base and test).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/bench/harness.sh"

BASE=; TEST=; PRESET=login-tls; RUNS=4; LOGINS=; RATE=8000; STORAGE=sqlite
while [ $# -gt 0 ]; do
  case $1 in
    --base) BASE=$2; shift 2 ;;
    --test) TEST=$2; shift 2 ;;
    --preset) PRESET=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --logins) LOGINS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --storage) STORAGE=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "bench:ab: unknown option $1 (see bash bench/ab.sh --help)" >&2; exit 2 ;;
  esac
done
[ -n "$BASE" ] || { echo "bench:ab: --base <git revision> is required" >&2; exit 2; }
case $PRESET in
  login-tls) DRIVER=(login --tls --logins "${LOGINS:-3000}") ;;
  login) DRIVER=(login --logins "${LOGINS:-10000}") ;;
  presence) DRIVER=(presence --users 600 --contacts 50 --max-secs 2400) ;;
  chat)
    [[ "$RATE" =~ ^[1-9][0-9]*$ ]] || { echo "bench:ab: --rate takes a positive number (messages per second)" >&2; exit 2; }
    DRIVER=(chat --pairs 100 --body-bytes 100 --fixed-rate "$RATE" --fixed-secs 15 --rates "$RATE" --step-secs 2 --drain-secs 5) ;;
  *) echo "bench:ab: --preset must be login-tls, login, chat or presence" >&2; exit 2 ;;
esac
case $PRESET in login|login-tls) DRIVER+=(--users 1000) ;; esac
DRIVER+=(--concurrency 50 --domain "$BENCH_DOMAIN")
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench:ab: --runs takes a positive number" >&2; exit 2; }
case $STORAGE in sqlite|postgres) ;; *) echo "bench:ab: --storage must be sqlite or postgres" >&2; exit 2 ;; esac
. "$REPO/bench/pg.sh"
# pg_side SIDE: makes the side's PostgreSQL cluster the one bench/pg.sh's functions act on
pg_side() {
  local v
  v=PGPID_$1; [ -n "${!v:-}" ] || return 1; PG_PID=${!v}
  v=PGDIR_$1; PG_DIR=${!v}
  v=PGPORT_$1; PG_PORT=${!v}
}

SCRATCH=$(mktemp -d /tmp/starling-ab.XXXXXX)
OUT="$REPO/bench/results/$(date +%Y-%m-%d-%H%M)-ab.jsonl"
mkdir -p "$REPO/bench/results"
PIDS=()
cleanup() {
  stop_all
  for side in base test; do pg_side "$side" && pg_stop || true; done
  for side in base test; do
    if [ -d "$SCRATCH/$side/src" ]; then git -C "$REPO" worktree remove --force "$SCRATCH/$side" 2>/dev/null || true; fi
  done
  rm -rf "$SCRATCH"
  git -C "$REPO" worktree prune 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# checkout SIDE REV: a built tree of REV (or of the working tree when REV is empty); prints its path
checkout() {
  local dir=$SCRATCH/$1
  if [ -z "$2" ]; then
    # a copy of the working tree's files (tracked and untracked, not ignored), laid out and
    # built like a worktree, so the two sides differ only in their files
    mkdir -p "$dir"
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
      xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
      tar --null -T - -cf -) | tar -xf - -C "$dir" || die "could not copy the working tree"
  else
    git -C "$REPO" rev-parse --verify --quiet "$2^{commit}" >/dev/null || die "not a git revision: $2"
    git -C "$REPO" worktree add --detach "$dir" "$2" >/dev/null 2>&1 || die "git worktree add failed for $2"
  fi
  ln -s "$REPO/node_modules" "$dir/node_modules"
  (cd "$dir" && npm run build --silent) >&2 || die "npm run build failed for ${2:-the working tree}"
  echo "$dir"
}

# start TREE SIDE PORT: starts a server (a child of this shell, in PID_<side>) and waits until its port accepts
start() {
  NODE_ENV=production taskset -c "$BENCH_SERVER_CPU" node "$1/bin/starling" start -c "$SCRATCH/$2.yaml" >> "$SCRATCH/$2.log" 2>&1 &
  printf -v "PID_$2" '%s' "$!"
  PIDS+=("$!")
  wait_port 127.0.0.1 "$3" 60 || { tail -n 20 "$SCRATCH/$2.log" >&2; die "the $2 build did not open port $3"; }
}
# stop_all: stops the servers started and waits for them
stop_all() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}

log "building base ($BASE) and test (${TEST:-working tree})"
TREE_base=$(checkout base "$BASE")
TREE_test=$(checkout test "$TEST")
ensure_cert "$SCRATCH/certs"
raise_nofile
if [ "$STORAGE" = postgres ]; then
  chmod 755 "$SCRATCH"   # the clusters in it run as user postgres
  pg_port=${STARLING_BENCH_PG_PORT:-35432}
  for side in base test; do
    pg_start "$SCRATCH/pg-$side" "$pg_port"
    printf -v "PGPID_$side" '%s' "$PG_PID"; printf -v "PGDIR_$side" '%s' "$PG_DIR"; printf -v "PGPORT_$side" '%s' "$PG_PORT"
    pg_port=$((pg_port + 1))
  done
fi
PORT_base=36222; PORT_test=36232
for side in base test; do
  port_var=PORT_$side; tree_var=TREE_$side
  mkdir -p "$SCRATCH/$side-run/data"
  # its own data dir and ports, the same certificate
  bench_config "$SCRATCH/$side.yaml" "$SCRATCH/$side-run" "${!port_var}" "$SCRATCH/certs"
  # on PostgreSQL: provisioned into ab_<side>_tpl, each run on a fresh copy named ab_<side>
  if [ "$STORAGE" = postgres ]; then
    pg_side "$side"; url=$(pg_db "ab_${side}_tpl") || exit 1; pg_config "$SCRATCH/$side.yaml" "$url"
  fi
  # each build provisions its own database: the two may have different migrations
  log "provisioning u1..u1000 for $side"
  start "${!tree_var}" "$side" "${!port_var}"
  BENCH_USERS=1000 "$HARNESS/run.sh" provision --port "${!port_var}" --domain "$BENCH_DOMAIN" --label "$side" --tls \
    --scram-cache "$SCRATCH/scram-$side.json" --out "$SCRATCH/provision.jsonl" >/dev/null || log "provisioning $side reported failures"
  if [ "$PRESET" = presence ]; then
    # p1..p600 over TLS (Starling refuses plaintext registration, which the preset would use),
    # then one unmeasured run of the preset, which makes the roster subscriptions
    log "provisioning p1..p600 and their subscriptions for $side"
    "$HARNESS/run.sh" raw register --users 600 --prefix p --concurrency 20 --tls --port "${!port_var}" --domain "$BENCH_DOMAIN" \
      --label "$side" --scram-cache "$SCRATCH/scram-$side.json" --out "$SCRATCH/provision.jsonl" >/dev/null || log "registering p-users for $side reported failures"
    "$HARNESS/run.sh" raw "${DRIVER[@]}" --port "${!port_var}" --label "$side" --scram-cache "$SCRATCH/scram-$side.json" \
      --out "$SCRATCH/provision.jsonl" >/dev/null || log "the subscription set-up of $side reported failure"
  fi
  stop_all
  cp -r "$SCRATCH/$side-run/data" "$SCRATCH/$side-data"
  if [ "$STORAGE" = postgres ]; then url=$(pg_db "ab_$side") || exit 1; pg_config "$SCRATCH/$side.yaml" "$url"; fi
done
# db_ticks SIDE: the CPU ticks of the side's PostgreSQL cluster so far (nothing on SQLite)
db_ticks() { if pg_side "$1"; then pg_cpu_ticks; fi; }

for r in $(seq "$RUNS"); do
  order=(base test); [ $((r % 2)) = 0 ] && order=(test base)
  for side in "${order[@]}"; do
    rm -rf "$SCRATCH/$side-run/data"; cp -r "$SCRATCH/$side-data" "$SCRATCH/$side-run/data"
    if [ "$STORAGE" = postgres ]; then pg_side "$side"; pg_db "ab_$side" "ab_${side}_tpl" >/dev/null || exit 1; fi
    tree_var=TREE_$side; port_var=PORT_$side
    start "${!tree_var}" "$side" "${!port_var}"
  done
  sleep 2
  t0_base=$(proc_ticks "$PID_base"); t0_test=$(proc_ticks "$PID_test")
  db0_base=$(db_ticks base); db0_test=$(db_ticks test)
  for side in "${order[@]}"; do
    pid_var=PID_$side; port_var=PORT_$side
    taskset -c "${BENCH_DRIVER_CPU:-0}" node "$HARNESS/driver/xmppbench.js" "${DRIVER[@]}" --port "${!port_var}" --label "$side" \
      --server-pid "${!pid_var}" --scram-cache "$SCRATCH/scram-$side.json" --preset "$PRESET" --note "ab run=$r first=${order[0]}" \
      --out "$SCRATCH/$side-$r.jsonl" > /dev/null 2>&1 &
    printf -v "DRV_$side" '%s' "$!"
  done
  wait "$DRV_base" "$DRV_test" || log "a driver reported failure in run $r"
  t1_base=$(proc_ticks "$PID_base"); t1_test=$(proc_ticks "$PID_test")
  db1_base=$(db_ticks base); db1_test=$(db_ticks test)
  db_args=()
  if [ "$STORAGE" = postgres ]; then db_args=($((db1_base - db0_base)) $((db1_test - db0_test))); fi
  stop_all
  cat "$SCRATCH/base-$r.jsonl" "$SCRATCH/test-$r.jsonl" >> "$OUT" 2>/dev/null || true
  node "$REPO/bench/ab-report.js" run "$SCRATCH/runs.jsonl" "$r" "${order[0]}" "$SCRATCH/base-$r.jsonl" "$SCRATCH/test-$r.jsonl" \
    $((t1_base - t0_base)) $((t1_test - t0_test)) "${db_args[@]}"
  sleep 1
done
node "$REPO/bench/ab-report.js" summary "$SCRATCH/runs.jsonl"
log "results: $OUT"
