#!/bin/sh
# Installs what libdocker needs on a fresh Debian 12 machine (as root), only what is missing.
#   scripts/setup-debian.sh          everything the test command uses
#   scripts/setup-debian.sh --demo   only what the demo needs
set -eu

packages="busybox-static libc6-dev gcc pkg-config xz-utils bzip2 zstd"
if [ "${1:-}" != "--demo" ]; then
    # Real peers of the interop tests and tools of the C tests.
    packages="$packages docker.io skopeo valgrind make"
fi

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # docker.io's service must not start a system daemon: the tests start their own.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    rm -f /usr/sbin/policy-rc.d
fi

command -v cargo >/dev/null || {
    echo "cargo is missing: install Rust (https://rustup.rs) first" >&2
    exit 1
}
