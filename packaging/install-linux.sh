#!/usr/bin/env bash
# Install a built bundle (dist/casemgr) for the current user or, as root, system-wide:
# the app folder, a `casemgr` launcher on PATH, the desktop entry and the icons.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bundle=${1:-$here/dist/casemgr}
[ -x "$bundle/casemgr" ] || { echo "no bundle at $bundle: run 'make package' first" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then prefix=/opt/casemgr; bindir=/usr/local/bin; share=/usr/local/share
else prefix=$HOME/.local/opt/casemgr; bindir=$HOME/.local/bin; share=$HOME/.local/share; fi
mkdir -p "$prefix" "$bindir" "$share/applications"
rm -rf "$prefix" && cp -a "$bundle" "$prefix"
ln -sf "$prefix/casemgr" "$bindir/casemgr"
install -m 644 "$here/resources/casemgr.desktop" "$share/applications/casemgr.desktop"
for size in 16 32 48 64 128 256 512; do
    dir="$share/icons/hicolor/${size}x${size}/apps"; mkdir -p "$dir"
    install -m 644 "$here/resources/icons/casemgr-$size.png" "$dir/casemgr.png"
done
mkdir -p "$share/icons/hicolor/scalable/apps"
install -m 644 "$here/resources/icon.svg" "$share/icons/hicolor/scalable/apps/casemgr.svg"
echo "installed casemgr in $prefix (launcher: $bindir/casemgr)"
