#!/usr/bin/env bash
# Path MTU per sleeve link: h3 sits behind two routers joined by a 1300-byte link (a tunnel
# in the middle of the path), so h2 and h3, both on 1500-byte underlays, reach each other
# only with datagrams of up to 1272 bytes, while h1-h2 carries 1472. h1-h3 is cut at the
# first router, so h1's pods reach h3's through h2. With a password, every link is sealed.
#
#   [h1 198.18.0.1]--+
#   [h2 198.18.0.2]--+--[sw]--[r1 .0.254 | 198.18.2.1]==1300==[198.18.2.2 r2 | 198.18.1.254]--[h3 198.18.1.3]
#
# Checked: each end finds its link's path MTU by probes (1203 bytes of IP sealed, not the
# 1403 its own underlay allows) although the routers' ICMP made the kernel cache it (probes
# must ignore that cache to find it exactly); a pod's DF packet too big for the path gets
# "fragmentation needed" with the path's MTU, from its own host (h2 -> h3) or from the relay
# (h1 -> h2 -> h3); TCP between pods then carries a blob intact either way. The same over
# IPv6 with ICMPv6 "packet too big", which never says less than 1280: IPv6 packets of up to
# 1280 bytes cross the 1203-byte path whole, in datagrams the routers fragment. Last, the
# middle link shrinks under traffic: the router's ICMP makes h2 check its path at once.
. "$(dirname "$0")/lib.sh"
require_root_netns

NET="weftpmtu$$"

use_cni "$NET"
make_hosts 2
ns_add r1
R1=$NS
ns_add r2
R2=$NS
ns_add h3
HOSTS+=("$NS")
ip link add "wft$$r1" netns "$R1" type veth peer name p3 netns "$SWITCH"
ip -n "$SWITCH" link set p3 master br0 up
ip -n "$R1" link set "wft$$r1" name eth0
ip link add "wft$$rr" netns "$R1" mtu 1300 type veth peer name eth1 mtu 1300 netns "$R2"
ip -n "$R1" link set "wft$$rr" name eth1
ip link add "wft$$h3" netns "${HOSTS[3]}" type veth peer name eth0 netns "$R2"
ip -n "${HOSTS[3]}" link set "wft$$h3" name eth0
ip -n "$R1" addr add 198.18.0.254/24 dev eth0
ip -n "$R1" addr add 198.18.2.1/30 dev eth1
ip -n "$R2" addr add 198.18.2.2/30 dev eth1
ip -n "$R2" addr add 198.18.1.254/24 dev eth0
ip -n "${HOSTS[3]}" addr add 198.18.1.3/24 dev eth0
for ns in "$R1" "$R2" "${HOSTS[3]}"; do
  for l in eth0 eth1; do ip -n "$ns" link set "$l" up 2>/dev/null || true; done
done
in_ns "$R1" sysctl -qw net.ipv4.ip_forward=1
in_ns "$R2" sysctl -qw net.ipv4.ip_forward=1
ip -n "$R1" route add 198.18.1.0/24 via 198.18.2.2
ip -n "$R2" route add 198.18.0.0/24 via 198.18.2.1
ip -n "${HOSTS[3]}" route add default via 198.18.1.254
for i in 1 2; do ip -n "${HOSTS[$i]}" route add 198.18.1.0/24 via 198.18.0.254; done
# The cut: r1 forwards nothing between h1 and h3.
in_ns "$R1" nft -f - <<EOF
table inet cut {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr 198.18.0.1 ip daddr 198.18.1.3 drop
    ip saddr 198.18.1.3 ip daddr 198.18.0.1 drop
  }
}
EOF
check "underlay: h2 reaches h3 through the routers" in_ns "${HOSTS[2]}" ping -c 1 -W 2 198.18.1.3
check "underlay: 1300 bytes cross the middle link with DF, 1301 do not" bash -c \
  'ip netns exec "$1" ping -M do -s 1272 -c 1 -W 2 198.18.1.3 >/dev/null &&
   ! ip netns exec "$1" ping -M do -s 1273 -c 1 -W 2 198.18.1.3 >/dev/null 2>&1' _ "${HOSTS[2]}"
# h2's kernel now caches 1300 for h3 (r1 answered the 1301-byte ping with ICMP); weftd's
# socket must ignore that cache (never fragment), or probes over 1272 bytes would arrive in
# fragments, be answered, and set a limit the path cannot carry whole.

