#!/bin/bash
# The central sync server serves several connections at once
# (tdverify sync serve --workers N; real TLS, real PostgreSQL):
#  1. a stalled client (a TCP connection that sends nothing, and a TLS
#     connection with half a request) does not stop another checkpoint's
#     push while it stays open (a server taking one connection at a time
#     fails this: the push times out behind the stalled connection);
#  2. four checkpoints push at once (1,500 movements + 1,501 audit
#     entries each) while a second push process of CP2 sends the same
#     records from the same local store in batches of other bounds: the
#     centre holds every record exactly once, the same rows as each
#     checkpoint, every chain verifies, and every push succeeds at once
#     (the centre makes two batches of one checkpoint take turns: not
#     even a 503 "send again later"); then the in-process
#     test_sync_concurrent against this PostgreSQL;
#  3. every worker busy and the queue full: 503 busy (Retry-After), and
#     the checkpoint's push says "centre unavailable" and exits 1 (retry);
#  4. SIGTERM while a request is half sent: that request is still
#     answered, then the server exits 0 and says what it served.
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}" "${TDV_BUILD:?}"
T=$TDVERIFY
GEN="$TDV_BUILD/tests/test_sync_concurrent"
[ -x "$GEN" ] || { echo "FAIL: record generator $GEN not built" >&2; exit 1; }
. "$TDV_SRC/tests/scripts/sync_env.inc"
sync_env syncc
N=1500

# --- certificates: sync CA, server, CP1..CP4 ---
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=tdverify sync test CA" -keyout ca.key -out ca.pem
issue() { # name CN extension
	q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
		-keyout "$1.key" -out "$1.csr"
	printf '%s\n' "$3" >"$1.ext"
	q x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile "$1.ext" -out "$1.pem"
}
issue server central "subjectAltName=IP:127.0.0.1"
for i in 1 2 3 4; do issue "cp$i" "CP$i" "extendedKeyUsage=clientAuth"; done

# --- central PostgreSQL; each checkpoint's SQLite store with its records ---
sync_pg_start
for i in 1 2 3 4; do
	"$T" checkpoint add "CP$i" --name "Post $i" --country UTO --db "$central" >/dev/null
done
gp=()
"$GEN" gen "sqlite:$dir/cp1.db" CP1 200 &
gp+=($!)
for i in 2 3 4; do
	"$GEN" gen "sqlite:$dir/cp$i.db" "CP$i" $N &
	gp+=($!)
done
for p in "${gp[@]}"; do wait "$p" || fail "generator"; done

start_central() { # name extra-options...
	local name=$1
	shift
	"$T" sync serve --db "$central" --listen 127.0.0.1:0 --cert server.pem \
		--key server.key --ca ca.pem "$@" >"$dir/$name.out" 2>>"$dir/serve.log" &
	central_pid=$!
	pids+=("$central_pid")
	for _ in $(seq 1 100); do
		grep -q '^listening on' "$dir/$name.out" 2>/dev/null && break
		sleep 0.1
	done
	central_port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/$name.out")
	[ -n "$central_port" ] || fail "central ($name) did not start"
}
push() { # i [options...] -> exit status of sync push of CPi
	local i=$1
	shift
	"$T" sync push --checkpoint "CP$i" --server "127.0.0.1:$central_port" \
		--cert "cp$i.pem" --key "cp$i.key" --ca ca.pem --db "sqlite:$dir/cp$i.db" "$@"
}

# clients that hold connections open: "stall" = one TCP connection that
# sends nothing and one TLS connection (CP2's certificate) with half a
# request; "half" = half of GET /v1/whoami, the rest after $out.go
cat >client.py <<'PY'
import os, socket, ssl, sys, time
mode, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def tls():
    ctx = ssl.create_default_context(cafile="ca.pem")
    ctx.load_cert_chain("cp2.pem", "cp2.key")
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30),
                        server_hostname="127.0.0.1")
    return s
def wait_go():
    for _ in range(1200):
        if os.path.exists(out + ".go"): return
        time.sleep(0.05)
    sys.exit("no go")
