#!/usr/bin/env bash
# sleeve_iperf_bench: pod-to-pod TCP throughput across two hosts over weft's userspace tunnel
# (the sleeve), encrypted and plain, against the userspace tunnels people use instead, all
# measured in the same run on the same machine:
#   veth        the bare underlay: iperf3 host to host (the ceiling of anything on top of it);
#   weft-enc    weftd with --password-file: every peer on the encrypted sleeve (MTU 1403),
#               pods attached by weft-cni through the upstream cnitool;
#   weft-plain  weftd with --no-fastdp and no password: the same sleeve unencrypted;
#   fastd       fastd v22, method salsa2012+umac, TAP in a bridge with a pod per host (1426);
#   tinc        tinc 1.0, switch mode, aes-256-cbc + sha256, TAP in a bridge with a pod per
#               host (1400; tinc sends larger frames over its TCP meta connection).
# For each it reports the CPU the tunnel daemons used during the iperf3 run (weftd, fastd or
# tincd, sender's end + receiver's end, % of one core) and the idle share of all CPUs (near
# 0 means the machine is saturated: more threads could only move work). Rounds interleave all scenarios (and
# both stream counts) so drift on a noisy machine hits all alike; each figure is the median
# of its rounds. Goal (issue 6): weft encrypted >= 3x fastd.
#
#   [h1]-+  weft-enc:   h1, h2 (weftd --password-file), pods e1 -> e2; veth: h1 -> h2
#   [h2]-+  weft-plain: h3, h4 (weftd --no-fastdp), pods n3 -> n4
#   ...  +--[sw br0]    fastd:      h5, h6 (bridge fb + fastd0), pods f5 -> f6
#   [h8]-+  tinc:       h7, h8 (bridge tb + tinc0), pods t7 -> t8
#   hN has 198.18.0.N/24 on the underlay; each pair peers only with itself.
#
# Usage: bench/sleeve_iperf_bench.sh [BUILD_DIR]   (default build/release; root)
# Env: ROUNDS (default 3), SECONDS_EACH (iperf3 -t, default 8), STREAMS (iperf3 -P, a list,
#      default "1 4": both in each round; STREAMS=1 for one).
# Needs fastd, tinc, iperf3 (Debian packages of those names) and cnitool (make deps).
set -u
build=${1:-build/release}
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-8}
STREAMS=${STREAMS:-1 4}
export WEFT_BIN_DIR
WEFT_BIN_DIR=$(cd "$build/bin" && pwd)
. "$(dirname "$0")/../tests/netns/lib.sh"
require_root_netns
command -v iperf3 >/dev/null || skip "iperf3 is not installed (Debian package iperf3)"
command -v fastd >/dev/null || skip "fastd is not installed (Debian package fastd)"
command -v tincd >/dev/null || skip "tincd is not installed (Debian package tinc)"
NET="weftsleeve$$"
CLK_TCK=$(getconf CLK_TCK)
RESULTS="$T_TMP/results.tsv"

# Per scenario: the namespaces iperf3's server and client run in, the server's address,
# the tunnel daemons' pids (sender's end first; none for veth) and the pods' MTU.
declare -A S_SRV S_CLI S_ADDR S_PIDS S_MTU
SCENARIOS=(veth weft-enc weft-plain fastd tinc)