echo "correct horse battery staple" >"$T_TMP/password"
for i in 1 2 3; do
  start_weftd "${HOSTS[$i]}" "h$i" --peer 198.18.0.1 --peer 198.18.0.2 --peer 198.18.1.3 \
    --ipalloc-init seed=h1,h2,h3 --password-file "$T_TMP/password"
done
for i in 1 2 3; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"; done
for i in 1 2 3; do cni_conflist "h$i" "$NET"; done
for i in 1 2 3; do check "h$i: the bridge has its address from IPAM" until_ok 20 exposed "${HOSTS[$i]}" "h$i"; done

conns_say() { weft "${HOSTS[$1]}" "h$1" status connections | grep -qF -- "$2"; }
WHY="(encrypted (password set; not in --trusted-subnets))"
check "h2 finds the path to h3 narrower: mtu=1203, verified by probes" \
  until_ok 30 conns_say 2 "(h3) sleeve mtu=1203 $WHY pmtu=verified"
check "h3 finds the same towards h2" until_ok 30 conns_say 3 "(h2) sleeve mtu=1203 $WHY pmtu=verified"
check "h2's path to h1 carries the whole underlay: mtu=1403" \
  until_ok 30 conns_say 2 "(h1) sleeve mtu=1403 $WHY pmtu=verified"
check "h1 has no direct connection to h3 (the cut)" bash -c '! grep -q "198.18.1.3.*established" <<<"$1"' \
  _ "$(weft "${HOSTS[1]}" h1 status connections)"
check "h2's kernel learned 1300 from the routers' ICMP; the probes found 1272 despite it" bash -c \
  'ip -n "$1" route get 198.18.1.3 | grep -q "mtu 1300"' _ "${HOSTS[2]}"
check "h2's log says what it found" grep -q "path MTU to .*: 1272-byte datagrams reach it (IP MTU 1203, below this host's underlay)" \
  "$T_TMP/h2.log"
