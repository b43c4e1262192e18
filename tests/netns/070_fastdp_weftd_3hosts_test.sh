#!/usr/bin/env bash
# weftd's kernel VXLAN fast path on three hosts: each weftd makes bridge weft and VXLAN
# weft-vxlan with a flood entry per connected peer and the MTU from the underlay (1500 -
# 50); pods (attached here by hand with addresses from weftd's IPAM; weft-cni does this in
# a later step) ping each other across all hosts; a restarted weftd reuses the devices and
# pods keep talking through the restart; `weft reset` refuses while weftd runs and then
# removes the devices; --no-fastdp makes the bridge only, and its peers take the sleeve.
. "$(dirname "$0")/lib.sh"
require_root_netns

make_hosts 3
declare -A PID
start_host() {
  start_weftd "${HOSTS[$1]}" "h$1" --peer 198.18.0.1 --peer 198.18.0.2 --peer 198.18.0.3 \
    --ipalloc-init seed=h1,h2,h3 "${@:2}"
  PID[$1]=$WEFTD_PID
}
floods() { bridge -n "${HOSTS[$1]}" fdb show dev weft-vxlan | grep -c '^00:00:00:00:00:00 dst'; }
two_floods() { [ "$(floods "$1")" = 2 ]; }

for i in 1 2 3; do start_host "$i"; done
for i in 1 2 3; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"; done
for i in 1 2 3; do
  check "h$i: a flood entry to each of the two other hosts" until_ok 15 two_floods "$i"
done
fdb1=$(bridge -n "${HOSTS[1]}" fdb show dev weft-vxlan)
check "h1's flood entries name h2 and h3" \
  bash -c '[[ "$1" == *"dst 198.18.0.2"* && "$1" == *"dst 198.18.0.3"* ]]' _ "$fdb1"
check "weft-vxlan is a port of weft on UDP 6784" \
  contains "$(ip -d -n "${HOSTS[1]}" link show weft-vxlan)" "master weft"
check "the overlay MTU is the underlay's minus 50" \
  contains "$(ip -n "${HOSTS[1]}" link show weft)" "mtu 1450"
status=$(weft "${HOSTS[1]}" h1 status)
check "weft status shows the fast path ready" contains "$status" "Service: fastdp"
check "with two flood peers" contains "$status" "FloodPeers: 2 (198.18.0.2, 198.18.0.3)"
check "weft status connections shows the fast path and its MTU per connection" \
  test "$(weft "${HOSTS[1]}" h1 status connections | grep -c 'established.* fastdp mtu=1450')" = 2
check "weftd exports fast-path metrics" \
  contains "$(in_ns "${HOSTS[1]}" curl -s http://127.0.0.1:6784/metrics)" "weft_fastdp_peers 2"

# Pods: a namespace per host on a veth into weft, its address from weftd's IPAM.
declare -A ADDR POD
for i in 1 2 3; do
  attach_pod "${HOSTS[$i]}" "h$i" "$i"
  POD[$i]=$POD_NS
  ADDR[$i]=$POD_IP
done
for i in 1 2 3; do
  for j in 1 2 3; do
    [ "$i" = "$j" ] && continue
    check "pod on h$i pings pod on h$j (${ADDR[$j]})" in_ns "${POD[$i]}" ping -c 2 -W 2 "${ADDR[$j]}"
  done
done

