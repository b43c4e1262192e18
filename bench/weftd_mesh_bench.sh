#!/usr/bin/env bash
# weftd_mesh_bench: 50 real weftd processes (release build), one per network namespace,
# form an encrypted mesh on this machine. Prints the wall time to converge (every weftd's
# report lists 50 peers), each weftd's RSS and established connections, and idle CPU over a
# 20 s steady window. Goal: RSS <= 20 MiB per weftd.
#
# Baselines measured in the same run (the machine is noisy): a lone weftd with no peers in
# its own namespace (how much 49 peers add), and `sleep` started the same way (the floor of
# any process started through `ip netns exec`).
#
#   [h1  eth0 198.18.0.1/24]--+          h1 is the seed; hi (i>1) gets --peer 198.18.0.1
#   [h2  eth0 198.18.0.2/24]--+          and up to 2 other random earlier hosts; discovery
#   ...                       +--[sw: br0]   does the rest.
#   [h50 eth0 198.18.0.50/24]-+
#   [lone: lo only]  weftd with no peers + sleep (baselines)
#
# Usage: bench/weftd_mesh_bench.sh [BUILD_DIR]   (default build/release; needs root)
# Env: N (hosts, default 50), SEED (peer choice, default random), STEADY_S (default 20),
#      TIMEOUT_S (default 180), KEEP=1 keeps the logs.
#
# Rules (as for tests/netns): everything happens in namespaces this script creates (names
# carry its pid), hosts use 198.18.0.0/15, nothing is added to the root namespace, and only
# processes started here are ended, by pid.
set -euo pipefail

build=${1:-build/release}
N=${N:-50}
STEADY_S=${STEADY_S:-20}
TIMEOUT_S=${TIMEOUT_S:-180}
SEED=${SEED:-$RANDOM}
GOAL_MIB=20
me=weftd_mesh_bench

WEFTD="$build/bin/weftd"
WEFT="$build/bin/weft"
for b in "$WEFTD" "$WEFT"; do
  [ -x "$b" ] || { echo "$me: $b not built (cmake --preset release && cmake --build $build -j2)"; exit 1; }
done
# Absolute paths: `ip netns exec` keeps the cwd, but the python poller is clearer with them.
WEFTD=$(realpath "$WEFTD")
WEFT=$(realpath "$WEFT")
[ "$(id -u)" -eq 0 ] || { echo "$me: SKIP: needs root (network namespaces)"; exit 0; }
command -v ip >/dev/null || { echo "$me: SKIP: iproute2 is not installed"; exit 0; }
command -v python3 >/dev/null || { echo "$me: python3 is required (JSON reports)"; exit 1; }
if [ "$N" -lt 4 ] || [ "$N" -gt 250 ]; then echo "$me: N must be 4..250 (one /24)"; exit 1; fi

PREFIX="wfb$$"
NAMESPACES=()
PIDS=()
TMP=$(mktemp -d "/tmp/weft-bench-$$.XXXXXX")

