#!/bin/sh
# install-deps.sh - installs everything kvaot needs to build and test on a
# fresh Debian 12 machine (run as root). Idempotent; quiet when all is there.
set -eu
PKGS="make gcc clang lld wasi-libc libclang-rt-14-dev-wasm32 libc++-dev-wasm32 rustc libstd-rust-dev-wasm32 wabt uthash-dev libcriterion-dev libjansson-dev libxxhash-dev musl-tools file time procps redis-server redis-tools libhiredis-dev libiberty-dev gdb valgrind"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
fi
# Test-only npm tooling (jco to make components, asc, ComponentizeJS), pinned by
# tests/package-lock.json; installed again whenever the lock changed (a copy
# of the lock that was installed is kept in tests/node_modules).
if [ -f tests/package-lock.json ] &&
    ! cmp -s tests/package-lock.json tests/node_modules/.kvaot-installed-lock 2>/dev/null; then
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
    cp tests/package-lock.json tests/node_modules/.kvaot-installed-lock
fi
