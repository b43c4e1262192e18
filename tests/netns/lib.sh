# Sourced by tests/netns/*_test.sh: namespaces, weftd processes, checks, cleanup.
#
# Rules (README.md "Network tests"): everything happens in namespaces this file creates
# (names carry the test's pid), hosts use 198.18.0.0/15 on the underlay, nothing is added to
# the root namespace, and only processes started here are ended, by pid.

set -u

WEFT_BIN_DIR=${WEFT_BIN_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/bin}
T_PREFIX="wft$$"
T_NAMESPACES=()
T_PIDS=()
T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d "/tmp/weft-netns-$$.XXXXXX")

skip() { echo "SKIP: $*"; exit 77; }

require_root_netns() {
  [ "$(id -u)" -eq 0 ] || skip "netns tests need root"
  command -v ip >/dev/null || skip "iproute2 is not installed"
  ip netns add "${T_PREFIX}-probe" 2>/dev/null || skip "cannot create network namespaces here"
  ip netns del "${T_PREFIX}-probe"
  for b in weftd weft; do
    [ -x "$WEFT_BIN_DIR/$b" ] || { echo "FAIL: $WEFT_BIN_DIR/$b not built"; exit 1; }
  done
}

cleanup() {
  local pid ns net
  for pid in "${T_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${T_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for ns in "${T_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for net in "${T_CNI_NETS[@]}"; do rm -f /var/lib/cni/results/"$net"-*; done
  if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: logs in $T_TMP"; else rm -rf "$T_TMP"; fi
}
trap cleanup EXIT

# ns_add NAME: a namespace "<prefix>-NAME" with loopback up; its full name is left in $NS.
# (Not meant for $(...): a subshell would lose the record that cleanup needs.)
ns_add() {
  NS="${T_PREFIX}-$1"
  ip netns add "$NS"
  T_NAMESPACES+=("$NS")
  ip -n "$NS" link set lo up
}

# make_hosts N: an underlay of N hosts joined through a switch namespace:
#
#   [h1 eth0 198.18.0.1/24]--+
#   [h2 eth0 198.18.0.2/24]--+--[sw: bridge br0]
#   [hN eth0 198.18.0.N/24]--+
#
# Sets HOSTS[i] (namespace of host i, 1-based) and SWITCH. The kernel's neighbour (ARP)
# table limit is global across namespaces (gc_thresh3 = 1024, settable only in the root
# namespace), so a full mesh of more than ~30 hosts needs static neighbours
# (bench/weftd_mesh_bench.sh does that).
make_hosts() {
  local n=$1 i ns
  ns_add sw
  SWITCH=$NS
  ip -n "$SWITCH" link add br0 type bridge
  ip -n "$SWITCH" link set br0 up
  HOSTS=("")
  for i in $(seq "$n"); do
    ns_add "h$i"
    ns=$NS
    HOSTS+=("$ns")
    ip link add "wft$$h$i" netns "$ns" type veth peer name "p$i" netns "$SWITCH"
    ip -n "$ns" link set "wft$$h$i" name eth0
    ip -n "$ns" addr add "198.18.0.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$SWITCH" link set "p$i" master br0 up
  done
}

# in_ns NS CMD...: run CMD inside namespace NS.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# start_weftd NS HOST [ARGS...]: weftd in NS with dirs under $T_TMP/HOST; sets WEFTD_PID.
# Output goes to $T_TMP/HOST.log. Does not wait; see wait_weftd.
start_weftd() {
  local ns=$1 host=$2; shift 2
  mkdir -p "$T_TMP/$host"
  ip netns exec "$ns" "$WEFT_BIN_DIR/weftd" --data-dir "$T_TMP/$host/data" \
    --run-dir "$T_TMP/$host/run" --nickname "$host" "$@" >>"$T_TMP/$host.log" 2>&1 &
  WEFTD_PID=$!
  T_PIDS+=("$WEFTD_PID")
}

# weft NS HOST ARGS...: the CLI against HOST's weftd.
weft() { local ns=$1 host=$2; shift 2; in_ns "$ns" "$WEFT_BIN_DIR/weft" --run-dir "$T_TMP/$host/run" "$@"; }

# wait_weftd NS HOST: until `weft status` answers (10 s), else fail the test.
wait_weftd() {
  local i
  for i in $(seq 100); do
    weft "$1" "$2" status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "weftd on $2 did not answer within 10 s; its log:"; cat "$T_TMP/$2.log"
  return 1
}

# stop_pid PID: SIGTERM, wait up to 10 s; returns the process's exit status (124 on timeout).
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 125
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then return 124; fi
  wait "$pid"
}