h3name=$(weft "${HOSTS[3]}" h3 status | sed -n 's/^ *Name: \([0-9a-f:]*\).*/\1/p')
h1name=$(weft "${HOSTS[1]}" h1 status | sed -n 's/^ *Name: \([0-9a-f:]*\).*/\1/p')
metric() { in_ns "${HOSTS[$1]}" curl -sf http://127.0.0.1:6784/metrics | awk -v m="$2" '$1 == m { print $2 }'; }
check "h2's metric: weft_sleeve_path_mtu for h3 is 1203" \
  until_ok 3 test "$(metric 2 "weft_sleeve_path_mtu{peer=\"$h3name\"}")" = 1203
check "  ... and 1403 for h1" test "$(metric 2 "weft_sleeve_path_mtu{peer=\"$h1name\"}")" = 1403
check "  ... found by a search" test "$(metric 2 "weft_sleeve_pmtu_searches_total{peer=\"$h3name\"}")" -ge 1

declare -A POD IP
for i in 1 2 3; do
  ns_add "pod$i"
  POD[$i]=$NS
  out=$(cnitool_on "${HOSTS[$i]}" "h$i" add "$NET" "$NS" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p$i")
  check "cnitool ADD of the pod on h$i" test $? = 0
  IP[$i]=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
done
check "pods have the sleeve's MTU (1403)" bash -c 'ip -n "$1" link show eth0 | grep -q "mtu 1403"' _ "${POD[1]}"
pings() { in_ns "${POD[$1]}" ping -c 1 -W 2 "${IP[$2]}" >/dev/null; }
for pair in "1 2" "2 1" "2 3" "3 2" "1 3" "3 1"; do
  set -- $pair
  check "pod h$1 pings pod h$2" until_ok 15 pings "$1" "$2"
done

# Order matters: a pod's kernel caches what ICMP told it, so what must reach weft whole
# (no DF, then TCP's first segments) goes before the DF pings.
# big FROM TO SIZE [DF]: a ping of SIZE bytes of payload (IP = SIZE + 28), DF "do" or "dont".
big() { in_ns "${POD[$1]}" ping -M "${4:-do}" -s "$3" -c 2 -i 0.3 -W 2 "${IP[$2]}" 2>&1; }
check "1403 bytes of IP without DF cross h2 -> h3 (fragmented by h2, and the reply by h3)" \
  bash -c 'grep -q " 0% packet loss" <<<"$1"' _ "$(big 2 3 1375 dont)"
fragmented() { test "$(metric "$1" weft_sleeve_fragmented_total)" -gt 0 2>/dev/null; }
check "  ... h2 counts what it fragmented" until_ok 3 fragmented 2
check "  ... and h3" until_ok 3 fragmented 3

head -c 2000000 /dev/urandom >"$T_TMP/blob"
for i in 1 2; do
  ip netns exec "${POD[$i]}" python3 -m http.server 8000 --bind "${IP[$i]}" --directory "$T_TMP" >/dev/null 2>&1 &
  T_PIDS+=($!)
done
# A small file first (it fits any path): the servers are up.
served() { in_ns "${POD[3]}" curl -sf -m 2 -o /dev/null "http://${IP[$1]}:8000/password"; }
servers_up() { served 1 && served 2; }
check "pod h3 reaches the web servers on pods h1 and h2" until_ok 10 servers_up
# fetch I: pod3 gets the blob from pod I's server, intact, in one of 3 tries of 10 s.
fetch() {
  local n
  for n in 1 2 3; do
    in_ns "${POD[3]}" curl -sf -m 10 -o "$T_TMP/got$1" "http://${IP[$1]}:8000/blob" &&
      cmp -s "$T_TMP/blob" "$T_TMP/got$1" && return 0
  done
  return 1
}
check "TCP pod h2 -> pod h3 over the narrow path: 2 MB intact" fetch 2
# pod1's segments are 1403 bytes with DF: they pass only once the relay h2's answers have
# taught pod1's kernel the path's 1203.
check "TCP pod h1 -> pod h3, relayed by h2 over it: 2 MB intact" fetch 1
answered() { test "$(metric "$1" 'weft_sleeve_dropped_total{reason="too_big_answered"}')" -gt 0 2>/dev/null; }
check "h2 answered its own pod's and h1's pod's too-big segments (its metric)" until_ok 3 answered 2

check "1203 bytes of IP cross h2 -> h3 with DF" bash -c 'grep -q " 0% packet loss" <<<"$1"' _ "$(big 2 3 1175)"
check "1403 bytes of IP cross h1 -> h2 with DF (that path is wide)" bash -c 'grep -q " 0% packet loss" <<<"$1"' _ "$(big 1 2 1375)"
# (The TCP transfers above already made the pods' kernels cache 1203, learned from the same
# answers; ping then reports it as a local error with the same mtu.)
check "a 1403-byte DF ping h2 -> h3 gets 'fragmentation needed' with mtu 1203 (from h2)" \
  bash -c 'grep -Eq "mtu ?= ?1203" <<<"$1"' _ "$(big 2 3 1375)"
check "a 1403-byte DF ping h1 -> h3 gets mtu 1203 (from the relay h2)" \
  bash -c 'grep -Eq "mtu ?= ?1203" <<<"$1"' _ "$(big 1 3 1375)"
check "a 1403-byte DF ping h3 -> h1 gets mtu 1203 (h3's link to h2 is the narrow one)" \
  bash -c 'grep -Eq "mtu ?= ?1203" <<<"$1"' _ "$(big 3 1 1375)"
check "  ... and 1203 bytes of IP cross h1 -> h2 -> h3 with DF" bash -c 'grep -q " 0% packet loss" <<<"$1"' _ "$(big 1 3 1175)"

# ICMP errors are rate-limited (1,000 a second, bursts of 50, and 100 a second, bursts of 20,
# to one pod): 1,000 DF packets of 1403 bytes sent at once from pod h2 to pod h3 (a raw
# socket in PMTUDISC_PROBE mode skips the path MTU its kernel cached) are not all answered,
# and h2 counts those it did not answer.
flood_df() {
  in_ns "${POD[2]}" python3 - "${IP[2]}" "${IP[3]}" <<'PY'
import socket, struct, sys
src, dst = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # we write the IP header
s.setsockopt(socket.IPPROTO_IP, 10, 3)  # IP_MTU_DISCOVER = IP_PMTUDISC_PROBE: the device's MTU
udp = struct.pack("!HHHH", 40000, 9, 1403 - 20, 0) + bytes(1403 - 28)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1403, 0, 0x4000, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))  # DF; the kernel sums it
for _ in range(1000):
    s.sendto(ip + udp, (dst, 0))
PY
}
limited_key='weft_sleeve_dropped_total{reason="too_big_rate_limited"}'
answered_key='weft_sleeve_dropped_total{reason="too_big_answered"}'
answered0=$(metric 2 "$answered_key")
check "pod h2 sends 1,000 oversized DF packets at once (raw socket)" flood_df
limited() { test "$(metric 2 "$limited_key")" -gt 0 2>/dev/null; }
check "  ... h2 leaves some unanswered (weft_sleeve_dropped_total{reason=\"too_big_rate_limited\"})" \
  until_ok 3 limited
