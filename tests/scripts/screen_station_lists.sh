#!/bin/bash
# The station's lists are replaced on disk while it runs (as a pull or an
# import does: a new file renamed over the old one): the next inspection
# uses the new lost/stolen index and the new watchlist without a restart;
# the watchlist is used as a compiled file next to the CSV; a damaged
# replacement is refused and the previous version stays in use.
set -u
: "${TDVERIFY:?}" "${TDV_SRC:?}"
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
today=$(date -u +%F)

db="sqlite:$work/s.db"
"$TDVERIFY" checkpoint add LANE-1 --name "Test lane" --country UTO --db "$db" >/dev/null || bad "checkpoint add"
echo "officer-password-1" | "$TDVERIFY" officer add officer9 --name "Nine" --role officer --db "$db" >/dev/null 2>&1 ||
	bad "officer add"
echo "supervisor-password-1" | "$TDVERIFY" officer add super1 --name "One" --role supervisor --db "$db" >/dev/null 2>&1 ||
	bad "supervisor add"
mkdir lists
printf 'UTO,X12345678,P,stolen,%s,test list\n' "$today" >sltd1.csv
"$TDVERIFY" sltd import --index lists/sltd.idx --list-date "$today" sltd1.csv >/dev/null || bad "sltd import"
cat >lists/watchlist.csv <<'EOF'
id,names,birth_date,nationality,sex,documents,reason,action
W900,PETROV<<IVAN,1970,UTO,M,,test entry,refer
EOF

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TDVERIFY" serve --db "$db" --checkpoint LANE-1 --listen "127.0.0.1:$port" \
	--sltd "$work/lists/sltd.idx" --watchlist "$work/lists/watchlist.csv" >out.txt 2>err.txt &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 0.2; done

login() { # officer password cookiejar -> csrf
	curl -s -c "$3" -H 'Content-Type: application/json' -d "{\"officer\":\"$1\",\"password\":\"$2\"}" \
		"http://127.0.0.1:$port/api/login" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("csrf",""))'
}
csrf=$(login officer9 officer-password-1 cj)
scsrf=$(login super1 supervisor-password-1 sj)
[ -n "$csrf" ] && [ -n "$scsrf" ] && ok "officer and supervisor logged in" || bad "login"
inspect() { # -> "<sltd status> <watchlist status>"
	curl -s -b cj -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
		-d '{"mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"}' \
		"http://127.0.0.1:$port/api/inspections" >ins.json
	python3 - <<'PY'
import json
d = json.load(open("ins.json"))
st = {}
def walk(x):
    if isinstance(x, dict):
        if "id" in x and "status" in x and str(x["id"]).startswith("screen."):
            st[x["id"]] = str(x["status"]).upper()
        for v in x.values():
            walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(d)
print(st.get("screen.sltd", "none"), st.get("screen.watchlist", "none"))
PY
}
lists() { # -> "<sltd version> <watchlist version> <watchlist entries>"
	curl -s -b sj "http://127.0.0.1:$port/api/lists" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["sltd"]["version"], d["watchlist"]["version"], d["watchlist"]["entries"])'
}

r=$(inspect)
[ "$r" = "PASS PASS" ] && ok "before the update: not listed, no watchlist match" || bad "before: $r ($(head -c 400 ins.json))"
[ "$(lists)" = "1 1 1" ] && ok "lists: SLTD version 1, compiled watchlist version 1, 1 entry" || bad "lists before: $(lists)"
head -c 8 lists/watchlist.csv.tdvwl | grep -q TDVWLST3 && ok "watchlist compiled next to the CSV" || bad "no compiled list"
[ -s lists/watchlist.csv.tdvwl.sha256 ] && ok "compiled list records the CSV it was made from" || bad "no sidecar"

# The update, as a pull makes it: new files renamed over the old ones.
printf 'add,UTO,L898902C3,P,stolen,%s,test list\n' "$today" >delta.csv
"$TDVERIFY" sltd update --index lists/sltd.idx --list-date "$today" delta.csv >/dev/null || bad "sltd update"
cat >wl.new <<'EOF'
id,names,birth_date,nationality,sex,documents,reason,action
W900,PETROV<<IVAN,1970,UTO,M,,test entry,refer
W901,ERIKSSON<<ANNA<MARIA,1974-08-12,UTO,F,,test entry,refer
EOF
mv wl.new lists/watchlist.csv
sleep 1.2 # the station compares the files at most once a second
r=$(inspect)
[ "$r" = "FAIL WARN" ] && ok "after the update, same process: document listed, watchlist match" ||
	bad "after: $r ($(head -c 600 ins.json))"
grep -q 'W901' ins.json && ok "the new watchlist entry is the one matched" || bad "W901 not in the result"
[ "$(lists)" = "2 2 2" ] && ok "lists: SLTD version 2, watchlist version 2, 2 entries" || bad "lists after: $(lists)"
kill -0 $pid 2>/dev/null && ok "no restart" || bad "station died"

# A restart maps the compiled list made from this CSV (not compiled again:
# its version stays 2).
kill -TERM $pid
wait $pid
"$TDVERIFY" serve --db "$db" --checkpoint LANE-1 --listen "127.0.0.1:$port" \
	--sltd "$work/lists/sltd.idx" --watchlist "$work/lists/watchlist.csv" >out.txt 2>>err.txt &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 0.2; done
csrf=$(login officer9 officer-password-1 cj)
scsrf=$(login super1 supervisor-password-1 sj)
[ "$(lists)" = "2 2 2" ] && ok "restart: the compiled list of this CSV used as it is" || bad "restart: $(lists)"

# A damaged replacement: refused, the previous version stays in use.
size=$(stat -c %s lists/sltd.idx)
head -c $((size - 7)) lists/sltd.idx >sltd.bad
mv sltd.bad lists/sltd.idx
printf 'id,names\n' >wl.bad
mv wl.bad lists/watchlist.csv
sleep 1.2
r=$(inspect)
[ "$r" = "FAIL WARN" ] && ok "damaged index and empty list refused: previous versions in use" || bad "damaged: $r"
grep -q "cannot be used" err.txt && ok "the refusal is logged" || bad "no log line: $(tail -3 err.txt)"

kill -TERM $pid
wait $pid; rc=$?
pid=""
[ $rc -eq 0 ] && ok "clean stop on SIGTERM" || bad "stop (exit $rc)"
if [ "${TDV_SANITIZE:-0}" = 1 ] && grep -q "AddressSanitizer\|runtime error:\|LeakSanitizer" err.txt; then
	bad "sanitizer report"
	cat err.txt
fi
[ $fails -eq 0 ] && echo "screen_station_lists: all passed" || echo "screen_station_lists: $fails failed"
exit $((fails > 0))
