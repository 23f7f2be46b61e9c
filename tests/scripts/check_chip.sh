#!/bin/bash
# `tdverify check --chip` end to end through the real PC/SC stack:
#   pcscd (started here, foreground, private reader.conf.d) with Debian's
#   vsmartcard-vpcd driver  <-TCP 127.0.0.1->  tdverify emulate (the virtual
#   ePassport)  <-PC/SC->  tdverify check --chip --trust/--masterlist.
# Passports from `tdverify pki init` + `tdverify personalise`. Scenarios:
# genuine (PASS, every chip check passes; with --masterlist too; MRZ read
# from a rendered data page with --image), tampered DG1 (chip.pa FAIL),
# cloned chip (chip.aa_ca FAIL), wrong MRZ (chip.read WARN -> REFER), no
# card (chip.read WARN), --record (the movement holds the chip checks).
# Same start/stop approach and lock as chip_e2e.sh; nothing is skipped.
set -eu
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$TDVERIFY

. "$TDV_SRC/tests/scripts/pcsc.inc"
pcsc_prepare check_chip

work=$(mktemp -d /tmp/tdv-check-chip.XXXXXX)
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
	[ -n "${TDV_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

port=$(( (RANDOM % 20000) * 2 + 20000 ))
mkdir -p "$work/conf"
printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x%X\nLIBPATH      %s\nCHANNELID    0x%X\n' \
	"$port" "$vpcd_lib" "$port" > "$work/conf/vpcd"
"$pcscd_bin" -f -c "$work/conf" > "$work/pcscd.log" 2>&1 &
pcscd_pid=$!
for _ in $(seq 50); do "$T" chip readers >/dev/null 2>&1 && break; sleep 0.1; done
reader=$("$T" chip readers | head -1)
echo "check_chip: pcscd $pcscd_pid, reader: $reader"

cd "$work"
"$T" pki init pki >/dev/null
cat > anna.json <<'EOF'
{"surname": "ERIKSSON", "given_names": "ANNA MARIA", "document_number": "L898902C3",
 "issuing_state": "UTO", "nationality": "UTO", "birth_date": "1974-08-12",
 "expiry_date": "2031-04-15", "sex": "F", "personal_number": "ZE184226B"}
EOF
"$T" personalise --pki pki --person anna.json --out ec >/dev/null
"$T" personalise --pki pki --person anna.json --out dg1 --defect tampered-dg1 >/dev/null
mrz=$(tr '\n' '|' < ec/mrz.txt | sed 's/|$//')
trust=pki/csca
[ -d "$trust" ] || { echo "check_chip: pki/csca missing"; exit 1; }
ml=$(ls pki/*.ml pki/*/*.ml 2>/dev/null | head -1)
[ -n "$ml" ] || { echo "check_chip: no master list in pki/"; ls -R pki; exit 1; }

fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# scenario NAME PASSPORT "EMULATE-OPTIONS" WANT-EXIT "PATTERNS" -- CHECK-ARGS...
scenario() {
	local name=$1 dir=$2 eopts=$3 want=$4 expect=$5; shift 5
	[ "$1" = "--" ] && shift
	if [ -n "$dir" ]; then
		"$T" emulate --passport "$dir" --vpcd "127.0.0.1:$port" $eopts \
			> "$work/emu-$name.log" 2>&1 &
		emu_pid=$!
	fi
	local got=0
	timeout 90 "$T" check --json --reader "$reader" "$@" \
		> "$work/out-$name.json" 2> "$work/err-$name.txt" || got=$?
	if [ -n "$emu_pid" ]; then
		kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null || true
		emu_pid=""
	fi
	local ok=1
	[ "$got" = "$want" ] || { ok=0; echo "  exit $got, expected $want"; }
	local IFS=$'\n'
	for pat in $expect; do
		grep -qF -- "$pat" "$work/out-$name.json" || { ok=0; echo "  missing: $pat"; }
	done
	if [ $ok = 1 ]; then
		echo "ok   $name (exit $got)"
	else
		fail "$name"
		cat "$work/out-$name.json" "$work/err-$name.txt" | head -c 4000; echo
		head -c 2000 "$work/emu-$name.log" 2>/dev/null || true
	fi
	sleep 0.5   # pcscd notices the card left before the next one
}
st() { printf '"id":"%s","status":"%s"' "$1" "$2"; }

base=(--no-screening-required --timeout 20)

scenario genuine ec "" 0 "\"verdict\":\"PASS\"
$(st chip.read pass)
$(st chip.pa pass)
$(st pa.sod.signature pass)
$(st pa.ds.chain pass)
$(st pa.dg2.hash pass)
$(st chip.aa_ca pass)
$(st chip.dg1_match pass)
read with PACE" -- "${base[@]}" --mrz "$mrz" --trust "$trust"

scenario masterlist ec "--bac-only" 0 "\"verdict\":\"PASS\"
$(st chip.read pass)
read with BAC
$(st chip.pa pass)
$(st chip.aa_ca pass)" -- "${base[@]}" --mrz "$mrz" --masterlist "$ml" --crl pki/csca

scenario tampered_dg1 dg1 "" 1 "\"verdict\":\"FAIL\"
$(st chip.read pass)
$(st chip.pa fail)
$(st pa.dg1.hash fail)
$(st pa.sod.signature pass)
$(st chip.aa_ca pass)" -- "${base[@]}" --mrz "$mrz" --trust "$trust"

scenario clone ec "--clone" 1 "\"verdict\":\"FAIL\"
$(st chip.read pass)
$(st chip.pa pass)
$(st chip.aa_ca fail)
FAILED: the chip cannot prove
$(st chip.dg1_match pass)" -- "${base[@]}" --mrz "$mrz" --trust "$trust"

# an MRZ that does not open the chip: a valid MRZ of another passport
sed 's/L898902C3/L898902C4/' anna.json > other.json
"$T" personalise --pki pki --person other.json --out other >/dev/null
wrong_mrz=$(tr '\n' '|' < other/mrz.txt | sed 's/|$//')
scenario wrong_mrz ec "--bac-only" 1 "\"verdict\":\"REFER\"
$(st chip.read warn)
access control (BAC/PACE) failed
$(st chip.pa skip)" -- "${base[@]}" --mrz "$wrong_mrz" --trust "$trust"

# no card in the reader: chip.read warns after the timeout
scenario no_card "" "" 1 "\"verdict\":\"REFER\"
$(st chip.read warn)
chip not read" -- --no-screening-required --timeout 1 --mrz "$mrz" --trust "$trust"

# the MRZ read from a rendered data page (tdverify specimen), chip of the same person
"$T" specimen --out spec --seed 7 >/dev/null 2>&1 || { echo "check_chip: specimen failed"; exit 1; }
field() { grep -o "\"$1\":\"[^\"]*\"" spec/specimen-7.json | head -1 | cut -d'"' -f4; }
printf '{"surname":"%s","given_names":"%s","document_number":"%s","issuing_state":"%s","nationality":"%s","birth_date":"%s","expiry_date":"%s","sex":"%s"}\n' \
	"$(field surname)" "$(field given_names)" "$(field document_number)" "$(field issuing_state)" \
	"$(field nationality)" "$(field birth_date)" "$(field expiry_date)" "$(field sex)" > spec.json
"$T" personalise --pki pki --person spec.json --out spec-chip >/dev/null
scenario image spec-chip "" 0 "\"verdict\":\"PASS\"
$(st image.mrz pass)
$(st chip.read pass)
$(st chip.pa pass)
$(st pa.dg1.mrz pass)
$(st chip.dg1_match pass)" -- "${base[@]}" --image spec/specimen-7.png --trust "$trust"

# --record: the movement and its checks are stored
db="sqlite:$work/cp.db"
"$T" checkpoint add CP1 --name "Chip lane" --country UTO --db "$db" >/dev/null
echo 'secret one' | "$T" officer add off1 --name "Officer One" --role officer \
	--checkpoint CP1 --db "$db" >/dev/null
scenario record_clone ec "--clone" 1 "\"verdict\":\"FAIL\"
$(st chip.aa_ca fail)
\"movement\":{\"id\"
\"decision\":\"refused\"" -- "${base[@]}" --mrz "$mrz" --trust "$trust" \
	--record --checkpoint CP1 --direction entry --officer off1 --db "$db"
scenario record_genuine ec "" 0 "\"verdict\":\"PASS\"
\"decision\":\"admitted\"" -- "${base[@]}" --mrz "$mrz" --trust "$trust" \
	--record --checkpoint CP1 --direction entry --officer off1 --db "$db"
n=$(sqlite3 "$work/cp.db" "SELECT COUNT(*) FROM movement WHERE verdict='FAIL' AND decision='refused'
	AND checks LIKE '%\"id\":\"chip.aa_ca\",\"status\":\"fail\"%'
	AND checks LIKE '%\"id\":\"chip.pa\",\"status\":\"pass\"%'")
[ "$n" = 1 ] && echo "ok   record_clone stored with chip.aa_ca fail" || fail "stored clone movement: $n"
n=$(sqlite3 "$work/cp.db" "SELECT COUNT(*) FROM movement WHERE verdict='PASS'
	AND checks LIKE '%\"id\":\"chip.read\",\"status\":\"pass\"%'
	AND checks LIKE '%\"id\":\"pa.sod.signature\",\"status\":\"pass\"%'")
[ "$n" = 1 ] && echo "ok   record_genuine stored with the chip checks" || fail "stored genuine movement: $n"
"$T" audit verify --db "$db" >/dev/null || fail "audit verify"

# usage: --chip without a trust anchor
got=0; "$T" check --chip --mrz "$mrz" >/dev/null 2>"$work/err-usage.txt" || got=$?
[ "$got" = 2 ] && grep -q "needs --trust" "$work/err-usage.txt" && echo "ok   usage" || fail "usage: exit $got"

if [ "$fails" -ne 0 ]; then
	echo "check_chip: $fails scenario(s) failed"; tail -20 "$work/pcscd.log"; exit 1
fi
echo "check_chip: all scenarios passed through pcscd + vpcd"
