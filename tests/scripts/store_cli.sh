#!/bin/bash
# tdverify check / checkpoint / officer / audit / report against a SQLite
# store, and the tamper test: every audit entry in turn is edited, deleted
# and swapped with its successor directly in the database (around the
# append-only triggers); `tdverify audit verify` must exit 1 and name that
# entry each time, and exit 0 once the log is restored.
set -eu
: "${TDVERIFY:?}"
T=$TDVERIFY
dir=$(mktemp -d /tmp/tdv-store-cli.XXXXXX)
trap 'rm -rf "$dir"' EXIT
file="$dir/cp.db"
db="sqlite:$file"
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
BAD='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408123F1204159ZE184226B<<<<<10'
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { # run WANT_EXIT cmd...; output in $out
	local want=$1; shift
	set +e; out=$("$@" 2>"$dir/err"); local rc=$?; set -e
	[ "$rc" -eq "$want" ] || { cat "$dir/err" >&2; fail "exit $rc, expected $want: $*"; }
}
has() { grep -q -- "$1" <<<"$out" || fail "expected '$1' in: $out"; }

# --- check: verdicts and exit codes ---
run 1 "$T" check --today 2010-01-01 --mrz "$MRZ" --json
has '"verdict":"REFER"'
has '"id":"screen.sltd","status":"skip"'
run 0 "$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required
has 'verdict: PASS'
run 1 "$T" check --today 2026-01-01 --mrz "$MRZ" --no-screening-required --json
has '"verdict":"FAIL"'
has '"id":"document.expiry","status":"fail"'
run 1 "$T" check --today 2010-01-01 --mrz "$BAD" --no-screening-required --json
has '"fraud_class":"mrz"'
# --chip needs --trust/--masterlist (the chip itself: tests/scripts/check_chip.sh)
run 2 "$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required --chip --json
run 2 "$T" check --today 2010-01-01
run 2 "$T" check --bogus
run 0 "$T" check --help
# --- the MRZ read from a rendered data page (tdverify specimen) ---
"$T" specimen --out "$dir/spec" --seed 3 >/dev/null 2>&1 || fail "specimen"
spec_mrz=$(python3 -c "import json,sys;print('|'.join(json.load(open(sys.argv[1]))['lines']))" \
	"$dir/spec/specimen-3.json")
run 0 "$T" check --image "$dir/spec/specimen-3.png" --no-screening-required --json
has '"message":"TD3 MRZ read from the image"'
has '"id":"image.mrz","status":"pass"'
run 0 "$T" check --image "$dir/spec/specimen-3.png" --mrz "$spec_mrz" --no-screening-required --json
has '"message":"MRZ in the image equals the typed MRZ"'
run 1 "$T" check --today 2010-01-01 --image "$dir/spec/specimen-3.png" --mrz "$MRZ" \
	--no-screening-required --json
has '"id":"image.mrz","status":"warn"'
has '"verdict":"REFER"'
run 2 "$T" check --image /etc/hostname
printf '%s\n' "${MRZ/|/$'\n'}" >"$dir/mrz.txt"
run 0 "$T" check --today 2010-01-01 --mrz-file "$dir/mrz.txt" --no-screening-required

# --- lost/stolen screening with an index built by tdverify sltd ---
cat >"$dir/list.csv" <<CSV
issuing_state,document_number,document_type,status,date_reported,source
UTO,L898902C3,P,stolen,2009-12-31,UTO police
UTO,X1234567,P,lost,2009-12-31,UTO police
CSV
"$T" sltd import --index "$dir/list.idx" "$dir/list.csv" >/dev/null || fail "sltd import"
run 1 "$T" check --today 2010-01-01 --mrz "$MRZ" --sltd "$dir/list.idx" --json
has '"id":"screen.sltd","status":"fail"'
has '"fraud_class":"lost_stolen"'
run 2 "$T" check --today 2010-01-01 --mrz "$MRZ" --sltd "$dir/missing.idx"
# --- watchlist; and a PASS with both screenings done ---
cat >"$dir/watch.csv" <<CSV
id,names,birth_date,nationality,sex,documents,reason,action
W1,ERIKSSON ANNA MARIA,1974-08-12,UTO,F,,test entry,refer
W2,NORDQVIST BIRGER,1950,UTO,M,X7654321,other,refer
CSV
cat >"$dir/watch-other.csv" <<CSV
id,names,birth_date,nationality,sex,documents,reason,action
W2,NORDQVIST BIRGER,1950,UTO,M,X7654321,other,refer
CSV
printf 'issuing_state,document_number,document_type,status,date_reported,source\nUTO,X1234567,P,lost,2009-12-31,UTO police\n' >"$dir/other.csv"
"$T" sltd import --index "$dir/other.idx" "$dir/other.csv" >/dev/null || fail "sltd import"
run 1 "$T" check --today 2010-01-01 --mrz "$MRZ" --watchlist "$dir/watch.csv" --json
has '"id":"screen.watchlist","status":"warn","message":"possible watchlist match W1'
run 0 "$T" check --today 2010-01-01 --mrz "$MRZ" --sltd "$dir/other.idx" \
	--watchlist "$dir/watch-other.csv" --json
has '"verdict":"PASS"'
has '"id":"screen.sltd","status":"pass"'
has '"id":"screen.watchlist","status":"pass"'

# --- records ---
run 2 "$T" check --today 2010-01-01 --mrz "$MRZ" --record --checkpoint CP1 \
	--direction entry --officer off1 --db "$db"      # checkpoint not registered
