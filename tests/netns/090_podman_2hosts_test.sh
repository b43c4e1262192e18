#!/usr/bin/env bash
# weft-cni under a real container runtime: podman 4.3 with its CNI backend on two hosts
# (namespaces on a veth underlay), each podman using weft as its network through the host's
# weftd. A container on h2 pings a container on h1 by address; rm gives the addresses back.
#
# How podman runs here without systemd or a registry (five settings in containers.conf):
# runtime runc (crun refuses this machine's hybrid cgroups), cgroup_manager cgroupfs,
# events_logger file, default_ulimits small enough to be allowed, network_backend cni with
# weft's plugin dir. Its image is imported from Debian's static busybox. podman runs under
# `nsenter --net=` the host's namespace (`ip netns exec` remounts /sys and hides the cgroup
# mounts runc needs), and this script is a child subreaper: conmon double-forks, and the
# machine's PID 1 does not reap, so the exited conmons come back to us.
if [ -z "${WEFT_SUBREAPER:-}" ]; then
  export WEFT_SUBREAPER=1
  exec python3 -c 'import ctypes,os,sys; ctypes.CDLL(None).prctl(36,1,0,0,0); os.execv("/bin/bash", ["bash"]+sys.argv[1:])' "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root_netns
for c in podman runc nsenter busybox; do command -v "$c" >/dev/null || skip "$c is not installed (make deps)"; done
[ -x "$WEFT_BIN_DIR/weft-cni" ] || { echo "FAIL: $WEFT_BIN_DIR/weft-cni not built"; exit 1; }

NET="weftpod$$"
IMG=localhost/weftbusybox:latest
pm() {  # pm HOST_I ARGS...: podman for host I, its state under $T_TMP/hI/podman
  local i=$1; shift
  CONTAINERS_CONF="$T_TMP/h$i/podman/containers.conf" nsenter --net="/run/netns/${HOSTS[$i]}" \
    podman --root "$T_TMP/h$i/podman/storage" --runroot "$T_TMP/h$i/podman/run" \
    --storage-driver overlay "$@"
}
podman_cleanup() {
  local i
  for i in 1 2; do
    [ -d "$T_TMP/h$i/podman" ] || continue
    pm "$i" rm -a -f -t 0 >/dev/null 2>&1
    pm "$i" rmi -a -f >/dev/null 2>&1
    # podman leaves overlay mounts below its root: unmount them before the dir goes
    awk -v p="$T_TMP/h$i/podman/" 'index($2,p)==1{print $2}' /proc/mounts | sort -r |
      xargs -r -n1 umount -l 2>/dev/null
  done
  cleanup
}
trap podman_cleanup EXIT

make_hosts 2
cni_bin
# The image: Debian's static busybox, imported (no registry).
R="$T_TMP/rootfs"
mkdir -p "$R"/bin "$R"/etc "$R"/tmp "$R"/proc "$R"/sys "$R"/dev
cp "$(command -v busybox)" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
echo 'root:x:0:' >"$R/etc/group"

for i in 1 2; do
  start_weftd "${HOSTS[$i]}" "h$i" --peer 198.18.0.1 --peer 198.18.0.2 --ipalloc-init seed=h1,h2
  mkdir -p "$T_TMP/h$i/podman/cni" "$T_TMP/h$i/podman/tmp"
  cni_conflist "h$i" "$NET"
  cp "$T_TMP/h$i/net.d/$NET.conflist" "$T_TMP/h$i/podman/cni/"
  cat >"$T_TMP/h$i/podman/containers.conf" <<CONF
[containers]
netns = "bridge"
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["$CNI_BIN"]
network_config_dir = "$T_TMP/h$i/podman/cni"
default_network = "$NET"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T_TMP/h$i/podman/events.log"
runtime = "runc"
tmp_dir = "$T_TMP/h$i/podman/tmp"
CONF
  tar -C "$R" -cf - . | pm "$i" import --change 'CMD ["/bin/sh"]' - "$IMG" >/dev/null 2>&1
done
for i in 1 2; do check "weftd on h$i answers" wait_weftd "${HOSTS[$i]}" "h$i"; done
for i in 1 2; do check "h$i: the bridge has its address" until_ok 20 exposed "${HOSTS[$i]}" "h$i"; done
check "podman on h1 has the busybox image" pm 1 image exists "$IMG"
check "podman sees weft's network through its CNI backend" \
  contains "$(pm 1 network ls --format '{{.Name}}')" "$NET"
check "podman's network backend is cni" test "$(pm 1 info --format '{{.Host.NetworkBackend}}')" = cni

check "a container starts on h1 with weft's network" \
  pm 1 run -d --name c1 --network "$NET" "$IMG" sleep 300
IP1=$(pm 1 inspect c1 --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" 2>/dev/null)
echo "    c1: ${IP1:-no address}"
check "c1's address comes from h1's weftd" contains "$(weft "${HOSTS[1]}" h1 ps)" "$IP1/"
check "a container on h2 pings c1 on h1" \
  pm 2 run --rm --network "$NET" "$IMG" ping -c 2 -W 2 "$IP1"
check "after run --rm on h2 only the bridge's address is held there" \
  test "$(weft "${HOSTS[2]}" h2 ps | wc -l)" = 1
check "rm c1 (CNI DEL)" pm 1 rm -f -t 0 c1
check "c1's address is free again" test "$(weft "${HOSTS[1]}" h1 ps | grep -c "$IP1/")" = 0
finish
