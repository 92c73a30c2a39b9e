#!/bin/sh
# Build examples/build with dock and run it: busybox's httpd serving the site COPYed in, asked by a
# client inside the same container (the build and the container have no network but loopback).
# DOCK: the dock binary (default: the repository's release build, else `dock` on PATH);
# LIBDOCKER_ROOT: the state root (default /tmp/libdocker-demo). Imports busybox if missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
DOCK=${DOCK:-$repo/target/release/dock}
[ -x "$DOCK" ] || DOCK=dock
export LIBDOCKER_ROOT="${LIBDOCKER_ROOT:-/tmp/libdocker-demo}"
name=hipache-like

if ! $DOCK inspect --type image busybox >/dev/null 2>&1; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    "$repo/tests/fixtures/busybox-rootfs.sh" "$work/busybox.tar"
    $DOCK import "$work/busybox.tar" busybox
fi

echo "\$ dock build -t $name examples/build"
$DOCK build -t $name "$here"
echo
echo "\$ dock build -t $name examples/build   # again: every step from the cache"
$DOCK build -t $name "$here" | grep -E "^Step|Using cache|Successfully"
echo
$DOCK history $name

echo
echo "\$ dock run -d --name $name $name"
$DOCK run -d --name $name $name
# The server is up when it answers.
tries=0
until $DOCK exec $name wget -q -O /dev/null http://127.0.0.1:8080/ 2>/dev/null; do
    tries=$((tries + 1))
    [ $tries -lt 50 ] || { $DOCK logs $name; exit 1; }
    sleep 0.1
done
echo "\$ dock exec $name wget -qO- http://127.0.0.1:8080/"
$DOCK exec $name wget -qO- http://127.0.0.1:8080/
echo "\$ dock exec $name wget -qO- http://127.0.0.1:8080/build.txt"
$DOCK exec $name wget -qO- http://127.0.0.1:8080/build.txt
echo "\$ dock exec $name wget -qO- http://127.0.0.1:8080/missing   # answered with a 404"
$DOCK exec $name wget -qO- http://127.0.0.1:8080/missing 2>&1 || true
echo "\$ dock logs $name"
$DOCK logs $name
$DOCK rm -f $name >/dev/null
$DOCK rmi $name
