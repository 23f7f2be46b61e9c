#!/bin/sh
# bench/screen: SLTD index (10 million documents) and watchlist (1 million
# persons) against a plain Jaro-Winkler full-name baseline in the same run.
# Usage: bench/screen/run.sh BUILD_DIR   (make bench calls it)
# BENCH_SCREEN_DOCS / BENCH_SCREEN_PERSONS override the sizes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
	# one core, as the target says; without taskset run as is (a failing
	# bench must not be run twice)
	if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
		taskset -c 0 "$@"
	else
		"$@"
	fi
}
run "$build/bench/bench_screen" "$src" "$work" "${BENCH_SCREEN_DOCS:-10000000}" "${BENCH_SCREEN_PERSONS:-1000000}"
