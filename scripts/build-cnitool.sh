#!/usr/bin/env bash
# Builds the upstream reference CNI client `cnitool` (containernetworking/cni, libcni) from
# Debian's own packages, offline: the binary package golang-github-appc-cni-dev ships libcni
# under /usr/share/gocode but not cnitool/, which is only in the *source* package. It is
# built in GOPATH mode because module mode wants the test dependencies from go.mod
# (ginkgo, gomega), which no package provides.
#
# Usage (root): scripts/build-cnitool.sh [DEST]     default DEST=/usr/local/bin/cnitool
set -euo pipefail
DEST=${1:-/usr/local/bin/cnitool}
if [ -x "$DEST" ]; then exit 0; fi
[ "$(id -u)" = 0 ] || { echo "build-cnitool: run as root (apt-get source, install into $DEST)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

# apt-get source needs a deb-src entry; add one for the archive binaries already come from.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  [ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$uri" ] || { echo "build-cnitool: no Debian archive in the apt sources; add one" >&2; exit 1; }
  printf 'Types: deb-src\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" >/etc/apt/sources.list.d/weft-debian-src.sources
  apt-get update -qq
fi

work=$(mktemp -d /tmp/weft-cnitool.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq golang-github-appc-cni >/dev/null 2>&1) ||
  (apt-get update -qq && cd "$work" && apt-get source -qq golang-github-appc-cni >/dev/null)
src=$(ls -d "$work"/golang-github-appc-cni-*/ | head -1)
mkdir -p "$work/gopath/src/cnitool"
cp "$src/cnitool/cnitool.go" "$work/gopath/src/cnitool/"
(cd "$work/gopath/src/cnitool" &&
  GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" GOPROXY=off GOFLAGS='' \
    GOCACHE="$work/gocache" CGO_ENABLED=0 go build -o "$work/cnitool" .)
install -m 0755 "$work/cnitool" "$DEST"
echo "deps: built $DEST from $(basename "$src")"