# Heartbeats: each weftd hears the others over VXLAN; pods never see the frames.
hb_ok() { weft "${HOSTS[$1]}" "h$1" status | grep -q "Heartbeats: $2 of 2 peers"; }
for i in 1 2 3; do check "h$i hears both peers' VXLAN heartbeats" until_ok 10 hb_ok "$i" 2; done
# Per-peer fast-path counters (table ip weft_fastdp_counters on the underlay): 50 pings of
# 1,000 bytes from the pod on h1 to the pod on h2 add at least 50 packets and 50 kB to h1's
# series for h2, each way.
h2name=$(weft "${HOSTS[2]}" h2 status | sed -n 's/^ *Name: \([0-9a-f:]*\).*/\1/p')
fdp() {  # fdp packets|bytes sent|received: h1's weft_fastdp_*_total for h2 (0 when absent)
  ip netns exec "${HOSTS[1]}" curl -s http://127.0.0.1:6784/metrics |
    awk -v m="weft_fastdp_$1_total{" -v d="direction=\"$2\"" -v p="peer=\"$h2name\"" \
      'index($0, m) == 1 && index($0, d) && index($0, p) { v = $2 } END { printf "%.0f\n", v + 0 }'
}
declare -A FDP0
for m in packets bytes; do for d in sent received; do FDP0[$m$d]=$(fdp $m $d); done; done
in_ns "${POD[1]}" ping -c 50 -i 0.02 -s 1000 -W 2 "${ADDR[2]}" >/dev/null
grew() { test "$(( $(fdp "$1" "$2") - FDP0[$1$2] ))" -ge "$3"; }
check "h1 counts the VXLAN packets it sent to h2 (weft_fastdp_packets_total)" until_ok 3 grew packets sent 50
check "  ... and their bytes (weft_fastdp_bytes_total)" grew bytes sent 50000
check "  ... and those it received from h2" grew packets received 50
check "  ... and their bytes" grew bytes received 50000
# A counters table deleted behind weftd's back (as nft flush ruleset does) is made again at
# the next check after a read finds it gone, and the series go on from where they were.
for m in packets bytes; do for d in sent received; do FDP0[$m$d]=$(fdp $m $d); done; done
ip netns exec "${HOSTS[1]}" nft delete table ip weft_fastdp_counters
fdp packets sent >/dev/null  # the scrape finds the table gone
has_counters() { ip netns exec "${HOSTS[1]}" nft list table ip weft_fastdp_counters >/dev/null; }
check "h1 makes its counters table again after it was deleted" until_ok 5 has_counters
check "  ... and its series did not go back" grew packets sent 0
in_ns "${POD[1]}" ping -c 20 -i 0.02 -s 1000 -W 2 "${ADDR[2]}" >/dev/null
check "  ... and they count the pings sent after it" until_ok 3 grew packets sent 20
check "  ... both ways" grew packets received 20
in_ns "${POD[1]}" timeout 3 tcpdump -n -i eth0 -c 1 ether proto 0x88b5 >"$T_TMP/pod-hb" 2>&1
check "a pod sees no heartbeat frame in 3 s" bash -c '! grep -q "ethertype Unknown\|0x88b5" "$1"' _ "$T_TMP/pod-hb"
# Drop VXLAN (UDP 6784) from h1 to h3 only, in the switch: h3 stops hearing h1, and h1
# learns from h3's heartbeats that its own no longer arrive; both move the other to the
# sleeve (agreeing, so neither sends where the other does not listen) and pods keep talking.
block_vxlan 1 3
check "h3 notices VXLAN from h1 no longer arrives" until_ok 10 hb_ok 3 1
check "h1 notices h3 no longer hears it" until_ok 10 hb_ok 1 1
conns_say() { weft "${HOSTS[$1]}" "h$1" status connections | grep -qF -- "$2"; }
check "h1 moved h3 to the sleeve, saying why" \
  until_ok 5 conns_say 1 "sleeve mtu=1419 (fastdp failing: 198.18.0.3 has not heard this host's VXLAN heartbeats"
check "h3 moved h1 to the sleeve, saying why" \
  until_ok 5 conns_say 3 "sleeve mtu=1419 (fastdp failing: no VXLAN heartbeat from 198.18.0.1"