pod_mtu() { ip -n "$1" -o link show eth0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
ping_ok() { until_ok 10 ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null || { echo "FAIL: $2 unreachable from $1"; exit 1; }; }

# weft_pair NAME A B PODPREFIX STATUS_TEXT WEFTD_ARGS...: weftd on hosts A and B peering
# only with each other, a pod on each by cnitool, and a wait until both ends' `weft status
# connections` show STATUS_TEXT (the overlay the peer is on), so no round runs on a
# connection still being set up.
weft_pair() {
  local name=$1 a=$2 b=$3 pp=$4 want=$5 i out pids=() ns=()
  shift 5
  for i in "$a" "$b"; do
    start_weftd "${HOSTS[$i]}" "h$i" --peer "198.18.0.$a" --peer "198.18.0.$b" \
      --ipalloc-init "seed=h$a,h$b" "$@"
    pids+=("$WEFTD_PID")
  done
  for i in "$a" "$b"; do
    wait_weftd "${HOSTS[$i]}" "h$i" || exit 1
    cni_conflist "h$i" "$NET"
  done
  for i in "$a" "$b"; do
    until_ok 30 exposed "${HOSTS[$i]}" "h$i" ||
      { echo "FAIL: weftd on h$i did not expose its bridge"; exit 1; }
    until_ok 30 bash -c "ip netns exec '${HOSTS[$i]}' '$WEFT_BIN_DIR/weft' --run-dir '$T_TMP/h$i/run' status connections | grep -qF -- '$want'" ||
      { echo "FAIL: $name: h$i's connection does not show '$want'"; exit 1; }
  done
  for i in "$a" "$b"; do
    ns_add "$pp$i"
    ns+=("$NS")
    out=$(cnitool_on "${HOSTS[$i]}" "h$i" add "$NET" "$NS") || { echo "FAIL: cnitool add: $out"; exit 1; }
    [ "$i" = "$b" ] && S_ADDR[$name]=$(echo "$out" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
  done
  S_CLI[$name]=${ns[0]}
  S_SRV[$name]=${ns[1]}
  S_PIDS[$name]="${pids[*]}"
  S_MTU[$name]=$(pod_mtu "${ns[0]}")
}

# bridge_pod HOSTIDX BRIDGE POD_NAME ADDRESS MTU: bridge BRIDGE on host HOSTIDX and a pod
# namespace on a veth into it (the shape weft gives pods, built by hand for the baselines).
bridge_pod() {
  local h=${HOSTS[$1]} br=$2 mtu=$5
  ip -n "$h" link add "$br" type bridge
  ip -n "$h" link set "$br" mtu "$mtu" up
  ns_add "$3"
  ip -n "$h" link add "v$3" mtu "$mtu" type veth peer name eth0 mtu "$mtu" netns "$NS"
  ip -n "$h" link set "v$3" master "$br" up
  ip -n "$NS" addr add "$4/24" dev eth0
  ip -n "$NS" link set eth0 up
}

# fastd_pair A B: fastd on hosts A and B (TAP fastd0 in bridge fb, switch-like L2), pods
# f<A> 10.97.0.A and f<B> 10.97.0.B. MTU 1426 = 1500 - IPv4/UDP - fastd's header and
# salsa2012+umac's nonce and tag - the tunnelled Ethernet header (fastd's documented value).
fastd_pair() {
  local a=$1 b=$2 d="$T_TMP/fastd" i j pids=() ns=()
  declare -A sec pub
  mkdir -p "$d"
  for i in "$a" "$b"; do
    bridge_pod "$i" fb "f$i" "10.97.0.$i" 1426
    ns+=("$NS")
    sec[$i]=$(fastd --generate-key --machine-readable 2>/dev/null)
    # fastd runs "on up" with /bin/sh and $INTERFACE set: put the TAP into the pods' bridge.
    cat >"$d/h$i.conf" <<EOF
log level warn;
bind 198.18.0.$i:10000;
mode tap;
interface "fastd0";
method "salsa2012+umac";
mtu 1426;
secret "${sec[$i]}";
on up "ip link set \$INTERFACE master fb up";
EOF
    pub[$i]=$(fastd -c "$d/h$i.conf" --show-key --machine-readable 2>/dev/null)
    [ -n "${pub[$i]}" ] || { echo "FAIL: fastd could not make a key"; exit 1; }
  done
  for i in "$a" "$b"; do
    j=$((a + b - i))
    printf 'peer "h%s" { key "%s"; remote 198.18.0.%s:10000; }\n' "$j" "${pub[$j]}" "$j" >>"$d/h$i.conf"
    ip netns exec "${HOSTS[$i]}" fastd -c "$d/h$i.conf" >>"$d/h$i.log" 2>&1 &
    pids+=($!)
    T_PIDS+=($!)
  done
  # Traffic starts once the handshake is done; until then the pods cannot ping.
  ping_ok "${ns[0]}" "10.97.0.$b"
  S_CLI[fastd]=${ns[0]}
  S_SRV[fastd]=${ns[1]}
  S_ADDR[fastd]="10.97.0.$b"
  S_PIDS[fastd]="${pids[*]}"
  S_MTU[fastd]=1426
}

# tinc_min_mtu HOSTIDX PEER PID: the largest frame tincd PID on HOSTIDX knows it can send to
# PEER over UDP (PMTU discovery's "min"), from the node dump SIGUSR2 writes to its log.
tinc_min_mtu() {
  local d="$T_TMP/tinc" pid=$3
  kill -USR2 "$pid"
  sleep 0.3
  grep "^ *$2 at " "$d/h$1.log" | tail -1 | sed -n 's/.*(min \([0-9]*\) .*/\1/p'
}
# tinc_udp_ok HOSTIDX PEER PID LEN: that frame size is at least LEN.
tinc_udp_ok() { local m; m=$(tinc_min_mtu "$@"); [ -n "$m" ] && [ "$m" -ge "$4" ]; }

# tinc_pair A B: tincd 1.0 on hosts A and B (switch mode, TAP tinc0 in bridge tb), pods
# t<A> 10.96.0.A and t<B> 10.96.0.B, MTU 1400 (1500 - IPv4/UDP - seqno, CBC padding and MAC
# - Ethernet header, rounded down). tinc sends frames larger than the path MTU it has
# discovered over its TCP meta connection, so the rounds wait until discovery passes the
# pods' frame size, as it would have long before on a real host.
tinc_pair() {
  local a=$1 b=$2 d="$T_TMP/tinc" i j pids=() ns=()
  for i in "$a" "$b"; do
    j=$((a + b - i))
    bridge_pod "$i" tb "t$i" "10.96.0.$i" 1400
    ns+=("$NS")
    mkdir -p "$d/h$i/hosts"
    {
      echo "Name = h$i"; echo "Mode = switch"; echo "Interface = tinc0"
      echo "AddressFamily = ipv4"; echo "BindToAddress = 198.18.0.$i"; echo "Port = 655"
      [ "$i" = "$a" ] && echo "ConnectTo = h$j"
    } >"$d/h$i/tinc.conf"
    # shellcheck disable=SC2016  # $INTERFACE is for tinc-up, which tincd runs with it set
    printf '#!/bin/sh\nip link set "$INTERFACE" mtu 1400 master tb up\n' >"$d/h$i/tinc-up"
    chmod +x "$d/h$i/tinc-up"
    # The defaults, written out so the figure keeps its meaning if they change.
    { echo "Address = 198.18.0.$i"; echo "Port = 655"
      echo "Cipher = aes-256-cbc"; echo "Digest = sha256"; } >"$d/h$i/hosts/h$i"
    # -K appends the public key to hosts/h$i; no terminal, so it asks nothing.
    tincd -c "$d/h$i" -K 2048 </dev/null >"$d/h$i.keygen.log" 2>&1 ||
      { echo "FAIL: tincd -K: $(cat "$d/h$i.keygen.log")"; exit 1; }
  done
  cp "$d/h$a/hosts/h$a" "$d/h$b/hosts/"
  cp "$d/h$b/hosts/h$b" "$d/h$a/hosts/"
  for i in "$a" "$b"; do
    # -D: stay in the foreground (so $! is tincd) and log to stderr; own pidfile, since
    # the default one in /var/run would be shared by both.
    ip netns exec "${HOSTS[$i]}" tincd -c "$d/h$i" -D -d1 --pidfile="$d/h$i.pid" >>"$d/h$i.log" 2>&1 &
    pids+=($!)
    T_PIDS+=($!)
  done
  ping_ok "${ns[0]}" "10.96.0.$b"
  for i in 0 1; do
    j=$((i == 0 ? b : a))
    # 1414 = the pods' MTU + the Ethernet header: the largest frame a pod sends.
    until_ok 45 tinc_udp_ok "$((i == 0 ? a : b))" "h$j" "${pids[$i]}" 1414 ||
      { echo "FAIL: tinc: PMTU discovery to h$j did not reach 1414 in 45 s"; exit 1; }
  done
  S_CLI[tinc]=${ns[0]}
  S_SRV[tinc]=${ns[1]}
  S_ADDR[tinc]="10.96.0.$b"
  S_PIDS[tinc]="${pids[*]}"
  S_MTU[tinc]=1400
}

# cpu_ticks PID: utime + stime of the whole process (all threads), in clock ticks. The
# fields are counted after the ")" that ends the command name, which may hold spaces.
cpu_ticks() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo $((${12} + ${13}))
}

# host_ticks: "IDLE TOTAL" clock ticks of all CPUs since boot (idle counts iowait too).
host_ticks() {
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t; exit }' /proc/stat
}