answered_now=$(metric 2 "$answered_key")
check "  ... and answers some ($((answered_now - answered0)) of 1,000)" \
  test "$((answered_now - answered0))" -ge 1 -a "$((answered_now - answered0))" -lt 1000

# Answers are also budgeted per pod (100 a second, bursts of 20): while pod h2 floods h2
# with oversized DF packets (10,000 a second: ten times the host's budget, but well within
# what weftd reads, so weft-tap's queue drops none), a second pod on h2 still gets its
# answers. With one budget for the host, the flood took nearly all of them (2 of 5).
ns_add pod2b
POD[2b]=$NS
out=$(cnitool_on "${HOSTS[2]}" h2 add "$NET" "$NS" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p2b")
check "cnitool ADD of a second pod on h2" test $? = 0
IP[2b]=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
# flood_paced STARTED: pod h2 sends 10,000 oversized DF packets a second for 3 s (slots
# missed after a stall are skipped, not sent in a burst), touching STARTED once it sends;
# prints how many it sent.
flood_paced() {
  in_ns "${POD[2]}" python3 - "${IP[2]}" "${IP[3]}" "$1" <<'PY'
import socket, struct, sys, time
src, dst, started = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.IPPROTO_IP, 10, 3)  # IP_PMTUDISC_PROBE
udp = struct.pack("!HHHH", 40000, 9, 1403 - 20, 0) + bytes(1403 - 28)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1403, 0, 0x4000, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
open(started, "w").close()
end = time.monotonic() + 3.0
due, n = time.monotonic(), 0
while (now := time.monotonic()) < end:
    if now >= due:
        s.sendto(ip + udp, (dst, 0))
        n += 1
        due = max(due + 0.0001, now - 0.001)  # 10,000 a second: ten times the host's budget
print(n)
PY
}
# answers_to POD: how many of 5 oversized DF packets from POD to pod h3 (0.3 s apart) get
# "fragmentation needed" back (a raw socket skips the path MTU the pod has cached).
answers_to() {
  in_ns "${POD[$1]}" python3 - "${IP[$1]}" "${IP[3]}" <<'PY'
import select, socket, struct, sys, time
src, dst = sys.argv[1], sys.argv[2]
tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
tx.setsockopt(socket.IPPROTO_IP, 10, 3)  # IP_PMTUDISC_PROBE
rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ids, got = set(), set()
for k in range(5):
    ident = 0x5100 + k
    ids.add(ident)
    udp = struct.pack("!HHHH", 40001, 9, 1403 - 20, 0) + bytes(1403 - 28)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1403, ident, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    tx.sendto(ip + udp, (dst, 0))
    until = time.monotonic() + 0.3
    while (left := until - time.monotonic()) > 0:
        if not select.select([rx], [], [], left)[0]:
            break
        pkt = rx.recv(4096)
        icmp = pkt[(pkt[0] & 0xF) * 4:]
        if len(icmp) >= 28 and icmp[0] == 3 and icmp[1] == 4:
            quoted = struct.unpack("!H", icmp[12:14])[0]  # the quoted header's identification
            if quoted in ids:
                got.add(quoted)
print(len(got))
PY
}
check "  ... it pings pod h3" until_ok 15 pings 2b 3
limited0=$(metric 2 "$limited_key")
flood_paced "$T_TMP/flood.started" >"$T_TMP/flood.out" 2>&1 &
flood_pid=$!
T_PIDS+=($flood_pid)
check "pod h2 floods h2 with oversized DF packets, 10,000 a second for 3 s" \
  until_ok 5 test -e "$T_TMP/flood.started"
pod2b_answers=$(answers_to 2b)
wait "$flood_pid"
flood_rc=$?
unset 'T_PIDS[-1]'  # ended and reaped: its pid may be another process's by cleanup time
check "  ... the flood ran to its end ($(tail -1 "$T_TMP/flood.out") packets sent)" \
  bash -c 'test "$1" = 0 && test "$(tail -1 "$2")" -ge 10000' _ "$flood_rc" "$T_TMP/flood.out"
check "  ... and h2 left most of it unanswered" \
  until_ok 3 test "$(($(metric 2 "$limited_key") - limited0))" -gt 10000
