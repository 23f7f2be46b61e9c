#!/bin/bash
# Upgrade compatibility: a checkpoint one version back keeps syncing with a
# central server of this version, and after its own upgrade continues
# without sending anything twice.
#
# The previous version's side is a fixture it made itself
# (tests/data/sync_compat, provenance in its MANIFEST): its checkpoint
# store (schema 2) as SQL text, and the three format-1 batch bodies it
# sent, byte for byte. This version's central (schema 3, on a real
# PostgreSQL started here) receives them through `tdverify sync serve`
# over mutual TLS; then the old store is opened by this version (migrated
# to schema 3 on open), a referral outcome is recorded for a movement the
# old version made, and `tdverify sync push` sends the rest (format 2 for
# the batch with the outcome). Afterwards central = checkpoint, every
# record once, no duplicate ever reported, both audit chains intact.
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$TDVERIFY
fx="$TDV_SRC/tests/data/sync_compat"
dir=$(mktemp -d /tmp/tdv-compat.XXXXXX)
pgdir=$(mktemp -d /tmp/tdv-compat-pg.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$TDV_SRC/scripts/pg-test" stop "$pgdir"
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$dir/serve.log" ] && tail -20 "$dir/serve.log" >&2; exit 1; }
ok() { echo "ok   $*"; }
command -v sqlite3 >/dev/null || fail "sqlite3 missing (scripts/install-deps)"

cd "$dir"
q() { openssl "$@" >/dev/null 2>&1 || fail "openssl $*"; }
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=tdverify compat test CA" -keyout ca.key -out ca.pem
issue() { # name CN extension
	q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
		-keyout "$1.key" -out "$1.csr"
	printf '%s\n' "$3" >"$1.ext"
	q x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile "$1.ext" -out "$1.pem"
}
issue server central "subjectAltName=IP:127.0.0.1"
issue cpc CPC "extendedKeyUsage=clientAuth"

conninfo=$("$TDV_SRC/scripts/pg-test" start "$pgdir")
central="postgres:$conninfo"
psql_bin=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
pq() { "$psql_bin" "$conninfo" -q -v ON_ERROR_STOP=1 -At -c "$1"; }
"$T" checkpoint add CPC --name "Compat post" --country UTO --db "$central" >/dev/null \
	|| fail "central checkpoint add"
[ "$(pq 'SELECT MAX(version) FROM schema_migration')" = 4 ] || fail "central is not at schema 4"

"$T" sync serve --db "$central" --listen 127.0.0.1:0 --cert server.pem --key server.key \
	--ca ca.pem >"$dir/serve.out" 2>>"$dir/serve.log" &
pids+=($!)
for _ in $(seq 1 100); do
	grep -q '^listening on' "$dir/serve.out" 2>/dev/null && break
	sleep 0.1
done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/serve.out")
[ -n "$port" ] || fail "central did not start"

post() { # file -> response body in post.out, HTTP code printed
	curl -s -o "$dir/post.out" -w '%{http_code}' --cacert ca.pem --cert cpc.pem \
		--key cpc.key -H 'Content-Type: application/json' --data-binary "@$1" \
		"https://127.0.0.1:$port/v1/batch" || true
}

# ---- 1. the old checkpoint's batches (format 1) into the new central ----
want_ins=(3 4 2)
for n in 1 2 3; do
	grep -q '^{"v":1,' "$fx/batch-$n.json" || fail "fixture batch-$n is not format 1"
	code=$(post "$fx/batch-$n.json")
	[ "$code" = 200 ] || fail "format-1 batch $n refused ($code): $(cat "$dir/post.out")"
	grep -q "\"inserted\":${want_ins[$((n - 1))]},\"duplicates\":0" "$dir/post.out" \
		|| fail "batch $n: $(cat "$dir/post.out")"
done
[ "$(pq "SELECT COUNT(*) FROM movement WHERE checkpoint_id = 'CPC'")" = 4 ] || fail "central movements"
[ "$(pq "SELECT COUNT(*) FROM audit_entry WHERE chain = 'CPC'")" = 5 ] || fail "central audit entries"
# a batch the old checkpoint sends again (its ack lost) inserts nothing
[ "$(post "$fx/batch-2.json")" = 200 ] || fail "resent batch refused"
grep -q '"inserted":0,"duplicates":4' "$dir/post.out" || fail "resent batch: $(cat "$dir/post.out")"
ok "format-1 batches of the previous version accepted by the schema-3 central (4 movements, 5 audit entries; a resend inserts nothing)"

# ---- 2. the checkpoint upgrades: its schema-2 store opened by this version ----
sqlite3 "$dir/cp.db" <"$fx/checkpoint-v2.sql" || fail "fixture store"
sq() { sqlite3 "$dir/cp.db" "$1"; }
[ "$(sq 'SELECT MAX(version) FROM schema_migration')" = 2 ] || fail "fixture is not schema 2"
before=$(sq "SELECT group_concat(id || ':' || seq || ':' || decision, ',') FROM (SELECT * FROM movement ORDER BY seq)")
local="sqlite:$dir/cp.db"
"$T" status --db "$local" --json >"$dir/status.json" || fail "status on the old store"
grep -q '"schema":4' "$dir/status.json" || fail "not migrated: $(cat "$dir/status.json")"
grep -q '"checkpoint":"CPC","movements":7,"last_seq":7,"sent_seq":4,"backlog":3' "$dir/status.json" \
	|| fail "cursors after the upgrade: $(cat "$dir/status.json")"
[ "$(sq "SELECT group_concat(id || ':' || seq || ':' || decision, ',') FROM (SELECT * FROM movement ORDER BY seq)")" = "$before" ] \
	|| fail "the migration changed movements"
"$T" audit verify --db "$local" >/dev/null || fail "audit chain after the upgrade"
ok "the previous version's store migrates 2 -> 3 on open: records unchanged, cursors kept (backlog 3)"

# the decision after secondary inspection of a traveller the OLD version referred
ref=$(sq "SELECT id FROM movement WHERE seq = 3")
[ "$(sq "SELECT decision FROM movement WHERE seq = 3")" = referred ] || fail "fixture seq 3"
"$T" referral record "$ref" --outcome admitted --officer offc --reason "visa genuine" \
	--db "$local" >/dev/null || fail "referral record"
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record --checkpoint CPC \
	--direction exit --officer offc --db "$local" >/dev/null || fail "record after the upgrade"

# ---- 3. this version's push continues where the old one stopped ----
push() {
	"$T" sync push --checkpoint CPC --server "127.0.0.1:$port" --cert cpc.pem --key cpc.key \
		--ca ca.pem --db "$local" >"$dir/push.out" 2>"$dir/push.err"
}
lines_before=$(wc -l <"$dir/serve.log")
push || fail "push after the upgrade: $(cat "$dir/push.err")"
tail -n +$((lines_before + 1)) "$dir/serve.log" >"$dir/pushlog"
grep -q 'already stored' "$dir/pushlog" || fail "no batch reached the centre: $(cat "$dir/pushlog")"
grep -E -q ', [1-9][0-9]* already stored' "$dir/pushlog" && fail "records sent twice: $(cat "$dir/pushlog")"
added=0
for n in $(sed -n 's/.*(+\([0-9]*\) new.*/\1/p' "$dir/pushlog"); do added=$((added + n)); done
# 3 movements + their 3 entries, 1 referral entry + the outcome, 1 movement + its entry
[ "$added" = 10 ] || fail "records added by the push: $added ($(cat "$dir/pushlog"))"
"$T" sync status --checkpoint CPC --db "$local" --json | grep -q '"audit_pending":0,"movements_pending":0,' \
	|| fail "backlog after the push"
lines_before=$(wc -l <"$dir/serve.log")
push || fail "second push"
[ "$(wc -l <"$dir/serve.log")" = "$lines_before" ] || fail "a second push sent something"
ok "push after the upgrade: 10 new records (incl. a format-2 referral outcome), nothing re-sent"

# ---- 4. central = checkpoint, exactly once ----
cq="SELECT id || ':' || seq || ':' || decision || ':' || referral_outcome || ':' || referral_officer FROM movement WHERE checkpoint_id = 'CPC' ORDER BY seq"
[ "$(pq "$cq")" = "$(sq "$cq")" ] || fail "central and checkpoint differ"
[ "$(pq "SELECT COUNT(*) || '/' || COUNT(DISTINCT id) || '/' || MAX(seq) FROM movement WHERE checkpoint_id = 'CPC'")" = "8/8/8" ] \
	|| fail "central movements not exactly once"
[ "$(pq "SELECT referral_outcome FROM movement WHERE id = '$ref'")" = admitted ] || fail "outcome at the centre"
ae="SELECT seq || ':' || hash FROM audit_entry WHERE chain = 'CPC' ORDER BY seq"
[ "$(pq "$ae")" = "$(sq "$ae")" ] || fail "audit chains differ"
"$T" audit verify --db "$central" >/dev/null || fail "central audit chain"
"$T" audit verify --db "$local" >/dev/null || fail "checkpoint audit chain"
ok "central = checkpoint: 8 movements once each, the outcome of an old-version referral, audit chains equal and intact"

# the CLI's other referral commands on the upgraded store
"$T" referral show "$ref" --json --db "$local" | grep -q '"outcome":"admitted","reason":"visa genuine","officer":"offc"' \
	|| fail "referral show"
"$T" referral record "$ref" --outcome refused --officer offc --db "$local" 2>/dev/null \
	&& fail "a second outcome was accepted"
[ "$("$T" referral find --state UTO --number L898902C3 --officer offc --checkpoint CPC --json \
	--db "$local" | grep -c '"referral":{"movement"')" = 1 ] || fail "referral find: outcomes"
[ "$("$T" referral find --state UTO --number L898902C3 --officer offc --checkpoint CPC --json \
	--db "$local" | wc -l)" = 8 ] || fail "referral find: movements of the document"
[ "$(sq "SELECT COUNT(*) FROM audit_entry WHERE action = 'movement.by_document'")" = 2 ] \
	|| fail "document lookups not audited"
ok "referral show/find on the upgraded store (8 movements of the document, lookups audited)"
echo "sync_compat: all passed"
