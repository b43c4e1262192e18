#!/usr/bin/env bash
# Five hosts form an encrypted mesh. Direct underlay traffic between h1 and h3 is dropped
# in the switch, so h1 learns h3's topology and routes to it through another host. A sixth
# host with the wrong password is refused with the reason shown on both sides; a capture on
# the underlay holds no nickname; a weftd killed with SIGKILL shows as failed/retrying on
# the others and rejoins after a restart; `weft connect`/`forget` survive a restart.
#
#   [h1 198.18.0.1]--+              (h1 <-> h3 dropped by nft in sw)
#   [h2 198.18.0.2]--+
#   [h3 198.18.0.3]--+--[sw: br0]--+--[h6 198.18.0.6, wrong password]
#   [h4 198.18.0.4]--+
#   [h5 198.18.0.5]--+
. "$(dirname "$0")/lib.sh"
require_root_netns
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
command -v nft >/dev/null || skip "nft is not installed"

make_hosts 6
# Bridged frames between h1 and h3 never cross the switch (both directions, any protocol).
in_ns "$SWITCH" nft -f - <<'NFT'
table bridge weft_test {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr 198.18.0.1 ip daddr 198.18.0.3 drop
    ip saddr 198.18.0.3 ip daddr 198.18.0.1 drop
  }
}
NFT
check "h1 cannot reach h3 on the underlay" bash -c "! ip netns exec '${HOSTS[1]}' ping -c1 -W1 198.18.0.3 >/dev/null"

printf 'correct horse battery staple\n' >"$T_TMP/pw"
printf 'wrong password\n' >"$T_TMP/pw-wrong"
# Nicknames long and unusual enough that finding them in a capture is no accident.
nick() { echo "nick-secret-host$1"; }
declare -A PID
start_host() {  # start_host I [ARGS...]: weftd on host I with the right password
  local i=$1; shift
  start_weftd "${HOSTS[$i]}" "$(nick "$i")" --password-file "$T_TMP/pw" "$@"
  PID[$i]=$WEFTD_PID
}
# `ip netns exec` execs tcpdump, so $! is tcpdump itself and cleanup can end it.
ip netns exec "$SWITCH" tcpdump -i br0 -w "$T_TMP/underlay.pcap" -U tcp port 6783 >/dev/null 2>&1 &
T_PIDS+=($!)
for i in 1 2 3 4 5; do start_host "$i" --peer 198.18.0.2 --peer 198.18.0.4; done
for i in 1 2 3 4 5; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "$(nick "$i")"; done

w() { local i=$1; shift; weft "${HOSTS[$i]}" "$(nick "$i")" "$@"; }
report_py() {  # report_py I PYTHON-EXPR: evaluates EXPR with r = host I's report
  w "$1" report | python3 -c "import json,sys; r=json.load(sys.stdin); print($2)"
}
peers_seen() { report_py "$1" 'len(r["router"]["peers"])'; }
all_see() {  # all_see N HOST...: each HOST's report lists N peers
  local n=$1 i; shift
  for i in "$@"; do [ "$(peers_seen "$i")" = "$n" ] || return 1; done
}
established_with() {  # established_with I HOST-IP: host I has an established connection with it
  w "$1" status connections | grep -Eq "^(->|<-) $2:[0-9]+ +established"
}
wait_until() { local t=$1; shift; for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

check "every peer knows all 5 peers" wait_until 30 all_see 5 1 2 3 4 5
status=$(w 3 status)
check "status says encryption is enabled" contains "$status" "Encryption: enabled"
check "status counts established connections" grep -Eq 'Connections: [0-9]+ \([0-9]+ established' <<<"$status"
check "connections are shown as encrypted" contains "$(w 3 status connections)" "established encrypted"

# h1 and h3 never connect directly, yet each knows the other's connections and a route.
check "h1's connection to h3 is not established" bash -c \
  "! grep -Eq '198.18.0.3:6783 +established' <<<\"\$1\"" _ "$(w 1 status connections)"
h3_links() { report_py 1 "sum(len(p['connections']) for p in r['router']['peers'] if p['nickname'] == '$(nick 3)')"; }
check "h1 holds h3's topology entry with its connections" test "$(h3_links)" -ge 2
route_via_other() { w 1 status routes | grep -E "^[0-9a-f:]+\($(nick 3)\) +via [0-9a-f:]+\(nick-secret-host[245]\)"; }
check "h1 routes to h3 through another host" wait_until 10 route_via_other
route_back() { w 3 status routes | grep -E "\($(nick 1)\) +via [0-9a-f:]+\(nick-secret-host[245]\)"; }
check "h3 routes to h1 through another host" wait_until 10 route_back
check "h1 routes to h2 directly" bash -c "grep -Eq '\($(nick 2)\) +via direct' <<<\"\$1\"" _ "$(w 1 status routes)"

# A sixth host with the wrong password is refused; both sides say why.
start_weftd "${HOSTS[6]}" intruder --password-file "$T_TMP/pw-wrong" --peer 198.18.0.2
check "weftd with the wrong password answers locally" wait_weftd "${HOSTS[6]}" intruder
refused() { weft "${HOSTS[6]}" intruder status connections | grep -q "password mismatch"; }
check "the intruder's status says: password mismatch" wait_until 10 refused
victim() { w 2 status connections | grep -q "password mismatch"; }
check "h2's status says: password mismatch" wait_until 10 victim
check "the intruder never joins" test "$(peers_seen 2)" = 5

sleep 1
check "the underlay capture saw mesh traffic" test -s "$T_TMP/underlay.pcap"
check "no nickname appears in clear on the underlay" \
  bash -c "! grep -aq 'nick-secret-host' '$T_TMP/underlay.pcap'"

# kill -9: the others see the connection fail and retry; a restart rejoins.
kill -KILL "${PID[5]}"
wait "${PID[5]}" 2>/dev/null
lost_h5() {  # h5's address is redialled and each failure says why
  local i
  for i in 2 4; do
    w "$i" status connections | grep -Eq "^-> 198.18.0.5:6783 +(failed|retrying) .*refused" || return 1
  done
}
check "h2 and h4 show the killed h5 as failed/retrying: connection refused" wait_until 15 lost_h5
no_route_h5() { ! w 2 status routes | grep -q "$(nick 5)"; }
check "h2 no longer routes to h5" wait_until 15 no_route_h5
start_host 5 --peer 198.18.0.2 --peer 198.18.0.4
check "h5 restarts" wait_weftd "${HOSTS[5]}" "$(nick 5)"
check "h5 rejoins: h2 re-establishes its connection" wait_until 30 established_with 2 198.18.0.5
check "after the rejoin every peer knows all 5 peers" wait_until 30 all_see 5 1 2 3 4 5

# weft connect / forget persist across a restart.
w 3 connect 198.18.0.9:7000 >/dev/null
check "weft connect adds a target" contains "$(w 3 status targets)" "198.18.0.9:7000"
w 3 forget 198.18.0.2 >/dev/null
stop_pid "${PID[3]}"; rc=$?
check "h3 stops cleanly" test "$rc" = 0
start_host 3  # no --peer: the targets come from the store
check "h3 restarts" wait_weftd "${HOSTS[3]}" "$(nick 3)"
targets=$(w 3 status targets)
check "the connected target survived the restart" contains "$targets" "198.18.0.9:7000"
check "the forgotten target stayed forgotten" bash -c "! grep -q '198.18.0.2:6783' <<<\"\$1\"" _ "$targets"
check "h3 rejoins the mesh" wait_until 30 all_see 5 1 2 3 4 5

finish
