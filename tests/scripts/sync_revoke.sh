#!/bin/bash
# Checkpoint certificates, through the real TLS server and a real
# PostgreSQL centre: two checkpoints enrol and sync; CP2 is revoked while
# the server runs (sync revoke, audited) and is refused from its next
# connection on (push, pull, any route; clear error for the client, a line
# in the server log) while CP1 keeps syncing; a certificate of CP2 made by
# hand before the revocation (not in the register) is refused too; one
# certificate revoked by serial is refused while the checkpoint's other
# one works; CP1 renews (new key) and syncs with the new certificate, and
# after that first use its old certificate is refused ("superseded by
# renewal"); a revoked checkpoint cannot renew; CP2 enrols again with a
# new token and syncs; sync status shows the certificate's expiry.
# Then officer assignment: accounts published only to the checkpoints
# they are assigned to (or to all), a checkpoint disables an account that
# is unassigned from it. Last, pruning of old published versions (keep
# the last N and the delta chain from the latest full version).
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$TDVERIFY
. "$TDV_SRC/tests/scripts/sync_env.inc"
sync_env revoke
sync_pg_start
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
ok() { echo "ok   $*"; }

echo 'admin-pass-1' | "$T" setup central --db "$central" --dir central --admin hq1 >/dev/null ||
	fail "setup central"
echo 'officer-pass-1' | "$T" officer add off1 --name "Officer One" --role officer \
	--db "$central" >/dev/null || fail "officer add off1"
echo 'officer-pass-2' | "$T" officer add off2 --name "Officer Two" --role officer \
	--db "$central" >/dev/null || fail "officer add off2"
"$T" sync serve --db "$central" --listen 127.0.0.1:0 --dir central >serve.out 2>serve.log &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^listening on' serve.out && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' serve.out)
[ -n "$port" ] || fail "central did not start"
srv="127.0.0.1:$port"

enrol() { # ID
	local tok
	tok=$("$T" setup token --db "$central" --checkpoint "$1" --name "Post $1" --country UTO) ||
		fail "token $1"
	"$T" setup checkpoint --central "$srv" --enrol "$tok" --id "$1" --ca central/ca.crt \
		--dir "$1" --db "sqlite:$dir/$1.db" >/dev/null || fail "enrol $1"
}
record() { # ID
	"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record \
		--checkpoint "$1" --direction entry --officer off1 --db "sqlite:$dir/$1.db" \
		>/dev/null || fail "record at $1"
}
push() { # ID [options]
	local id=$1
	shift
	"$T" sync push --checkpoint "$id" --server "$srv" --dir "$id" --db "sqlite:$dir/$id.db" "$@"
}
central_count() { sql "SELECT COUNT(*) FROM movement WHERE checkpoint_id = '$1'"; }
refused() { # what grep-pattern command...
	local what=$1 pat=$2
	shift 2
	set +e
	"$@" >refused.out 2>refused.err
	local rc=$?
	set -e
	[ "$rc" = 2 ] || fail "$what: exit $rc, expected 2 ($(cat refused.err refused.out))"
	grep -q "$pat" refused.err || fail "$what: message: $(cat refused.err)"
}

# off2 works at CP1 only (assigned before the checkpoints pull anything)
"$T" checkpoint add CP1 --name "Post CP1" --country UTO --db "$central" >/dev/null || fail "checkpoint add"
"$T" officer unassign off2 --all --db "$central" >/dev/null || fail "unassign off2 --all"
"$T" officer assign off2 CP1 --by hq1 --db "$central" >assign.out || fail "assign off2 CP1"
grep -qx 'assigned: CP1' assign.out || fail "assign output: $(cat assign.out)"
enrol CP1
enrol CP2
# certificate of the operator's own making for CP2 (not in the register),
# valid from before the revocation
q req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=CP2 -keyout hand2.key -out hand2.csr
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:FALSE\n' >client.ext
q x509 -req -in hand2.csr -CA central/ca.crt -CAkey central/ca.key -CAcreateserial -days 30 \
	-extfile client.ext -out hand2.crt
# and a second certificate for CP1, to revoke by serial
q req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=CP1 -keyout hand1.key -out hand1.csr
q x509 -req -in hand1.csr -CA central/ca.crt -CAkey central/ca.key -CAcreateserial -days 30 \
	-extfile client.ext -out hand1.crt
