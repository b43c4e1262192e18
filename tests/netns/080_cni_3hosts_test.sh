#!/usr/bin/env bash
# weft-cni under the upstream reference client cnitool, on three hosts: two pods per host
# attached through a conflist weft + portmap + tuning. Every pod pings every other; ARP and
# an IP multicast group work across hosts (layer 2); a pod reaches its host and, masqueraded,
# a namespace outside the overlay; a host port from portmap reaches a pod; CHECK passes
# (with weft + tuning: portmap 1.1.1's CHECK is broken upstream); DEL twice succeeds and
# frees the address and the veth; GC and STATUS (which cnitool lacks) are run directly;
# with weftd killed, ADD fails with code 11 and STATUS with code 50.
. "$(dirname "$0")/lib.sh"
require_root_netns
for p in portmap tuning; do [ -x "/usr/lib/cni/$p" ] || skip "/usr/lib/cni/$p missing (apt-get install containernetworking-plugins)"; done
for c in socat busybox iperf3; do command -v "$c" >/dev/null || skip "$c is not installed (make deps)"; done

NET="wefttest$$"     # weft + portmap + tuning
NETCHK="weftchk$$"   # weft (hairpin) + tuning + bandwidth, for CHECK

use_cni "$NET" "$NETCHK"
make_hosts 3
declare -A PID
for i in 1 2 3; do
  start_weftd "${HOSTS[$i]}" "h$i" --peer 198.18.0.1 --peer 198.18.0.2 --peer 198.18.0.3 \
    --ipalloc-init seed=h1,h2,h3
  PID[$i]=$WEFTD_PID
  tuning='{"type": "tuning", "sysctl": {"net.core.somaxconn": "1234"}}'
  cni_conflist "h$i" "$NET" '{"type": "portmap", "capabilities": {"portMappings": true}}' "$tuning"
  WEFT_EXTRA=', "hairpin": true' cni_conflist "h$i" "$NETCHK" "$tuning" \
    '{"type": "bandwidth", "egressRate": 100000000, "egressBurst": 1000000}'
done
for i in 1 2 3; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"; done

for i in 1 2 3; do check "h$i: the bridge has its address from IPAM" until_ok 20 exposed "${HOSTS[$i]}" "h$i"; done

# cni I NET CMD POD_NS [ENV...]: cnitool on host I for the pod namespace.
cni() { local i=$1 net=$2 cmd=$3; shift 3; cnitool_on "${HOSTS[$i]}" "h$i" "$cmd" "$net" "$@"; }
container_id() { printf 'cnitool-%s' "$(printf %s "/run/netns/$1" | sha512sum | cut -c1-20)"; }
fails() { ! "$@" >/dev/null 2>&1; }
pings() { in_ns "$1" ping -c "${3:-1}" -W 2 "$2" >/dev/null; }
field() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }

