#!/bin/bash
# tdverify watchlist import|match end to end.
set -u
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$(mktemp -d /tmp/tdv-wl-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
WL="$T/wl.csv"
"$TDVERIFY" watchlist import --out "$WL" --threshold 0.82 "$TDV_SRC/tests/data/screen/watchlist.csv" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && ok "import with bad rows exits 1" || bad "import exit $rc"
grep -q "line 10:" "$T/err" && grep -q "line 12:" "$T/err" && ok "bad rows reported by line" || bad "lines: $(cat "$T/err")"
grep -q "8 entries" "$T/out" && ok "8 entries imported" || bad "summary: $(cat "$T/out")"
head -1 "$WL" | grep -q "threshold=0.82" && ok "threshold kept with the list" || bad "header: $(head -1 "$WL")"
"$TDVERIFY" watchlist match --list "$WL" --json --dob 1974-08-12 --sex F "ERIKSSON<<ANNA<MARIA" >"$T/out"; rc=$?
[ $rc -eq 1 ] && grep -q '"id":"W001"' "$T/out" && grep -q '"explanation"' "$T/out" && ok "hit with explanation" || bad "match exit $rc: $(cat "$T/out")"
grep -q '"threshold":0.82' "$T/out" && ok "list threshold used" || bad "threshold: $(cat "$T/out")"
"$TDVERIFY" watchlist match --list "$WL" "IVANOVA<<IULIIA" >"$T/out"; rc=$?
[ $rc -eq 1 ] && grep -q "W002" "$T/out" && ok "Cyrillic entry found from MRZ name" || bad "cyrillic exit $rc"
"$TDVERIFY" watchlist match --list "$WL" "ERIKSSON<<BIRGITTA" >"$T/out"; rc=$?
[ $rc -eq 0 ] && grep -q "not on the list" "$T/out" && ok "shared surname only: clear" || bad "clear exit $rc: $(cat "$T/out")"
printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n' >"$T/mrz"
"$TDVERIFY" watchlist match --list "$WL" --json --mrz "$T/mrz" >"$T/out"; rc=$?
[ $rc -eq 1 ] && grep -q "document number listed\|birth date equal" "$T/out" && ok "match from an MRZ" || bad "mrz exit $rc: $(cat "$T/out")"
cp "$WL" "$T/before"
: >"$T/empty.csv"
"$TDVERIFY" watchlist import --out "$WL" "$T/empty.csv" 2>/dev/null; rc=$?
[ $rc -eq 2 ] && cmp -s "$WL" "$T/before" && ok "empty list refused, previous kept" || bad "empty exit $rc"
"$TDVERIFY" watchlist match --list "$WL" "$(head -c 10000 /dev/zero | tr '\0' A)" 2>"$T/err" >/dev/null; rc=$?
[ $rc -eq 2 ] && grep -q limit "$T/err" && ok "10,000-character name refused" || bad "long exit $rc"
"$TDVERIFY" watchlist --help >/dev/null && ok "--help" || bad "--help"
exit $fail
