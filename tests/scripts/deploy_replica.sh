#!/bin/bash
# Scale beyond one central machine: a PostgreSQL primary and a streaming
# replica (pg_basebackup -R, hot standby), both started here on Unix
# sockets in temp dirs, stopped after.
#  - movements are recorded through tdverify on the primary, some before
#    the base backup and some while the replica streams;
#  - once the replica has replayed the primary's WAL position, `tdverify
#    report` on the replica, opened read-only ("?readonly=1": no
#    migration, schema version checked), gives exactly the primary's
#    figures; `status` and `audit verify` read it too;
#  - writes to the replica are refused with a clear error (by tdverify,
#    and by the standby itself when the flag is left out).
set -eu
: "${TDV_SRC:?}" "${TDVERIFY:?}"
T=$TDVERIFY
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

pdir=$(mktemp -d /tmp/tdv-primary.XXXXXX)
rdir=$(mktemp -d /tmp/tdv-replica.XXXXXX)
tmp=$(mktemp -d /tmp/tdv-repl.XXXXXX)
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1)" 2>/dev/null || true)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
	if [ -n "$bin" ] && [ -f "$rdir/data/postmaster.pid" ]; then
		(cd / && as_pg "$bin/pg_ctl" -D "$rdir/data" -m fast -w stop >/dev/null 2>&1) || true
	fi
	rm -rf "$rdir" "$tmp"
	"$TDV_SRC/scripts/pg-test" stop "$pdir"
}
trap cleanup EXIT

conninfo=$("$TDV_SRC/scripts/pg-test" start "$pdir") # installs postgresql if missing
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")
pguser=$(sed -n 's/.*user=\([^ ]*\).*/\1/p' <<<"$conninfo")
psql() { "$bin/psql" "$1" -q -v ON_ERROR_STOP=1 -At -c "$2"; }
psql "$conninfo" "CREATE DATABASE central"
primary="host=$pdir user=$pguser dbname=central"
replica="host=$rdir user=$pguser dbname=central"

MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
record() { # N CHECKPOINT DIRECTION DECISION
	for _ in $(seq 1 "$1"); do
		"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record \
			--checkpoint "$2" --direction "$3" --officer offr --decision "$4" --reason "test" \
			--db "postgres:$primary" >/dev/null || fail "record on the primary"
	done
}
"$T" checkpoint add CPA --name "Replica A" --country UTO --db "postgres:$primary" >/dev/null \
	|| fail "checkpoint add"
"$T" checkpoint add CPB --name "Replica B" --country UTO --db "postgres:$primary" >/dev/null \
	|| fail "checkpoint add"
echo pw | "$T" officer add offr --name "Rep" --role officer --checkpoint CPA \
	--db "postgres:$primary" >/dev/null || fail "officer add"
record 3 CPA entry admitted
record 2 CPB exit refused

# ---- the replica: base backup with standby.signal + primary_conninfo ----
chown "$pguser" "$rdir" 2>/dev/null || true
chmod 700 "$rdir"
(cd / && as_pg "$bin/pg_basebackup" -h "$pdir" -U "$pguser" -D "$rdir/data" -R \
	-X stream -c fast) >"$tmp/basebackup.log" 2>&1 || { cat "$tmp/basebackup.log"; fail "pg_basebackup"; }
[ -f "$rdir/data/standby.signal" ] || fail "pg_basebackup -R wrote no standby.signal"
(cd / && as_pg "$bin/pg_ctl" -D "$rdir/data" -l "$rdir/log" -w -t 60 \
	-o "-k $rdir -c listen_addresses='' -c hot_standby=on" start) >/dev/null \
	|| { cat "$rdir/log"; fail "replica start"; }
chmod 711 "$rdir"
[ "$(psql "$replica" 'SELECT pg_is_in_recovery()')" = t ] || fail "the replica is not a standby"
[ "$(psql "$conninfo" 'SELECT COUNT(*) FROM pg_stat_replication')" = 1 ] \
	|| fail "the primary streams to no replica"
ok "primary and streaming replica (hot standby) on Unix sockets"

