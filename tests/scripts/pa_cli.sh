#!/bin/bash
# tdverify pki / personalise / pa / lds end to end: exit codes, JSON
# output, every defect reported under its check id, master list trust.
set -u
T=${TDVERIFY:?TDVERIFY not set}
W=$(mktemp -d /tmp/tdv-pa-cli-XXXXXX)
trap 'rm -rf "$W"' EXIT
fail=0
die() { echo "FAIL: $*" >&2; fail=1; }

cat > "$W/anna.json" <<'J'
{"surname": "ERIKSSON", "given_names": "ANNA MARIA",
 "document_number": "L898902C3", "issuing_state": "UTO",
 "nationality": "UTO", "birth_date": "1974-08-12",
 "expiry_date": "2031-04-15", "sex": "F", "personal_number": "ZE184226B",
 "place_of_birth": "ZENITH", "issuing_authority": "PASSPORT OFFICE ZENITH",
 "issue_date": "2021-04-16"}
J

for c in pki personalise pa lds; do
	"$T" $c --help >/dev/null || die "$c --help"
done
"$T" pki init "$W/pki" >/dev/null || die "pki init"
"$T" pki init "$W/pki" 2>/dev/null; [ $? -eq 2 ] || die "pki init twice must exit 2"

# usage errors exit 2
"$T" pa "$W/pki" 2>/dev/null; [ $? -eq 2 ] || die "pa without trust must exit 2"
"$T" personalise --pki "$W/pki" --person "$W/anna.json" --out "$W/x" \
	--defect no-such 2>/dev/null; [ $? -eq 2 ] || die "unknown defect must exit 2"

# clean document, every signature scheme
for ds in rsa bp384; do  # all five schemes: test_pa_defects
	"$T" personalise --pki "$W/pki" --person "$W/anna.json" --out "$W/d-$ds" \
		--ds $ds >/dev/null || die "personalise $ds"
	out=$("$T" pa --json --trust "$W/pki/csca" --crl "$W/pki/crl" "$W/d-$ds")
	rc=$?
	[ $rc -eq 0 ] || die "pa $ds exit $rc"
	echo "$out" | grep -q '"verdict":"pass"' || die "pa $ds verdict: $out"
done
# layout the virtual chip reads
for f in EF.COM EF.SOD EF.CardAccess EF.CardSecurity DG1.bin DG2.bin DG11.bin DG12.bin \
	DG14.bin DG15.bin aa-key.pem ca-key.pem mrz.txt ds.pem personalise.json; do
	[ -s "$W/d-rsa/$f" ] || die "personalise output lacks $f"
done
[ "$(stat -c %a "$W/d-rsa/aa-key.pem")" = 600 ] || die "aa-key.pem mode"

# EF.CardSecurity: its signature is checked (pass as personalised, fail
# after one byte of its SecurityInfos is changed)
cmp_before=$(od -An -tx1 -j90 -N1 "$W/d-rsa/EF.CardSecurity")
echo "$out" | grep -q '"id":"card_security","status":"pass"' || die "card_security pass: $out"
cp -r "$W/d-rsa" "$W/cs-bad"
cs="$W/cs-bad/EF.CardSecurity"
[ -s "$cs" ] || die "no EF.CardSecurity"
# the SET OF SecurityInfo starts after the eContent OCTET STRING header; flip
# a byte 90 bytes into the file (inside the SecurityInfos it signs)
b=$(( $(od -An -tu1 -j90 -N1 "$cs") ^ 1 ))
printf "\\$(printf '%03o' "$b")" | dd of="$cs" bs=1 seek=90 conv=notrunc 2>/dev/null
[ "$(od -An -tx1 -j90 -N1 "$cs")" != "$cmp_before" ] || die "byte not flipped"
out=$("$T" pa --json --trust "$W/pki/csca" --crl "$W/pki/crl" "$W/cs-bad")
[ $? -eq 1 ] || die "pa with a tampered EF.CardSecurity must exit 1"
echo "$out" | grep -q '"id":"card_security","status":"fail","message":"the EF.CardSecurity signature does not verify' || die "card_security fail: $out"
echo "$out" | grep -q '"id":"sod.signature","status":"pass"' || die "SOD still passes: $out"

# master list instead of the CSCA directory, printed MRZ on the command line
"$T" pa --masterlist "$W/pki/masterlist.ml" --crl "$W/pki/crl/csca-rsa.crl" \
	--mrz "$(tr '\n' '|' < "$W/d-rsa/mrz.txt")" "$W/d-rsa" >/dev/null \
	|| die "pa with master list"

# each defect: exit 1, its check fails, no other check fails
for d in tampered-dg1 tampered-dg2 dg1-mrz-mismatch bad-sod-signature \
	unknown-csca expired-ds revoked-ds wrong-hash-algorithm \
	missing-dg-in-sod country-mismatch; do
	"$T" personalise --pki "$W/pki" --person "$W/anna.json" \
		--out "$W/x-$d" --defect $d >/dev/null || die "personalise $d"
	want=$(sed -n 's/.*"expected_failing_check":"\([^"]*\)".*/\1/p' \
		"$W/x-$d/personalise.json")
	out=$("$T" pa --json --trust "$W/pki/csca" --crl "$W/pki/crl" "$W/x-$d")
	rc=$?
	[ $rc -eq 1 ] || die "pa $d exit $rc"
	fails=$(echo "$out" | grep -o '"id":"[^"]*","status":"fail"' |
		sed 's/"id":"\([^"]*\)".*/\1/' | tr '\n' ' ')
	[ "$fails" = "$want " ] || die "$d: failing checks '$fails', want '$want'"
done

# lds dump parses everything
out=$("$T" lds dump "$W/d-bp384") || die "lds dump"
for k in '"EF.COM"' '"EF.SOD"' '"ChipAuthenticationPublicKeyInfo"' \
	'"PACEInfo"' '"ISO/IEC 19794-5"' '"curve":"prime256v1"'; do
	echo "$out" | grep -q "$k" || die "lds dump lacks $k"
done
# a broken file: lds dump exits 1, pa exits 1
cp -r "$W/d-rsa" "$W/broken"
printf '\x60\x05\x5f\x01' > "$W/broken/EF.COM"
"$T" lds dump "$W/broken" >/dev/null; [ $? -eq 1 ] || die "lds dump broken COM"
"$T" pa --trust "$W/pki/csca" "$W/broken" >/dev/null; [ $? -eq 1 ] || die "pa broken COM"

[ $fail -eq 0 ] && echo "pa_cli: all passed"
exit $fail
