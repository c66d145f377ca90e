#!/usr/bin/env bash
# image/dev-sysroot.sh DIR PKG:ARCH...: link-time files of -dev packages that
# cannot (or should not) be installed, unpacked into DIR instead.
# - libgstreamer-plugins-base1.0-dev is not "Multi-Arch: same": installing its
#   :arm64 build removes the :amd64 one the native build needs.
# - libgstreamer-plugins-bad1.0-dev (gstreamer-webrtc-1.0.pc, for casting)
#   depends on OpenCV, Qt and GDAL (147 packages) for plugins we never link.
# Each package is unpacked with dpkg-deb (no dependencies): its pkg-config
# files point into DIR, and DIR's .so links point at the runtime libraries
# installed in /usr/lib/<triplet> (the co-installable `…1.0-0` packages).
# Idempotent: redone only when a package's version changes.
set -euo pipefail
dir=${1:?usage: image/dev-sysroot.sh DIR PKG:ARCH...}
shift
(($#)) || { echo "usage: image/dev-sysroot.sh DIR PKG:ARCH..." >&2; exit 2; }
want=""
for pkg in "$@"; do
  version=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
  [[ -n $version && $version != "(none)" ]] || { echo "no $pkg in the apt lists (apt-get update; for :arm64, dpkg --add-architecture arm64)" >&2; exit 1; }
  want+="$pkg=$version "
done
[[ -f $dir/.version && $(cat "$dir/.version") == "$want" ]] && exit 0
rm -rf "$dir"
mkdir -p "$dir/debs"
dir=$(cd "$dir" && pwd)
for spec in $want; do
  (cd "$dir/debs" && apt-get download -q "$spec" 2>&1 | grep -v "couldn't be accessed by user '_apt'" >&2 || true)
done
for deb in "$dir"/debs/*.deb; do
  dpkg-deb -x "$deb" "$dir"
done
for lib in "$dir"/usr/lib/*-linux-gnu; do
  for link in "$lib"/*.so; do
    ln -sfn "/usr/lib/$(basename "$lib")/$(readlink "$link")" "$link"
  done
  sed -i "s|^prefix=.*|prefix=$dir/usr|" "$lib"/pkgconfig/*.pc
done
# One folder to name in PKG_CONFIG_PATH, whatever the triplet.
ln -sfn "$(ls -d "$dir"/usr/lib/*-linux-gnu | head -1)/pkgconfig" "$dir/pkgconfig"
echo "$want" >"$dir/.version"
