#!/bin/bash
# The CLI against a real PostgreSQL (started here in a temp dir on a Unix
# socket, stopped after): record movements with `tdverify check --record`,
# report, `tdverify audit verify`, and the tamper test: every audit entry
# in turn edited, deleted and swapped with the next directly in the
# database (trigger disabled), restored from a copy in between.
set -eu
: "${TDV_SRC:?}" "${TDVERIFY:?}"
dir=$(mktemp -d /tmp/tdv-pg.XXXXXX)
trap '"$TDV_SRC/scripts/pg-test" stop "$dir"' EXIT
conninfo=$("$TDV_SRC/scripts/pg-test" start "$dir")
psql_bin=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | head -1)
T=$TDVERIFY
db="postgres:${conninfo/dbname=postgres/dbname=cli}"
"$psql_bin" "$conninfo" -q -c "CREATE DATABASE cli" >/dev/null
psql_cli() { "$psql_bin" "${conninfo/dbname=postgres/dbname=cli}" -q -v ON_ERROR_STOP=1 -At -c "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
"$T" checkpoint add CP9 --name "Central test" --country UTO --db "$db" || fail "checkpoint add"
echo 'pw' | "$T" officer add off9 --name "Nine" --role examiner --checkpoint CP9 --db "$db" \
	|| fail "officer add"
for i in 1 2 3; do
	"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record \
		--checkpoint CP9 --direction entry --officer off9 --db "$db" >/dev/null \
		|| fail "record $i"
done
today=$(date -u +%F)
out=$("$T" report --from "$today" --to "$today" --by checkpoint --csv --db "$db")
grep -q '^CP9,3,3,0,0,0$' <<<"$out" || fail "report: $out"
"$T" audit verify --db "$db" >/dev/null || fail "audit verify on a clean log"
n=$(psql_cli "SELECT COUNT(*) FROM audit_entry WHERE chain='CP9'")
psql_cli "CREATE TABLE audit_copy AS SELECT * FROM audit_entry;
	ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change"
restore() {
	psql_cli "DELETE FROM audit_entry; INSERT INTO audit_entry SELECT * FROM audit_copy"
}
tamper() { # SQL EXPECTED_SEQ WHAT
	psql_cli "$1"
	set +e; out=$("$T" audit verify --json --db "$db"); rc=$?; set -e
	[ "$rc" -eq 1 ] || fail "$3 of entry $2: exit $rc: $out"
	grep -q "\"broken_chain\":\"CP9\",\"broken_seq\":$2," <<<"$out" \
		|| fail "$3 of entry $2 not named: $out"
	restore
}
for k in $(seq 1 "$n"); do
	tamper "UPDATE audit_entry SET actor = 'someone' WHERE chain='CP9' AND seq=$k" "$k" edit
	tamper "DELETE FROM audit_entry WHERE chain='CP9' AND seq=$k" "$k" delete
	if [ "$k" -lt "$n" ]; then
		tamper "UPDATE audit_entry SET seq=-1 WHERE chain='CP9' AND seq=$k;
			UPDATE audit_entry SET seq=$k WHERE chain='CP9' AND seq=$((k + 1));
			UPDATE audit_entry SET seq=$((k + 1)) WHERE chain='CP9' AND seq=-1" "$k" reorder
	fi
done
"$T" audit verify --db "$db" >/dev/null || fail "audit verify after restore"
echo "store_pg_cli: ok ($n entries tampered 3 ways)"