# measure NAME P: one iperf3 run of scenario NAME with P streams, client to server; appends
# "NAME P Gbit/s cpu%-sender cpu%-receiver idle%-host" to $RESULTS and leaves Gbit/s in $GBPS. Not run
# in $(...): the iperf3 server's pid must reach T_PIDS in this shell for the cleanup trap.
measure() {
  local name=$1 p=$2 srv=${S_SRV[$1]} cli=${S_CLI[$1]} addr=${S_ADDR[$1]} spid out t0 t1
  local pid i
  local idle
  local -a pids c0=() c1=() cpu=() h0 h1
  read -ra pids <<<"${S_PIDS[$name]}"
  ip netns exec "$srv" iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
  spid=$!
  T_PIDS+=("$spid")
  sleep 0.3
  ping_ok "$cli" "$addr"
  for pid in "${pids[@]}"; do c0+=("$(cpu_ticks "$pid")"); done
  read -ra h0 <<<"$(host_ticks)"
  t0=$(date +%s%N)
  out=$(ip netns exec "$cli" timeout $((SECONDS_EACH + 30)) \
    iperf3 -c "$addr" -p 5299 -t "$SECONDS_EACH" -P "$p" -J 2>&1)
  t1=$(date +%s%N)
  read -ra h1 <<<"$(host_ticks)"
  for pid in "${pids[@]}"; do c1+=("$(cpu_ticks "$pid")"); done
  # The server ends by itself after one test (-1); a client that failed may leave it waiting.
  for _ in $(seq 30); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
  stop_pid "$spid" >/dev/null 2>&1 || wait "$spid" 2>/dev/null
  GBPS=$(echo "$out" | python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))' 2>/dev/null) ||
    { echo "FAIL: $name ($p streams): iperf3: $(echo "$out" | head -c 400)"; exit 1; }
  for i in "${!pids[@]}"; do
    cpu+=("$(awk -v d="$((c1[i] - c0[i]))" -v hz="$CLK_TCK" -v ns="$((t1 - t0))" \
      'BEGIN { printf "%.1f", 100 * d / hz / (ns / 1e9) }')")
  done
  # Idle share of all CPUs during the run: where it is ~0, more threads cannot add speed.
  idle=$(awk -v i="$((h1[0] - h0[0]))" -v t="$((h1[1] - h0[1]))" \
    'BEGIN { printf "%.1f", (t > 0 ? 100 * i / t : 0) }')
  echo "$name $p $GBPS ${cpu[0]:--} ${cpu[1]:--} $idle" >>"$RESULTS"
}

