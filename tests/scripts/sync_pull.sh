#!/bin/bash
# Sync pulls over real TLS from a central server on a real PostgreSQL:
# the centre publishes a lost/stolen list, a watchlist, a trust store and
# its officer accounts; a checkpoint pulls them; a second pull transfers
# nothing; an SLTD delta and an officer disabled centrally arrive; a
# checkpoint that fell behind a new full list gets it; then a publication
# changed in the central database, one signed by a key of another CA, one
# signed by a certificate of the right CA that is not the publisher, and a
# server with a certificate the checkpoint does not trust are all refused
# and the previous lists stay exactly as they were. Also the route table:
# no client certificate -> 403 on pulls, unknown route 404, wrong method 405.
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$TDVERIFY
. "$TDV_SRC/tests/scripts/sync_env.inc"
sync_env pull
sync_pg_start
local="sqlite:$dir/cp1.db"

# --- the centre: database, CA, certificates, first administrator ---
echo 'admin-pass-1' | "$T" setup central --db "$central" --dir central >setup.out ||
	fail "setup central"
echo 'officer-pass-1' | "$T" officer add off1 --name "Officer One" --role officer \
	--db "$central" >/dev/null || fail "officer add"
tok=$("$T" setup token --db "$central" --checkpoint CP1 --name "North road" --country UTO) ||
	fail "token"

# (sets $port; not run in a command substitution, so that the server's
# pid reaches the cleanup)
start_central() { # out-file extra-args...
	local out=$1
	shift
	"$T" sync serve --db "$central" --listen 127.0.0.1:0 "$@" >"$out" 2>>serve.log &
	pids+=($!)
	for _ in $(seq 1 100); do
		grep -q '^listening on' "$out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^listening on' "$out" || fail "central did not start"
	port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out")
}
start_central serve.out --dir central
"$T" setup checkpoint --central "127.0.0.1:$port" --enrol "$tok" --id CP1 \
	--ca central/ca.crt --dir cp1 --db "$local" --no-pull >/dev/null || fail "enrol"

pull() { "$T" sync pull --checkpoint CP1 --server "127.0.0.1:$port" --dir cp1 --db "$local" "$@"; }
publish() { "$T" sync publish --db "$central" --dir central "$@"; }

# --- lists the centre publishes ---
cat >sltd1.csv <<'EOF'
issuing_state,document_number,document_type,status,date_reported,source
UTO,L898902C3,P,stolen,2026-11-01,UTO police
UTO,X00000001,P,lost,2026-11-02,UTO police
UTO,X00000002,ID,revoked,2026-11-03,UTO registry
EOF
head -n 9 "$TDV_SRC/tests/data/screen/watchlist.csv" >wl1.csv  # its last rows are malformed on purpose
mkdir trust1
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/C=UT/O=Utopia/CN=CSCA Utopia" -keyout csca.key -out trust1/csca-uto.pem \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
publish --sltd sltd1.csv >/dev/null || fail "publish sltd"
publish --watchlist wl1.csv >/dev/null || fail "publish watchlist"
publish --trust-dir trust1 >/dev/null || fail "publish trust"

# --- first pull: everything arrives ---
pull --json >pull1.out || { cat pull1.out; fail "first pull"; }
grep -q '"list":"sltd","from":0,"to":1,"versions":1' pull1.out || fail "sltd v1: $(cat pull1.out)"
grep -q '"list":"watchlist","from":0,"to":1' pull1.out || fail "watchlist v1"
grep -q '"list":"trust","from":0,"to":1' pull1.out || fail "trust v1"
grep -q '"list":"officers","from":0,"to":1,.*"changed":2' pull1.out || fail "officers: $(cat pull1.out)"
set +e
"$T" sltd lookup --index cp1/lists/sltd.idx UTO X00000001 >/dev/null
[ $? = 1 ] || fail "X00000001 should be listed after the pull"
set -e
cmp -s wl1.csv cp1/lists/watchlist.csv || fail "watchlist content"
case $(readlink cp1/lists/trust) in trust.v1.*) ;; *) fail "trust link";; esac
[ -f cp1/lists/trust/csca-uto.pem ] || fail "trust store"
echo 'officer-pass-1' | "$T" officer login off1 --db "$local" >/dev/null || fail "off1 login at the checkpoint"
sqlite3 "$dir/cp1.db" "SELECT password_hash FROM officer WHERE id='off1'" | grep -q '^\$argon2id\$' ||
	fail "officer hash"