# attach_pod HOST_NS HOST I: pod namespace "pod$I" on a veth (vwpodI) into HOST's bridge
# weft, with the bridge's MTU and an address HOST's weftd allocates for id "podI" (by hand,
# until weft-cni does it). Sets POD_NS and POD_IP (the address without its prefix).
attach_pod() {
  local host_ns=$1 host=$2 i=$3 cidr mtu
  ns_add "pod$i"
  POD_NS=$NS
  cidr=$(weft "$host_ns" "$host" ipam allocate "pod$i" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')
  POD_IP=${cidr%/*}
  mtu=$(ip -n "$host_ns" -o link show weft | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
  ip -n "$host_ns" link add "vwpod$i" mtu "$mtu" type veth peer name eth0 mtu "$mtu" netns "$POD_NS"
  ip -n "$host_ns" link set "vwpod$i" master weft up
  ip -n "$POD_NS" addr add "$cidr" dev eth0
  ip -n "$POD_NS" link set eth0 up
}

# cni_bin: a CNI_PATH directory in $T_TMP with weft (-> weft-cni) and the reference plugins
# portmap, tuning and bandwidth; sets CNI_BIN. cnitool is the upstream client (make deps builds it).
# use_cni NET...: this script drives weft-cni through the upstream cnitool. Skips without
# cnitool, fails without a built weft-cni, links the plugins (cni_bin), and has cleanup
# remove what cnitool keeps for the networks NET... (/var/lib/cni/results/NET-*).
T_CNI_NETS=()
use_cni() {
  command -v cnitool >/dev/null || skip "cnitool is not installed (make deps builds it)"
  [ -x "$WEFT_BIN_DIR/weft-cni" ] || { echo "FAIL: $WEFT_BIN_DIR/weft-cni not built"; exit 1; }
  T_CNI_NETS+=("$@")
  cni_bin
}

cni_bin() {
  CNI_BIN="$T_TMP/cni-bin"
  mkdir -p "$CNI_BIN"
  ln -sf "$(cd "$WEFT_BIN_DIR" && pwd)/weft-cni" "$CNI_BIN/weft"  # absolute: cnitool runs it from anywhere
  ln -sf /usr/lib/cni/portmap "$CNI_BIN/portmap"
  ln -sf /usr/lib/cni/tuning "$CNI_BIN/tuning"
  ln -sf /usr/lib/cni/bandwidth "$CNI_BIN/bandwidth"
}

# cni_conflist HOST NAME [PLUGIN_JSON...]: $T_TMP/HOST/net.d/NAME.conflist, cniVersion 1.0.0,
# weft (talking to HOST's weftd; $WEFT_EXTRA adds fields to it) followed by the plugins.
cni_conflist() {
  local host=$1 name=$2 plugins p; shift 2
  plugins="{\"type\": \"weft\", \"daemonSocket\": \"$T_TMP/$host/run/weftd.sock\"${WEFT_EXTRA:-}}"
  for p in "$@"; do plugins="$plugins, $p"; done
  mkdir -p "$T_TMP/$host/net.d"
  echo "{\"cniVersion\": \"1.0.0\", \"name\": \"$name\", \"plugins\": [$plugins]}" \
    >"$T_TMP/$host/net.d/$name.conflist"
}

# cnitool_on HOST_NS HOST CMD NET POD_NS [ENV...]: cnitool in HOST's namespace for a pod.
cnitool_on() {
  local ns=$1 host=$2 cmd=$3 net=$4 pod=$5; shift 5
  in_ns "$ns" env NETCONFPATH="$T_TMP/$host/net.d" CNI_PATH="$CNI_BIN" "$@" \
    cnitool "$cmd" "$net" "/run/netns/$pod"
}

# exposed HOST_NS HOST: HOST's weftd has put its IPAM address on the bridge (pods can be
# attached and route through it). For until_ok.
exposed() { weft "$1" "$2" status | grep -q 'Expose: .*(exposed)'; }

# block_vxlan FROM TO: the switch drops VXLAN (UDP 6784) from host FROM to host TO (a
# one-way block; call it twice for both ways). unblock_vxlan lifts every such block.
block_vxlan() {
  in_ns "$SWITCH" nft add table bridge block
  in_ns "$SWITCH" nft add chain bridge block forward \
    '{ type filter hook forward priority 0; policy accept; }'
  in_ns "$SWITCH" nft add rule bridge block forward \
    ip saddr "198.18.0.$1" ip daddr "198.18.0.$2" udp dport 6784 drop
}
unblock_vxlan() { in_ns "$SWITCH" nft delete table bridge block; }

# until_ok SECONDS CMD...: retry CMD every 0.2 s; the last try's output is shown.
until_ok() {
  local n=$(($1 * 5)); shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  "$@"
}

# check DESCRIPTION CMD...: CMD must succeed.
check() {
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; T_PASS=$((T_PASS + 1));
  else echo "FAIL - $what"; T_FAIL=$((T_FAIL + 1)); fi
}

# contains HAYSTACK NEEDLE: for use with check.
contains() { case "$1" in *"$2"*) return 0 ;; *) echo "    expected to find '$2' in: $1"; return 1 ;; esac; }

finish() {
  echo "$T_PASS passed, $T_FAIL failed"
  [ "$T_FAIL" -eq 0 ]
}
