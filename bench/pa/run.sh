#!/bin/sh
# bench/pa: Passive Authentication docs/s and the ratio to the bare
# OpenSSL operations it cannot avoid (measured in the same run).
# usage: bench/pa/run.sh BUILD_DIR [N]
set -eu
build=${1:-build-bench}
n=${2:-1000}
bin="$build/bench/bench_pa"
[ -x "$bin" ] || bin="$build/bench_pa"
[ -x "$bin" ] || { echo "bench_pa not built (cmake -DTDV_BENCH=ON)" >&2; exit 1; }
exec "$bin" "$n" 3