sqlite3 "$dir/cp1.db" "SELECT COUNT(*) FROM officer WHERE password_hash LIKE '%officer-pass%'" |
	grep -qx 0 || fail "plaintext"

# --- second pull: nothing is transferred ---
pull --json >pull2.out || fail "second pull"
[ "$(grep -c '"versions":0,"bytes":0' pull2.out)" = 4 ] || fail "second pull moved data: $(cat pull2.out)"
grep -q 'pull sltd since 1 (3[0-9] bytes)' serve.log || fail "second sltd reply not empty"

# --- an SLTD delta and an officer disabled centrally ---
cat >delta2.csv <<'EOF'
add,UTO,X00000003,P,stolen,2026-11-20,UTO police
remove,UTO,X00000001
EOF
publish --sltd-delta delta2.csv >/dev/null || fail "publish delta"
"$T" officer disable off1 --db "$central" >/dev/null || fail "disable centrally"
pull --json >pull3.out || fail "third pull"
grep -q '"list":"sltd","from":1,"to":2,"versions":1,"bytes":[0-9][0-9],' pull3.out ||
	fail "only the delta should come: $(cat pull3.out)"
grep -q '"list":"officers","from":1,"to":2,"versions":1,.*"changed":1' pull3.out ||
	fail "officers v2: $(cat pull3.out)"
set +e
"$T" sltd lookup --index cp1/lists/sltd.idx UTO X00000001 >/dev/null; r1=$?
"$T" sltd lookup --index cp1/lists/sltd.idx UTO X00000003 >/dev/null; r3=$?
echo 'officer-pass-1' | "$T" officer login off1 --db "$local" >/dev/null 2>&1; rl=$?
set -e
[ "$r1" = 0 ] && [ "$r3" = 1 ] || fail "delta not applied ($r1 $r3)"
[ "$rl" != 0 ] || fail "off1 disabled centrally can still log in at the checkpoint"
"$T" officer show off1 --db "$local" | grep -q disabled || fail "off1 not disabled locally"
"$T" audit verify --db "$local" >/dev/null || fail "local audit chain after officer sync"

# --- a new full list and a delta after it: a checkpoint at v2 gets v3+v4 ---
grep -v X00000002 sltd1.csv >sltd3.csv
publish --sltd sltd3.csv >/dev/null || fail "publish sltd v3"
printf 'add,UTO,X00000004,P,lost,2026-11-21,UTO police\n' >delta4.csv
publish --sltd-delta delta4.csv >/dev/null || fail "publish delta v4"
pull --kind sltd --json >pull4.out || fail "pull v4"
grep -q '"from":2,"to":4,"versions":2' pull4.out || fail "full+delta: $(cat pull4.out)"
set +e
"$T" sltd lookup --index cp1/lists/sltd.idx UTO X00000002 >/dev/null; r2=$?
"$T" sltd lookup --index cp1/lists/sltd.idx UTO X00000004 >/dev/null; r4=$?
set -e
[ "$r2" = 0 ] && [ "$r4" = 1 ] || fail "v4 content ($r2 $r4)"
"$T" sync status --checkpoint CP1 --db "$local" >status.out
grep -q '^sltd: version 4, published' status.out || fail "status: $(cat status.out)"
grep -q '^trust: version 1' status.out || fail "status trust"