check "  ... while the second pod on h2 got its answers ($pod2b_answers of 5)" \
  test "${pod2b_answers:-0}" -ge 4

# IPv6 is never fragmented by routers: a packet too big for the path gets ICMPv6 "packet too
# big". The pods get addresses of their own (IPAM hands out IPv4 here).
for i in 1 2 3; do ip -n "${POD[$i]}" addr add "fd00:77::$i/64" dev eth0 nodad; done
pings6() { in_ns "${POD[$1]}" ping -6 -c 1 -W 2 "fd00:77::$2" >/dev/null; }
check "pod h2 pings pod h3 over IPv6" until_ok 15 pings6 2 3
check "pod h1 pings pod h3 over IPv6 (relayed by h2)" until_ok 15 pings6 1 3
# big6 FROM TO SIZE: an IPv6 ping of SIZE bytes of payload (IP = SIZE + 48).
big6() { in_ns "${POD[$1]}" ping -6 -s "$3" -c 2 -i 0.3 -W 2 "fd00:77::$2" 2>&1; }
check "a 1403-byte IPv6 ping h2 -> h3 gets 'packet too big' with mtu 1280, not the path's 1203" \
  bash -c 'grep -Eiq "packet too big: mtu ?= ?1280" <<<"$1"' _ "$(big6 2 3 1355)"
check "  ... and 1280 bytes of IPv6 cross h2 -> h3 whole (the minimum every link carries)" \
  bash -c 'grep -q " 0% packet loss" <<<"$1"' _ "$(big6 2 3 1232)"
underlay_frag() { test "$(metric "$1" weft_sleeve_underlay_fragmented_total)" -gt 0 2>/dev/null; }
check "  ... in datagrams without DF the routers fragment (h2's metric)" until_ok 3 underlay_frag 2
check "  ... and h3's, for the replies" until_ok 3 underlay_frag 3
ip netns exec "${POD[1]}" python3 -m http.server 8001 --bind fd00:77::1 --directory "$T_TMP" >/dev/null 2>&1 &
T_PIDS+=($!)
fetch6() {
  local n
  for n in 1 2 3; do
    in_ns "${POD[3]}" curl -gsf -m 10 -o "$T_TMP/got6" "http://[fd00:77::1]:8001/blob" &&
      cmp -s "$T_TMP/blob" "$T_TMP/got6" && return 0
    sleep 0.5  # the server may still be starting
  done
  return 1
}
# pod1's 1403-byte segments pass only once h2's "packet too big" has taught pod1 1280.
check "TCP over IPv6 pod h1 -> pod h3, relayed by h2: 2 MB intact" fetch6
check "  ... and 1280 bytes of IPv6 cross h1 -> h2 -> h3" \
  bash -c 'grep -q " 0% packet loss" <<<"$1"' _ "$(big6 1 3 1232)"

# The middle link shrinks to 1200 while pods talk. The first datagram over it that is too
# big gets the router's "fragmentation needed" back; h2 takes it as a hint (it is not
# authenticated) and checks the path at once instead of at its next 10 s check.
hints_key="weft_sleeve_pmtu_hints_total{peer=\"$h3name\"}"
hints0=$(metric 2 "$hints_key")
ip -n "$R1" link set eth1 mtu 1200
ip -n "$R2" link set eth1 mtu 1200
in_ns "${POD[2]}" ping -M do -s 1175 -c 3 -i 0.2 -W 1 "${IP[3]}" >/dev/null 2>&1
hinted() { test "$(metric 2 "$hints_key")" -gt "${hints0:-0}" 2>/dev/null; }
check "h2 takes the router's ICMP as a hint to check its path to h3 (its metric)" until_ok 3 hinted
check "  ... and its log says so" grep -q "a router says the path to .* carries 1172-byte datagrams" \
  "$T_TMP/h2.log"
check "  ... and probes find the narrower path: mtu=1103" \
  until_ok 10 conns_say 2 "(h3) sleeve mtu=1103 $WHY pmtu=verified"
check "  ... which pods then cross" until_ok 5 bash -c 'grep -q " 0% packet loss" <<<"$(ip netns exec "$1" ping -M do -s 1075 -c 2 -i 0.3 -W 2 "$2" 2>&1)"' _ "${POD[2]}" "${IP[3]}"

for i in 1 2 3; do cnitool_on "${HOSTS[$i]}" "h$i" del "$NET" "${POD[$i]}" >/dev/null; done
finish
