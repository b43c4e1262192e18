#!/usr/bin/env bash
# Graceful leave (`weft ipam leave`) over three hosts seeded h1,h2,h3: refused while the host
# holds an address; once it holds none, its whole share goes to a reachable peer, it shows as
# removed everywhere and allocates nothing more; the others allocate in its former space with
# no address held twice; after it stops, its removal settles without any `weft rmpeer`.
. "$(dirname "$0")/lib.sh"
require_root_netns

RANGE=10.41.0.0/22
make_hosts 3
declare -A PID
for i in 1 2 3; do
  start_weftd "${HOSTS[$i]}" "h$i" --peer 198.18.0.1 --peer 198.18.0.2 \
    --ipalloc-range "$RANGE" --ipalloc-init seed=h1,h2,h3
  PID[$i]=$WEFTD_PID
done
for i in 1 2 3; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"; done

w() { local i=$1; shift; weft "${HOSTS[$i]}" "h$i" "$@"; }
report_py() { w "$1" report | python3 -c "import json,sys; r=json.load(sys.stdin); print($2)"; }
wait_until() { local t=$1; shift; for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
api() { local i=$1; shift; python3 "$(dirname "$0")/weft_api.py" "$T_TMP/h$i/run/weftd.sock" "$@"; }
ready() { [ "$(report_py "$1" 'r["ipam"]["status"]')" = ready ]; }
all_ready() { ready 1 && ready 2 && ready 3; }
check "all three rings are ready" wait_until 20 all_ready
# h3's seeded share, from h1's view (seed shares are CIDR-aligned): a /24 of the /22.
SUB=$(report_py 1 '[e["token"] for e in r["ipam"]["entries"] if e["nickname"] == "h3" and e["size"] >= 256][0]')/24
echo "    h3's share is $SUB"

api 3 allocate pod-3 1 >"$T_TMP/pod3"
check "h3 holds an address" [ "$(wc -l <"$T_TMP/pod3")" = 1 ]
refused=$(w 3 ipam leave 2>&1) && rc=0 || rc=$?
check "leave is refused while h3 holds addresses" [ "$rc" != 0 ]
check "the refusal says why" contains "$refused" "holds"
w 3 ipam free pod-3-1 >/dev/null
w 3 hide >/dev/null  # the bridge's own address, allocated once the ring was ready
no_addresses() { [ "$(report_py 3 'r["ipam"]["allocations"]')" = 0 ]; }
check "h3 holds no address" wait_until 10 no_addresses
out=$(w 3 ipam leave 2>&1)
echo "    $out"
check "h3 leaves the ring" contains "$out" "left the IP allocation ring"
check "h3 says it is removed" contains "$(report_py 3 'r["ipam"]["status"]')" "removed from the ring"
removed_on() { w "$1" status ipam | grep -q 'h3).*removed'; }
check "h1 shows h3 removed" wait_until 10 removed_on 1
check "h2 shows h3 removed" wait_until 10 removed_on 2
owns_nothing() { [ "$(report_py "$1" 'int(sum(p["owned"] for p in r["ipam"]["peers"] if p["nickname"] == "h3"))')" = 0 ]; }
check "h3 owns nothing in h1's view" wait_until 10 owns_nothing 1
J=()
for i in 1 2; do api "$i" allocate "after-$i" 20 "$SUB" >"$T_TMP/after-$i" & J+=($!); done
wait "${J[@]}"
check "h1 and h2 allocate 40 addresses in h3's former share" \
  bash -c "[ \$(cat '$T_TMP'/after-? | wc -l) = 40 ]"
check "no address held twice" bash -c "[ -z \"\$(cat '$T_TMP'/after-? | awk '{print \$2}' | sort | uniq -d)\" ]"
# h3 stops for good: the others acknowledge its removal once they cannot reach it.
kill -TERM "${PID[3]}"
wait "${PID[3]}" 2>/dev/null
settled() { w "$1" status ipam | grep -q 'h3).*removed (rmpeer)$'; }
check "h1 sees h3's removal settled without rmpeer" wait_until 20 settled 1
check "h2 sees h3's removal settled without rmpeer" wait_until 20 settled 2
finish