make_hosts 8
use_cni "$NET"
head -c 32 /dev/urandom | base64 >"$T_TMP/password"  # one line, as README.md shows
weft_pair weft-enc 1 2 e "sleeve mtu=1403 (encrypted" --password-file "$T_TMP/password"
weft_pair weft-plain 3 4 n "sleeve mtu=1403 (fastdp off (--no-fastdp))" --no-fastdp
fastd_pair 5 6
tinc_pair 7 8
S_CLI[veth]=${HOSTS[1]}
S_SRV[veth]=${HOSTS[2]}
S_ADDR[veth]=198.18.0.2
S_PIDS[veth]=""
S_MTU[veth]=$(ip -n "${HOSTS[1]}" -o link show eth0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')

for r in $(seq "$ROUNDS"); do
  for p in $STREAMS; do
    line="round $r, $p stream(s):"
    for s in "${SCENARIOS[@]}"; do
      measure "$s" "$p"
      line+="  $s $GBPS"
    done
    echo "$line Gbit/s"
  done
done

mtus=""
for s in "${SCENARIOS[@]}"; do mtus+="$s=${S_MTU[$s]} "; done
python3 - "$RESULTS" "$STREAMS" "$ROUNDS" "$SECONDS_EACH" "$mtus" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, p, gbps, cs, cr, idle = line.split()
    rows[(name, p)].append((float(gbps), cs, cr, float(idle)))
mtu = dict(kv.split("=") for kv in sys.argv[5].split())
med = lambda xs: statistics.median(xs)
for p in sys.argv[2].split():
    print(f"sleeve_iperf ({p} stream(s), median of {sys.argv[3]} rounds of {sys.argv[4]} s; "
          "daemon CPU = % of one core, sender's end + receiver's end; idle = all CPUs' idle share):")
    g = {}
    for name in ("veth", "weft-enc", "weft-plain", "fastd", "tinc"):
        rs = rows[(name, p)]
        g[name] = med([r[0] for r in rs])
        if rs[0][1] == "-":
            cpu = "daemons -"
        else:
            s, r = med([float(x[1]) for x in rs]), med([float(x[2]) for x in rs])
            cpu = f"daemons {s + r:5.0f}% ({s:.0f} + {r:.0f})"
        idle = med([x[3] for x in rs])
        print(f"  {name:<10} {g[name]:7.2f} Gbit/s   {cpu:<26} idle {idle:4.1f}%   pod MTU {mtu[name]}")
    ratio = lambda a, b: g[a] / g[b] if g[b] > 0 else float("nan")
    print(f"sleeve_iperf ratios ({p} stream(s)): weft-enc/fastd = {ratio('weft-enc', 'fastd'):.2f}; "
          f"weft-plain/fastd = {ratio('weft-plain', 'fastd'):.2f}; "
          f"weft-enc/tinc = {ratio('weft-enc', 'tinc'):.2f}; weft-enc/veth = {ratio('weft-enc', 'veth'):.3f}")
    x = ratio("weft-enc", "fastd")
    print(f"goal: weft encrypted >= 3x fastd ({p} stream(s)): {'met' if x >= 3 else 'NOT met'} ({x:.2f}x)")
PY
