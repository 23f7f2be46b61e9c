#!/bin/bash
# The `tdverify mrz` CLI contract: JSON keys, exit statuses, input forms,
# bad input, streaming with bounded memory. Needs $TDVERIFY and $TDV_SRC.
set -u
T=${TDVERIFY:?}
SRC=${TDV_SRC:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
expect_rc() { # name expected-rc command...
	local name=$1 want=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else bad "$name (rc $rc, want $want)"; cat "$tmp/err"; fi
}

TD3='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<
L898902C36UTO7408122F1204159ZE184226B<<<<<10'

# 1. exact JSON key set, in order
printf '%s\n' "$TD3" | "$T" mrz parse --json --today 2026-11-23 >"$tmp/j"
keys=$(grep -o '"[a-z_0-9]*":' "$tmp/j" | head -17 | tr -d '":' | tr '\n' ' ')
want="format valid document_code issuing_state surname given_names document_number nationality birth_date expiry_date sex optional_data optional_data_2 checks document_number birth_date expiry_date "
[ "$keys" = "$want" ] && ok "json keys in order" || bad "json keys: '$keys'"
grep -q '"expired":true,"errors":\[\],"corrections":\[\]}$' "$tmp/j" && ok "json tail keys" || bad "json tail: $(cat "$tmp/j")"
[ "$(wc -l <"$tmp/j")" -eq 1 ] && ok "one line per document" || bad "ndjson"

# 2. exit statuses
expect_rc "valid document exits 0" 0 sh -c "printf '%s\n' \"$TD3\" | '$T' mrz parse"
expect_rc "invalid document exits 1" 1 sh -c "printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C37UTO7408122F1204159ZE184226B<<<<<10\n' | '$T' mrz parse"
expect_rc "missing file exits 2" 2 "$T" mrz parse /nonexistent/file
expect_rc "bad option exits 2" 2 "$T" mrz parse --frobnicate
expect_rc "bad --today exits 2" 2 "$T" mrz parse --today 2026-02-30 -
expect_rc "empty input exits 2" 2 sh -c "'$T' mrz parse </dev/null"
expect_rc "help exits 0" 0 "$T" mrz parse --help
expect_rc "bundled specimens: one invalid" 1 "$T" mrz parse --today 2026-11-23 "$SRC/data/specimens/mrz.txt"

# 3. input forms: '|' joined, CRLF, trailing spaces, several documents
printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<  \r\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n\r\nI<UTOD231458907<<<<<<<<<<<<<<<|7408122F1204159UTO<<<<<<<<<<<6|ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n' \
	| "$T" mrz parse --json >"$tmp/j2"; rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '"valid":true' "$tmp/j2")" -eq 2 ] && ok "CRLF, trailing spaces, | form" || bad "input forms (rc $rc)"

# 4. bad input: each document gets its own error, the rest still read
{
	printf 'p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\nl898902c36uto7408122f1204159ze184226b<<<<<10\n\n'
	printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n\n'
	printf 'P<UTO\xc3\x89RIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n\n'
	printf 'P<UTO$RIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n\n'
	head -c 1048576 /dev/zero | tr '\0' 'A'; printf '\n\n'
	printf '%s\n' "$TD3"
} >"$tmp/bad.txt"
"$T" mrz parse --json "$tmp/bad.txt" >"$tmp/j3" 2>"$tmp/e3"; rc=$?
n=$(wc -l <"$tmp/j3")
[ $rc -eq 1 ] && [ "$n" -eq 6 ] && ok "bad documents reported one by one ($n)" || bad "bad input (rc $rc, $n docs)"
grep -q 'lowercase' "$tmp/j3" && ok "lowercase named" || bad "lowercase"
grep -q 'line lengths\|of length 42, 44' "$tmp/j3" && ok "wrong length named" || bad "length: $(sed -n 2p "$tmp/j3")"
grep -q '0xC3' "$tmp/j3" && ok "non-ASCII byte named" || bad "non-ascii"
grep -q "'\\$' is not an MRZ character" "$tmp/j3" && ok "bad character named" || bad "charset"
grep -q '1048576 characters long' "$tmp/j3" && ok "1 MB line refused" || bad "1MB line"
[ "$(sed -n 6p "$tmp/j3" | grep -c '"valid":true')" -eq 1 ] && ok "document after garbage still read" || bad "resync"

# 5. correction
printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO74O8122F1204159ZE184226B<<<<<1O\n' \
	| "$T" mrz parse --json --correct >"$tmp/j4"; rc=$?
[ $rc -eq 0 ] && grep -q '"corrections":\[{"line":2,"position":16,"from":"O","to":"0","field":"birth_date"}' "$tmp/j4" \
	&& ok "--correct reports each change" || bad "correct: $(cat "$tmp/j4")"

# 6. generate round trip, UTF-8 names
printf '%s\n' '{"format":"TD3","issuing_state":"UTO","surname":"Eriksson","given_names":"Anna María","document_number":"L898902C3","nationality":"UTO","birth_date":"1974-08-12","expiry_date":"2012-04-15","sex":"F","optional_data":"ZE184226B"}' \
	'{"format":"TD1","document_code":"ID","issuing_state":"D","surname":"Müller","given_names":"Jürgen","document_number":"T22000129","nationality":"D","birth_date":"1964-08-12","expiry_date":"2031-10-31","sex":"X"}' \
	| "$T" mrz generate - >"$tmp/g"; rc=$?
[ $rc -eq 0 ] && [ "$(head -2 "$tmp/g")" = "$TD3" ] && ok "generate: ICAO specimen exact" || bad "generate: $(cat "$tmp/g")"
grep -q '^MUELLER<<JUERGEN<' "$tmp/g" && ok "generate transliterates" || bad "translit"
"$T" mrz parse --today 2026-11-23 "$tmp/g" >/dev/null && ok "generated documents parse valid" || bad "generated invalid"
expect_rc "generate rejects bad JSON" 2 sh -c "echo '{bad' | '$T' mrz generate -"
expect_rc "generate rejects bad date" 1 sh -c "echo '{\"surname\":\"A\",\"issuing_state\":\"UTO\",\"nationality\":\"UTO\",\"birth_date\":\"1974-02-30\"}' | '$T' mrz generate -"

# 7. 100,000 documents streamed: constant memory
awk -v td3="$TD3" 'BEGIN { for (i = 0; i < 100000; i++) print td3 "\n" }' >"$tmp/many.txt"
if [ "${TDV_SANITIZE:-0}" = "1" ]; then
	# ASan's shadow memory makes RSS meaningless; count documents only
	n=$("$T" mrz parse --json --today 2026-11-23 "$tmp/many.txt" | wc -l)
	[ "$n" -eq 100000 ] && ok "100,000 documents (sanitizer build: RSS not measured)" || bad "100k: $n"
else
	/usr/bin/time -f '%M' -o "$tmp/rss" "$T" mrz parse --json --today 2026-11-23 "$tmp/many.txt" | wc -l >"$tmp/n"
	rss=$(tail -1 "$tmp/rss")
	/usr/bin/time -f '%M' -o "$tmp/rss1" "$T" mrz parse --today 2026-11-23 "$tmp/bad.txt" >/dev/null 2>&1
	rss1=$(tail -1 "$tmp/rss1")
	[ "$(cat "$tmp/n")" -eq 100000 ] && [ "$rss" -lt $((rss1 + 2048)) ] \
		&& ok "100,000 documents in constant memory (max RSS ${rss} KB vs ${rss1} KB for 6)" \
		|| bad "100k docs: $(cat "$tmp/n") docs, RSS $rss KB vs $rss1 KB"
fi
exit $fail
