#!/usr/bin/env bash
# image/arm64-sysroot.sh DIR: the arm64 link-time files that cannot be
# installed beside the amd64 ones. libgstreamer-plugins-base1.0-dev is not
# "Multi-Arch: same", so installing its :arm64 build removes the :amd64 one
# the native build needs. Its package is unpacked into DIR instead: the
# pkg-config files point into DIR, and DIR's .so links point at the arm64
# runtime libraries installed in /usr/lib/aarch64-linux-gnu
# (libgstreamer-plugins-base1.0-0:arm64, which is co-installable).
# Idempotent: redone only when the package version changes.
set -euo pipefail
dir=${1:?usage: image/arm64-sysroot.sh DIR}
pkg=libgstreamer-plugins-base1.0-dev:arm64
want=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
[[ -n $want && $want != "(none)" ]] || { echo "no $pkg in the apt lists (dpkg --add-architecture arm64; apt-get update)" >&2; exit 1; }
[[ -f $dir/.version && $(cat "$dir/.version") == "$want" ]] && exit 0
rm -rf "$dir"
mkdir -p "$dir/debs"
dir=$(cd "$dir" && pwd)
(cd "$dir/debs" && apt-get download -q "$pkg=$want" 2>&1 | grep -v "couldn't be accessed by user '_apt'" >&2 || true)
dpkg-deb -x "$dir"/debs/*.deb "$dir"
lib=$dir/usr/lib/aarch64-linux-gnu
for link in "$lib"/*.so; do
  ln -sfn "/usr/lib/aarch64-linux-gnu/$(readlink "$link")" "$link"
done
sed -i "s|^prefix=.*|prefix=$dir/usr|" "$lib"/pkgconfig/*.pc
echo "$want" >"$dir/.version"
