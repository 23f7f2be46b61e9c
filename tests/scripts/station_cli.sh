#!/bin/bash
# tdverify serve from the command line: --help, usage errors (exit 2), a
# missing checkpoint, a port in use, a non-demo station on a store made
# with the CLI (officer login over HTTP, static page, security headers),
# and a clean stop on SIGTERM.
set -u
: "${TDVERIFY:?}" "${TDV_SRC:?}"
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
expect_rc() { # want, description, command...
	local want=$1 what=$2; shift 2
	"$@" >/dev/null 2>&1; local rc=$?
	[ $rc -eq "$want" ] && ok "$what" || bad "$what (exit $rc, expected $want)"
}
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

"$TDVERIFY" serve --help | grep -q -- "--demo" && ok "--help names the options" || bad "--help"
expect_rc 2 "unknown option" "$TDVERIFY" serve --bogus
expect_rc 2 "bad --listen" "$TDVERIFY" serve --listen nowhere
expect_rc 2 "bad port" "$TDVERIFY" serve --listen 127.0.0.1:99999 --checkpoint X
expect_rc 2 "--tls-cert without --tls-key" "$TDVERIFY" serve --tls-cert a.pem --checkpoint X
expect_rc 2 "no checkpoint" "$TDVERIFY" serve --db "sqlite:$work/a.db"
expect_rc 2 "unregistered checkpoint" "$TDVERIFY" serve --db "sqlite:$work/a.db" --checkpoint NOPE

# a station on a store set up with the CLI
db="sqlite:$work/s.db"
"$TDVERIFY" checkpoint add LANE-1 --name "Test lane" --country UTO --db "$db" >/dev/null || bad "checkpoint add"
echo "officer-password-1" | "$TDVERIFY" officer add officer9 --name "Nine" --role officer --db "$db" >/dev/null 2>&1 \
	|| bad "officer add"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TDVERIFY" serve --db "$db" --checkpoint LANE-1 --listen "127.0.0.1:$port" --web "$TDV_SRC/web" >out.txt 2>err.txt &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 0.2; done
grep -q "http://127.0.0.1:$port/" out.txt && ok "prints the URL" || bad "prints the URL"
# the same port again: refused
expect_rc 2 "port in use" "$TDVERIFY" serve --db "sqlite:$work/s2.db" --checkpoint LANE-1 --listen "127.0.0.1:$port"
hdr=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/")
echo "$hdr" | grep -q "^HTTP/1.1 200" && ok "index page" || bad "index page"
echo "$hdr" | grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'" && ok "CSP" || bad "CSP"
code=$(curl -s -o login.json -w '%{http_code}' -c cj -H 'Content-Type: application/json' \
	-d '{"officer":"officer9","password":"officer-password-1"}' "http://127.0.0.1:$port/api/login")
[ "$code" = 200 ] && ok "officer from the store logs in" || bad "login ($code: $(cat login.json))"
grep -q "tdv_session" cj && ok "session cookie set" || bad "session cookie"
csrf=$(python3 -c 'import json; print(json.load(open("login.json")).get("csrf",""))' 2>/dev/null)
code=$(curl -s -o ins.json -w '%{http_code}' -b cj -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
	-d '{"mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"}' \
	"http://127.0.0.1:$port/api/inspections")
[ "$code" = 200 ] && grep -q '"verdict":"FAIL"' ins.json && grep -q 'expired' ins.json \
	&& ok "inspection of the expired ICAO specimen: FAIL, expired" || bad "inspection ($code: $(head -c 300 ins.json))"
kill -TERM $pid
wait $pid; rc=$?
pid=""
[ $rc -eq 0 ] && ok "clean stop on SIGTERM" || bad "stop (exit $rc)"
if [ "${TDV_SANITIZE:-0}" = 1 ] && grep -q "AddressSanitizer\|runtime error:" err.txt; then bad "sanitizer report"; cat err.txt; fi
# docs/openapi.yaml documents exactly the routes of src/server/routes.c
python3 - "$TDV_SRC" <<'PY' && ok "openapi.yaml documents every route, and only those" || bad "openapi.yaml vs routes.c"
import re, sys
src = sys.argv[1]
routes = set((m, p.replace("**", "*")) for m, p in
             re.findall(r'\{"(GET|POST)", "(/api/[^"]*)"', open(src + "/src/server/routes.c").read()))
doc, path = set(), None
for line in open(src + "/docs/openapi.yaml"):
    m = re.match(r"  (/api/\S+):\s*$", line)
    if m:
        path = re.sub(r"\{[^}]+\}(\.png)?", "*", m.group(1))
        continue
    m = re.match(r"    (get|post):", line)
    if m and path:
        doc.add((m.group(1).upper(), path))
if routes != doc:
    print("undocumented:", sorted(routes - doc), "not served:", sorted(doc - routes))
    sys.exit(1)
PY
[ $fails -eq 0 ] && echo "station_cli: all passed" || echo "station_cli: $fails failed"
exit $((fails > 0))
