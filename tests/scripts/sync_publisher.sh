#!/bin/bash
# The centre's publisher key and certificate expiry, through the real TLS
# server (central store on SQLite: neither depends on the backend, and
# the PostgreSQL centre is covered by sync_pull/sync_revoke).
# 1. A centre whose publisher key is missing makes one from the sync CA's
#    key when sync serve starts (0600, CN "tdverify publisher", chains to
#    the CA, audited sync.publisher_key, a line in the log), and what it
#    signs is accepted by a checkpoint that enrols (officer accounts
#    pulled). Without the CA key and without a publisher key, a centre
#    that hands out officer lists refuses to start and names the options
#    to give; given them it starts; a centre that never published officer
#    lists still starts without (ingest only).
# 2. tdverify status: this checkpoint's sync client certificate expiry
#    (--sync-cert) and, at headquarters, each checkpoint's certificate in
#    use from the register, as Prometheus gauges (Unix time of notAfter),
#    JSON and text; each value checked against openssl's notAfter; after a
#    renewal the centre shows the new certificate, after a revocation the
#    checkpoint has none; a certificate with 5 days left says "renew now".
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$TDVERIFY
. "$TDV_SRC/tests/scripts/sync_env.inc"
sync_env publisher
central="sqlite:$dir/central.db"
command -v sqlite3 >/dev/null || fail "sqlite3 missing (scripts/install-deps)"
ok() { echo "ok   $*"; }

start_serve() { # out-file serve-options...
	local out=$1
	shift
	"$T" sync serve --db "$central" --listen 127.0.0.1:0 "$@" >"$out" 2>>serve.log &
	pids+=($!)
	for _ in $(seq 1 100); do
		grep -q '^listening on' "$out" 2>/dev/null && break
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out")
	[ -n "$port" ] || fail "central did not start: $(tail -3 serve.log)"
	srv="127.0.0.1:$port"
}
stop_serve() {
	kill "${pids[-1]}" 2>/dev/null || true
	wait "${pids[-1]}" 2>/dev/null || true
}
enddate() { # certificate file -> notAfter as Unix time
	date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s
}
serial_of() {
	openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'
}
metric() { # file name checkpoint -> value (label serial checked by the caller)
	sed -n "s/^$2{checkpoint=\"$3\",serial=\"\([0-9a-f]*\)\"} \(-\{0,1\}[0-9]*\)\$/\1 \2/p" "$1"
}

echo 'admin-pass-1' | "$T" setup central --db "$central" --dir central --admin hq1 >/dev/null ||
	fail "setup central"
echo 'officer-pass-1' | "$T" officer add off1 --name "Officer One" --role officer \
	--db "$central" >/dev/null || fail "officer add"

# --- 1. the publisher key is made when missing ---
mkdir old
mv central/publisher.key central/publisher.crt old/
start_serve serve.out --dir central
[ -f central/publisher.key ] && [ -f central/publisher.crt ] || fail "publisher key not made"
[ "$(stat -c %a central/publisher.key)" = 600 ] || fail "publisher key mode"
openssl verify -CAfile central/ca.crt central/publisher.crt >/dev/null 2>&1 ||
	fail "made publisher certificate does not chain to the CA"
openssl x509 -in central/publisher.crt -noout -subject | grep -q 'CN *= *tdverify publisher' ||
	fail "publisher certificate subject"
cmp -s central/publisher.key old/publisher.key && fail "publisher key not new"
grep -q 'no publisher key was there: made central/publisher.key' serve.log ||
	fail "no log line for the made key"
"$T" audit list --json --db "$central" >audit.json
grep -q '"action":"sync.publisher_key"' audit.json || fail "publisher key not audited"
[ "$(grep -c '"action":"sync.publisher_key"' audit.json)" = 1 ] || fail "audited twice"
ok "missing publisher key made from the CA key, 0600, chains to the CA, audited"

enrol() { # ID
	local tok
	tok=$("$T" setup token --db "$central" --checkpoint "$1" --name "Post $1" --country UTO) ||
		fail "token $1"
	"$T" setup checkpoint --central "$srv" --enrol "$tok" --id "$1" --ca central/ca.crt \
		--dir "$1" --db "sqlite:$dir/$1.db" >"enrol-$1.out" 2>&1 || fail "enrol $1: $(cat "enrol-$1.out")"
}
enrol CP1
enrol CP2
"$T" officer show off1 --db "sqlite:$dir/CP1.db" | grep -q active ||
	fail "officer list signed with the made key not applied at CP1"
ok "lists signed with it applied at an enrolling checkpoint"

