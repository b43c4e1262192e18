#!/usr/bin/env bash
# `make demo`: start what weft can do today in network namespaces, show it, clean up.
# Today: three hosts on a veth underlay, a weftd on each joined into an encrypted mesh,
# `weft status`, peers, connections and metrics; IPAM seeded by the three hosts' nicknames:
# addresses allocated on each host, `weft status ipam`, `weft ps`; the kernel VXLAN fast
# path and weft-cni: two pods per host attached by the upstream CNI client cnitool (weft +
# portmap + tuning), pinging across hosts, reaching the host and, masqueraded, the outside;
# a portmap host port; `weft ps` with pod names; the encrypted sleeve taking over between
# two hosts whose VXLAN is blocked, and the fast path coming back when it is not; DNS:
# pods resolving each other by name and address (dig), `weft dns-add`, `weft status dns`.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
export WEFT_BIN_DIR=${WEFT_BIN_DIR:-$src/build/bin}
. "$src/tests/netns/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "make demo needs root (it creates network namespaces); run it with sudo"; exit 1
fi
require_root_netns

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "three hosts on an underlay (198.18.0.0/24) through a switch namespace"
make_hosts 3
for i in 1 2 3; do ip -n "${HOSTS[$i]}" -br addr show eth0; done

say "a weftd on each host, one generated mesh password, host2 and host3 pointed at host1"
echo "(the underlay 198.18.0.0/24 is trusted: pods take the kernel fast path unencrypted;"
echo " elsewhere the encrypted sleeve carries them)"
head -c 32 /dev/urandom | base64 >"$T_TMP/password"
seeds=(--ipalloc-init seed=host1,host2,host3 --trusted-subnets 198.18.0.0/24)
start_weftd "${HOSTS[1]}" host1 --password-file "$T_TMP/password" "${seeds[@]}"
for i in 2 3; do
  start_weftd "${HOSTS[$i]}" "host$i" --password-file "$T_TMP/password" --peer 198.18.0.1 \
    "${seeds[@]}"
done
for i in 1 2 3; do wait_weftd "${HOSTS[$i]}" "host$i" || exit 1; done
for _ in $(seq 100); do  # discovery connects host2 and host3 too
  n=$(weft "${HOSTS[2]}" host2 status connections | grep -c established)
  [ "$n" = 2 ] && break
  sleep 0.1
done

say "weft status on host1"
weft "${HOSTS[1]}" host1 status

say "weft status peers on host2 (every peer and its connections)"
weft "${HOSTS[2]}" host2 status peers

say "weft status connections on host3"
weft "${HOSTS[3]}" host3 status connections

say "every host has its own persisted peer name"
for i in 1 2 3; do
  printf 'host%s: ' "$i"
  weft "${HOSTS[$i]}" "host$i" report | python3 -c 'import json,sys; r=json.load(sys.stdin)["router"]; print(r["name"], r["nickname"])'
done

say "metrics from host2 (read-only TCP API on 127.0.0.1:6784 inside its namespace)"
in_ns "${HOSTS[2]}" curl -sf http://127.0.0.1:6784/metrics | grep -E '^(weft_|process_resident)'

say "IPAM: the ring seeded by the three hosts (by nickname), 3 addresses allocated on each"
for _ in $(seq 100); do
  weft "${HOSTS[3]}" host3 status | grep -q "Status: ready" && break
  sleep 0.1
done
for i in 1 2 3; do
  for k in 1 2 3; do weft "${HOSTS[$i]}" "host$i" ipam allocate "pod-$i-$k" >/dev/null; done
done
weft "${HOSTS[1]}" host1 status ipam
say "weft ps on host2 (the addresses held there)"
weft "${HOSTS[2]}" host2 ps

say "fast path: each weftd made bridge weft and VXLAN weft-vxlan with a flood entry per peer"
for i in 1 2 3; do
  for _ in $(seq 75); do
    [ "$(bridge -n "${HOSTS[$i]}" fdb show dev weft-vxlan 2>/dev/null | grep -c '^00:00:00:00:00:00')" = 2 ] && break
    sleep 0.2
  done
done
weft "${HOSTS[1]}" host1 status | sed -n '/Service: fastdp/,/^$/p'
bridge -n "${HOSTS[1]}" fdb show dev weft-vxlan | grep '^00:00:00:00:00:00'

say "weft-cni: two pods per host attached by cnitool with the conflist weft + portmap + tuning"
command -v cnitool >/dev/null || { echo "cnitool is missing: run make deps"; exit 1; }
NET="weftdemo$$"
trap 'rm -f /var/lib/cni/results/"$NET"-*; cleanup' EXIT
cni_bin
for i in 1 2 3; do
  cni_conflist "host$i" "$NET" '{"type": "portmap", "capabilities": {"portMappings": true}}' \
    '{"type": "tuning", "mtu": 1400}'
  until_ok 20 exposed "${HOSTS[$i]}" "host$i" >/dev/null
