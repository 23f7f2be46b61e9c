#!/bin/bash
# Enrolment end to end on a real PostgreSQL centre over real TLS:
# tdverify setup central (database, CA, server and publisher certificates,
# first administrator), setup token, setup checkpoint (key pair and request
# made locally, CA fetched and checked by fingerprint, certificate issued
# with CN = the checkpoint id, officers/lists/trust store pulled), then an
# inspection recorded at the checkpoint syncs to the centre with the new
# certificate. Refused, with nothing issued: a wrong token, an expired
# token, a used token, a token of another checkpoint, a request naming
# another checkpoint (or more than the id), a wrong CA fingerprint.
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$TDVERIFY
. "$TDV_SRC/tests/scripts/sync_env.inc"
sync_env enrol
sync_pg_start

# --- headquarters ---
echo 'admin-pass-1' | "$T" setup central --db "$central" --dir central --admin hq1 \
	--admin-name "HQ Administrator" >setup.out || fail "setup central"
for f in ca.crt ca.key central.crt central.key publisher.crt publisher.key; do
	[ -s "central/$f" ] || fail "central/$f missing"
done
[ "$(stat -c %a central/ca.key)" = 600 ] || fail "CA key mode"
fp=$(openssl x509 -in central/ca.crt -outform DER | sha256sum | cut -d' ' -f1)
grep -q "CA fingerprint (SHA-256): $fp" setup.out || fail "printed fingerprint: $(cat setup.out)"
openssl verify -CAfile central/ca.crt central/central.crt >/dev/null || fail "server cert"
openssl x509 -in central/central.crt -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1' ||
	fail "server SAN"
echo 'admin-pass-1' | "$T" officer login hq1 --db "$central" >/dev/null || fail "admin login"
echo 'admin-pass-1' | "$T" setup central --db "$central" --dir central >/dev/null 2>&1 &&
	fail "setup central twice"
echo 'officer-pass-1' | "$T" officer add off1 --name "Officer One" --role officer \
	--db "$central" >/dev/null || fail "officer add"
printf 'issuing_state,document_number,document_type,status,date_reported,source\nUTO,X00000001,P,lost,2026-11-02,UTO police\n' >sltd.csv
"$T" sync publish --db "$central" --dir central --sltd sltd.csv >/dev/null || fail "publish sltd"
mkdir trust
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/C=UT/O=Utopia/CN=CSCA Utopia" -keyout csca.key -out trust/csca-uto.pem \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
"$T" sync publish --db "$central" --dir central --trust-dir trust >/dev/null || fail "publish trust"

"$T" sync serve --db "$central" --listen 127.0.0.1:0 --dir central >serve.out 2>serve.log &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^listening on' serve.out && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' serve.out)
[ -n "$port" ] || fail "central did not start"

tok=$("$T" setup token --db "$central" --checkpoint CP1 --name "North road" --country UTO) ||
	fail "token"
tok2=$("$T" setup token --db "$central" --checkpoint CP2 --name "Harbour" --country UTO) ||
	fail "token CP2"
[ "$(sql "SELECT COUNT(*) FROM sync_enrol_token WHERE token_hash = '$tok'")" = 0 ] ||
	fail "token stored in clear"
h=$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
[ "$(sql "SELECT checkpoint_id FROM sync_enrol_token WHERE token_hash = '$h'")" = CP1 ] ||
	fail "token hash"

enrol() { # dir token id [more]
	local d=$1 t=$2 id=$3
	shift 3
	"$T" setup checkpoint --central "https://127.0.0.1:$port" --enrol "$t" --id "$id" \
		--dir "$d" --db "sqlite:$dir/$d.db" "$@"
}
refused() { # what message dir token id [more]
	local what=$1 msg=$2 d=$3
	shift 2
	set +e
	enrol "$@" >refused.out 2>refused.err
	local rc=$?
	set -e
	[ "$rc" = 2 ] || fail "$what: exit $rc ($(cat refused.err))"
	grep -q "$msg" refused.err || fail "$what: $(cat refused.err)"
	[ ! -e "$d/checkpoint.crt" ] && [ ! -e "$d/checkpoint.key" ] || fail "$what: left a key or certificate"
}
refused "wrong fingerprint" "fingerprint" bad0 "$tok" CP1 --ca-fingerprint "$(echo x | sha256sum | cut -d' ' -f1)"
refused "wrong token" "token not valid" bad1 "tdv1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" CP1 --ca-fingerprint "$fp"
refused "another checkpoint's token" "token not valid" bad2 "$tok2" CP1 --ca-fingerprint "$fp"
short=$("$T" setup token --db "$central" --checkpoint CP1 --ttl 1s)
sleep 2
refused "expired token" "token not valid" bad3 "$short" CP1 --ca-fingerprint "$fp"