run 0 "$T" checkpoint add CP1 --name "North road" --country UTO --db "$db"
run 0 "$T" checkpoint show CP1 --db "$db"
has 'North road'
echo 'secret one' | "$T" officer add off1 --name "Officer One" --role officer \
	--checkpoint CP1 --by admin --db "$db" || fail "officer add"
echo 'secret two' | "$T" officer add sup1 --name "Supervisor" --role supervisor \
	--checkpoint CP1 --db "$db" || fail "officer add"
run 2 "$T" officer add off2 --name X --role king --db "$db" </dev/null
run 0 "$T" officer login off1 --checkpoint CP1 --json --db "$db" <<<'secret one'
has '"role":"officer"'
run 1 "$T" officer login off1 --checkpoint CP1 --db "$db" <<<'wrong'
run 2 "$T" check --today 2010-01-01 --mrz "$MRZ" --record --checkpoint CP1 \
	--direction entry --officer nobody --db "$db"    # unknown officer
for i in 1 2 3; do
	run 0 "$T" check --today 2010-01-01 --mrz "$MRZ" --no-screening-required \
		--record --checkpoint CP1 --direction entry --officer off1 --db "$db" --json
	has "\"seq\":$i"
	has '"decision":"admitted"'
done
run 1 "$T" check --today 2026-01-01 --mrz "$MRZ" --record --checkpoint CP1 \
	--direction exit --officer off1 --db "$db"
has 'recorded: movement'
has 'refused'
run 1 "$T" check --today 2010-01-01 --mrz "$BAD" --record --checkpoint CP1 \
	--direction entry --officer sup1 --decision refused --reason "altered MRZ" --db "$db"
run 2 "$T" check --today 2010-01-01 --mrz "$MRZ" --record --checkpoint CP1 \
	--direction sideways --officer off1 --db "$db"

# --- report ---
today=$(date -u +%F)
run 0 "$T" report --from "$today" --to "$today" --db "$db"
run 0 "$T" report --from "$today" --to "$today" --by direction,decision --csv --db "$db"
has 'direction,decision,movements,admitted,refused,referred,frauds'
has 'entry,admitted,3,3,0,0,0'
has 'entry,refused,1,0,1,0,1'
has 'exit,refused,1,0,1,0,0'
run 0 "$T" report --from "$today" --to "$today" --by fraud --json --db "$db"
has '"fraud":"mrz","movements":1'
run 0 "$T" report --from "$today" --to "$today" --by nationality,sex,age --csv \
	--officer sup1 --checkpoint CP1 --db "$db"
has 'UTO,F,45-59,5,3,2,0,1'   # born 1974: 45-59 until 2034
run 2 "$T" report --from "$today" --to "$today" --by shoe_size --db "$db"
run 2 "$T" report --from 2026-02-30 --to "$today" --db "$db"

# --- audit ---
run 0 "$T" audit verify --db "$db"
has 'intact'
run 0 "$T" audit list --chain CP1 --json --db "$db"
has '"action":"movement.record"'
has '"action":"officer.login_failed"'
has '"action":"report.view"'
n=$(sqlite3 "$file" "SELECT COUNT(*) FROM audit_entry WHERE chain='CP1'")
[ "$n" -ge 10 ] || fail "only $n audit entries"

# --- tamper: each entry in turn, edited, deleted, swapped with the next ---
sqlite3 "$file" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
cp "$file" "$dir/clean.db"
tamper() { # tamper SQL EXPECTED_SEQ WHAT
	cp "$dir/clean.db" "$file"; rm -f "$file-wal" "$file-shm"
	sqlite3 "$file" "DROP TRIGGER audit_entry_no_update; DROP TRIGGER audit_entry_no_delete; $1" \
		|| fail "sqlite3: $1"
	run 1 "$T" audit verify --json --db "$db"
	grep -q "\"broken_chain\":\"CP1\",\"broken_seq\":$2," <<<"$out" \
		|| fail "$3 of entry $2 not named: $out"
}
for k in $(seq 1 "$n"); do
	tamper "UPDATE audit_entry SET detail = detail || ' ' WHERE chain='CP1' AND seq=$k" "$k" edit
	tamper "DELETE FROM audit_entry WHERE chain='CP1' AND seq=$k" "$k" delete
	if [ "$k" -lt "$n" ]; then
		tamper "UPDATE audit_entry SET seq=-1 WHERE chain='CP1' AND seq=$k;
			UPDATE audit_entry SET seq=$k WHERE chain='CP1' AND seq=$((k + 1));
			UPDATE audit_entry SET seq=$((k + 1)) WHERE chain='CP1' AND seq=-1" "$k" reorder
	fi
done
# a movement changed after the fact (its audit entry holds its hash)
seq1=$(sqlite3 "$dir/clean.db" "SELECT audit_seq FROM movement WHERE seq=3")
tamper "UPDATE movement SET decision='refused' WHERE seq=3" "$seq1" "movement edit"
# the untouched copy still verifies
cp "$dir/clean.db" "$file"; rm -f "$file-wal" "$file-shm"
run 0 "$T" audit verify --db "$db"
# and with the trigger in place the database refuses the edit itself
sqlite3 "$file" "UPDATE audit_entry SET detail='x' WHERE seq=1" 2>/dev/null \
	&& fail "append-only trigger did not fire"
echo "store_cli: ok ($n audit entries tampered 3 ways each)"