snapshot() { sha256sum cp1/lists/sltd.idx cp1/lists/watchlist.csv cp1/lists/trust/*; readlink cp1/lists/trust; }
snapshot >before.sum
refused() { # what expected-message args...
	local what=$1 msg=$2
	shift 2
	set +e
	pull "$@" >refused.out 2>refused.err
	local rc=$?
	set -e
	[ "$rc" = 2 ] || fail "$what: exit $rc, expected 2 ($(cat refused.err))"
	grep -q "$msg" refused.err || fail "$what: $(cat refused.err)"
	snapshot | cmp -s - before.sum || fail "$what: the previous list changed"
}

# --- a publication changed in the central database ---
printf 'id,names,birth_date,nationality,sex,documents,reason,action\nW009,DOE JOHN,1970,UTO,M,,x,refer\n' >wl2.csv
publish --watchlist wl2.csv >/dev/null || fail "publish watchlist v2"
sql "UPDATE sync_pub SET data = '$(base64 -w0 wl1.csv)' WHERE kind = 'watchlist' AND version = 2"
refused "tampered watchlist" "does not match its signed digest" --kind watchlist
"$T" sync status --checkpoint CP1 --db "$local" | grep -q '^watchlist: version 1,' ||
	fail "watchlist version moved after a refused pull"

# --- signed by a key of another CA ---
mkdir rogue
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=rogue CA" -keyout rogue/ca.key -out rogue/ca.pem
q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=tdverify publisher" \
	-keyout rogue/pub.key -out rogue/pub.csr
q x509 -req -in rogue/pub.csr -CA rogue/ca.pem -CAkey rogue/ca.key -CAcreateserial -days 2 \
	-out rogue/pub.pem
printf 'add,UTO,X00000005,P,lost,2026-11-22,rogue\n' >delta5.csv
"$T" sync publish --db "$central" --publisher-cert rogue/pub.pem --publisher-key rogue/pub.key \
	--sltd-delta delta5.csv >/dev/null || fail "rogue publish"
refused "rogue publisher" "signature or signer not trusted" --kind sltd

# --- signed by a certificate of the right CA that is not the publisher
#     (the central server's own) ---
printf 'W1,SOMEONE ELSE,1980,UTO,M,,x,refer\n' >wl3.csv
"$T" sync publish --db "$central" --publisher-cert central/central.crt \
	--publisher-key central/central.key --watchlist wl3.csv >/dev/null || fail "server-key publish"
refused "non-publisher signer" "signature or signer not trusted" --kind watchlist

# --- a server the checkpoint does not trust (same database, rogue cert) ---
q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=tdverify central" \
	-keyout rogue/srv.key -out rogue/srv.csr
printf 'subjectAltName=IP:127.0.0.1\n' >rogue/srv.ext
q x509 -req -in rogue/srv.csr -CA rogue/ca.pem -CAkey rogue/ca.key -CAcreateserial -days 2 \
	-extfile rogue/srv.ext -out rogue/srv.pem
good_port=$port
start_central serve2.out --cert rogue/srv.pem --key rogue/srv.key --ca central/ca.crt \
	--publisher-cert central/publisher.crt --publisher-key central/publisher.key
refused "untrusted server" "certificate verify failed\|TLS handshake" --kind sltd
port=$good_port

# --- the route table ---
url="https://127.0.0.1:$port"
code() { curl -s -o /dev/null -w '%{http_code}' --cacert central/ca.crt "$@"; }
[ "$(code "$url/v1/pull/sltd?since=0")" = 403 ] || fail "pull without a client certificate"
[ "$(code "$url/v1/ca")" = 200 ] || fail "/v1/ca"
[ "$(code "$url/v1/nothing")" = 404 ] || fail "unknown route"
[ "$(code -X POST --data x "$url/v1/ca")" = 405 ] || fail "wrong method"
[ "$(code --cert cp1/checkpoint.crt --key cp1/checkpoint.key "$url/v1/pull/sltd?since=x")" = 400 ] ||
	fail "bad since"
[ "$(code --cert cp1/checkpoint.crt --key cp1/checkpoint.key "$url/v1/pull/secrets")" = 404 ] ||
	fail "unknown list"
snapshot | cmp -s - before.sum || fail "lists changed at the end"

# --- the sync daemon pushes and pulls: an officer enabled again centrally
#     is enabled at the checkpoint without a manual pull ---
"$T" officer enable off1 --db "$central" >/dev/null || fail "enable centrally"
"$T" sync push --daemon --interval 1 --checkpoint CP1 --server "127.0.0.1:$port" --dir cp1 \
	--db "$local" >daemon.out 2>daemon.err &
daemon=$!
pids+=("$daemon")
for _ in $(seq 1 100); do
	"$T" officer show off1 --db "$local" | grep -q active && break
	sleep 0.2
done
"$T" officer show off1 --db "$local" | grep -q active || fail "daemon did not pull: $(cat daemon.err)"
kill -TERM "$daemon"
wait "$daemon" || fail "daemon exit status"
grep -q '^officers: version 2 -> 3' daemon.out || fail "daemon output: $(cat daemon.out)"
echo "sync_pull: ok"
