#!/bin/bash
# Backups and restores against a real PostgreSQL (started here on a Unix
# socket in a temp dir, stopped after) and SQLite:
#  - tests/unit/test_ops_backup with headquarters on PostgreSQL: backups
#    taken during writes, restore + catch-up from central, sync resumes
#    with nothing lost or duplicated;
#  - `tdverify backup` / `restore` of the central database (pg_dump custom
#    format, pg_restore): records made after the dump are gone after the
#    restore, the dumped ones are back exactly, the audit chain verifies;
#  - `tdverify backup` of a station's SQLite store while movements are
#    being recorded, `restore --verify-only` on a damaged file (exit 1).
set -eu
: "${TDV_SRC:?}" "${TDV_BUILD:?}" "${TDVERIFY:?}"
T=$TDVERIFY
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

dir=$(mktemp -d /tmp/tdv-opspg.XXXXXX)
tmp=$(mktemp -d /tmp/tdv-ops.XXXXXX)
trap '"$TDV_SRC/scripts/pg-test" stop "$dir"; rm -rf "$tmp"' EXIT
conninfo=$("$TDV_SRC/scripts/pg-test" start "$dir")
psql_bin=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
pgdb() { echo "${conninfo/dbname=postgres/dbname=$1}"; }
"$psql_bin" "$conninfo" -q -c "CREATE DATABASE opscentral" -c "CREATE DATABASE cli"

"$TDV_BUILD/tests/test_ops_backup" "postgres:$(pgdb opscentral)" || fail "test_ops_backup on PostgreSQL"
ok "test_ops_backup with headquarters on PostgreSQL"

# ---- central database: pg_dump custom format and back -----------------------
db="postgres:$(pgdb cli)"
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
"$T" checkpoint add CP9 --name "Central test" --country UTO --db "$db" >/dev/null || fail "checkpoint add"
echo 'pw' | "$T" officer add off9 --name "Nine" --role examiner --checkpoint CP9 --db "$db" >/dev/null \
	|| fail "officer add"
record() { # N DB
	for _ in $(seq 1 "$1"); do
		"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record \
			--checkpoint CP9 --direction entry --officer off9 --db "$2" >/dev/null || fail "record"
	done
}
record 3 "$db"
ids_before=$("$psql_bin" "$(pgdb cli)" -At -c "SELECT string_agg(id || ':' || seq, ',' ORDER BY seq) FROM movement")
"$T" backup --db "$db" --json "$tmp/central.dump" >"$tmp/out" || fail "backup of PostgreSQL"
grep -q '"format":"pg_dump-custom"' "$tmp/out" || fail "backup json: $(cat "$tmp/out")"
"$T" backup --db "$db" "$tmp/central.dump" 2>/dev/null && fail "a backup was overwritten"
record 2 "$db"
[ "$("$psql_bin" "$(pgdb cli)" -At -c "SELECT COUNT(*) FROM movement")" = 5 ] || fail "5 before restore"
"$T" restore --db "$db" --verify-only "$tmp/central.dump" >/dev/null || fail "verify the dump"
"$T" restore --db "$db" "$tmp/central.dump" >/dev/null || fail "restore of PostgreSQL"
ids_after=$("$psql_bin" "$(pgdb cli)" -At -c "SELECT string_agg(id || ':' || seq, ',' ORDER BY seq) FROM movement")
[ "$ids_before" = "$ids_after" ] || fail "restored movements differ: $ids_before vs $ids_after"
"$T" audit verify --db "$db" >/dev/null || fail "audit chain after the PostgreSQL restore"
ok "central: pg_dump -Fc backup, pg_restore brings back exactly the 3 dumped movements, audit intact"

# ---- a station's SQLite store, backed up while recording --------------------
sdb="sqlite:$tmp/station.db"
"$T" checkpoint add CP9 --name "Station" --country UTO --db "$sdb" >/dev/null
echo 'pw' | "$T" officer add off9 --name "Nine" --role officer --checkpoint CP9 --db "$sdb" >/dev/null
( for _ in $(seq 1 40); do
	"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record \
		--checkpoint CP9 --direction entry --officer off9 --db "$sdb" >/dev/null || exit 1
  done ) &
writer=$!
sleep 1
"$T" backup --db "$sdb" --json "$tmp/station-backup.db" >"$tmp/out" || fail "backup during writes"
wait "$writer" || fail "the writer failed while the backup ran"
n=$(sed -n 's/.*"movements":\([0-9]*\).*/\1/p' "$tmp/out")
[ -n "$n" ] && [ "$n" -le 40 ] || fail "backup json: $(cat "$tmp/out")"
"$T" restore --verify-only --json "$tmp/station-backup.db" | grep -q "\"movements\":$n," \
	|| fail "verify-only disagrees with the backup"
"$T" restore --db "sqlite:$tmp/restored.db" "$tmp/station-backup.db" >/dev/null || fail "restore sqlite"
"$T" audit verify --db "sqlite:$tmp/restored.db" >/dev/null || fail "audit chain of the restored store"
ok "station: online backup during 40 writes holds $n movements, restored store verifies"
"$T" status --db "sqlite:$tmp/restored.db" --checkpoint CP9 --json | grep -q "\"movements\":$n," \
	|| fail "status of the restored store"
"$T" status --db "sqlite:$tmp/restored.db" --metrics | grep -q "^tdverify_checkpoint_sync_backlog{checkpoint=\"CP9\"} $n\$" \
	|| fail "metrics of the restored store"
port=$((20000 + RANDOM % 20000))
"$T" status --db "sqlite:$tmp/restored.db" --metrics-listen "127.0.0.1:$port" 2>"$tmp/metrics.log" &
mpid=$!
for _ in $(seq 1 50); do curl -sf -o "$tmp/scrape" "http://127.0.0.1:$port/metrics" && break; sleep 0.2; done
grep -q "^tdverify_checkpoint_sync_backlog{checkpoint=\"CP9\"} $n\$" "$tmp/scrape" \
	|| fail "metrics over HTTP: $(cat "$tmp/scrape" 2>/dev/null)"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")" = 404 ] || fail "metrics: 404"
kill -TERM "$mpid"
rc=0; wait "$mpid" || rc=$?
[ "$rc" -eq 0 ] || fail "metrics server exit $rc after SIGTERM"
ok "status --json, --metrics and --metrics-listen (HTTP /metrics, SIGTERM exit 0) show the restored store"

# damaged backups are refused with exit 1, and nothing is restored
cp "$tmp/station-backup.db" "$tmp/damaged.db"
size=$(stat -c %s "$tmp/damaged.db")
dd if=/dev/urandom of="$tmp/damaged.db" bs=4096 count=2 seek=$((size / 8192)) conv=notrunc 2>/dev/null
set +e
"$T" restore --db "sqlite:$tmp/restored.db" "$tmp/damaged.db" 2>/dev/null; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "damaged backup: exit $rc, want 1"
"$T" audit verify --db "sqlite:$tmp/restored.db" >/dev/null || fail "a refused restore changed the store"
ok "a damaged backup is refused (exit 1) and the store is left as it was"
echo "deploy_backup_pg: all passed"
