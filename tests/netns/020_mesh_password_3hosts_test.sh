#!/usr/bin/env bash
# Three hosts join an encrypted mesh: every peer knows every peer, a wrong password is
# refused with the reason shown on both sides, a capture on the underlay holds no nickname,
# and targets from `weft connect` survive a restart.
#
#   [h1 198.18.0.1]--+
#   [h2 198.18.0.2]--+--[sw: br0]--+--[h4 198.18.0.4, wrong password]
#   [h3 198.18.0.3]--+
. "$(dirname "$0")/lib.sh"
require_root_netns
command -v tcpdump >/dev/null || skip "tcpdump is not installed"

make_hosts 4
printf 'correct horse battery staple\n' >"$T_TMP/pw"
printf 'wrong password\n' >"$T_TMP/pw-wrong"
# Nicknames long and unusual enough that finding them in a capture is no accident.
for i in 1 2 3; do
  start_weftd "${HOSTS[$i]}" "nick-secret-host$i" --password-file "$T_TMP/pw" \
    --peer 198.18.0.1 --peer 198.18.0.2
done
# `ip netns exec` execs tcpdump, so $! is tcpdump itself and cleanup can end it.
ip netns exec "$SWITCH" tcpdump -i br0 -w "$T_TMP/underlay.pcap" -U tcp port 6783 >/dev/null 2>&1 &
T_PIDS+=($!)
for i in 1 2 3; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "nick-secret-host$i"; done

peers_seen() {  # peers_seen NS HOST: the number of peers in its report
  weft "$1" "$2" report | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["router"]["peers"]))'
}
all_see_three() {
  for i in 1 2 3; do [ "$(peers_seen "${HOSTS[$i]}" "nick-secret-host$i")" = 3 ] || return 1; done
}
wait_until() { local t=$1; shift; for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done; return 1; }
check "every peer knows all 3 peers" wait_until 20 all_see_three
status=$(weft "${HOSTS[3]}" nick-secret-host3 status)
check "status says encryption is enabled" contains "$status" "Encryption: enabled"
check "status counts established connections" grep -Eq 'Connections: [0-9]+ \([0-9]+ established' <<<"$status"
conns=$(weft "${HOSTS[3]}" nick-secret-host3 status connections)
check "connections are shown as encrypted" contains "$conns" "established encrypted"

# A fourth host with the wrong password is refused; both sides say why.
start_weftd "${HOSTS[4]}" intruder --password-file "$T_TMP/pw-wrong" --peer 198.18.0.1
check "weftd with the wrong password answers locally" wait_weftd "${HOSTS[4]}" intruder
refused() { weft "${HOSTS[4]}" intruder status connections | grep -q "password mismatch"; }
check "the intruder's status says: password mismatch" wait_until 10 refused
victim() { weft "${HOSTS[1]}" nick-secret-host1 status connections | grep -q "password mismatch"; }
check "h1's status says: password mismatch" wait_until 10 victim
check "the intruder never joins" test "$(peers_seen "${HOSTS[1]}" nick-secret-host1)" = 3

sleep 1
check "the underlay capture saw mesh traffic" test -s "$T_TMP/underlay.pcap"
check "no nickname appears in clear on the underlay" \
  bash -c "! grep -aq 'nick-secret-host' '$T_TMP/underlay.pcap'"

# weft connect / forget persist across a restart.
out=$(weft "${HOSTS[3]}" nick-secret-host3 connect 198.18.0.9:7000)
check "weft connect adds a target" contains "$(weft "${HOSTS[3]}" nick-secret-host3 status targets)" "198.18.0.9:7000"
weft "${HOSTS[3]}" nick-secret-host3 forget 198.18.0.2 >/dev/null
pid3=${T_PIDS[2]}
stop_pid "$pid3"; rc=$?
check "h3 stops cleanly" test "$rc" = 0
start_weftd "${HOSTS[3]}" nick-secret-host3 --password-file "$T_TMP/pw"
check "h3 restarts" wait_weftd "${HOSTS[3]}" nick-secret-host3
targets=$(weft "${HOSTS[3]}" nick-secret-host3 status targets)
check "the connected target survived the restart" contains "$targets" "198.18.0.9:7000"
check "the forgotten target stayed forgotten" bash -c "! grep -q '198.18.0.2:6783' <<<\"\$1\"" _ "$targets"
check "h3 rejoins the mesh" wait_until 20 all_see_three

finish