# a request naming another checkpoint, or more than the id, sent with
# CP1's valid token: refused, and the token is not used up by it
csr_json() { # CN-subject
	q req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$1" \
		-keyout x.key -out x.csr
	python3 -c 'import json,sys; print(json.dumps({"checkpoint":"CP1","token":sys.argv[1],"csr":open("x.csr").read()}))' "$tok"
}
post() { curl -s -o post.out -w '%{http_code}' --cacert central/ca.crt -H 'Content-Type: application/json' \
	--data-binary @- "https://127.0.0.1:$port/v1/enrol"; }
[ "$(csr_json "/CN=CP2" | post)" = 403 ] || fail "CSR for CP2 with CP1's token: $(cat post.out)"
[ "$(csr_json "/O=Elsewhere/CN=CP1" | post)" = 403 ] || fail "CSR with extra names: $(cat post.out)"
[ "$(printf '{"checkpoint":"CP1","token":"%s","csr":"junk"}' "$tok" | post)" = 400 ] ||
	fail "junk CSR: $(cat post.out)"
head -c 20000 /dev/zero | tr '\0' 'a' | post | grep -qx 413 || fail "oversized enrolment body"
[ "$(sql "SELECT COUNT(*) FROM sync_enrol_token WHERE used_ms IS NOT NULL")" = 0 ] ||
	fail "a refused request used a token up"

# --- the real enrolment ---
enrol cp1 "$tok" CP1 --ca-fingerprint "$fp" >enrol.out || fail "enrol CP1: $(cat enrol.out)"
grep -q '^officers: version 1' enrol.out && grep -q '^sltd: version 1' enrol.out &&
	grep -q '^trust: version 1' enrol.out || fail "pulls at enrolment: $(cat enrol.out)"
openssl x509 -in cp1/checkpoint.crt -noout -subject | grep -qx 'subject=CN = CP1' || fail "subject"
openssl verify -CAfile central/ca.crt -purpose sslclient cp1/checkpoint.crt >/dev/null ||
	fail "checkpoint cert not from the CA for client auth"
cmp -s cp1/ca.crt central/ca.crt || fail "CA copy"
[ "$(stat -c %a cp1/checkpoint.key)" = 600 ] || fail "key mode"
# the private key never left: the certificate's key is the local one
[ "$(openssl x509 -in cp1/checkpoint.crt -noout -pubkey)" = "$(openssl pkey -in cp1/checkpoint.key -pubout)" ] ||
	fail "certificate not for the local key"
[ "$(sql "SELECT COUNT(*) FROM audit_entry WHERE action = 'checkpoint.enrol' AND object = 'CP1'")" = 1 ] ||
	fail "enrolment not audited"
echo 'officer-pass-1' | "$T" officer login off1 --db "sqlite:$dir/cp1.db" >/dev/null ||
	fail "officer pulled at enrolment cannot log in"
refused "used token" "token not valid" bad4 "$tok" CP1 --ca-fingerprint "$fp"
"$T" setup checkpoint --central "127.0.0.1:$port" --enrol "$tok" --id CP1 --dir cp1 \
	--ca-fingerprint "$fp" --db "sqlite:$dir/cp1.db" >/dev/null 2>&1 && fail "enrolled twice"

# --- an inspection recorded at the checkpoint syncs with the new certificate ---
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --record --checkpoint CP1 \
	--direction entry --officer off1 --db "sqlite:$dir/cp1.db" >/dev/null || fail "record"
"$T" sync push --checkpoint CP1 --server "127.0.0.1:$port" --dir cp1 --db "sqlite:$dir/cp1.db" \
	>push.out 2>&1 || fail "push: $(cat push.out)"
[ "$(sql "SELECT COUNT(*) FROM movement WHERE checkpoint_id = 'CP1'")" = 1 ] || fail "movement at the centre"
id_local=$(sqlite3 "$dir/cp1.db" "SELECT id FROM movement")
[ "$(sql "SELECT id FROM movement WHERE checkpoint_id = 'CP1'")" = "$id_local" ] || fail "movement id"
"$T" audit verify --db "$central" >/dev/null || fail "central audit chain"
"$T" sync pull --checkpoint CP1 --server "127.0.0.1:$port" --dir cp1 --db "sqlite:$dir/cp1.db" \
	--json >pull.out || fail "pull after enrolment"
[ "$(grep -c '"versions":0' pull.out)" = 4 ] || fail "nothing new expected: $(cat pull.out)"
echo "setup_enrol: ok"