done
cat "$T_TMP/host1/net.d/$NET.conflist"
declare -A POD ADDR
for i in 1 2 3; do
  for p in a b; do
    ns_add "pod$i$p"
    POD[$i$p]=$NS
    out=$(cnitool_on "${HOSTS[$i]}" "host$i" add "$NET" "$NS" \
      CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=demo;K8S_POD_NAME=web-$i$p" \
      CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}')
    ADDR[$i$p]=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
    [ "$i$p" = 1a ] && { echo "cnitool add's result for pod 1a:"; echo "$out"; }
  done
done
say "weft ps on host2: container id/interface, address, subnet, interface, MAC, pod"
weft "${HOSTS[2]}" host2 ps
say "every pod pings every other pod"
for a in 1a 1b 2a 2b 3a 3b; do
  line="pod $a (${ADDR[$a]}) ->"
  for b in 1a 1b 2a 2b 3a 3b; do
    [ "$a" = "$b" ] && continue
    if in_ns "${POD[$a]}" ping -c 1 -W 2 "${ADDR[$b]}" >/dev/null; then line="$line $b:ok"; else line="$line $b:FAIL"; fi
  done
  echo "$line"
done

say "expose and egress: the bridge's address from IPAM; pods reach the host and the outside"
weft "${HOSTS[1]}" host1 status | sed -n '/Service: fastdp/,/^$/p'
ns_add outside
OUT=$NS
ip link add "wft$$o" netns "$OUT" type veth peer name ext0 netns "${HOSTS[1]}"
ip -n "$OUT" link set "wft$$o" name eth0
ip -n "$OUT" addr add 198.19.0.1/24 dev eth0 && ip -n "$OUT" link set eth0 up
ip -n "${HOSTS[1]}" addr add 198.19.0.2/24 dev ext0 && ip -n "${HOSTS[1]}" link set ext0 up
echo "an 'outside' namespace 198.19.0.1 beside host1, with no route to the pods:"
in_ns "${POD[1b]}" ping -c 1 -W 2 198.19.0.1 | grep -E 'bytes from|100% packet loss'
in_ns "${HOSTS[1]}" nft list table ip weft

say "portmap: host2's port 8080 leads to pod 2a's web server"
mkdir -p "$T_TMP/www" && echo "hello from pod 2a (${ADDR[2a]})" >"$T_TMP/www/index.html"
ip netns exec "${POD[2a]}" busybox httpd -f -p 80 -h "$T_TMP/www" &
T_PIDS+=($!)
sleep 0.5
in_ns "${HOSTS[1]}" curl -s -m 2 http://198.18.0.2:8080/

say "DEL of pod 3b: the address goes back to IPAM, the veth goes"
cnitool_on "${HOSTS[3]}" host3 del "$NET" "${POD[3b]}" && echo "deleted; weft ps on host3 now:"
weft "${HOSTS[3]}" host3 ps

say "the sleeve: VXLAN (UDP 6784) blocked from host1 to host3 in the switch"
block_vxlan 1 3
sleeve_13() { weft "${HOSTS[1]}" host1 status connections | grep -q 'sleeve.*fastdp failing.*pmtu=verified'; }
until_ok 15 sleeve_13 >/dev/null
echo "host1's connections: host3 moved to the encrypted sleeve (host3 agrees: heartbeats say who hears whom);"
echo "mtu is what the path to host3 carries, verified by probes (pmtu=verified)"
weft "${HOSTS[1]}" host1 status connections | grep established
in_ns "${POD[1a]}" ping -c 3 -i 0.2 "${ADDR[3a]}" | grep -E 'bytes from|packet loss'
echo "sleeve metrics on host1:"
sleep 1.2
in_ns "${HOSTS[1]}" curl -s http://127.0.0.1:6784/metrics | grep -E '^weft_sleeve_(packets|decrypt|path_mtu)' | head -8
unblock_vxlan
fast_13() { [ "$(weft "${HOSTS[1]}" host1 status connections | grep -c 'established.*fastdp mtu')" = 2 ]; }
until_ok 15 fast_13 >/dev/null
echo "block removed: host3 is back on the fast path"
weft "${HOSTS[1]}" host1 status connections | grep established
echo "fast-path traffic per peer on host1 (nftables counters on the underlay):"
in_ns "${HOSTS[1]}" curl -s http://127.0.0.1:6784/metrics | grep -E '^weft_fastdp_(packets|bytes)_total' | head -8

say "DNS: every host answers for weft.local on its bridge address; pods found by name"
NSV=$(weft "${HOSTS[1]}" host1 report | python3 -c 'import json,sys; print(json.load(sys.stdin)["fastdp"]["address"].split("/")[0])')
echo "pod 1a asks host1's weftd ($NSV, the nameserver its CNI result names):"
for q in "web-3a.weft.local A" "-x ${ADDR[3a]}" "web-3b.weft.local A"; do
  r=$(in_ns "${POD[1a]}" dig @"$NSV" +time=2 +tries=1 +noall +comments +answer +authority $q)
  echo "  dig $q -> $(echo "$r" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'): $(echo "$r" | grep -v '^;' | grep . | tr -s '\t ' ' ' | paste -sd' ')"
done
weft "${HOSTS[2]}" host2 dns-add db 10.32.200.1 10.32.200.2
echo "weft dns-add on host2; host1 answers for db.weft.local at once (gossiped), order rotating:"
sleep 0.5
for _ in 1 2; do echo "  $(in_ns "${POD[1a]}" dig @"$NSV" +short db.weft.local | paste -sd' ')"; done
echo "weft status dns on host3:"
weft "${HOSTS[3]}" host3 status dns
weft "${HOSTS[3]}" host3 status | sed -n '/Service: dns/,/^$/p'
say "cleaning up: SIGTERM to each weftd, namespaces removed"
