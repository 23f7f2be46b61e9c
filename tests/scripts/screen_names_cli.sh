#!/bin/bash
# tdverify names compare/romanise: JSON keys, exit statuses, bad input.
set -u
: "${TDVERIFY:?}"
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
out=$("$TDVERIFY" names compare --json "ERIKSSON<<ANNA<MARIA" "Anna Maria Eriksson"); rc=$?
[ $rc -eq 0 ] && ok "match exits 0" || bad "match exit $rc"
for k in '"score":' '"match":true' '"explanation":' '"parts":'; do
	case "$out" in *"$k"*) ok "json has $k" ;; *) bad "json lacks $k: $out" ;; esac
done
if command -v python3 >/dev/null 2>&1; then
	echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert 0<=d["score"]<=1' \
		&& ok "json parses" || bad "json does not parse"
fi
"$TDVERIFY" names compare "ANNA ERIKSSON" "KARIN ERIKSSON" >/dev/null; rc=$?
[ $rc -eq 1 ] && ok "no match exits 1" || bad "no-match exit $rc"
out=$("$TDVERIFY" names compare "Юлия Иванова" "IVANOVA<<IULIIA")
case "$out" in *MATCH*) ok "Cyrillic against MRZ" ;; *) bad "cyrillic: $out" ;; esac
long=$(head -c 10000 /dev/zero | tr '\0' 'A')
"$TDVERIFY" names compare "$long" "ANNA" 2>/tmp/tdv-names-err.$$ >/dev/null; rc=$?
[ $rc -eq 2 ] && grep -q "limit" /tmp/tdv-names-err.$$ && ok "10,000-character name refused" || bad "long name exit $rc"
"$TDVERIFY" names compare "$(printf 'ANNA\xff')" "ANNA" 2>/tmp/tdv-names-err.$$ >/dev/null; rc=$?
[ $rc -eq 2 ] && grep -q "UTF-8" /tmp/tdv-names-err.$$ && ok "invalid UTF-8 refused" || bad "utf8 exit $rc"
rm -f /tmp/tdv-names-err.$$
[ "$("$TDVERIFY" names romanise --system bgn "Юлия")" = "YULIYA" ] && ok "BGN romanisation" || bad "bgn"
[ "$("$TDVERIFY" names romanise --system iso9 "Щукин")" = "SUKIN" ] && ok "ISO 9 romanisation" || bad "iso9"
[ "$("$TDVERIFY" names romanise "Щукин")" = "SHCHUKIN" ] && ok "ICAO romanisation" || bad "icao"
printf 'Anna Eriksson\tERIKSSON<<ANNA\nAnna Eriksson\tKARIN ERIKSSON\n' | "$TDVERIFY" names compare --json --batch - >/tmp/tdv-names-out.$$; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l </tmp/tdv-names-out.$$)" -eq 2 ] && ok "batch NDJSON" || bad "batch exit $rc"
rm -f /tmp/tdv-names-out.$$
"$TDVERIFY" names --help >/dev/null && ok "--help" || bad "--help"
exit $fail
