#!/usr/bin/env bash
# The sleeve on three hosts whose underlay between h1 and h3 is cut in the switch, so h1 and
# h3 reach each other only through h2 (relayed, sealed per hop). Pods attached by cnitool.
# With a password: every connection takes the encrypted sleeve, every pod pings every other,
# and a capture of the whole underlay never holds a payload sent between pods. Then the same
# hosts restart without a password and with --no-fastdp: the plaintext sleeve carries the
# pods, and the same capture does find the payload (so the capture works). Last, without
# either: the fast path between neighbours, h1-h3 still relayed over the sleeve, and VXLAN
# blocked one way between h1 and h2 moves that pair to the sleeve and back.
. "$(dirname "$0")/lib.sh"
require_root_netns
command -v tcpdump >/dev/null || skip "tcpdump is not installed"

NET="weftslv$$"

use_cni "$NET"
make_hosts 3
# The cut: nothing passes between h1's and h3's switch ports.
in_ns "$SWITCH" nft -f - <<EOF
table bridge cut {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "p1" oifname "p3" drop
    iifname "p3" oifname "p1" drop
  }
}
EOF
echo "correct horse battery staple" >"$T_TMP/password"
declare -A PID
start_all() {
  for i in 1 2 3; do
    start_weftd "${HOSTS[$i]}" "h$i" --peer 198.18.0.1 --peer 198.18.0.2 --peer 198.18.0.3 \
      --ipalloc-init seed=h1,h2,h3 "$@"
    PID[$i]=$WEFTD_PID
  done
  for i in 1 2 3; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"; done
}
stop_all() { for i in 1 2 3; do stop_pid "${PID[$i]}"; done; }
start_all --password-file "$T_TMP/password"
for i in 1 2 3; do cni_conflist "h$i" "$NET"; done

for i in 1 2 3; do check "h$i: the bridge has its address from IPAM" until_ok 20 exposed "${HOSTS[$i]}" "h$i"; done
sleeve_ready() { weft "${HOSTS[$1]}" "h$1" status | grep -E "Sleeve: ready \((aes-256-gcm|chacha20-poly1305)\)"; }
check "h1 says it seals with an AEAD" until_ok 10 sleeve_ready 1
check "h1's bridge has the sleeve's MTU (1500 - 97)" \
  bash -c 'ip -n "$1" link show weft | grep -q "mtu 1403"' _ "${HOSTS[1]}"
check "weft-tap is a port of the bridge" \
  bash -c 'ip -n "$1" link show weft-tap | grep -q "master weft"' _ "${HOSTS[1]}"
# conns_say I TEXT: host I's `weft status connections` shows TEXT (on some line).
conns_say() {
  local out
  out=$(weft "${HOSTS[$1]}" "h$1" status connections)
  grep -qF -- "$2" <<<"$out" || { echo "    h$1's connections now:"; echo "$out"; return 1; }
}
check "h2's connection to h1 takes the encrypted sleeve, saying why" \
  until_ok 10 conns_say 2 "encrypted   $(weft "${HOSTS[1]}" h1 status | sed -n 's/^ *Name: //p') sleeve mtu=1403 (encrypted (password set"
check "h1 has no direct connection to h3 (the cut)" bash -c '! grep -q "198.18.0.3.*established" <<<"$1"' \
  _ "$(weft "${HOSTS[1]}" h1 status connections)"
check "h1 routes to h3 through h2" bash -c 'grep -q "(h3) .*via .*(h2)" <<<"$1"' \
  _ "$(weft "${HOSTS[1]}" h1 status routes)"

