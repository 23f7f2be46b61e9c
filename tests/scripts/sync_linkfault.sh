#!/bin/bash
# Link-fault test of sync: a checkpoint (SQLite) pushes to the central
# server (tdverify sync serve on a real PostgreSQL started here) over
# HTTPS with mutual TLS, through a relay that drops, delays and cuts
# connections at random; the central server is killed and restarted in
# the middle while the checkpoint keeps recording. Afterwards the central
# database holds every checkpoint record exactly once and its copy of the
# audit chain verifies. Also: another checkpoint's certificate, a
# certificate from an unknown CA, oversized and malformed bodies are
# refused and change nothing.
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$TDVERIFY
. "$TDV_SRC/tests/scripts/sync_env.inc"
sync_env sync

# --- certificates: a sync CA, the server, checkpoints CP1 and CP2, and a
#     CP1 certificate from a CA nobody trusts ---
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=tdverify sync test CA" -keyout ca.key -out ca.pem
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=rogue CA" -keyout rogue.key -out rogue.pem
issue() { # name CN CA extension
	q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
		-keyout "$1.key" -out "$1.csr"
	printf '%s\n' "$4" >"$1.ext"
	q x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
		-days 2 -extfile "$1.ext" -out "$1.pem"
}
issue server central ca "subjectAltName=IP:127.0.0.1"
issue cp1 CP1 ca "extendedKeyUsage=clientAuth"
issue cp2 CP2 ca "extendedKeyUsage=clientAuth"
issue fake1 CP1 rogue "extendedKeyUsage=clientAuth"

# --- central PostgreSQL and the checkpoint's SQLite store ---
sync_pg_start
local="sqlite:$dir/cp1.db"
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
for db in "$central" "$local"; do
	"$T" checkpoint add CP1 --name "North road" --country UTO --db "$db" >/dev/null
done
"$T" checkpoint add CP2 --name "Harbour" --country UTO --db "$central" >/dev/null
echo 'pw' | "$T" officer add off1 --name "Officer One" --role officer \
	--checkpoint CP1 --db "$local" || fail "officer add"
record() { # n
	for _ in $(seq 1 "$1"); do
		"$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required \
			--record --checkpoint CP1 --direction entry --officer off1 \
			--db "$local" >/dev/null || fail "record"
	done
}
record 8

# --- the central server (restartable on the same port) ---
start_central() { # port
	"$T" sync serve --db "$central" --listen "127.0.0.1:$1" --cert server.pem \
		--key server.key --ca ca.pem >"$dir/serve.out" 2>>"$dir/serve.log" &
	central_pid=$!
	pids+=("$central_pid")
	for _ in $(seq 1 100); do
		grep -q '^listening on' "$dir/serve.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^listening on' "$dir/serve.out" || fail "central did not start"
	central_port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/serve.out")
}
start_central 0

# --- the faulty link: drop, delay, cut, or pass each connection ---
cat >relay.py <<'PY'
import random, socket, sys, threading, time
listen_port_file, target_port = sys.argv[1], int(sys.argv[2])
random.seed()
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(16)
open(listen_port_file, "w").write(str(srv.getsockname()[1]))
def pipe(a, b, budget):
    try:
        while True:
            d = a.recv(4096)
            if not d: break
            if budget is not None:
                if budget[0] <= 0: break
                d = d[:budget[0]]; budget[0] -= len(d)
            b.sendall(d)
    except OSError: pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
def handle(c):
    fate = random.choice(["drop", "delay", "cut", "cut", "pass", "pass"])
    if fate == "drop":
        c.close(); return
    if fate == "delay":
        time.sleep(random.uniform(0.2, 1.2))
    try: u = socket.create_connection(("127.0.0.1", target_port), timeout=5)
    except OSError:
        c.close(); return
    budget = [random.randint(50, 6000)] if fate == "cut" else None
    threading.Thread(target=pipe, args=(c, u, budget), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c, budget), daemon=True).start()
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY
python3 relay.py "$dir/relay.port" "$central_port" &
pids+=($!)
for _ in $(seq 1 50); do [ -s relay.port ] && break; sleep 0.1; done
relay_port=$(cat relay.port)

push() { # exit status of one push pass through the relay
	set +e
	"$T" sync push --checkpoint CP1 --server "127.0.0.1:$relay_port" --cert cp1.pem \
		--key cp1.key --ca ca.pem --db "$local" --batch 5 --timeout 2000 \
		>/dev/null 2>>"$dir/push.log"
	local rc=$?
	set -e
	return $rc
}