declare -A POD IP
for i in 1 2 3; do
  for p in a b; do
    ns_add "pod$i$p"
    POD[$i$p]=$NS
    net=$NET
    [ "$i$p" = 3b ] && net=$NETCHK
    out=$(cni "$i" "$net" add "$NS" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-$i$p" \
      CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}')
    rc=$?
    check "cnitool ADD of pod $i$p on h$i" test "$rc" = 0
    IP[$i$p]=$(echo "$out" | field 'r["ips"][0]["address"].split("/")[0]')
    [ "$i$p" = 1a ] && OUT1A=$out
    echo "    pod $i$p: ${IP[$i$p]}"
  done
done

check "the result names the pod's interface, MAC and gateway" bash -c '
  echo "$1" | python3 -c "
import json,sys; r=json.load(sys.stdin)
assert r[\"cniVersion\"]==\"1.0.0\", r
ifs=[i for i in r[\"interfaces\"] if i.get(\"sandbox\")]
assert ifs and ifs[0][\"name\"]==\"eth0\" and len(ifs[0][\"mac\"])==17, r
assert r[\"ips\"][0][\"gateway\"] and r[\"routes\"][0][\"dst\"]==\"0.0.0.0/0\", r"' _ "$OUT1A"
# plugin HOST CMD CONFIG [ENV...]: weft-cni itself, for what cnitool does not do.
plugin() {
  local i=$1 cmd=$2 conf=$3; shift 3
  echo "$conf" | in_ns "${HOSTS[$i]}" env CNI_COMMAND="$cmd" CNI_PATH="$CNI_BIN" "$@" "$WEFT_BIN_DIR/weft-cni"
}
# conf VERSION NAME HOST [EXTRA]: a single-plugin config for HOST's weftd.
conf() { echo "{\"cniVersion\":\"$1\",\"name\":\"$2\",\"type\":\"weft\",\"daemonSocket\":\"$T_TMP/h$3/run/weftd.sock\"${4:-}}"; }
again=$(plugin 1 ADD "$(conf 1.0.0 "$NET" 1)" CNI_CONTAINERID="$(container_id "${POD[1a]}")" \
  CNI_IFNAME=eth0 CNI_NETNS="/run/netns/${POD[1a]}" | field 'r["ips"][0]["address"].split("/")[0]')
check "ADD again for an attached pod answers its address (${IP[1a]}) and changes nothing" \
  test "$again" = "${IP[1a]}"
check "tuning (chained after weft) set its sysctl in the pod" \
  test "$(in_ns "${POD[2b]}" sysctl -n net.core.somaxconn)" = 1234
check "the pod's MTU is the bridge's (underlay 1500 - 50)" \
  contains "$(ip -n "${POD[1a]}" link show eth0)" "mtu 1450"

for a in 1a 1b 2a 2b 3a 3b; do
  for b in 1a 1b 2a 2b 3a 3b; do
    [ "$a" = "$b" ] && continue
    check "pod $a pings pod $b (${IP[$b]})" pings "${POD[$a]}" "${IP[$b]}"
  done
done

mac3a=$(ip -n "${POD[3a]}" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
check "ARP across hosts: pod 1a learned pod 3a's MAC ($mac3a)" \
  contains "$(ip -n "${POD[1a]}" neigh show "${IP[3a]}")" "lladdr $mac3a"

# Multicast: pod 3b joins 239.7.7.7; pod 1a sends to the group.
# (ip netns exec directly, not in_ns: $! must be the process itself, to end it by pid)
ip netns exec "${POD[3b]}" timeout 10 socat -u \
  UDP4-RECV:5007,ip-add-membership=239.7.7.7:"${IP[3b]}",reuseaddr OPEN:"$T_TMP/mcast.out",creat &
T_PIDS+=($!)
sleep 1
for _ in 1 2 3; do
  echo "weft-multicast-$$" | in_ns "${POD[1a]}" socat -u - UDP4-DATAGRAM:239.7.7.7:5007,ip-multicast-if="${IP[1a]}"
  sleep 0.3
done
check "an IP multicast group works across hosts" until_ok 5 grep -q "weft-multicast-$$" "$T_TMP/mcast.out"

gw1=$(weft "${HOSTS[1]}" h1 status | sed -n 's/.*Expose: \([0-9.]*\)\/.*/\1/p')
check "pod 1a reaches its host's bridge address ($gw1)" pings "${POD[1a]}" "$gw1"
check "pod 1a reaches its host's underlay address" pings "${POD[1a]}" 198.18.0.1
check "host h1 reaches pod 2a across the overlay" pings "${HOSTS[1]}" "${IP[2a]}"

# Outside: a namespace on h1's far side with no route to the overlay range, so only
# masqueraded packets can be answered.
ns_add out
OUT=$NS
ip link add "wft$$o" netns "$OUT" type veth peer name ext0 netns "${HOSTS[1]}"
ip -n "$OUT" link set "wft$$o" name eth0
ip -n "$OUT" addr add 198.19.0.1/24 dev eth0
ip -n "$OUT" link set eth0 up
ip -n "${HOSTS[1]}" addr add 198.19.0.2/24 dev ext0
ip -n "${HOSTS[1]}" link set ext0 up
check "pod 1b reaches a namespace outside the overlay (masqueraded)" \
  pings "${POD[1b]}" 198.19.0.1 2
bridge_addr() { ip -n "${HOSTS[1]}" -4 -o addr show dev weft | awk '{print $4}'; }
before=$(bridge_addr)
weft "${HOSTS[1]}" h1 hide >/dev/null
check "weft hide takes the bridge's address away" test -z "$(bridge_addr)"
check "and pods lose the outside" fails pings "${POD[1b]}" 198.19.0.1
weft "${HOSTS[1]}" h1 expose >/dev/null
check "weft expose gives the same address back ($before), so pods' routes still work" \
  until_ok 5 test "$(bridge_addr)" = "$before"
check "pod 1b reaches the outside again" until_ok 5 pings "${POD[1b]}" 198.19.0.1
check "h1's nftables masquerades the range fully-random" \
  contains "$(in_ns "${HOSTS[1]}" nft list table ip weft)" "masquerade fully-random"

# portmap: host port 8080 on h2 leads to pod 2a's port 80.
mkdir -p "$T_TMP/www" && echo "hello-from-pod-2a-$$" >"$T_TMP/www/index.html"
ip netns exec "${POD[2a]}" busybox httpd -f -p 80 -h "$T_TMP/www" &
T_PIDS+=($!)
check "a host port from portmap (h2:8080) reaches pod 2a" \
  until_ok 5 bash -c "ip netns exec '${HOSTS[1]}' curl -s -m 2 http://198.18.0.2:8080/ | grep -q hello-from-pod-2a-$$"

ps3=$(weft "${HOSTS[3]}" h3 ps)
check "weft ps shows the pod's interface, MAC and name" contains "$ps3" "eth0   $mac3a default/web-3a"

# Pod 3b's host veth is the one in hairpin mode ($NETCHK asks for it, $NET does not).
veth3b=$(for v in $(ip -n "${HOSTS[3]}" -o link show master weft | grep -o 'vw[0-9a-f]*'); do
  [ "$(ip netns exec "${HOSTS[3]}" cat "/sys/class/net/$v/brport/hairpin_mode")" = 1 ] && echo "$v"
done)
check "\"hairpin\": true put pod 3b's host veth in hairpin mode (only that one)" \
  test "$(echo "$veth3b" | grep -c vw)" = 1
# Pod egress is shaped on the host veth's ingress, redirected to an ifb device with a tbf.
check "bandwidth (chained after weft) found weft's host veth in prevResult and shaped it" \
  bash -c '[[ "$(tc -n "$1" qdisc show dev "$2")" == *"qdisc ingress"* && "$(tc -n "$1" qdisc show)" == *"qdisc tbf"* ]]' _ "${HOSTS[3]}" "$veth3b"
check "cnitool CHECK (weft + tuning + bandwidth) passes" cni 3 "$NETCHK" check "${POD[3b]}"
ip -n "${POD[3b]}" route del default
check "CHECK fails once the pod lost its default route" fails cni 3 "$NETCHK" check "${POD[3b]}"

cid3b=$(container_id "${POD[3b]}")
check "cnitool DEL of pod 3b" cni 3 "$NETCHK" del "${POD[3b]}"
check "DEL again succeeds" cni 3 "$NETCHK" del "${POD[3b]}"
check "after DEL the address is free" fails weft "${HOSTS[3]}" h3 ipam lookup "$cid3b/eth0"
check "after DEL the pod has no eth0" fails ip -n "${POD[3b]}" link show eth0
check "after DEL h3 has one pod veth left (pod 3a's)" \
  test "$(ip -n "${HOSTS[3]}" -o link show master weft | grep -c ': vw')" = 1

# GC and STATUS (spec 1.1.0) through the plugin itself: a pod attached directly, then
# GC with a valid list that leaves it out.
conf11() { conf 1.1.0 "weftgc$$" "$@"; }
ns_add podgc
out=$(plugin 3 ADD "$(conf11 3)" CNI_CONTAINERID=gc-1 CNI_IFNAME=eth0 CNI_NETNS="/run/netns/$NS")
check "ADD with cniVersion 1.1.0 answers in 1.1.0 with the interface MTU" \
  bash -c 'echo "$1" | python3 -c "import json,sys; r=json.load(sys.stdin); assert r[\"cniVersion\"]==\"1.1.0\" and r[\"interfaces\"][1][\"mtu\"]==1450, r"' _ "$out"
check "STATUS succeeds while weftd is ready" plugin 3 STATUS "$(conf11 3)"
plugin 3 GC "$(conf11 3 ',"cni.dev/valid-attachments":[]')" >/dev/null
check "GC frees an attachment not in the valid list" fails weft "${HOSTS[3]}" h3 ipam lookup gc-1/eth0
check "GC leaves other networks' pods alone" \
  weft "${HOSTS[3]}" h3 ipam lookup "$(container_id "${POD[3a]}")/eth0"

# A TCP flow between pods on h1 and h2 keeps going while h1's weftd restarts: the kernel
# carries it, weftd only reconciles the devices it finds right.
ip netns exec "${POD[2b]}" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
T_PIDS+=($!)
sleep 0.5
ip netns exec "${POD[1b]}" iperf3 -c "${IP[2b]}" -p 5201 -t 6 -i 1 -J >"$T_TMP/iperf.json" 2>&1 &
iperf_pid=$!
T_PIDS+=($iperf_pid)
sleep 2
stop_pid "${PID[1]}"
start_weftd "${HOSTS[1]}" h1 --peer 198.18.0.1 --peer 198.18.0.2 --peer 198.18.0.3 \
  --ipalloc-init seed=h1,h2,h3
PID[1]=$WEFTD_PID
wait "$iperf_pid"
check "iperf3 from pod 1b to pod 2b ran to the end through h1's weftd restart" \
  python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))
iv=[i["sum"]["bits_per_second"] for i in r["intervals"]]
print("    per-second Gbit/s:", " ".join("%.2f" % (b/1e9) for b in iv))
assert len(iv) >= 6 and min(iv) > 0, iv' "$T_TMP/iperf.json"
check "the restarted weftd answers and keeps the pods' attachments" \
  until_ok 10 bash -c "ip netns exec '${HOSTS[1]}' '$WEFT_BIN_DIR/weft' --run-dir '$T_TMP/h1/run' ps | grep -q web-1b"

# weftd gone: ADD gives code 11 and says where it looked; STATUS gives code 50.
kill -KILL "${PID[3]}"
wait "${PID[3]}" 2>/dev/null
out=$(plugin 3 ADD "$(conf11 3)" CNI_CONTAINERID=gc-2 CNI_IFNAME=eth0 CNI_NETNS="/run/netns/$NS")
check "with weftd killed, ADD fails with code 11" \
  bash -c 'echo "$1" | python3 -c "import json,sys; r=json.load(sys.stdin); assert r[\"code\"]==11 and \"weftd is not running at\" in r[\"msg\"], r"' _ "$out"
out=$(plugin 3 STATUS "$(conf11 3)")
check "with weftd killed, STATUS fails with code 50" \
  bash -c 'echo "$1" | python3 -c "import json,sys; r=json.load(sys.stdin); assert r[\"code\"]==50, r"' _ "$out"
# A weftd whose IP allocation cannot get ready: alone in a namespace (a veth pair as its
# underlay, so the bridge is fine), asked for a consensus of 5.
ns_add lone
LONE=$NS
ip -n "$LONE" link add u0 type veth peer name u1
ip -n "$LONE" link set u0 up
ip -n "$LONE" link set u1 up
start_weftd "$LONE" lone --ipalloc-init consensus=5
check "a lone weftd awaiting consensus answers" wait_weftd "$LONE" lone
out=$(echo "$(conf 1.1.0 "weftgc$$" X)" | sed "s|/hX/run|/lone/run|" |
  in_ns "$LONE" env CNI_COMMAND=STATUS "$WEFT_BIN_DIR/weft-cni")
check "while IPAM is not ready, STATUS fails with code 50 saying why" \
  bash -c 'echo "$1" | python3 -c "import json,sys; r=json.load(sys.stdin); assert r[\"code\"]==50 and \"IP allocation is not ready (awaiting consensus\" in r[\"msg\"], r"' _ "$out"
stop_pid "$WEFTD_PID"
check "the pods on h3 keep talking to h1 with weftd down (the kernel carries it)" \
  pings "${POD[3a]}" "${IP[1a]}"

finish
