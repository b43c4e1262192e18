#!/usr/bin/env bash
# IPAM bootstrap by consensus: three weftd with the default --ipalloc-init (consensus with
# N = 1 + number of --peer targets = 3) agree on one ring seeded by all three; a fourth,
# started as an observer, owns nothing until it allocates, then gets space donated by a
# peer. Before its peers come up, a lone consensus peer says what it is waiting for.
. "$(dirname "$0")/lib.sh"
require_root_netns

make_hosts 4
others() {  # --peer flags for host I: the other two of h1..h3
  local i=$1 j
  for j in 1 2 3; do [ "$j" = "$i" ] || printf -- '--peer 198.18.0.%s ' "$j"; done
}
w() { local i=$1; shift; weft "${HOSTS[$i]}" "h$i" "$@"; }
report_py() { w "$1" report | python3 -c "import json,sys; r=json.load(sys.stdin); print($2)"; }
ready() { [ "$(report_py "$1" 'r["ipam"]["status"]')" = ready ]; }

# shellcheck disable=SC2046
start_weftd "${HOSTS[1]}" h1 $(others 1)
check "weftd on h1 answers" wait_weftd "${HOSTS[1]}" h1
check "alone, h1 awaits consensus with its quorum" contains "$(w 1 status)" "Status: awaiting consensus (quorum 2, known 1)"
for i in 2 3; do
  # shellcheck disable=SC2046
  start_weftd "${HOSTS[$i]}" "h$i" $(others "$i")
  check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"
done
all_ready() { ready 1 && ready 2 && ready 3; }
check "the three agree and are ready" until_ok 30 all_ready
seeds() { report_py "$1" '",".join(sorted(r["ipam"]["seeds"]))'; }
check "one ring, seeded by the same peers everywhere" bash -c "[ '$(seeds 1)' = '$(seeds 2)' ] && [ '$(seeds 2)' = '$(seeds 3)' ]"
check "the agreed ring has a seed per peer" [ "$(report_py 1 'len(r["ipam"]["seeds"])')" -ge 2 ]

start_weftd "${HOSTS[4]}" h4 --peer 198.18.0.1 --ipalloc-init observer
check "weftd on h4 (observer) answers" wait_weftd "${HOSTS[4]}" h4
check "the observer receives the ring" until_ok 20 ready 4
# An observer seeds nothing, but its bridge needs an address (expose): it asks for space.
check "the observer's bridge gets an address from donated space" until_ok 20 exposed "${HOSTS[4]}" h4
out=$(w 4 ipam allocate obs-1)
check "the observer allocates with donated space" contains "$out" '"id":"obs-1"'
check "the observer now owns space" [ "$(report_py 4 'sum(p["owned"] for p in r["ipam"]["peers"] if p["nickname"] == "h4") > 0')" = True ]
finish
