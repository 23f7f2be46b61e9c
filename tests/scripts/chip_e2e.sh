#!/bin/bash
# End-to-end chip test through the real PC/SC stack:
#   pcscd (started here, foreground, private reader.conf.d) with Debian's
#   vsmartcard-vpcd driver  <-TCP 127.0.0.1->  tdverify emulate (the virtual
#   ePassport)  <-PC/SC->  tdverify chip read --verify.
# Passports come from `tdverify pki init` + `tdverify personalise` (issue 6).
# Scenarios: PACE with AA+CA, BAC only, PACE only, CAN, RSA AA, no AA,
# short APDUs, a clone (AA and CA must fail), tampered DG2 and DG1 (PA must
# fail), a wrong MRZ. pcscd and every emulator are stopped on exit.
# Nothing is skipped: pcscd and the driver are installed when missing.
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}"

# --- pcscd and vpcd: install when missing (never skip) ---
. "$TDV_SRC/tests/scripts/pcsc.inc"
pcsc_prepare chip_e2e

work=$(mktemp -d /tmp/tdv-chip.XXXXXX)
pcscd_pid=""
emu_pid=""
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
	if [ -n "$pcscd_pid" ]; then
		kill "$pcscd_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pcscd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pcscd_pid" 2>/dev/null || true
		wait "$pcscd_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# A free port pair for the two vpcd slots (port, port+1), 127.0.0.1 only.
port=$(python3 -c 'import random; print(random.randrange(20000, 60000, 2))' 2>/dev/null || echo 40962)
mkdir -p "$work/conf"
printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x%X\nLIBPATH      %s\nCHANNELID    0x%X\n' \
	"$port" "$vpcd_lib" "$port" > "$work/conf/vpcd"
"$pcscd_bin" -f -c "$work/conf" > "$work/pcscd.log" 2>&1 &
pcscd_pid=$!
for _ in $(seq 50); do "$TDVERIFY" chip readers >/dev/null 2>&1 && break; sleep 0.1; done
readers=$("$TDVERIFY" chip readers)
echo "chip_e2e: pcscd $pcscd_pid, readers: $(echo "$readers" | tr '\n' ';')"
reader=$(echo "$readers" | head -1)

# --- passports (issue 6: pki + personalise) ---
cd "$work"
"$TDVERIFY" pki init pki >/dev/null
cat > anna.json <<'EOF'
{"surname": "ERIKSSON", "given_names": "ANNA MARIA", "document_number": "L898902C3",
 "issuing_state": "UTO", "nationality": "UTO", "birth_date": "1974-08-12",
 "expiry_date": "2031-04-15", "sex": "F", "personal_number": "ZE184226B"}
EOF
"$TDVERIFY" personalise --pki pki --person anna.json --out ec >/dev/null
"$TDVERIFY" personalise --pki pki --person anna.json --out rsa --aa rsa >/dev/null
"$TDVERIFY" personalise --pki pki --person anna.json --out dg2 --defect tampered-dg2 >/dev/null
"$TDVERIFY" personalise --pki pki --person anna.json --out dg1 --defect tampered-dg1 >/dev/null
trust=pki/csca
[ -d "$trust" ] || trust=pki

fails=0
# run NAME PASSPORT "EMULATE-OPTIONS" EXPECTED-EXIT JQ-LIKE-CHECKS... -- READ-OPTIONS
scenario() {
	local name=$1 dir=$2 eopts=$3 want=$4 expect=$5; shift 5
	"$TDVERIFY" emulate --passport "$dir" --vpcd "127.0.0.1:$port" $eopts \
		> "$work/emu-$name.log" 2>&1 &
	emu_pid=$!
	local mrz
	mrz=$(tr '\n' '|' < "$dir/mrz.txt" | sed 's/|$//')
	local got=0
	timeout 60 "$TDVERIFY" chip read --json --reader "$reader" --timeout 20 \
		--verify --trust "$trust" "$@" ${mrz:+--mrz "$mrz"} \
		> "$work/out-$name.json" 2> "$work/err-$name.txt" || got=$?
	kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null || true
	emu_pid=""
	local ok=1
	[ "$got" = "$want" ] || ok=0
	for pat in $expect; do
		grep -q -- "$pat" "$work/out-$name.json" || { ok=0; echo "  missing: $pat"; }
	done
	if [ $ok = 1 ]; then
		echo "ok   $name (exit $got)"
	else
		echo "FAIL $name: exit $got, expected $want"
		cat "$work/out-$name.json" "$work/err-$name.txt" "$work/emu-$name.log" | head -c 3000
		fails=$((fails + 1))
	fi
	# wait for pcscd to notice the card left before the next one
	sleep 0.5
}

scenario pace_aa_ca     ec  ""             0 '"access":"PACE" "aa":"pass" "ca":"pass" "verdict":"pass" "id":"sod.signature","status":"pass" "id":"dg1.mrz","status":"pass"'
scenario bac_only       ec  "--bac-only"   0 '"access":"BAC" "aa":"pass" "ca":"pass" "verdict":"pass"'
scenario pace_only      ec  "--pace-only"  0 '"access":"PACE" "verdict":"pass"'
scenario short_apdus    ec  "--no-extended" 0 '"access":"PACE" "verdict":"pass"'
scenario rsa_aa         rsa ""             0 '"aa":"pass" "verdict":"pass"'
scenario no_aa          ec  "--no-aa"      0 '"aa":"skip" "ca":"pass" "verdict":"pass"'
scenario clone          ec  "--clone"      1 '"aa":"fail" "ca":"fail" "verdict":"fail" "id":"sod.signature","status":"pass"'
scenario tampered_dg2   dg2 ""             1 '"id":"dg2.hash","status":"fail" "verdict":"fail"'
scenario tampered_dg1   dg1 ""             1 '"id":"dg1.hash","status":"fail" "verdict":"fail"'
scenario can            ec  "--can 424242" 0 '"access":"PACE" "verdict":"pass"' --can 424242
# a wrong MRZ cannot open the chip (exit 1, nothing read)
cp -r ec wrong && sed -i '2s/^L898902C3/L898902C4/' wrong/mrz.txt
"$TDVERIFY" emulate --passport ec --vpcd "127.0.0.1:$port" > "$work/emu-wrong.log" 2>&1 &
emu_pid=$!
got=0
timeout 60 "$TDVERIFY" chip read --json --reader "$reader" --timeout 20 --bac \
	--mrz "$(tr '\n' '|' < wrong/mrz.txt | sed 's/|$//')" > /dev/null 2> "$work/err-wrong.txt" || got=$?
kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null || true
emu_pid=""
if [ "$got" = 1 ] && grep -q "access control failed" "$work/err-wrong.txt"; then
	echo "ok   wrong_mrz (exit 1)"
else
	echo "FAIL wrong_mrz: exit $got"; cat "$work/err-wrong.txt"; fails=$((fails + 1))
fi

if [ "$fails" -ne 0 ]; then
	echo "chip_e2e: $fails scenario(s) failed"; tail -20 "$work/pcscd.log"; exit 1
fi
echo "chip_e2e: all scenarios passed through pcscd + vpcd"
