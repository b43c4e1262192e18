#!/usr/bin/env bash
# IPAM over three hosts seeded by nickname (--ipalloc-init seed=h1,h2,h3): 300 allocations
# spread over the hosts through the API give 300 distinct addresses inside the range; a
# weftd killed with SIGKILL in the middle of a stream of allocations still holds every
# allocation it acknowledged after a restart, with no address held twice anywhere; a dead
# host shows as unreachable, `weft rmpeer` of it on two hosts at once passes its space on,
# and the survivors allocate from it without duplicates.
. "$(dirname "$0")/lib.sh"
require_root_netns

RANGE=10.40.0.0/20
make_hosts 3
declare -A PID
start_host() {  # start_host I: weftd on host I
  start_weftd "${HOSTS[$1]}" "h$1" --peer 198.18.0.1 --peer 198.18.0.2 \
    --ipalloc-range "$RANGE" --ipalloc-init seed=h1,h2,h3
  PID[$1]=$WEFTD_PID
}
for i in 1 2 3; do start_host "$i"; done
for i in 1 2 3; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"; done

w() { local i=$1; shift; weft "${HOSTS[$i]}" "h$i" "$@"; }
report_py() { w "$1" report | python3 -c "import json,sys; r=json.load(sys.stdin); print($2)"; }
wait_until() { local t=$1; shift; for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
ready() { [ "$(report_py "$1" 'r["ipam"]["status"]')" = ready ]; }
all_ready() { ready 1 && ready 2 && ready 3; }

check "all three rings are ready (seeds resolved by nickname)" wait_until 20 all_ready
check "weft status shows the ipam block" contains "$(w 1 status)" "Range: $RANGE"
check "status ipam lists the three peers" \
  bash -c "[ \$(ip netns exec '${HOSTS[1]}' '$WEFT_BIN_DIR/weft' --run-dir '$T_TMP/h1/run' status ipam | grep -c '% of total') = 3 ]"

api() { local i=$1; shift; python3 "$(dirname "$0")/weft_api.py" "$T_TMP/h$i/run/weftd.sock" "$@"; }
# 300 allocations, 100 per host, through the API (the three hosts at once).
J=()
for i in 1 2 3; do api "$i" allocate "ctr-$i" 100 >"$T_TMP/alloc-$i" & J+=($!); done
wait "${J[@]}"
cat "$T_TMP"/alloc-? | awk '{print $2}' >"$T_TMP/addrs"
check "300 allocations answered" bash -c "[ \$(wc -l <'$T_TMP/addrs') = 300 ]"
check "300 distinct addresses" bash -c "[ \$(sort -u '$T_TMP/addrs' | wc -l) = 300 ]"
in_range() {
  python3 - "$RANGE" "$T_TMP/addrs" <<'PY'
import ipaddress, sys
net = ipaddress.ip_network(sys.argv[1])
bad = [l for l in open(sys.argv[2]).read().split() if ipaddress.ip_interface(l).ip not in net]
print(bad); sys.exit(1 if bad else 0)
PY
}
check "every address is inside $RANGE" in_range
again=$(w 2 ipam allocate ctr-2-7)
first=$(w 2 ipam lookup ctr-2-7)
check "allocate is idempotent per id" contains "$first" "$(echo "$again" | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')"
check "weft ps on h3 lists its 100" bash -c "[ \$(ip netns exec '${HOSTS[3]}' '$WEFT_BIN_DIR/weft' --run-dir '$T_TMP/h3/run' ps | grep -c '^ctr-3-') = 100 ]"
# 100 allocations plus the bridge's own address (expose, allocated once the ring is ready).
check "metrics count used addresses (100 + the bridge's)" until_ok 10 bash -c \
  "ip netns exec '${HOSTS[1]}' curl -s http://127.0.0.1:6784/metrics | grep -qF 'weft_ipam_addresses{state=\"used\"} 101'"

# kill -9 in the middle of a stream of allocations on h2; what was acknowledged survives.
api 2 allocate kill 2000 >"$T_TMP/acked" 2>"$T_TMP/stream.err" &
STREAM=$!
streaming() { [ "$(wc -l <"$T_TMP/acked")" -ge 50 ]; }
check "the stream is under way" wait_until 20 streaming
kill -KILL "${PID[2]}"
wait "${PID[2]}" 2>/dev/null
wait "$STREAM"
acked=$(wc -l <"$T_TMP/acked")
echo "    $acked allocations acknowledged before kill -9"
check "some allocations were acknowledged before the kill" bash -c "[ $acked -gt 0 ]"
start_host 2
check "h2 restarts" wait_weftd "${HOSTS[2]}" h2
check "h2 is ready again" wait_until 20 ready 2
lost=0
while read -r id addr; do
  got=$(w 2 ipam lookup "$id" 2>/dev/null)
  case "$got" in *"\"$addr\""*) ;; *) echo "    lost $id $addr: $got"; lost=$((lost + 1)) ;; esac
done <"$T_TMP/acked"
check "every acknowledged allocation is still held after kill -9" [ "$lost" = 0 ]

all_held() {  # every address held on the live hosts, one per line
  local i
  for i in "$@"; do
    w "$i" ps | awk '{print $2}'
  done
}
all_held 1 2 3 >"$T_TMP/held"
check "no address is held twice across the hosts" bash -c "[ -z \"\$(sort '$T_TMP/held' | uniq -d)\" ]"

# h3 dies for good; rmpeer on h1 and h2 at once passes its space on.
kill -KILL "${PID[3]}"
wait "${PID[3]}" 2>/dev/null
unreachable() { w 1 status ipam | grep -q 'h3).*unreachable!'; }
check "h1 shows h3 unreachable" wait_until 20 unreachable
# A /26 of h3's space, from h1's view of the ring (seed shares are CIDR-aligned).
SUB=$(report_py 1 '[e["token"] for e in r["ipam"]["entries"] if e["nickname"] == "h3" and e["size"] >= 64][0]')/26
echo "    h3's space includes $SUB"
w 1 rmpeer h3 >"$T_TMP/rm1" 2>&1 &
R1=$!
w 2 rmpeer h3 >"$T_TMP/rm2" 2>&1 &
R2=$!
wait "$R1"; s1=$?
wait "$R2"; s2=$?
check "rmpeer h3 succeeds on h1 and h2 at once" [ "$s1$s2" = 00 ]
check "h3 shows as removed" contains "$(w 1 status ipam)" "removed (rmpeer)"
# Both hosts acknowledge the removal (neither reaches h3), which settles it everywhere.
settled() { w "$1" status ipam | grep -q 'removed (rmpeer)$'; }
check "h1 sees the removal settled" wait_until 10 settled 1
check "h2 sees the removal settled" wait_until 10 settled 2
J=()
for i in 1 2; do api "$i" allocate "after-$i" 20 "$SUB" >"$T_TMP/inherited-$i" & J+=($!); done
wait "${J[@]}"
check "h1 and h2 allocate 40 addresses in h3's former space" \
  bash -c "[ \$(cat '$T_TMP'/inherited-? | wc -l) = 40 ]"
all_held 1 2 >"$T_TMP/held2"
check "still no address held twice" bash -c "[ -z \"\$(sort '$T_TMP/held2' | uniq -d)\" ]"
same_ring() { [ "$(report_py 1 'r["ipam"]["entries"]')" = "$(report_py 2 'r["ipam"]["entries"]')" ]; }
check "h1 and h2 agree on the ring" wait_until 10 same_ring
finish