def is_open(s):
    s.setblocking(False)
    try:
        d = s.recv(64)
        return "closed" if d == b"" else "data"
    except (BlockingIOError, ssl.SSLWantReadError):
        return "open"
    except OSError as e:
        return "error " + str(e)
if mode == "raw2":
    # the first taken by the worker before the second fills the queue
    raw = [socket.create_connection(("127.0.0.1", port), timeout=30)]
    time.sleep(0.5)
    raw.append(socket.create_connection(("127.0.0.1", port), timeout=30))
    time.sleep(0.5)
    open(out, "w").write("ready\n")
    wait_go()
    open(out + ".res", "w").write(" ".join(is_open(r) for r in raw) + "\n")
elif mode == "stall":
    half = tls()
    half.sendall(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Le")
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    open(out, "w").write("ready\n")
    wait_go()
    open(out + ".res", "w").write(is_open(raw) + " " + is_open(half) + "\n")
elif mode == "half":
    s = tls()
    s.sendall(b"GET /v1/whoami HTTP/1.1\r\n")
    open(out, "w").write("ready\n")
    wait_go()
    s.sendall(b"Host: x\r\n\r\n")
    reply = b""
    while True:
        d = s.recv(4096)
        if not d: break
        reply += d
    open(out + ".res", "wb").write(reply)
PY
client() { # mode out -> background, waits until it holds its connections
	python3 client.py "$1" "$central_port" "$dir/$2" 2>>"$dir/client.err" &
	pids+=($!)
	client_pid=$!
	for _ in $(seq 1 100); do [ -s "$dir/$2" ] && break; sleep 0.1; done
	[ -s "$dir/$2" ] || fail "client $1 did not connect: $(cat "$dir/client.err")"
}

# --- 1. stalled clients do not stop a push ---
start_central main --workers 4
main_pid=$central_pid main_port=$central_port
client stall stall
# --timeout 4000: below the server's 10 s read timeout, so the push must
# be served while both stalled connections are held
push 1 --timeout 4000 >/dev/null 2>push1.err ||
	fail "CP1's push did not get through while a client stalled: $(cat push1.err)"
touch "$dir/stall.go"
wait "$client_pid" || fail "stall client: $(cat "$dir/client.err")"
[ "$(cat "$dir/stall.res")" = "open open" ] ||
	fail "the stalled connections were not open after the push: $(cat "$dir/stall.res")"
[ "$(sql "SELECT COUNT(*) FROM movement WHERE checkpoint_id='CP1'")" = 200 ] ||
	fail "CP1's movements did not all arrive"
echo "sync_concurrent: CP1 pushed 200 movements while two connections stalled"

# --- 2. four pushers at once, two of them for the same checkpoint ---
"$GEN" gen "sqlite:$dir/cp1.db" CP1 $((N - 200)) || fail "generator"
start=$(date +%s.%N)
pp=()
for i in 1 2 3 4; do
	push "$i" --batch 500 >/dev/null 2>"push$i.err" &
	pp+=($!)
done
push 2 --batch 333 >/dev/null 2>push5.err & # other batch bounds: overlapping batches
pp+=($!)
k=0
for p in "${pp[@]}"; do
	k=$((k + 1))
	# strict: not even a 503 "send again later" (exit 1) is expected, the
	# centre lets two batches of one checkpoint take turns
	wait "$p" || fail "pusher $k failed: $(cat "push$k.err")"
done
end=$(date +%s.%N)
for i in 1 2 3 4; do
	got=$(sql "SELECT COUNT(*) || ' ' || COUNT(DISTINCT id) || ' ' || MAX(seq) FROM movement WHERE checkpoint_id='CP$i'")
	[ "$got" = "$N $N $N" ] || fail "CP$i central movements (count distinct max): $got, expected $N"
	gota=$(sql "SELECT COUNT(*) || ' ' || COUNT(DISTINCT seq) || ' ' || MAX(seq) FROM audit_entry WHERE chain='CP$i'")
	[ "$gota" = "$((N + 1)) $((N + 1)) $((N + 1))" ] ||
		fail "CP$i central audit entries (count distinct max): $gota, expected $((N + 1))"
	diff <(sqlite3 "$dir/cp$i.db" "SELECT id, seq, decision FROM movement ORDER BY seq" | tr '|' ' ') \
		<(sql "SELECT id, seq, decision FROM movement WHERE checkpoint_id='CP$i' ORDER BY seq" | tr '|' ' ') \
		>/dev/null || fail "CP$i: central rows differ from the checkpoint's"
	"$T" audit verify --chain "CP$i" --db "$central" >/dev/null || fail "CP$i: central chain broken"
	out=$("$T" sync status --checkpoint "CP$i" --json --db "sqlite:$dir/cp$i.db")
	grep -q '"audit_pending":0,"movements_pending":0' <<<"$out" || fail "CP$i backlog left: $out"
done
dups=$(grep -c 'CP2: 200 .*(+0 new' "$dir/serve.log" || true)
echo "sync_concurrent: 4 checkpoints + a second CP2 pusher: $((4 * (2 * N + 1))) records exactly once," \
	"chains intact ($(awk "BEGIN{printf \"%.1f\", $end - $start}") s; CP2 batches answered" \
	"as all duplicates: $dups)"