check "h1 keeps h2 on the fast path" conns_say 1 "fastdp mtu=1450"
check "metrics show h3 down and h2 up from h1 (set once a second)" until_ok 3 bash -c '
  m=$(ip netns exec "$1" curl -s http://127.0.0.1:6784/metrics)
  [[ "$m" == *"weft_fastdp_peer_up{peer=\"198.18.0.3\"} 0"* && "$m" == *"weft_fastdp_peer_up{peer=\"198.18.0.2\"} 1"* ]]' _ "${HOSTS[1]}"
pod_pings() { in_ns "${POD[$1]}" ping -c 1 -W 2 "${ADDR[$2]}" >/dev/null; }
check "pods on h1 and h3 reach each other over the sleeve" until_ok 10 pod_pings 1 3
check "  ... both ways" until_ok 10 pod_pings 3 1
check "  ... with many pings in a row" bash -c 'ip netns exec "$1" ping -c 20 -i 0.05 -W 1 "$2" | grep -q " 0% packet loss"' \
  _ "${POD[1]}" "${ADDR[3]}"
# Path MTU: the pods' MTU is the fast path's (1450); the unsealed sleeve carries 1419 bytes of IP.
out=$(in_ns "${POD[1]}" ping -M do -s 1400 -c 3 -i 0.3 -W 1 "${ADDR[3]}" 2>&1)
check "a 1,400-byte DF ping over the (unsealed) sleeve is answered with the MTU that fits (1419)" \
  bash -c 'grep -Eq "mtu ?= ?1419" <<<"$1"' _ "$out"
head -c 300000 /dev/urandom >"$T_TMP/blob"
ip netns exec "${POD[3]}" python3 -m http.server 8000 --bind "${ADDR[3]}" --directory "$T_TMP" >/dev/null 2>&1 &
T_PIDS+=($!)
fetch() { in_ns "${POD[1]}" curl -sf -m 5 -o "$T_TMP/got" "http://${ADDR[3]}:8000/blob" && cmp -s "$T_TMP/blob" "$T_TMP/got"; }
check "TCP between the pods works over the sleeve once the path MTU is learned (300 kB intact)" \
  until_ok 10 fetch
gro_merged() {
  ip netns exec "${HOSTS[1]}" curl -s http://127.0.0.1:6784/metrics |
    awk '$1 == "weft_sleeve_gro_segments_total" && $2 > 0 { ok = 1 } END { exit !ok }'
}
check "h1 merged the blob's segments into super-frames before its TAP (receive offload)" \
  until_ok 3 gro_merged
unblock_vxlan
check "h1 hears h3 again once VXLAN gets through" until_ok 10 hb_ok 1 2
check "and h3 hears h1" until_ok 10 hb_ok 3 2
check "h1 moved h3 back to the fast path" until_ok 5 bash -c \
  '[ "$(ip netns exec "$1" "$2" --run-dir "$3" status connections | grep -c "established.*fastdp mtu=1450$")" = 2 ]' \
  _ "${HOSTS[1]}" "$WEFT_BIN_DIR/weft" "$T_TMP/h1/run"
check "pods on h1 and h3 still reach each other" until_ok 10 pod_pings 1 3

# Restart weftd on h2 while pod1 pings pod2: the kernel carries the traffic meanwhile.
index_before=$(ip -n "${HOSTS[2]}" -o link show weft | cut -d: -f1)
in_ns "${POD[1]}" ping -c 40 -i 0.1 -W 1 "${ADDR[2]}" >"$T_TMP/ping-restart" 2>&1 &
PING=$!
T_PIDS+=("$PING")
sleep 0.5
stop_pid "${PID[2]}"
start_host 2
check "weftd on h2 answers again" wait_weftd "${HOSTS[2]}" h2
wait "$PING"
check "no ping lost while weftd on h2 restarted" contains "$(cat "$T_TMP/ping-restart")" " 0% packet loss"
check "the restarted weftd reused the bridge" \
  test "$(ip -n "${HOSTS[2]}" -o link show weft | cut -d: -f1)" = "$index_before"
check "h2: both flood entries back" until_ok 15 two_floods 2
check "and made no device again (two 'created' lines, both from the first start)" \
  test "$(grep -c 'fastdp: created' "$T_TMP/h2.log")" = 2

# weft reset: refused while weftd runs, then removes the devices.
out=$(weft "${HOSTS[3]}" h3 reset 2>&1)
check "weft reset refuses while weftd runs" contains "$out" "stop it first"
stop_pid "${PID[3]}"
out=$(weft "${HOSTS[3]}" h3 reset 2>&1)
check "weft reset removes the VXLAN device and the bridge" contains "$out" "deleted weft"
check "h3 has no weft devices left" \
  bash -c '! ip -n "$1" -o link show | grep -q " weft"' _ "${HOSTS[3]}"
check "  ... and its nftables tables" \
  bash -c 'out=$(ip netns exec "$1" nft list tables) && ! grep -q "weft_fastdp_counters\|weft_fallback" <<<"$out"' _ "${HOSTS[3]}"
check "weft reset again has nothing to do" contains "$(weft "${HOSTS[3]}" h3 reset 2>&1)" "nothing"
start_host 3 --no-fastdp
check "weftd --no-fastdp on h3 answers" wait_weftd "${HOSTS[3]}" h3
check "--no-fastdp shows as off" contains "$(weft "${HOSTS[3]}" h3 status)" "off (--no-fastdp)"
check "and makes the bridge (for pods and the sleeve) but no VXLAN device" \
  bash -c 'ip -n "$1" link show weft >/dev/null && ! ip -n "$1" link show weft-vxlan >/dev/null 2>&1' _ "${HOSTS[3]}"
check "weft status connections says its peers take the sleeve, and why" \
  until_ok 10 bash -c "ip netns exec '${HOSTS[3]}' '$WEFT_BIN_DIR/weft' --run-dir '$T_TMP/h3/run' status connections | grep -q 'established.*sleeve mtu=1403 (fastdp off (--no-fastdp))'"
finish