record CP1
record CP2
push CP1 >/dev/null 2>&1 || fail "CP1 push"
push CP2 >/dev/null 2>&1 || fail "CP2 push"
[ "$(central_count CP1)/$(central_count CP2)" = 1/1 ] || fail "first pushes"
"$T" sync certs --db "$central" --json >certs.out || fail "sync certs"
[ "$(grep -c '"state":"valid"' certs.out)" = 2 ] || fail "register: $(cat certs.out)"
s2=$(openssl x509 -in CP2/checkpoint.crt -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
grep -q "\"checkpoint\":\"CP2\",\"serial\":\"$s2\"" certs.out || fail "CP2 serial $s2 not registered: $(cat certs.out)"
# status shows the certificate's expiry, as openssl reads it
"$T" sync status --checkpoint CP1 --dir CP1 --db "sqlite:$dir/CP1.db" --json >status.out ||
	fail "sync status"
end=$(date -u -d "$(openssl x509 -in CP1/checkpoint.crt -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
grep -q "\"not_after\":\"$end\",\"days_left\":7[23][0-9],\"renew\":false" status.out ||
	fail "status certificate (expected $end): $(cat status.out)"
ok "two checkpoints enrolled and synced; register and sync status show serials and expiry"

# --- revoke CP2 while the server runs ---
"$T" sync revoke --db "$central" --checkpoint CP2 --reason "stolen laptop" --by hq1 >rev.out ||
	fail "sync revoke"
grep -q "checkpoint CP2 revoked (1 registered certificate" rev.out || fail "revoke output: $(cat rev.out)"
[ "$(sql "SELECT actor || ' ' || detail FROM audit_entry WHERE action = 'checkpoint.revoke' AND object = 'CP2'")" = \
	"hq1 all certificates (1 registered) reason=stolen laptop" ] || fail "revocation not audited"
record CP2
refused "push of revoked CP2" "revoked by headquarters.*revoked .*stolen laptop" push CP2
[ "$(central_count CP2)" = 1 ] || fail "a revoked checkpoint's movement reached the centre"
refused "pull of revoked CP2" "HTTP 403.*revoked" \
	"$T" sync pull --checkpoint CP2 --server "$srv" --dir CP2 --db "sqlite:$dir/CP2.db" --kind officers
grep -q "CP2: 403 refused: certificate $s2 revoked .*: stolen laptop" serve.log &&
	grep -q "CP2: GET /v1/pull/officers: 403 refused: certificate $s2 revoked" serve.log ||
	fail "server log: $(tail -5 serve.log)"
code=$(curl -s -o whoami.out -w '%{http_code}' --cacert central/ca.crt --cert CP2/checkpoint.crt \
	--key CP2/checkpoint.key "https://127.0.0.1:$port/v1/whoami")
[ "$code" = 403 ] && grep -q '"status":"revoked"' whoami.out || fail "whoami of CP2: $code $(cat whoami.out)"
# the hand-made certificate of CP2 from before the cut is refused too
refused "CP2's unregistered certificate" "revoked by headquarters.*certificates of checkpoint CP2 revoked" \
	push CP2 --cert hand2.crt --key hand2.key
# CP1 is not affected
record CP1
push CP1 >/dev/null 2>&1 || fail "CP1 push after CP2's revocation"
[ "$(central_count CP1)" = 2 ] || fail "CP1 movement missing"
ok "revoked CP2 refused at once (push, pull, any route; client told why, server log line); CP1 still syncs"

# --- one certificate by serial ---
record CP1
push CP1 --cert hand1.crt --key hand1.key >/dev/null 2>&1 || fail "CP1 push with its second certificate"
[ "$(central_count CP1)" = 3 ] || fail "CP1 second certificate push"
hs=$(openssl x509 -in hand1.crt -noout -serial)
"$T" sync revoke --db "$central" --serial "$hs" --reason "key copied" >/dev/null || fail "revoke by serial"
record CP1
refused "CP1's revoked second certificate" "revoked by headquarters.*key copied" \
	push CP1 --cert hand1.crt --key hand1.key
push CP1 >/dev/null 2>&1 || fail "CP1's enrolled certificate after the other one was revoked"
[ "$(central_count CP1)" = 4 ] || fail "CP1 count after serial revocation"
ok "revocation by serial: that certificate refused, the checkpoint's enrolled one still works"

# --- renewal ---
cp CP1/checkpoint.crt old1.crt
cp CP1/checkpoint.key old1.key
s1=$(openssl x509 -in old1.crt -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
"$T" sync renew --checkpoint CP1 --server "$srv" --dir CP1 >renew.out || fail "renew: $(cat renew.out)"
grep -q "the old certificate (serial $s1) is no longer accepted" renew.out || fail "renew output: $(cat renew.out)"
[ "$(openssl pkey -in old1.key -pubout)" != "$(openssl pkey -in CP1/checkpoint.key -pubout)" ] ||
	fail "renewal kept the key"
[ "$(openssl x509 -in CP1/checkpoint.crt -noout -pubkey)" = "$(openssl pkey -in CP1/checkpoint.key -pubout)" ] ||
	fail "new certificate is not for the new key"
[ "$(stat -c %a CP1/checkpoint.key)" = 600 ] || fail "new key mode"
[ ! -e CP1/checkpoint.key.new ] && [ ! -e CP1/checkpoint.crt.new ] || fail "renewal left files behind"
openssl x509 -in CP1/checkpoint.crt -noout -subject | grep -qx 'subject=CN = CP1' || fail "renewed subject"
record CP1
push CP1 >/dev/null 2>&1 || fail "push with the renewed certificate"
[ "$(central_count CP1)" = 5 ] || fail "CP1 count after renewal: $(central_count CP1)"
record CP1
refused "CP1's old certificate after renewal" "revoked by headquarters.*superseded by renewal" \
	push CP1 --cert old1.crt --key old1.key
"$T" sync certs --db "$central" --checkpoint CP1 --json >certs1.out
grep -q "\"serial\":\"$s1\".*\"state\":\"revoked\".*\"reason\":\"superseded by renewal\"" certs1.out ||
	fail "old certificate in the register: $(cat certs1.out)"
# a revoked checkpoint cannot renew
refused "renewal by revoked CP2" "revoked" \
	"$T" sync renew --checkpoint CP2 --server "$srv" --dir CP2
[ ! -e CP2/checkpoint.key.new ] || fail "refused renewal left a key"
ok "renewal: new key and certificate work; old certificate refused after the new one's first use; revoked CP2 cannot renew"

# the sync daemon renews by itself when fewer than --renew-before days are left
s_before=$(openssl x509 -in CP1/checkpoint.crt -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
record CP1
"$T" sync push --checkpoint CP1 --server "$srv" --dir CP1 --db "sqlite:$dir/CP1.db" --daemon \
	--interval 1 --renew-before 1000 >daemon.out 2>daemon.err &
dpid=$!
pids+=($dpid)
for _ in $(seq 1 100); do grep -q 'records sent' daemon.err && break; sleep 0.2; done
kill -TERM "$dpid"
wait "$dpid" || fail "daemon exit: $(cat daemon.err)"
[ "$(grep -c 'certificate renewed' daemon.err)" = 1 ] || fail "daemon renewal: $(cat daemon.err)"
s_after=$(openssl x509 -in CP1/checkpoint.crt -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
[ "$s_after" != "$s_before" ] && grep -q "serial $s_after (was $s_before)" daemon.err || fail "daemon serials"
[ "$(central_count CP1)" = 7 ] || fail "daemon push after renewal: $(central_count CP1)"
"$T" sync certs --db "$central" --checkpoint CP1 --json | grep -q "\"serial\":\"$s_before\".*superseded by renewal" ||
	fail "daemon renewal did not retire the previous certificate"
ok "sync push --daemon --renew-before renews once, keeps pushing with the new certificate, the previous one is retired"

# --- CP2 enrols again with a new token ---
rm -rf CP2.old && mv CP2 CP2.old
enrol CP2
push CP2 >/dev/null 2>&1 || fail "CP2 push after re-enrolment"
[ "$(central_count CP2)" = 2 ] || fail "CP2 backlog after re-enrolment: $(central_count CP2)"
record CP2
refused "CP2's revoked certificate after re-enrolment" "revoked by headquarters" \
	push CP2 --cert CP2.old/checkpoint.crt --key CP2.old/checkpoint.key
"$T" audit verify --db "$central" >/dev/null || fail "central audit chain"
ok "CP2 re-enrolled with a new token syncs its backlog; the stolen certificate stays refused; audit intact"

# --- officer assignment ---
pullo() { "$T" sync pull --checkpoint "$1" --server "$srv" --dir "$1" --db "sqlite:$dir/$1.db" --kind officers; }
login() { echo "$3" | "$T" officer login "$2" --db "sqlite:$dir/$1.db" >/dev/null 2>&1; }
"$T" officer assign off2 NOPE --db "$central" >/dev/null 2>&1 && fail "assigned to an unknown checkpoint"
"$T" officer show off1 --db "$central" | grep -qx 'assigned: all' || fail "off1 not assigned to all"
pullo CP1 >/dev/null || fail "CP1 officers pull"
pullo CP2 >/dev/null || fail "CP2 officers pull"
login CP1 off2 officer-pass-2 || fail "off2 cannot log in at CP1"
login CP2 off2 officer-pass-2 && fail "off2 logs in at CP2, not assigned there"
[ -z "$(sqlite3 "$dir/CP2.db" "SELECT id FROM officer WHERE id = 'off2'")" ] ||
	fail "off2's account (hash) reached CP2"
login CP1 off1 officer-pass-1 && login CP2 off1 officer-pass-1 || fail "off1 (all) not at both"
"$T" officer unassign off2 CP1 --db "$central" >/dev/null || fail "unassign off2 CP1"
"$T" officer assign off2 CP2 --db "$central" >/dev/null || fail "assign off2 CP2"
pullo CP1 >/dev/null && pullo CP2 >/dev/null || fail "pulls after moving off2"
login CP1 off2 officer-pass-2 && fail "off2 still logs in at CP1 after being unassigned"
login CP2 off2 officer-pass-2 || fail "off2 cannot log in at CP2 after being assigned"
[ "$(sqlite3 "$dir/CP1.db" "SELECT active FROM officer WHERE id = 'off2'")" = 0 ] || fail "off2 not disabled at CP1"
[ "$(sql "SELECT COUNT(*) FROM audit_entry WHERE action IN ('officer.assign','officer.unassign') AND object = 'off2'")" = 4 ] ||
	fail "assignment changes not audited"
"$T" audit verify --db "sqlite:$dir/CP1.db" >/dev/null || fail "CP1 audit chain"
ok "officer assignment: off2 only where assigned, disabled at CP1 when moved to CP2; off1 (all) everywhere; audited"
# --- pruning of old published versions ---
publish() { "$T" sync publish --db "$central" --dir central --keep 2 "$@"; }
hdr='issuing_state,document_number,document_type,status,date_reported,source'
printf '%s\nUTO,X00000001,P,lost,2026-11-02,UTO police\n' "$hdr" >full.csv
printf 'add,UTO,X00000002,P,stolen,2026-11-03,UTO police\n' >d1.csv
printf 'add,UTO,X00000003,P,stolen,2026-11-04,UTO police\n' >d2.csv
publish --sltd full.csv >/dev/null && publish --sltd-delta d1.csv >/dev/null &&
	publish --sltd-delta d2.csv >/dev/null || fail "publish sltd"
pubs() { sql "SELECT string_agg(version::text, ',' ORDER BY version) FROM sync_pub WHERE kind = 'sltd'"; }
[ "$(pubs)" = 1,2,3 ] || fail "a delta chain from the only full version was pruned: $(pubs)"
"$T" sync pull --checkpoint CP2 --server "$srv" --dir CP2 --db "sqlite:$dir/CP2.db" --kind sltd >/dev/null ||
	fail "CP2 pull sltd"
publish --sltd full.csv --json >pub4.out || fail "publish full v4"
grep -q '"version":4,"published":true,"pruned":2' pub4.out || fail "publish --keep 2: $(cat pub4.out)"
[ "$(pubs)" = 3,4 ] || fail "after a new full version with --keep 2: $(pubs)"
"$T" sync prune --db "$central" --keep 1 --kind sltd --json >prune.out || fail "sync prune"
grep -q '"deleted":1' prune.out && [ "$(pubs)" = 4 ] || fail "prune --keep 1: $(cat prune.out) $(pubs)"
publish --sltd-delta d1.csv >/dev/null || fail "publish after pruning"
[ "$(pubs)" = 4,5 ] || fail "numbering after pruning: $(pubs)"
# a checkpoint that held version 3 (pruned) and one that held nothing both get 4 + 5
"$T" sync pull --checkpoint CP2 --server "$srv" --dir CP2 --db "sqlite:$dir/CP2.db" --kind sltd --json >p2.out ||
	fail "CP2 pull after pruning: $(cat p2.out)"
grep -q '"from":3,"to":5,"versions":2' p2.out || fail "CP2 pull: $(cat p2.out)"
"$T" sync pull --checkpoint CP1 --server "$srv" --dir CP1 --db "sqlite:$dir/CP1.db" --kind sltd --json >p1.out ||
	fail "CP1 pull after pruning"
grep -q '"from":0,"to":5,"versions":2' p1.out || fail "CP1 pull: $(cat p1.out)"
for c in CP1 CP2; do
	set +e
	"$T" sltd lookup --index "$c/lists/sltd.idx" UTO X00000002 >/dev/null
	r=$?
	set -e
	[ "$r" = 1 ] || fail "$c: X00000002 not listed after the pull"
done
[ "$(sql "SELECT COUNT(*) FROM audit_entry WHERE action = 'sync.prune'")" -ge 2 ] || fail "pruning not audited"
"$T" audit verify --db "$central" >/dev/null || fail "central audit chain after pruning"
ok "pruning: the delta chain from the latest full version is kept, older versions go (--keep, sync prune); checkpoints behind still get a reply that applies"
echo "sync_revoke: all passed"
