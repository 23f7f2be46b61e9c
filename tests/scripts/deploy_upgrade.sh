#!/bin/bash
# Interrupted upgrade: a store written by the previous schema version is
# opened by this version, and the process is killed (SIGKILL) in the
# middle of the migration — after the migration's DDL ran inside its
# transaction, before the commit — on SQLite and on PostgreSQL.
# Afterwards the store must still be exactly the previous version's
# (schema, tables, every record), and the next start must migrate it with
# no record lost or duplicated.
#
# The kill is placed deterministically with gdb: a breakpoint on the
# backend's "run a script" call (sqlite3_exec / PQexec) whose SQL starts
# with the last migration's first statement; `finish` lets that statement
# run, then gdb kills the process.
#
# The previous version's store is made by undoing the last migration of a
# fresh store (drop its columns and indexes, forget its version row): the
# earlier migrations are what the previous version wrote, unchanged.
# LAST_* below name the last migration; the test checks they still match
# the schema this build writes. (Migration 4 creates the officer
# assignment and certificate register tables and fills the assignment
# from the officer table's records; killed after its script ran.)
set -eu
: "${TDV_SRC:?}" "${TDVERIFY:?}"
T=$TDVERIFY
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }
command -v gdb >/dev/null || { apt-get install -y -q gdb >/dev/null 2>&1 || fail "gdb missing"; }

LAST_VERSION=4
LAST_TABLES="officer_checkpoint sync_cert sync_cert_cutoff"
LAST_INDEXES="sync_cert_checkpoint"
LAST_FIRST_SQL="CREATE TABLE officer_checkpoint"
undo_last() { # RUN-SQL-FUNCTION
	for t in $LAST_TABLES; do "$1" "DROP TABLE $t"; done
	"$1" "DELETE FROM schema_migration WHERE version = $LAST_VERSION"
}

tmp=$(mktemp -d /tmp/tdv-upgrade.XXXXXX)
pgdir=$(mktemp -d /tmp/tdv-upgrade-pg.XXXXXX)
trap '"$TDV_SRC/scripts/pg-test" stop "$pgdir"; rm -rf "$tmp"' EXIT
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'

populate() { # DB
	"$T" checkpoint add CP7 --name "Upgrade test" --country UTO --db "$1" >/dev/null || fail "checkpoint add"
	echo pw | "$T" officer add off7 --name "Seven" --role officer --checkpoint CP7 --db "$1" >/dev/null \
		|| fail "officer add"
	for _ in 1 2 3 4 5; do
		"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record \
			--checkpoint CP7 --direction entry --officer off7 --db "$1" >/dev/null || fail "record"
	done
}

# kill_in_migration DB SYMBOL: start `tdverify status` under gdb, stop it in
# the last migration's DDL, let that statement run, SIGKILL it.
kill_in_migration() {
	local db=$1 sym=$2
	gdb -q -batch -nx \
		-ex 'set breakpoint pending on' \
		-ex "break $sym if \$_memeq(\$rsi, \"$LAST_FIRST_SQL\", ${#LAST_FIRST_SQL})" \
		-ex 'run' -ex 'finish' -ex 'info frame' -ex 'kill' \
		--args "$T" status --db "$db" >"$tmp/gdb.log" 2>&1 || true
	grep -q "Breakpoint 1, .*$sym" "$tmp/gdb.log" \
		|| { cat "$tmp/gdb.log"; fail "$sym: never reached the migration"; }
	grep -q '\[Inferior 1 (process [0-9]*) killed\]' "$tmp/gdb.log" \
		|| { cat "$tmp/gdb.log"; fail "the process was not killed in the migration"; }
}

# ---------------- SQLite ----------------
db="sqlite:$tmp/cp.db"
populate "$db"
[ "$("$T" status --db "$db" --json | sed -n 's/.*"schema":\([0-9]*\).*/\1/p')" = "$LAST_VERSION" ] \
	|| fail "this build writes another schema than $LAST_VERSION: update LAST_* in this test"
sq() { sqlite3 "$tmp/cp.db" "$@"; }
before=$(sq "SELECT group_concat(id || ':' || seq, ',') FROM (SELECT id, seq FROM movement ORDER BY seq)")
undo_last sq
[ "$(sq 'SELECT MAX(version) FROM schema_migration')" = $((LAST_VERSION - 1)) ] || fail "downgrade"