declare -A POD IP
for i in 1 2 3; do
  ns_add "pod$i"
  POD[$i]=$NS
  out=$(cnitool_on "${HOSTS[$i]}" "h$i" add "$NET" "$NS" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p$i")
  check "cnitool ADD of the pod on h$i" test $? = 0
  IP[$i]=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
  echo "    pod on h$i: ${IP[$i]}"
done
pings() { in_ns "${POD[$1]}" ping -c 1 -W 2 "${IP[$2]}" >/dev/null; }
all_pairs() {
  local i j
  for i in 1 2 3; do for j in 1 2 3; do
    [ "$i" = "$j" ] && continue
    check "$1: pod h$i pings pod h$j${2:-}" until_ok 15 pings "$i" "$j"
  done; done
}
all_pairs "encrypted" " (h1-h3 relayed through h2)"

# The MTU: 1403 bytes of IP fit a sealed datagram on a 1500-byte underlay, also relayed;
# a 1,400-byte ping (1428 bytes) with DF gets the MTU answer.
big() { in_ns "${POD[1]}" ping -M do -s "$1" -c 1 -W 2 "${IP[3]}" 2>&1; }
check "a 1403-byte DF packet crosses the sleeve, relayed" bash -c 'grep -q " 0% packet loss" <<<"$1"' _ "$(big 1375)"
check "a 1,400-byte DF ping gets the MTU answer (1403)" bash -c 'grep -Eq "mtu ?= ?1403" <<<"$1"' _ "$(big 1400)"

# The payload a pod sends, and a capture of every frame on the underlay's switch.
SECRET="weft-secret-$$"
HEX=$(printf %s "$SECRET" | od -An -tx1 | tr -d ' \n' | cut -c1-32)
capture_has_secret() {
  local pcap="$T_TMP/underlay-$1.pcap" cap
  # Not through in_ns: a function backgrounds a subshell, and $! would be that, not tcpdump.
  ip netns exec "$SWITCH" tcpdump -i br0 -U -w "$pcap" >/dev/null 2>&1 &
  cap=$!
  T_PIDS+=("$cap")
  sleep 1
  in_ns "${POD[1]}" ping -c 3 -i 0.2 -p "$HEX" "${IP[3]}" >/dev/null
  in_ns "${POD[2]}" ping -c 3 -i 0.2 -p "$HEX" "${IP[1]}" >/dev/null
  sleep 0.5
  stop_pid "$cap"
  [ -s "$pcap" ] || { echo "    the capture is empty"; return 2; }
  grep -a -q "${SECRET:0:16}" "$pcap"
}
# decrypt_failures I: the sum of host I's weft_sleeve_decrypt_failures_total.
decrypt_failures() {
  in_ns "${HOSTS[$1]}" curl -sf http://127.0.0.1:6784/metrics |
    awk '/^weft_sleeve_decrypt_failures_total/ { n += $2 } END { print n + 0 }'
}
f0=$(decrypt_failures 2)
capture_has_secret sealed
check "the underlay capture never holds the pods' payload" test $? = 1
sleep 1.2  # counters are published once a second
m=$(in_ns "${HOSTS[2]}" curl -sf http://127.0.0.1:6784/metrics)
check "h2 counts sleeve datagrams per peer" contains "$m" 'weft_sleeve_packets_total{'
check "no datagram of the pods' traffic failed authentication" test "$(decrypt_failures 2)" = "$f0"
# A datagram claiming to come from h1, sent from h1's address, sealed with no key.
h1name=$(weft "${HOSTS[1]}" h1 status | sed -n 's/^ *Name: \([0-9a-f:]*\).*/\1/p' | tr -d :)
in_ns "${HOSTS[1]}" python3 -c '
import socket, sys, os
d = bytes([0x11, 0, 0, 0]) + bytes.fromhex(sys.argv[1]) + (10**6).to_bytes(8, "big") + os.urandom(64)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(d, ("198.18.0.2", 6783))' "$h1name"
failures_are() { test "$(decrypt_failures 2)" = "$1"; }
check "a forged datagram in h1's name fails authentication on h2, and is counted" \
  until_ok 5 failures_are "$((f0 + 1))"
check "pods still talk after it" until_ok 5 pings 1 2

# Without a password, on the sleeve (--no-fastdp): the same capture finds the payload.
stop_all
start_all --no-fastdp
check "h2's connections take the plaintext sleeve, saying why" \
  until_ok 10 conns_say 2 "unencrypted"
check "  ... (sleeve, the reason)" until_ok 10 conns_say 2 "sleeve mtu=1403 (fastdp off (--no-fastdp))"
check "--no-fastdp floods to no peer over VXLAN" \
  bash -c '! bridge -n "$1" fdb show dev weft-vxlan 2>/dev/null | grep -q "^00:00:00:00:00:00"' _ "${HOSTS[2]}"
all_pairs "unencrypted"
capture_has_secret plain
check "the same capture without a password does hold the payload" test $? = 0

# Without a password and with the fast path: h1-h2 and h2-h3 take VXLAN, and h1-h3 (cut)
# is relayed over the sleeve by h2, whose own links are on the fast path.
stop_all
start_all
check "h2's connections take the fast path" until_ok 10 conns_say 2 "(h1) fastdp mtu=1450"
check "h1 reaches h3 over the sleeve only (relayed)" \
  until_ok 10 bash -c 'ip netns exec "$1" "$2" --run-dir "$3" status | grep -q "Sleeve: ready (.*), 1 peers"' \
  _ "${HOSTS[1]}" "$WEFT_BIN_DIR/weft" "$T_TMP/h1/run"
all_pairs "fast path and relay"
hb_now() { weft "${HOSTS[$1]}" "h$1" status | grep -q "Heartbeats: $2 of $2 peers"; }
# hb_heard I N: host I counts its N flood peers as heard on two reads 4 s apart. A peer is
# counted during its first 3.5 s (its grace) too; the grace cannot last to the second read,
# so only heartbeats that really arrive pass.
hb_heard() { hb_now "$1" "$2" && sleep 4 && hb_now "$1" "$2"; }
check "h1 hears h2's heartbeats (its one flood peer)" until_ok 20 hb_heard 1 1
check "h2 hears h1's and h3's" until_ok 20 hb_heard 2 2
# VXLAN blocked from h1 to h2 only: both ends move the other to the sleeve, pods keep
# talking; unblocked, both come back to the fast path.
block_vxlan 1 2
check "h1 moves h2 to the sleeve, saying why" \
  until_ok 10 conns_say 1 "(h2) sleeve mtu=1419 (fastdp failing: 198.18.0.2 has not heard this host's VXLAN heartbeats"
h2_moved_h1() { conns_say 2 "(h1) sleeve mtu=1419 (fastdp failing: no VXLAN heartbeat from 198.18.0.1"; }
check "h2 moves h1 to the sleeve too" until_ok 10 h2_moved_h1
all_pairs "VXLAN blocked h1->h2"
unblock_vxlan
check "h1 moves h2 back to the fast path" until_ok 10 conns_say 1 "(h2) fastdp mtu=1450"
check "h2 moves h1 back too" until_ok 10 conns_say 2 "(h1) fastdp mtu=1450"
all_pairs "unblocked"

for i in 1 2 3; do cnitool_on "${HOSTS[$i]}" "h$i" del "$NET" "${POD[$i]}" >/dev/null; done
finish