# Cleanup runs on every exit path: end our processes by pid (TERM, then KILL after 5 s),
# then delete our namespaces. Never fails, so it cannot mask the script's exit status.
cleanup() {
  local rc=$? pid ns i
  trap - EXIT INT TERM
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [ "${KEEP:-0}" = 1 ]; then echo "$me: KEEP=1: logs in $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ns_add NAME: namespace "<prefix>-NAME" with loopback up (weftd's read-only TCP API binds
# 127.0.0.1 in each); its full name is left in $NS. Not for $(...): the record would be lost.
# IPv6 is switched off inside (a per-namespace sysctl): the bench speaks IPv4 only, and the
# multicast neighbour entries of IPv6 autoconfiguration would count against the global
# neighbour table limit (see the underlay below).
ns_add() {
  NS="${PREFIX}-$1"
  ip netns add "$NS"
  NAMESPACES+=("$NS")
  ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$NS" link set lo up
}

# VmRSS of PID in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# VmHWM (peak RSS so far) of PID in KiB: shows what convergence itself cost.
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
# RssAnon of PID in KiB: heap and stacks, without the mapped binary and libraries.
anon_kib() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status"; }
# Pss of PID in KiB: RSS with shared pages (the one weftd binary, mapped 50 times) divided
# among the processes sharing them, i.e. what each weftd really costs the machine.
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
# utime+stime of PID in clock ticks (fields 14 and 15; taken after the ")" ending comm).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
now() { echo "$EPOCHREALTIME"; }
# stats: reads numbers one per line; prints "min median max".
stats() { sort -g | awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print v[1], m, v[NR]}'; }
TICK=$(getconf CLK_TCK)

# The poller and report reader: one python3 process per call, which runs the CLI against
# each weftd's unix socket (reachable from the root namespace) and parses the JSON.
cat >"$TMP/poll.py" <<'PY'
import json, os, subprocess, sys, time

weft, mode = sys.argv[1], sys.argv[2]
hosts = []  # (index, pid, run dir)
for arg in sys.argv[5:] if mode == "poll" else sys.argv[3:]:
    i, pid, run = arg.split(":", 2)
    hosts.append((int(i), int(pid), run))

def report(run):
    try:
        out = subprocess.run([weft, "--run-dir", run, "report"], capture_output=True,
                             timeout=5, check=True).stdout
        return json.loads(out)
    except (subprocess.SubprocessError, ValueError):
        return None

def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False

if mode == "states":
    # Connections that are not established, over all hosts, grouped by state and reason
    # (addresses and retry delays masked so that equal reasons group together).
    import collections, re
    count = collections.Counter()
    for i, pid, run in hosts:
        r = report(run)
        for c in (r or {}).get("router", {}).get("connections", []):
            if c.get("state") != "established":
                info = re.sub(r"([0-9a-f]{2}:){7}[0-9a-f]{2}", "NAME", c.get("info", ""))
                info = re.sub(r"\d+(\.\d+)*(:\d+)?", "#", info)
                count[(c.get("state"), "out" if c.get("outbound") else "in", info)] += 1
    for (state, way, info), n in count.most_common(8):
        print(f"  {n:5d} {state} {way} {info}")
    sys.exit(0)

if mode == "report":
    # "index peers established connections" per host; -1 when the report fails.
    for i, pid, run in hosts:
        r = report(run)
        if r is None:
            print(i, -1, -1, -1)
            continue
        conns = r["router"]["connections"]
        est = sum(1 for c in conns if c.get("state") == "established")
        print(i, len(r["router"]["peers"]), est, len(conns))
    sys.exit(0)

# mode "poll": until every host has reported N peers, or the timeout. Hosts already seen at
# N are not asked again (keeps each round cheap on 2 cores); a final round asks all of them
# again to confirm. Converged = when the last host was first seen at N.
want, timeout = int(sys.argv[3]), float(sys.argv[4])
t0 = time.time()
seen = {}     # index -> peers last seen (-1: no answer yet)
done_at = {}  # index -> time first seen at `want`
while True:
    for i, pid, run in hosts:
        if not alive(pid):
            print(f"dead h{i} pid {pid}")
            sys.exit(2)
        if i in done_at:
            continue
        r = report(run)
        seen[i] = len(r["router"]["peers"]) if r else -1
        if seen[i] >= want:
            done_at[i] = time.time()
    if len(done_at) == len(hosts):
        lost = []
        for i, pid, run in hosts:
            r = report(run)
            seen[i] = len(r["router"]["peers"]) if r else -1
            if seen[i] < want:
                lost.append(i)
        if not lost:
            print(f"converged {max(done_at.values()):.6f}")
            sys.exit(0)
        for i in lost:  # a host forgot a peer after seeing all: keep polling it
            del done_at[i]
    if time.time() - t0 > timeout:
        print("timeout " + " ".join(f"h{i}:{seen.get(i, -1)}" for i, _, _ in hosts))
        sys.exit(1)
    time.sleep(0.25)
PY
poll() { python3 "$TMP/poll.py" "$WEFT" "$@"; }

printf 'weft bench password %s\n' "$$-$SEED" >"$TMP/pw"
chmod 600 "$TMP/pw"

# start_weftd NS NAME [ARGS...]: weftd in NS with dirs under $TMP/NAME, output to
# $TMP/NAME.log; sets PID. `ip netns exec` execs weftd, so $! is weftd itself.
start_weftd() {
  local ns=$1 name=$2; shift 2
  mkdir -p "$TMP/$name"
  ip netns exec "$ns" "$WEFTD" --data-dir "$TMP/$name/data" --run-dir "$TMP/$name/run" \
    --nickname "$name" --password-file "$TMP/pw" --log-level warn "$@" >"$TMP/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
}

# The load average tells how noisy this run's machine was (the convergence time feels it).
echo "$me: $N weftd from $build, seed $SEED, steady window ${STEADY_S} s, timeout ${TIMEOUT_S} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- Baselines: sleep and a lone weftd, each started through `ip netns exec` -----------------
ns_add lone
LONE_NS=$NS
ip netns exec "$LONE_NS" sleep 1000 &
SLEEP_PID=$!
PIDS+=("$SLEEP_PID")
start_weftd "$LONE_NS" lone
LONE_PID=$PID
sleep 2
kill -0 "$LONE_PID" 2>/dev/null || { echo "$me: lone weftd exited; its log:"; cat "$TMP/lone.log"; exit 1; }
"$WEFT" --run-dir "$TMP/lone/run" status >/dev/null ||
  { echo "$me: lone weftd does not answer; its log:"; cat "$TMP/lone.log"; exit 1; }
SLEEP_KIB=$(rss_kib "$SLEEP_PID")
LONE_KIB=$(rss_kib "$LONE_PID")
LONE_ANON_KIB=$(anon_kib "$LONE_PID")
echo "baseline: sleep via ip netns exec: RSS $(mib "$SLEEP_KIB") MiB"
echo "baseline: lone weftd (no peers, 2 s after start): RSS $(mib "$LONE_KIB") MiB (anon $(mib "$LONE_ANON_KIB") MiB)"

# --- Underlay: a switch namespace with bridge br0, one veth per host ---------------------------
# The kernel's ARP table is one table for all namespaces, with one limit (gc_thresh3, 1024 by
# default, settable only in the root namespace): a full mesh of 50 hosts learns 50 x 49 =
# 2450 entries, so hosts past ~34 got ENOBUFS ("neighbor table overflow") and never joined,
# and the overflow would also break any other netns test running on the machine meanwhile.
# So each host gets a fixed MAC and permanent neighbour entries for all the others: those
# are exempt from the limit, and no ARP happens at all.
mac() { printf '02:c6:12:00:00:%02x' "$1"; }
T_UNDERLAY=$(now)
ns_add sw
SWITCH=$NS
ip -n "$SWITCH" link add br0 type bridge
ip -n "$SWITCH" link set br0 up
HOSTS=("")
for i in $(seq "$N"); do
  ns_add "h$i"
  HOSTS+=("$NS")
  # Both ends are created directly in their namespaces, so nothing appears in the root one;
  # the host end gets a unique name first (as tests/netns/lib.sh does), then becomes eth0.
  ip link add "${PREFIX}h$i" netns "$NS" address "$(mac "$i")" type veth peer name "p$i" netns "$SWITCH"
  ip -n "$SWITCH" link set "p$i" master br0 up
  {
    echo "link set ${PREFIX}h$i name eth0"
    echo "addr add 198.18.0.$i/24 dev eth0"
    echo "link set eth0 up"
    for j in $(seq "$N"); do  # lladdr is $(mac j), written out to save a fork per line
      [ "$j" -eq "$i" ] || printf 'neigh replace 198.18.0.%s lladdr 02:c6:12:00:00:%02x dev eth0 nud permanent\n' "$j" "$j"
    done
  } | ip -n "$NS" -batch -
done
# Sanity: the last host reaches the seed before any weftd starts.
ip netns exec "${HOSTS[$N]}" ping -c1 -W2 198.18.0.1 >/dev/null ||
  { echo "$me: FAIL: the underlay does not work (h$N cannot ping 198.18.0.1)"; exit 1; }
echo "underlay: $N hosts on br0 in $SWITCH (static neighbours), built in $(awk -v a="$T_UNDERLAY" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}') s"

# --- The mesh ---------------------------------------------------------------------------------
RANDOM=$SEED
declare -A HPID
T_FIRST=$(now)
for i in $(seq "$N"); do
  args=(--host "198.18.0.$i" --port 6783)
  if [ "$i" -gt 1 ]; then
    args+=(--peer 198.18.0.1)
    # Up to 2 distinct random earlier hosts other than the seed (h2 has none, h3 one).
    cands=()
    for ((j = 2; j < i; j++)); do cands+=("$j"); done
    for _ in 1 2; do
      [ "${#cands[@]}" -gt 0 ] || break
      k=$((RANDOM % ${#cands[@]}))
      args+=(--peer "198.18.0.${cands[$k]}")
      cands=("${cands[@]:0:k}" "${cands[@]:k+1}")
    done
  fi
  start_weftd "${HOSTS[$i]}" "h$i" "${args[@]}"
  HPID[$i]=$PID
done
T_LAST=$(now)
echo "started $N weftd in $(awk -v a="$T_FIRST" -v b="$T_LAST" 'BEGIN {printf "%.2f", b - a}') s; waiting for $N peers in every report"

hostargs=()
for i in $(seq "$N"); do hostargs+=("$i:${HPID[$i]}:$TMP/h$i/run"); done

rc=0
res=$(poll poll "$N" "$TIMEOUT_S" "${hostargs[@]}") || rc=$?
if [ "$rc" -ne 0 ]; then
  bad=""
  case $res in
    dead*)
      echo "$me: FAIL: a weftd exited before the mesh converged ($res)"
      bad=$(awk '{print $2}' <<<"$res" | tr -d h)
      ;;
    timeout*)
      echo "$me: FAIL: the mesh did not converge within $TIMEOUT_S s; peers seen per host (-1: no answer):"
      tr ' ' '\n' <<<"${res#timeout }" | paste - - - - - - - - - - | sed 's/^/  /'
      # The host that sees the fewest peers (the first of them) is the most telling.
      bad=$(tr ' ' '\n' <<<"${res#timeout }" | sed 's/^h//' | sort -t: -k2,2n -k1,1n | head -n 1 | cut -d: -f1)
      ;;
    *) echo "$me: FAIL: the poller failed (exit $rc): $res" ;;
  esac
  if [ -n "$bad" ]; then
    echo "tail of h$bad's log:"
    if [ -s "$TMP/h$bad.log" ]; then tail -n 30 "$TMP/h$bad.log" | sed 's/^/  /'; else echo "  (empty)"; fi
    echo "h$bad's status:"
    "$WEFT" --run-dir "$TMP/h$bad/run" status connections 2>&1 | head -n 60 | sed 's/^/  /' || true
  fi
  exit 1
fi
T_CONV=${res#converged }
declare -A RSS_CONV CPU0 RSS_STEADY CPU1 HWM
for i in $(seq "$N"); do RSS_CONV[$i]=$(rss_kib "${HPID[$i]}"); CPU0[$i]=$(cpu_ticks "${HPID[$i]}"); done
CONV_S=$(awk -v a="$T_FIRST" -v b="$T_CONV" 'BEGIN {printf "%.1f", b - a}')
CONV_LAST_S=$(awk -v a="$T_LAST" -v b="$T_CONV" 'BEGIN {printf "%.1f", b - a}')
echo "converged: ${CONV_S} s after the first start, ${CONV_LAST_S} s after the last"

# --- Steady state: nothing polls the weftds during the window, so their CPU is their own. ---
sleep "$STEADY_S"
for i in $(seq "$N"); do
  kill -0 "${HPID[$i]}" 2>/dev/null || { echo "$me: FAIL: h$i exited during the steady window; its log:"; tail -n 30 "$TMP/h$i.log"; exit 1; }
  RSS_STEADY[$i]=$(rss_kib "${HPID[$i]}")
  HWM[$i]=$(hwm_kib "${HPID[$i]}")
  anon_kib "${HPID[$i]}" >>"$TMP/anon"
  pss_kib "${HPID[$i]}" >>"$TMP/pss"
  CPU1[$i]=$(cpu_ticks "${HPID[$i]}")
done
LONE_END_KIB=$(rss_kib "$LONE_PID")

declare -A PEERS EST CONNS
while read -r i p e c; do PEERS[$i]=$p; EST[$i]=$e; CONNS[$i]=$c; done < <(poll report "${hostargs[@]}")

printf '%-5s %8s %6s %6s %6s %10s %10s %10s %8s %5s\n' host pid peers estab conns rss_conv rss_steady rss_peak cpu_ms log
for i in $(seq "$N"); do
  loglines=$(wc -l <"$TMP/h$i.log")
  cpu_ms=$(( (${CPU1[$i]} - ${CPU0[$i]}) * 1000 / TICK ))
  printf '%-5s %8s %6s %6s %6s %6s MiB %6s MiB %6s MiB %8s %5s\n' "h$i" "${HPID[$i]}" "${PEERS[$i]}" "${EST[$i]}" \
    "${CONNS[$i]}" "$(mib "${RSS_CONV[$i]}")" "$(mib "${RSS_STEADY[$i]}")" "$(mib "${HWM[$i]}")" "$cpu_ms" "$loglines"
  echo "$cpu_ms" >>"$TMP/cpu"
  echo "${RSS_STEADY[$i]}" >>"$TMP/rss"
  echo "${EST[$i]}" >>"$TMP/est"
  echo "${HWM[$i]}" >>"$TMP/hwm"
done
echo "(rss_conv: VmRSS right after convergence; rss_steady: after ${STEADY_S} s more; rss_peak: VmHWM; cpu_ms: utime+stime in that window; log: lines at --log-level warn)"

# weftd runs at --log-level warn, so every log line is a warning or an error worth a look.
cat "$TMP"/h*.log >"$TMP/all.log"
if [ -s "$TMP/all.log" ]; then
  echo "log lines over all $N hosts: $(wc -l <"$TMP/all.log") (warnings: $(grep -ci warn "$TMP/all.log" || true), errors: $(grep -ci error "$TMP/all.log" || true)); most frequent:"
  # Drop the timestamp and mask addresses and names so identical messages group together.
  sed -E 's/^[0-9T:.-]+ //; s/198\.18\.0\.[0-9]+(:[0-9]+)?/ADDR/g; s/([0-9a-f]{2}:){7}[0-9a-f]{2}/NAME/g; s/\bh[0-9]+\b/hN/g' \
    "$TMP/all.log" | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/  /'
else
  echo "log lines over all $N hosts: 0"
fi
states=$(poll states "${hostargs[@]}")
if [ -n "$states" ]; then
  echo "connections not established, over all $N hosts (state, direction, reason):"
  echo "$states"
fi
not_all=$(awk -v n="$N" '$2 != n' < <(poll report "${hostargs[@]}") | wc -l)
[ "$not_all" -eq 0 ] || echo "$me: WARNING: $not_all hosts no longer list $N peers after the steady window"

read -r RMIN RMED RMAX < <(stats <"$TMP/rss")
read -r _ CPU_MED _ < <(stats <"$TMP/cpu")
read -r EMIN EMED EMAX < <(stats <"$TMP/est")
read -r _ HMED HMAX < <(stats <"$TMP/hwm")
read -r _ AMED _ < <(stats <"$TMP/anon")
read -r _ PMED _ < <(stats <"$TMP/pss")
MED_MIB=$(mib "$RMED")
LONE_MIB=$(mib "$LONE_KIB")
echo "established connections per weftd: median $EMED (min $EMIN, max $EMAX); lone weftd RSS at the end $(mib "$LONE_END_KIB") MiB; sleep $(mib "$SLEEP_KIB") MiB"
# RSS counts the shared binary in full in every weftd; anon and PSS show the private part.
echo "RSS detail: peak (VmHWM) median $(mib "$HMED") MiB, max $(mib "$HMAX") MiB; anon median $(mib "$AMED") MiB (lone $(mib "$LONE_ANON_KIB") MiB); PSS median $(mib "$PMED") MiB"
echo
echo "$me: $N weftd converged in $CONV_S s (last start -> converged $CONV_LAST_S s)"
echo "$me: RSS median $MED_MIB MiB (min $(mib "$RMIN"), max $(mib "$RMAX")); goal $GOAL_MIB MiB -> ratio $MED_MIB/$GOAL_MIB = $(awk -v a="$RMED" -v g="$GOAL_MIB" 'BEGIN {printf "%.2f", a / 1024 / g}'); lone weftd $LONE_MIB MiB -> ratio $MED_MIB/$LONE_MIB = $(awk -v a="$RMED" -v l="$LONE_KIB" 'BEGIN {printf "%.2f", a / l}')"
echo "$me: idle CPU over $STEADY_S s: median $CPU_MED ms per weftd"