kill_in_migration "$db" sqlite3_exec
[ "$(sq 'SELECT MAX(version) FROM schema_migration')" = $((LAST_VERSION - 1)) ] \
	|| fail "sqlite: the killed migration left schema $(sq 'SELECT MAX(version) FROM schema_migration')"
for t in $LAST_TABLES; do
	[ -z "$(sq "SELECT name FROM sqlite_master WHERE name = '$t'")" ] \
		|| fail "sqlite: half a migration: table $t exists"
done
for i in $LAST_INDEXES; do
	[ -z "$(sq "SELECT name FROM sqlite_master WHERE name = '$i'")" ] \
		|| fail "sqlite: half a migration: index $i exists"
done
[ "$(sq 'PRAGMA integrity_check')" = ok ] || fail "sqlite: integrity after the kill"
[ "$(sq "SELECT group_concat(id || ':' || seq, ',') FROM (SELECT id, seq FROM movement ORDER BY seq)")" = "$before" ] \
	|| fail "sqlite: movements changed by the killed migration"
ok "sqlite: SIGKILL inside migration $LAST_VERSION leaves the version-$((LAST_VERSION - 1)) store intact"

"$T" status --db "$db" --checkpoint CP7 --json | grep -q "\"schema\":$LAST_VERSION," || fail "sqlite: re-migration"
"$T" audit verify --db "$db" >/dev/null || fail "sqlite: audit chain after the upgrade"
"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record \
	--checkpoint CP7 --direction entry --officer off7 --db "$db" >/dev/null || fail "record after upgrade"
[ "$(sq 'SELECT COUNT(*), COUNT(DISTINCT id), MAX(seq) FROM movement')" = "6|6|6" ] \
	|| fail "sqlite: after upgrade: $(sq 'SELECT COUNT(*), COUNT(DISTINCT id), MAX(seq) FROM movement')"
ok "sqlite: the next start migrates; 5 old + 1 new movements, none lost or twice, audit intact"

# ---------------- PostgreSQL ----------------
conninfo=$("$TDV_SRC/scripts/pg-test" start "$pgdir")
psql_bin=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
"$psql_bin" "$conninfo" -q -c "CREATE DATABASE upgrade"
pc="${conninfo/dbname=postgres/dbname=upgrade}"
pq() { "$psql_bin" "$pc" -q -v ON_ERROR_STOP=1 -At -c "$1"; }
db="postgres:$pc"
populate "$db"
before=$(pq "SELECT string_agg(id || ':' || seq, ',' ORDER BY seq) FROM movement")
undo_last pq

kill_in_migration "$db" PQexec
# the server notices the dead client and rolls its transaction back
for _ in $(seq 1 50); do
	[ "$(pq "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = 'upgrade' AND pid <> pg_backend_pid()")" = 0 ] && break
	sleep 0.1
done
[ "$(pq 'SELECT MAX(version) FROM schema_migration')" = $((LAST_VERSION - 1)) ] \
	|| fail "postgres: the killed migration left schema $(pq 'SELECT MAX(version) FROM schema_migration')"
for t in $LAST_TABLES; do
	[ "$(pq "SELECT to_regclass('$t') IS NULL")" = t ] || fail "postgres: half a migration: table $t exists"
done
for i in $LAST_INDEXES; do
	[ "$(pq "SELECT to_regclass('$i') IS NULL")" = t ] || fail "postgres: half a migration: index $i exists"
done
[ "$(pq "SELECT string_agg(id || ':' || seq, ',' ORDER BY seq) FROM movement")" = "$before" ] \
	|| fail "postgres: movements changed by the killed migration"
ok "postgres: SIGKILL inside migration $LAST_VERSION leaves the version-$((LAST_VERSION - 1)) database intact"
"$T" status --db "$db" --json | grep -q "\"schema\":$LAST_VERSION," || fail "postgres: re-migration"
"$T" audit verify --db "$db" >/dev/null || fail "postgres: audit chain after the upgrade"
"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record \
	--checkpoint CP7 --direction entry --officer off7 --db "$db" >/dev/null || fail "record after upgrade"
[ "$(pq 'SELECT COUNT(*) || $$|$$ || COUNT(DISTINCT id) || $$|$$ || MAX(seq) FROM movement')" = "6|6|6" ] \
	|| fail "postgres: after upgrade"
ok "postgres: the next start migrates; 5 old + 1 new movements, none lost or twice, audit intact"
echo "deploy_upgrade: all passed"