# the library's server in process (test_sync_concurrent: stalled clients,
# four checkpoints and a twin pusher, one batch posted over four
# connections at once, busy, stop) against this PostgreSQL
sql "CREATE DATABASE unit" >/dev/null
"$GEN" "postgres:${conninfo/dbname=postgres/dbname=unit}" >unit.out 2>&1 ||
	fail "test_sync_concurrent on PostgreSQL: $(cat unit.out)"
echo "sync_concurrent: in-process server on PostgreSQL: $(grep -c '^ok' unit.out) cases ok"

# --- 3. saturated: one worker, one place in the queue ---
"$GEN" gen "sqlite:$dir/cp3.db" CP3 5 || fail "generator"
start_central busy --workers 1 --queue 1
client raw2 stall2 # holds the worker and the queue place
set +e
push 3 --timeout 4000 >/dev/null 2>push3busy.err
rc=$?
set -e
[ $rc -eq 1 ] || fail "push to a saturated centre: exit $rc, expected 1: $(cat push3busy.err)"
grep -q 'centre unavailable.*"status":"busy"' push3busy.err || fail "no busy reply: $(cat push3busy.err)"
code=$(curl -s -o busy.out -D busy.hdr -w '%{http_code}' --cacert ca.pem --cert cp3.pem \
	--key cp3.key "https://127.0.0.1:$central_port/v1/whoami" || true)
[ "$code" = 503 ] || fail "saturated: HTTP $code, expected 503"
grep -qi '^Retry-After: 5' busy.hdr || fail "no Retry-After: $(cat busy.hdr)"
touch "$dir/stall2.go"
wait "$client_pid" || true
grep -q '503 busy: every worker busy' "$dir/serve.log" || fail "busy refusal not logged"
kill -TERM "$central_pid"
wait "$central_pid" || fail "busy server did not exit 0 on SIGTERM"
grep -q 'stopped: .* 2 refused busy' "$dir/serve.log" || fail "busy count: $(grep stopped "$dir/serve.log")"

# --- 4. SIGTERM with a request half sent: it is still answered ---
central_pid=$main_pid central_port=$main_port
client half half
kill -TERM "$central_pid"
sleep 0.5
kill -0 "$central_pid" 2>/dev/null || fail "server exited with a request in progress"
touch "$dir/half.go"
wait "$client_pid" || fail "half client: $(cat "$dir/client.err")"
head -1 "$dir/half.res" | grep -q '^HTTP/1.1 200' || fail "request cut by SIGTERM: $(head -c 300 "$dir/half.res")"
grep -q '"checkpoint":"CP2"' "$dir/half.res" || fail "whoami reply: $(cat "$dir/half.res")"
wait "$central_pid" || fail "server did not exit 0 after SIGTERM"
grep -q 'sync: stopped: [0-9]* connections served' "$dir/serve.log" || fail "no stop line"
echo "sync_concurrent: ok ($(grep -c '^sync: CP' "$dir/serve.log") requests logged;" \
	"$(grep "stopped" "$dir/serve.log" | tail -1 | sed "s/^sync: //"))"