attempts=0 failures=0 done_ok=0
while [ $attempts -lt 120 ]; do
	attempts=$((attempts + 1))
	if [ $attempts -eq 4 ]; then
		# central crash and restart (same port) while the post keeps recording
		kill -9 "$central_pid"; wait "$central_pid" 2>/dev/null || true
		record 3
		start_central "$central_port"
	fi
	if [ $attempts -eq 8 ]; then record 3; fi
	if push; then
		[ $attempts -gt 8 ] && { done_ok=1; break; }
	else
		rc=$?
		[ $rc -eq 1 ] || fail "push refused (exit $rc): $(tail -3 "$dir/push.log")"
		failures=$((failures + 1))
	fi
done
[ $done_ok -eq 1 ] || fail "backlog not drained after $attempts attempts"
echo "sync_linkfault: drained after $attempts passes, $failures cut by the link"
[ $failures -gt 0 ] || fail "the relay never broke a transfer: the test proved nothing"

# --- exactly once at the centre ---
sqlq() { "$psql_bin" "$conninfo" -At -c "$1"; }
want=$(sqlite3 "$dir/cp1.db" "SELECT COUNT(*) FROM movement")
wanta=$(sqlite3 "$dir/cp1.db" "SELECT COUNT(*) FROM audit_entry WHERE chain='CP1'")
[ "$want" -eq 14 ] || fail "local has $want movements, expected 14"
got=$(sqlq "SELECT COUNT(*) || ' ' || COUNT(DISTINCT id) || ' ' || MAX(seq) FROM movement WHERE checkpoint_id='CP1'")
[ "$got" = "$want $want $want" ] || fail "central movements: $got, expected $want each"
gota=$(sqlq "SELECT COUNT(*) FROM audit_entry WHERE chain='CP1'")
[ "$gota" -eq "$wanta" ] || fail "central audit entries: $gota, expected $wanta"
# the same rows, not just as many
diff <(sqlite3 "$dir/cp1.db" "SELECT id, seq, decision FROM movement ORDER BY seq" | tr '|' ' ') \
	<(sqlq "SELECT id, seq, decision FROM movement WHERE checkpoint_id='CP1' ORDER BY seq" | tr '|' ' ') \
	|| fail "central rows differ from the checkpoint's"
"$T" audit verify --chain CP1 --db "$central" >/dev/null || fail "central copy of the chain broken"
out=$("$T" sync status --checkpoint CP1 --json --db "$local")
grep -q '"audit_pending":0,"movements_pending":0' <<<"$out" || fail "backlog left: $out"

# --- refusals, straight to the central server (no relay) ---
record 2
direct() { # cert key ca -> exit status
	set +e
	"$T" sync push --checkpoint CP1 --server "127.0.0.1:$central_port" --cert "$1" \
		--key "$2" --ca "$3" --db "$local" --timeout 3000 >/dev/null 2>"$dir/direct.err"
	local rc=$?
	set -e
	return $rc
}
direct cp2.pem cp2.key ca.pem && fail "CP2's certificate sent CP1's records"
grep -q "HTTP 403" "$dir/direct.err" || fail "forged identity: $(cat "$dir/direct.err")"
direct fake1.pem fake1.key ca.pem && fail "a certificate from an unknown CA was accepted"
direct cp1.pem cp1.key rogue.pem && fail "client trusted a server it cannot verify"
grep -q "certificate" "$dir/direct.err" || fail "untrusted server: $(cat "$dir/direct.err")"
curl_post() { # file -> http code
	curl -s -o "$dir/curl.out" -w '%{http_code}' --cacert ca.pem --cert cp1.pem \
		--key cp1.key -H 'Content-Type: application/json' --data-binary "@$1" \
		"https://127.0.0.1:$central_port/v1/batch" || true
}
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >big.json
[ "$(curl_post big.json)" = 413 ] || fail "oversized batch not refused with 413"
printf '{"v":1,"checkpoint":"CP1","audit":[{"chain":"CP1"}],"movements":[]}' >bad.json
[ "$(curl_post bad.json)" = 400 ] || fail "malformed batch not refused with 400"
grep -q '"record":0' "$dir/curl.out" || fail "malformed record not named: $(cat "$dir/curl.out")"
now=$(sqlq "SELECT COUNT(*) FROM movement WHERE checkpoint_id='CP1'")
[ "$now" -eq "$want" ] || fail "refused pushes changed the centre: $now"
# and the genuine checkpoint then sends the last two
direct cp1.pem cp1.key ca.pem || fail "final push: $(cat "$dir/direct.err")"
now=$(sqlq "SELECT COUNT(*) FROM movement WHERE checkpoint_id='CP1'")
[ "$now" -eq $((want + 2)) ] || fail "final push: $now"
echo "sync_linkfault: ok (central holds $now movements once each; refusals checked)"
