#!/usr/bin/env bash
# weft DNS on three hosts, pods attached by weft-cni under cnitool, queried with dig from a
# pod on h1 at the nameserver its CNI result names (h1's bridge address): a pod on h3 by name
# and its PTR; a name two pods share (both addresses, order rotating); NXDOMAIN and NODATA
# with the SOA; dig +tcp; an answer too big for UDP sets TC (dig then retries over TCP and
# gets it all); a name outside weft.local through an upstream dnsmasq on a fourth namespace,
# then from the cache (dnsmasq sees it once); with dnsmasq gone, SERVFAIL in bounded time;
# after DEL of the pod on h3, its name is gone on every host; a restarted weftd has its names
# back once and answers for others' at once; rmpeer of a gone host drops its names. Also the
# CLI (dns-add, dns-lookup, dns-remove, status dns) and the metrics.
. "$(dirname "$0")/lib.sh"
require_root_netns
for c in dig dnsmasq curl; do command -v "$c" >/dev/null || skip "$c is not installed (make deps)"; done

NET="weftdns$$"     # weft alone
NETH="weftdnsh$$"   # weft with "hostname": "shared": every pod also answers to shared.weft.local

use_cni "$NET" "$NETH"
make_hosts 4   # h4 is not a weft host: it runs the upstream dnsmasq
UP=198.18.0.4
cat >"$T_TMP/up.hosts" <<EOF
198.18.7.7 ext.example.test
EOF
ip netns exec "${HOSTS[4]}" dnsmasq --keep-in-foreground --user=root --port=53 \
  --listen-address=$UP --bind-interfaces --no-resolv --no-hosts --addn-hosts="$T_TMP/up.hosts" --local-ttl=60 \
  --log-queries --log-facility="$T_TMP/dnsmasq.log" &
DNSMASQ=$!
T_PIDS+=("$DNSMASQ")

declare -A WPID
for i in 1 2 3; do
  start_weftd "${HOSTS[$i]}" "h$i" --peer 198.18.0.1 --peer 198.18.0.2 --peer 198.18.0.3 \
    --ipalloc-init seed=h1,h2,h3 --dns-upstream $UP
  WPID[$i]=$WEFTD_PID
  cni_conflist "h$i" "$NET"
  WEFT_EXTRA=', "hostname": "shared"' cni_conflist "h$i" "$NETH"
done
for i in 1 2 3; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"; done
for i in 1 2 3; do check "h$i: the bridge has its address from IPAM" until_ok 20 exposed "${HOSTS[$i]}" "h$i"; done
dns_ready() { weft "${HOSTS[$1]}" "h$1" status | grep -A1 'Service: dns' | grep -q 'Status: ready'; }
for i in 1 2 3; do check "h$i: DNS answers on the bridge" until_ok 10 dns_ready $i; done
fails() { ! "$@" >/dev/null 2>&1; }

