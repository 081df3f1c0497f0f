# Sourced by bench/run.sh and bench/ab.sh: finds the shared XMPP benchmark harness (HARNESS; set
# STARLING_BENCH_HARNESS to use another place) and loads its helpers (die, wait_port, now_ms,
# rss_kib, ensure_cert, raise_nofile, BENCH_DOMAIN, BENCH_SERVER_CPU), and adds log and
# proc_ticks. Expects REPO to be set.
HARNESS=${STARLING_BENCH_HARNESS:-$REPO/../shared/bench}
if [ ! -f "$HARNESS/driver/xmppbench.js" ] || [ ! -x "$HARNESS/run.sh" ] || [ ! -f "$HARNESS/servers/common.sh" ]; then
  echo "bench: the XMPP benchmark harness was not found at $HARNESS" >&2
  echo "bench: it lives outside this repository, at ../shared/bench relative to the repo root" >&2
  echo "bench: (driver/xmppbench.js, run.sh, servers/); set STARLING_BENCH_HARNESS=/path/to/bench otherwise" >&2
  exit 1
fi
HARNESS=$(cd "$HARNESS" && pwd)
. "$HARNESS/servers/common.sh"
log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# proc_ticks PID [reaped]: the process's CPU ticks so far (utime + stime), with `reaped` also those
# of the children it has waited for (cutime + cstime); 0 when it is gone. The fields are counted
# after "pid (comm) ", since a command name may hold spaces.
proc_ticks() {
  [ -r "/proc/$1/stat" ] || { echo 0; return; }
  sed 's/^.*) //' "/proc/$1/stat" | awk -v all="${2:-}" '{print $12 + $13 + (all ? $14 + $15 : 0)}'
}

# bench_config OUT SCRATCH PORT CERTS: the bench configuration (bench/starling-bench.yaml.in) for a
# server with its data under SCRATCH/data, c2s on PORT and direct TLS on PORT + 1
bench_config() {
  sed -e "s|@SCRATCH@|$2|g" -e "s|@PORT@|$3|g" -e "s|@TLS_PORT@|$(($3 + 1))|g" \
      -e "s|@DOMAIN@|$BENCH_DOMAIN|g" -e "s|@CERTS@|$4|g" "$REPO/bench/starling-bench.yaml.in" > "$1"
}