# upgrade: CP1's officers list as a centre of the previous version stored
# it (signed without the checkpoint id, format 1, made here with openssl
# over that format) -- serve signs it again on CP1's pull (new version,
# same accounts), CP1 applies that one
db=central.db
v=$(sqlite3 "$db" "SELECT MAX(version) FROM sync_pub WHERE kind = 'officers@CP1'")
[ -n "$v" ] && [ "$v" -ge 1 ] || fail "no officers list of CP1"
sha=$(sqlite3 "$db" "SELECT sha256 FROM sync_pub WHERE kind = 'officers@CP1' AND version = $v")
nv=$((v + 1))
ms=$(($(date +%s) * 1000))
printf 'tdverify-pub-v1\nofficers\n%s\nfull\n0\n%s\n%s\n' "$nv" "$sha" "$ms" >v1.msg
sig=$(openssl dgst -sha256 -sign central/publisher.key v1.msg | base64 -w0)
sqlite3 "$db" "INSERT INTO sync_pub (kind, version, type, base, sha256, published_ms, signature,
	signer, data) SELECT kind, $nv, type, base, sha256, $ms, '$sig', signer, data FROM sync_pub
	WHERE kind = 'officers@CP1' AND version = $v" || fail "insert a format-1 list"
"$T" sync pull --checkpoint CP1 --server "$srv" --dir CP1 --db "sqlite:$dir/CP1.db" \
	--kind officers >pull1.out 2>pull1.err || fail "pull after upgrade: $(cat pull1.err)"
grep -q "^officers: version $v -> $((nv + 1)) " pull1.out || fail "pull: $(cat pull1.out)"
[ "$(sqlite3 "$db" "SELECT substr(signature, 1, 3) FROM sync_pub WHERE kind = 'officers@CP1'
	AND version = $((nv + 1))")" = "v2 " ] || fail "not signed again in format 2"
[ "$(sqlite3 "$db" "SELECT sha256 FROM sync_pub WHERE kind = 'officers@CP1'
	AND version = $((nv + 1))")" = "$sha" ] || fail "accounts changed by the new signature"
ok "a list signed the earlier way is signed again by serve, and applied"
stop_serve
# a restart with the key there makes nothing and audits nothing more
start_serve serve2.out --dir central
stop_serve
[ "$(grep -c 'no publisher key was there' serve.log)" = 1 ] || fail "key made twice"
"$T" audit list --json --db "$central" | grep -c '"action":"sync.publisher_key"' | grep -qx 1 ||
	fail "audited again at restart"
ok "restart keeps the key"

# no publisher key and no CA key, while checkpoints get officer lists from here
mv central/publisher.key central/publisher.crt old/
set +e
"$T" sync serve --db "$central" --listen 127.0.0.1:0 --cert central/central.crt \
	--key central/central.key --ca central/ca.crt --max-requests 1 >refused.out 2>refused.err
rc=$?
set -e
[ "$rc" = 2 ] || fail "serve without publisher key: exit $rc, expected 2"
grep -q 'no publisher key' refused.err || fail "message: $(cat refused.err)"
grep -q -- '--publisher-cert FILE --publisher-key FILE' refused.err || fail "message: $(cat refused.err)"
grep -q '^listening' refused.out && fail "listened although refused"
[ -f central/publisher.key ] && fail "made a key without being allowed the CA key"
set +e
"$T" sync serve --db "$central" --listen 127.0.0.1:0 --cert central/central.crt \
	--key central/central.key --ca central/ca.crt --publisher-cert old/publisher.crt \
	--publisher-key missing.key --max-requests 1 >refused.out 2>refused.err
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'cannot read the publisher certificate or key' refused.err ||
	fail "unreadable publisher key: exit $rc: $(cat refused.err)"
mv old/publisher.key old/publisher.crt central/
start_serve serve3.out --cert central/central.crt --key central/central.key --ca central/ca.crt \
	--publisher-cert central/publisher.crt --publisher-key central/publisher.key
stop_serve
# a centre that never published officer lists starts without one
echo 'admin-pass-2' | "$T" setup central --db "sqlite:$dir/ingest.db" --dir ingest >/dev/null ||
	fail "setup second centre"
rm ingest/publisher.key ingest/publisher.crt ingest/ca.key
"$T" sync serve --db "sqlite:$dir/ingest.db" --listen 127.0.0.1:0 --cert ingest/central.crt \
	--key ingest/central.key --ca ingest/ca.crt >serve4.out 2>>serve.log &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^listening on' serve4.out && break; sleep 0.1; done
grep -q '^listening on' serve4.out || fail "ingest-only centre did not start"
stop_serve
ok "no key and no CA key: refused (exit 2, options named) when officer lists are handed out; else starts; unreadable key refused"

# --- 2. certificate expiry ---
start_serve serve5.out --dir central
exp1=$(enddate CP1/checkpoint.crt)
ser1=$(serial_of CP1/checkpoint.crt)
"$T" status --db "sqlite:$dir/CP1.db" --sync-cert CP1/checkpoint.crt --metrics >cp1.prom ||
	fail "status --metrics at CP1"