H1=${WPID[1]}
H2=${WPID[2]}
cni() { local i=$1 net=$2 cmd=$3; shift 3; cnitool_on "${HOSTS[$i]}" "h$i" "$cmd" "$net" "$@"; }
field() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
declare -A POD IP
add_pod() {  # add_pod I NAME NET
  ns_add "pod-$2"
  POD[$2]=$NS
  local out
  out=$(cni "$1" "$3" add "$NS" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$2")
  check "cnitool ADD of pod $2 on h$1" test $? = 0
  IP[$2]=$(echo "$out" | field 'r["ips"][0]["address"].split("/")[0]')
  [ "$2" = web-1 ] && OUT1=$out
  echo "    pod $2: ${IP[$2]}"
}
add_pod 1 web-1 "$NET"
add_pod 3 web-3 "$NET"
add_pod 1 db-1 "$NETH"
add_pod 2 db-2 "$NETH"

GW1=$(weft "${HOSTS[1]}" h1 report | field 'r["fastdp"]["address"].split("/")[0]')
NSV=$(echo "$OUT1" | field 'r["dns"]["nameservers"][0]')
check "the CNI result names h1's bridge address as the nameserver" test "$NSV" = "$GW1"
check "and weft.local as the search domain" test "$(echo "$OUT1" | field 'r["dns"]["search"][0]')" = weft.local

# q ARGS...: dig from pod web-1 at its nameserver (short timeouts: every answer is local).
q() { in_ns "${POD[web-1]}" dig @"$NSV" +time=2 +tries=1 "$@"; }
short() { q +short "$@"; }
# resolves NAME WANT: the sorted addresses of NAME, space-separated, are WANT (for until_ok).
resolves() {
  local got
  got=$(short "$1" A | sort | tr '\n' ' ')
  [ "$got" = "$2" ] || { echo "    $1: got '$got', want '$2'"; return 1; }
}
lookup_count() { test "$(weft "${HOSTS[$1]}" "h$1" dns-lookup "$2" 2>/dev/null | wc -l)" = "$3"; }
nxdomain() { q "$1" A | grep -q 'status: NXDOMAIN'; }
check "a pod on h3 resolves by name from h1" until_ok 10 resolves web-3.weft.local "${IP[web-3]} "
check "names are case-insensitive" test "$(short WeB-3.WEFT.local A)" = "${IP[web-3]}"
check "its PTR gives the name back" test "$(short -x "${IP[web-3]}")" = "web-3.weft.local."
both=$(printf '%s\n' "${IP[db-1]}" "${IP[db-2]}" | sort | tr '\n' ' ')
check "a name two pods share has both addresses" \
  until_ok 10 resolves shared.weft.local "$both"
firsts=$(for _ in $(seq 8); do short shared.weft.local A | head -1; done | sort -u | wc -l)
check "their order rotates (both come first in 8 queries)" test "$firsts" = 2

nx=$(q nope.weft.local A)
check "an unknown name is NXDOMAIN" contains "$nx" "status: NXDOMAIN"
check "with the SOA in the authority section" contains "$nx" "weft.local.		30	IN	SOA"
nd=$(q web-3.weft.local AAAA)
check "a name without AAAA is NODATA (NOERROR, no answer)" contains "$nd" "status: NOERROR"
check "NODATA has no answer" contains "$nd" "ANSWER: 0, AUTHORITY: 1"
check "NODATA carries the SOA" contains "$nd" "IN	SOA"
check "dig +tcp works" test "$(short +tcp web-3.weft.local A)" = "${IP[web-3]}"

# 80 addresses for one name: more than 512 bytes.
big=()
for n in $(seq 10 89); do big+=("198.19.1.$n"); done
check "weft dns-add registers a name with 80 addresses" weft "${HOSTS[2]}" h2 dns-add big "${big[@]}"
check "h1 sees all 80 (weft dns-lookup)" until_ok 10 lookup_count 1 big 80
tc=$(q +noedns +ignore big.weft.local A)
check "over UDP without EDNS the answer is truncated (TC)" contains "$(echo "$tc" | grep 'flags:')" " tc"
check "dig retries over TCP and gets all 80" test "$(short +noedns big.weft.local A | wc -l)" = 80

ext=$(short ext.example.test A)
check "a name outside weft.local comes from the upstream dnsmasq" test "$ext" = 198.18.7.7
check "asked again, it comes from the cache" test "$(short ext.example.test A)" = 198.18.7.7
check "dnsmasq was asked once" test "$(grep -c 'query\[A\] ext.example.test' "$T_TMP/dnsmasq.log")" = 1
m=$(in_ns "${HOSTS[1]}" curl -s http://127.0.0.1:6784/metrics)
check "metrics count A queries" contains "$m" 'weft_dns_queries_total{type="A"}'
check "metrics count the cache hit (exactly one)" grep -qx "weft_dns_cache_hits_total 1" <<<"$m"
check "metrics count NXDOMAIN" contains "$m" 'weft_dns_responses_total{rcode="NXDOMAIN"}'

# servfail NAME LIMIT_MS WHY: the query gets SERVFAIL within LIMIT_MS.
servfail() {
  local t0 sf ms
  t0=$(date +%s%N)
  sf=$(q +time=10 "$1" A)
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  check "$3: SERVFAIL" contains "$sf" "status: SERVFAIL"
  check "$3: within $2 ms (took $ms ms)" test "$ms" -lt "$2"
}
stop_pid "$DNSMASQ"
servfail other.example.test 2000 "upstream port closed"
ip -n "${HOSTS[4]}" link set eth0 down   # now nothing answers, not even ICMP
servfail third.example.test 5000 "upstream silent (c-ares: 1 s, then 2 s)"

st=$(weft "${HOSTS[3]}" h3 status dns)
check "weft status dns on h3 lists web-1 with its address and origin h1" \
  grep -Eq "^web-1\.weft\.local\. +${IP[web-1]//./\\.} .*\(h1\)$" <<<"$st"
check "weft status shows the dns block" contains "$(weft "${HOSTS[3]}" h3 status)" "Domain: weft.local."
check "weft report has dns.entries" \
  test "$(weft "${HOSTS[3]}" h3 report | field 'len(r["dns"]["entries"])')" -ge 85

check "cnitool DEL of pod web-3" cni 3 "$NET" del "${POD[web-3]}"
for i in 1 2 3; do
  check "after DEL, web-3 is gone on h$i" \
    until_ok 10 fails weft "${HOSTS[$i]}" "h$i" dns-lookup web-3
done
check "and h1's DNS says NXDOMAIN" contains "$(q web-3.weft.local A)" "status: NXDOMAIN"
check "weft dns-remove on another host refuses (not its name)" \
  contains "$(weft "${HOSTS[1]}" h1 dns-remove big 2>&1)" "this host registered no big.weft.local."
check "weft dns-remove on its host removes it" weft "${HOSTS[2]}" h2 dns-remove big
check "gone on h1 too (NXDOMAIN)" until_ok 10 nxdomain big.weft.local

# A restarted weftd registers its own names again, once, and answers for the others at once.
stop_pid "$H1"
start_weftd "${HOSTS[1]}" h1 --peer 198.18.0.1 --peer 198.18.0.2 --peer 198.18.0.3 \
  --ipalloc-init seed=h1,h2,h3 --dns-upstream $UP
H1=$WEFTD_PID
check "h1's weftd answers again" wait_weftd "${HOSTS[1]}" h1
check "its DNS is back" until_ok 20 dns_ready 1
check "right away it resolves a pod on another host (names from peers first)" \
  resolves shared.weft.local "$both"
check "h3 still has h1's web-1, once" until_ok 10 lookup_count 3 web-1 1
check "and h1 itself answers for web-1" resolves web-1.weft.local "${IP[web-1]} "

# rmpeer of a host gone for good drops its names everywhere.
stop_pid "$H2"
rmpeer_h2() { weft "${HOSTS[1]}" h1 rmpeer h2; }
check "rmpeer h2 on h1 (once h2 is unreachable)" until_ok 30 rmpeer_h2
check "h2's db-2 leaves shared.weft.local on h1" until_ok 10 resolves shared.weft.local "${IP[db-1]} "
check "and on h3" until_ok 10 lookup_count 3 shared 1

finish