# more movements while the replica streams
record 4 CPA exit admitted
record 2 CPB entry referred
lsn=$(psql "$conninfo" 'SELECT pg_current_wal_lsn()')
for _ in $(seq 1 300); do
	[ "$(psql "$replica" "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && break
	sleep 0.1
done
[ "$(psql "$replica" "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] \
	|| fail "the replica did not replay up to $lsn"
ok "replica replayed the primary's WAL up to $lsn"

# ---- reports on the replica, read-only ----
rep() { "$T" report --from 2000-01-01 --to 2099-12-31 --by checkpoint,direction,decision --csv --db "$1"; }
rep "postgres:$primary" >"$tmp/primary.csv" || fail "report on the primary"
rep "postgres:$replica?readonly=1" >"$tmp/replica.csv" 2>"$tmp/replica.err" \
	|| fail "report on the replica: $(cat "$tmp/replica.err")"
cmp -s "$tmp/primary.csv" "$tmp/replica.csv" || { diff "$tmp/primary.csv" "$tmp/replica.csv"; fail "figures differ"; }
grep -qx 'CPA,entry,admitted,3,3,0,0,0' "$tmp/replica.csv" || { cat "$tmp/replica.csv"; fail "CPA entries"; }
grep -qx 'CPA,exit,admitted,4,4,0,0,0' "$tmp/replica.csv" || fail "CPA exits (streamed)"
grep -qx 'CPB,exit,refused,2,0,2,0,0' "$tmp/replica.csv" || fail "CPB refusals"
grep -qx 'CPB,entry,referred,2,0,0,2,0' "$tmp/replica.csv" || fail "CPB referrals (streamed)"
"$T" report --from 2000-01-01 --to 2099-12-31 --json --db "postgres:$replica?readonly=1" \
	| grep -q '"movements":11' || fail "total on the replica"
ok "tdverify report on the read-only replica = the primary's figures (11 movements, 4 groups)"

"$T" status --json --db "postgres:$replica?readonly=1" >"$tmp/status.json" || fail "status on the replica"
grep -q '"schema":4' "$tmp/status.json" || fail "status schema: $(cat "$tmp/status.json")"
grep -q '"checkpoint":"CPA","movements":7,' "$tmp/status.json" \
	&& grep -q '"checkpoint":"CPB","movements":4,' "$tmp/status.json" \
	|| fail "status lists the checkpoints: $(cat "$tmp/status.json")"
"$T" audit verify --db "postgres:$replica?readonly=1" >/dev/null || fail "audit verify on the replica"
ok "status and audit verify read the replica"

# ---- writes to the replica are refused, clearly ----
if "$T" checkpoint add CPX --name X --country UTO --db "postgres:$replica?readonly=1" \
	>/dev/null 2>"$tmp/w1.err"; then fail "a write to the read-only replica succeeded"; fi
grep -q 'read-only' "$tmp/w1.err" || fail "unclear refusal: $(cat "$tmp/w1.err")"
if "$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record --checkpoint CPA \
	--direction entry --officer offr --db "postgres:$replica?readonly=1" >/dev/null 2>"$tmp/w2.err"; then
	fail "recording on the replica succeeded"
fi
grep -q 'read-only' "$tmp/w2.err" || fail "unclear refusal: $(cat "$tmp/w2.err")"
# without the flag: the standby refuses the migration step, and says so
if "$T" report --from 2000-01-01 --to 2099-12-31 --db "postgres:$replica" >/dev/null 2>"$tmp/w3.err"; then
	fail "a read-write open of the standby succeeded"
fi
grep -q 'read-only' "$tmp/w3.err" || fail "unclear refusal: $(cat "$tmp/w3.err")"
"$T" report --from 2000-01-01 --to 2099-12-31 --officer offr --checkpoint CPA \
	--db "postgres:$replica?readonly=1" >/dev/null 2>"$tmp/w4.err" && fail "an audited view on the replica"
grep -q 'read-only' "$tmp/w4.err" || fail "unclear refusal: $(cat "$tmp/w4.err")"
[ "$(psql "$primary" 'SELECT COUNT(*) FROM movement')" = 11 ] || fail "primary count"
[ "$(psql "$replica" 'SELECT COUNT(*) FROM movement')" = 11 ] || fail "replica count"
ok "writes to the replica refused: $(head -n 1 "$tmp/w1.err")"
echo "deploy_replica: all passed"