grep -q '^# TYPE tdverify_sync_cert_expiry_timestamp_seconds gauge$' cp1.prom || fail "TYPE line"
[ "$(metric cp1.prom tdverify_sync_cert_expiry_timestamp_seconds CP1)" = "$ser1 $exp1" ] ||
	fail "CP1 metric $(grep sync_cert cp1.prom) != $ser1 $exp1"
grep -q '^tdverify_checkpoint_cert_expiry' cp1.prom && fail "a post has no register"
"$T" status --db "sqlite:$dir/CP1.db" --sync-cert CP1/checkpoint.crt --json >cp1.json
python3 - "$exp1" "$ser1" <<'EOF' || fail "status --json: $(cat cp1.json)"
import json, sys, time
d = json.load(open("cp1.json"))
c = d["sync_cert"]
exp, ser = int(sys.argv[1]), sys.argv[2]
assert c["checkpoint"] == "CP1" and c["serial"] == ser, c
assert c["expiry_timestamp_s"] == exp, c
assert abs(c["expires_in_s"] - (exp - time.time())) < 120, c
assert c["not_after"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp)), c
assert d["certificates"] == [], d
EOF
"$T" status --db "sqlite:$dir/CP1.db" --sync-cert CP1/checkpoint.crt >cp1.txt
grep -q "^sync certificate CP1 .*serial $ser1, expires .* (in [0-9]* days)$" cp1.txt ||
	fail "text: $(cat cp1.txt)"
ok "post: sync certificate expiry (metric, JSON, text) = openssl notAfter"

exp2=$(enddate CP2/checkpoint.crt)
ser2=$(serial_of CP2/checkpoint.crt)
"$T" status --db "$central" --metrics >hq.prom || fail "status --metrics at the centre"
[ "$(metric hq.prom tdverify_checkpoint_cert_expiry_timestamp_seconds CP1)" = "$ser1 $exp1" ] ||
	fail "centre CP1: $(grep cert_expiry hq.prom)"
[ "$(metric hq.prom tdverify_checkpoint_cert_expiry_timestamp_seconds CP2)" = "$ser2 $exp2" ] ||
	fail "centre CP2: $(grep cert_expiry hq.prom)"
# CP1 renews: the centre shows the new certificate once it is in use
"$T" sync renew --checkpoint CP1 --server "$srv" --dir CP1 >renew.out 2>&1 ||
	fail "renew: $(cat renew.out)"
exp1b=$(enddate CP1/checkpoint.crt)
ser1b=$(serial_of CP1/checkpoint.crt)
[ "$ser1b" != "$ser1" ] || fail "renewal kept the serial"
# CP2 revoked: no certificate in use any more
"$T" sync revoke --db "$central" --checkpoint CP2 --reason "test" --by hq1 >/dev/null ||
	fail "revoke CP2"
"$T" status --db "$central" --metrics >hq2.prom
[ "$(metric hq2.prom tdverify_checkpoint_cert_expiry_timestamp_seconds CP1)" = "$ser1b $exp1b" ] ||
	fail "centre after renewal: $(grep cert_expiry hq2.prom)"
grep -q 'checkpoint="CP2"' <(grep cert_expiry hq2.prom) && fail "revoked CP2 still shown"
"$T" status --db "$central" --json >hq.json
python3 - "$exp1b" "$ser1b" <<'EOF' || fail "centre --json: $(cat hq.json)"
import json, sys
d = json.load(open("hq.json"))
c = d["certificates"]
assert len(c) == 1 and c[0]["checkpoint"] == "CP1", c
assert c[0]["serial"] == sys.argv[2] and c[0]["expiry_timestamp_s"] == int(sys.argv[1]), c
assert d["sync_cert"] is None
EOF
ok "centre: certificate in use per checkpoint from the register (renewal shown, revoked gone)"

# a certificate close to its end
q req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=CP1 -keyout soon.key -out soon.csr
q x509 -req -in soon.csr -CA central/ca.crt -CAkey central/ca.key -CAcreateserial -days 5 -out soon.crt
"$T" status --db "sqlite:$dir/CP1.db" --sync-cert soon.crt >soon.txt
grep -q 'expires .* (in [45] days): renew now$' soon.txt || fail "soon: $(cat soon.txt)"
"$T" status --db "sqlite:$dir/CP1.db" --sync-cert soon.crt --metrics >soon.prom
v=$(metric soon.prom tdverify_sync_cert_expiry_timestamp_seconds CP1 | cut -d' ' -f2)
[ "$v" = "$(enddate soon.crt)" ] || fail "soon metric $v"
[ $((v - $(date +%s))) -lt $((14 * 86400)) ] || fail "the suggested alert would not fire"
set +e
"$T" status --db "sqlite:$dir/CP1.db" --sync-cert missing.crt --metrics >/dev/null 2>missing.err
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'missing.crt' missing.err || fail "missing certificate: exit $rc"
ok "5 days left: 'renew now', alert condition met; unreadable certificate: exit 2"
stop_serve
echo "sync_publisher: ok"
