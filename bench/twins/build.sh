#!/bin/sh
# bench/twins/build.sh OUT - builds each native twin workload three ways into
# OUT: OUT/W.wasm and OUT/W-wasm (api_wasm.c + W.c for wasm32, through
# `kvaot build`), OUT/W-native (api_native.c + W.c natively against
# libkvrt.a: the runtime's store operations, the limit) and OUT/W-calls
# (api_calls.c + W.c natively: the wasm twin's import calls without the
# wasm). Used by `make bench` and tests/twins.
# Env: BUILD (default build), KVAOT_FLAGS (extra kvaot build flags, eval'd),
# NATIVE_CC (default cc; the sanitizer build passes its flags here),
# WORKLOADS (default: counter audit batch).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
KVAOT_FLAGS=${KVAOT_FLAGS:-}
NATIVE_CC=${NATIVE_CC:-cc}
WORKLOADS=${WORKLOADS:-counter audit batch}
out=$1
mkdir -p "$out"
for w in $WORKLOADS; do
    clang --target=wasm32 -nostdlib -O2 -mno-simd128 -mbulk-memory -fvisibility=hidden -Wall -Werror \
        -I "$root/samples/include" -I "$here" -Wl,--no-entry \
        "$here/api_wasm.c" "$here/$w.c" -o "$out/$w.wasm"
    eval "\"$BUILD/bin/kvaot\" build $KVAOT_FLAGS \"$out/$w.wasm\" -o \"$out/$w-wasm\""
    for api in native calls; do
        $NATIVE_CC -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
            -I "$root/runtime" -I /usr/src/wasm2c -I "$here" \
            "$here/api_$api.c" "$here/$w.c" "$BUILD/lib/kvaot/libkvrt.a" \
            -lhiredis -ljansson -lm -o "$out/$w-$api"
    done
done
