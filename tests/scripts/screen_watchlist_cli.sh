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
head -c 8 "$WL" | grep -q "TDVWLST3" && ok "compiled list written" || bad "not compiled: $(head -c 8 "$WL" | od -c | head -1)"
"$TDVERIFY" watchlist stats --list "$WL" --json >"$T/out"; rc=$?
[ $rc -eq 0 ] && grep -q '"threshold":0.82' "$T/out" && grep -q '"list_version":1' "$T/out" &&
	grep -q '"entries":8' "$T/out" && grep -q '"stale":false' "$T/out" && grep -q '"list_age_days":0' "$T/out" &&
	ok "threshold, version and age kept with the list" || bad "stats exit $rc: $(cat "$T/out")"
"$TDVERIFY" watchlist import --out "$WL" --threshold 0.82 "$TDV_SRC/tests/data/screen/watchlist.csv" >/dev/null 2>&1
"$TDVERIFY" watchlist stats --list "$WL" --json | grep -q '"list_version":2' && ok "re-import: version 2" || bad "version not 2"
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
# A truncated or damaged compiled list: a clear error, nothing used.
size=$(stat -c %s "$WL")
head -c $((size - 5)) "$WL" >"$T/trunc.wl"
"$TDVERIFY" watchlist match --list "$T/trunc.wl" "ERIKSSON<<ANNA" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "truncated, damaged" "$T/err" && ok "truncated compiled list refused" || bad "trunc exit $rc: $(cat "$T/err")"
cp "$WL" "$T/flip.wl"
printf 'Z' | dd of="$T/flip.wl" bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
"$TDVERIFY" watchlist stats --list "$T/flip.wl" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "damaged" "$T/err" && ok "damaged compiled list refused" || bad "flip exit $rc"
# A compiled list of the previous format (2): refused, the format named.
{ printf 'TDVWLST2'; tail -c +9 "$WL"; } >"$T/old.wl"
"$TDVERIFY" watchlist match --list "$T/old.wl" "ERIKSSON<<ANNA" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "compiled watchlist of format 2; this tdverify reads format 3: import the list again" "$T/err" &&
	ok "format-2 compiled list refused with its format named" || bad "old format exit $rc: $(cat "$T/err")"
# Importing over a damaged file works (it is replaced, version restarts).
cp "$T/trunc.wl" "$T/re.wl"
"$TDVERIFY" watchlist import --out "$T/re.wl" "$TDV_SRC/tests/data/screen/watchlist.csv" >/dev/null 2>&1
"$TDVERIFY" watchlist stats --list "$T/re.wl" --json | grep -q '"entries":8' && ok "damaged list replaced by import" || bad "re-import over damaged"
# The CSV form is still accepted by match.
"$TDVERIFY" watchlist match --list "$TDV_SRC/tests/data/screen/watchlist.csv" "IVANOVA<<IULIIA" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok "CSV list accepted by match" || bad "csv match exit $rc"
ls "$T" | grep -q "tmp-" && bad "temporary file left" || ok "no temporary files left"
"$TDVERIFY" watchlist match --list "$WL" "$(head -c 10000 /dev/zero | tr '\0' A)" 2>"$T/err" >/dev/null; rc=$?
[ $rc -eq 2 ] && grep -q limit "$T/err" && ok "10,000-character name refused" || bad "long exit $rc"
"$TDVERIFY" watchlist --help >/dev/null && ok "--help" || bad "--help"
exit $fail
