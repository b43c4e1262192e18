#!/usr/bin/env bash
# cni_latency_bench: CNI ADD and DEL latency of weft-cni (with weftd) against the reference
# plugins bridge + host-local, both driven by the upstream cnitool on one host, pod by pod
# interleaved (ADD weft pod k, ADD reference pod k, ..., then DEL the same way) so drift hits
# both alike. Prints p50/p99 of ADD, DEL and ADD+DEL per pod, and the ratios weft/reference.
# Goal (issue 5): ratio <= 1.0.
#
# Usage: bench/cni_latency_bench.sh [BUILD_DIR]   (default build/release; root)
# Env: PODS (default 200).
set -u
build=${1:-build/release}
PODS=${PODS:-200}
export WEFT_BIN_DIR
WEFT_BIN_DIR=$(cd "$build/bin" && pwd)
. "$(dirname "$0")/../tests/netns/lib.sh"
require_root_netns
for p in bridge host-local; do [ -x "/usr/lib/cni/$p" ] || skip "/usr/lib/cni/$p is missing"; done
NET="weftlat$$"
REF="reflat$$"
trap 'rm -rf /var/lib/cni/networks/"$REF"; cleanup' EXIT

make_hosts 1
H=${HOSTS[1]}
use_cni "$NET" "$REF"
ln -sf /usr/lib/cni/bridge "$CNI_BIN/bridge"
ln -sf /usr/lib/cni/host-local "$CNI_BIN/host-local"
start_weftd "$H" h1 --ipalloc-init seed=h1
wait_weftd "$H" h1 || exit 1
until_ok 30 exposed "${H}" h1 ||
  { echo "FAIL: weftd did not expose its bridge"; exit 1; }
cni_conflist h1 "$NET"
cat >"$T_TMP/h1/net.d/$REF.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "$REF", "plugins": [{"type": "bridge", "bridge": "refbr0",
  "isGateway": true, "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.98.0.0/16"}]]}}]}
JSON

# timed CMD...: runs CMD, prints its wall time in ms; fails the bench when CMD fails.
timed() {
  local t0 t1 out
  t0=$(date +%s%N)
  out=$("$@" 2>&1) || { echo "FAIL: $*: $out" >&2; return 1; }
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}
declare -a WADD RADD WDEL RDEL
for k in $(seq "$PODS"); do
  ns_add "w$k"
  ns_add "r$k"
done
for k in $(seq "$PODS"); do
  WADD+=("$(timed cnitool_on "$H" h1 add "$NET" "${T_PREFIX}-w$k")") || exit 1
  RADD+=("$(timed cnitool_on "$H" h1 add "$REF" "${T_PREFIX}-r$k")") || exit 1
done
for k in $(seq "$PODS"); do
  WDEL+=("$(timed cnitool_on "$H" h1 del "$NET" "${T_PREFIX}-w$k")") || exit 1
  RDEL+=("$(timed cnitool_on "$H" h1 del "$REF" "${T_PREFIX}-r$k")") || exit 1
done
python3 - "${WADD[*]}" "${RADD[*]}" "${WDEL[*]}" "${RDEL[*]}" <<'PY'
import sys
wa, ra, wd, rd = ([int(x) / 1000 for x in a.split()] for a in sys.argv[1:5])
def pct(v, p):
    s = sorted(v); return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]
both_w = [a + d for a, d in zip(wa, wd)]
both_r = [a + d for a, d in zip(ra, rd)]
for name, w, r in (("ADD", wa, ra), ("DEL", wd, rd), ("ADD+DEL", both_w, both_r)):
    print(f"cni_latency {name:7} over {len(w)} pods: weft p50 {pct(w,50):6.1f} ms p99 {pct(w,99):6.1f} ms | "
          f"bridge+host-local p50 {pct(r,50):6.1f} ms p99 {pct(r,99):6.1f} ms | "
          f"ratio p50 {pct(w,50)/pct(r,50):.3f} p99 {pct(w,99)/pct(r,99):.3f}")
print("cni_latency goal: ADD+DEL ratio <= 1.0 (times include cnitool's own start, the same for both)")
PY
