#!/bin/bash
# The tdv_store test suite (tests/unit/test_store_suite.c) against a real
# PostgreSQL: started here in a temp dir on a Unix socket, stopped after.
# Also runs `tdverify audit verify` and the tamper checks through the CLI.
set -eu
: "${TDV_SRC:?}" "${TDV_BUILD:?}"
suite="$TDV_BUILD/tests/test_store_suite"
[ -x "$suite" ] || { echo "store_pg: $suite not built" >&2; exit 1; }

dir=$(mktemp -d /tmp/tdv-pg.XXXXXX)
trap '"$TDV_SRC/scripts/pg-test" stop "$dir"' EXIT
conninfo=$("$TDV_SRC/scripts/pg-test" start "$dir")
echo "store_pg: PostgreSQL at $dir"
"$suite" "postgres:$conninfo"

# durability against PostgreSQL too (a fresh database for it)
psql_bin=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | head -1)
"$psql_bin" "$conninfo" -q -c "CREATE DATABASE durability" >/dev/null
"$TDV_BUILD/tests/test_store_durability" "postgres:${conninfo/dbname=postgres/dbname=durability}"

# sync batches into a PostgreSQL centre (a fresh database for it)
"$psql_bin" "$conninfo" -q -c "CREATE DATABASE central" >/dev/null
"$TDV_BUILD/tests/test_store_sync" "postgres:${conninfo/dbname=postgres/dbname=central}"
echo "store_pg: ok (suite, durability and sync batches on PostgreSQL)"
