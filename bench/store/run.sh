#!/bin/sh
# bench/store: record latency on SQLite (full durability), central ingest
# into PostgreSQL vs raw COPY of the same rows. Starts its own PostgreSQL.
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/tdv-bench-store.XXXXXX)
pg=$(mktemp -d /tmp/tdv-bench-pg.XXXXXX)
trap '"$src/scripts/pg-test" stop "$pg"; rm -rf "$tmp"' EXIT
conninfo=$("$src/scripts/pg-test" start "$pg")
"$build/bench/bench_store" "$tmp" "$conninfo"
