#!/bin/sh
# The C ABI's tests in one command: build the libraries, the monitor and `dock`, then run
# `cargo test -p libdocker-ffi` (unit tests, the header freshness test, and ffi/tests/c.rs, which
# installs into a temporary prefix and compiles and runs the C tests and examples against
# libdocker.so and libdocker.a, and under valgrind). Honours CARGO_TARGET_DIR; extra arguments go
# to `cargo test` (e.g. `scripts/test-c.sh -- --nocapture`). Needs root, cc, make, pkg-config,
# GNU tar, busybox-static and valgrind.
set -eu
cd "$(dirname "$0")/.."
cargo build -p libdocker-ffi -p libdocker-monitor -p dock
exec cargo test -p libdocker-ffi "$@"
