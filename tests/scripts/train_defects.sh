#!/bin/bash
# Training: every defect type is generated as specified (the real specimen
# generator, test PKI, personalisation and virtual chip) and caught by the
# inspection pipeline; genuine documents pass. Then a trainer/trainee
# session through the CLI: answers, score, feedback, secrecy, records.
set -u
T=${TDVERIFY:?TDVERIFY not set}
W=$(mktemp -d /tmp/tdv-train-XXXXXX)
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
DAY=2026-06-15

# one genuine document, then one document per defect type, then two with
# two defects at once
KEY="genuine;mrz-check-digit;viz-mismatch;expired;chip-dg1;chip-dg2;photo-substitution;forged-sod;unknown-csca;revoked-ds;cloned-chip;lost-stolen;watchlist;genuine;expired,watchlist;cloned-chip,chip-dg1"
"$T" train build --pki "$W/pki" --out "$W/set" --key "$KEY" --seed 11 \
    --level second-line --today $DAY >/dev/null || { bad "build"; exit 1; }

for f in set.json answers.json sltd.idx watchlist.csv trust/csca-rsa.pem \
    doc-01/page.png doc-01/chip/EF.SOD doc-01/viz.json doc-01/mrz.txt; do
	[ -s "$W/set/$f" ] || bad "missing $f"
done
# set.json carries no answers
grep -q "expired\|watchlist\|genuine" "$W/set/set.json" && bad "set.json leaks the key"

"$T" train inspect "$W/set" --today $DAY >"$W/inspect.txt"
[ $? -eq 1 ] || bad "inspect exit status (defective documents present)"
i=0
IFS=';' read -ra K <<<"$KEY"
for want in "${K[@]}"; do
	i=$((i + 1))
	line=$(grep "^doc-$(printf %02d $i) " "$W/inspect.txt")
	got=$(sed 's/.*caught=//' <<<"$line")
	verdict=$(awk '{print $2}' <<<"$line")
	if [ "$want" = genuine ]; then
		[ "$verdict" = PASS ] || bad "doc $i genuine: $line"
		continue
	fi
	# a watchlist hit alone refers (REFER); every other defect fails
	if [ "$want" = watchlist ]; then
		[ "$verdict" = REFER ] || bad "doc $i ($want) not referred: $line"
	else
		[ "$verdict" = FAIL ] || bad "doc $i ($want) not failed: $line"
	fi
	# every defect in the key must be caught by its own check
	IFS=',' read -ra D <<<"$want"
	for d in "${D[@]}"; do
		grep -qE "(^|,)$d(,|$)" <<<"$got" || bad "doc $i: $d not caught ($got)"
	done
done
# the JSON report names the catching check and is marked as training
"$T" train inspect "$W/set" --doc 2 --json --today $DAY >"$W/doc2.json"
grep -q '"training":true' "$W/doc2.json" || bad "inspect JSON not marked training"
grep -q '"id":"mrz.check_digits","status":"fail"' "$W/doc2.json" || bad "check digit check"

# --- a session through the training database ---
DB="--db $W/train.db"
"$T" train person master $DB --name "Master One" --checkpoint HQ --role master-trainer || bad person
"$T" train person tr1 $DB --name "Trainer One" --checkpoint CP1 --role trainer --trainer master || bad person
"$T" train person anna $DB --name "Anna Trainee" --checkpoint CP1 --role trainee --trainer tr1 || bad person
"$T" train person bert $DB --name "Bert Trainee" --checkpoint CP2 --role trainee --trainer master || bad person
"$T" train person zed $DB --name "Z" --checkpoint CP1 --role trainee --trainer anna 2>/dev/null && bad "trainee as trainer accepted"
SET=$("$T" train set-add "$W/set" $DB --title "Induction set" --by tr1 --level second-line) || bad set-add
"$T" train set-add "$W/set" $DB --title x --by anna >/dev/null 2>&1 && bad "trainee registered a set"
"$T" train set-show "$SET" $DB --as anna >"$W/show.json" || bad set-show
grep -q defects "$W/show.json" && bad "trainee view shows defects"
"$T" train set-show "$SET" $DB --as anna --answers >/dev/null 2>&1 && bad "trainee got the key"
"$T" train set-show "$SET" $DB --as tr1 --answers | grep -q '"defects":"expired,watchlist"' || bad "trainer key view"

ATT=$("$T" train start "$SET" $DB --trainee anna --course induction --today $DAY) || bad start
# right on everything but documents 3 and 13 (admitted) and 14 (genuine,
# refused)
n=0
for want in "${K[@]}"; do
	n=$((n + 1))
	if [ $n -eq 3 ] || [ $n -eq 13 ]; then
		dec=admit; named=""
	elif [ $n -eq 14 ]; then
		dec=refuse; named=""
	elif [ "$want" = genuine ]; then
		dec=admit; named=""
	else
		dec=refuse; named="$want"
	fi
	"$T" train answer "$ATT" $DB --as anna --doc $n --decision $dec \
	    ${named:+--defects $named} --time-ms 20000 || bad "answer $n"
done
"$T" train answer "$ATT" $DB --as bert --doc 1 --decision admit 2>/dev/null && bad "bert answered for anna"
"$T" train feedback "$ATT" $DB --as anna >/dev/null 2>&1 && bad "feedback before submission"
"$T" train submit "$ATT" $DB --as bert >/dev/null 2>&1 && bad "bert submitted for anna"
"$T" checkpoint add CP1 --name "North road" --country UTO --db "sqlite:$W/cp1.db" >/dev/null || bad "checkpoint add"
"$T" train submit "$ATT" $DB --as anna --today $DAY --store "sqlite:$W/cp1.db" --checkpoint CP1 >"$W/fb.json"
[ $? -eq 0 ] || bad "submit (expected a pass)"
# the result is in CP1's audit chain, where sync push takes it to headquarters
"$T" train report --db "sqlite:$W/cp1.db" --checkpoint CP1 --today 2027-07-01 --csv >"$W/hq.csv" || bad "train report"
grep -q "^officer,CP1,anna,,0,0,,sets=1 drills=0 mean=81.2 last=induction:$DAY due=2027-06-15 status=overdue false_alarms=1/" "$W/hq.csv" \
	|| bad "headquarters report: $(cat "$W/hq.csv")"
grep -q "^officer,CP1,anna,viz-mismatch,1,0,0.0,$" "$W/hq.csv" || bad "headquarters skills: $(cat "$W/hq.csv")"

grep -q '"false_alarms":1' "$W/fb.json" || bad "false alarms"
grep -q '"check":"viz.mrz_match"' "$W/fb.json" || bad "feedback names the missed check"
"$T" train submit "$ATT" $DB --as anna >/dev/null 2>&1 && bad "second submission"
"$T" train certificate "$ATT" $DB >"$W/cert.html" || bad certificate
grep -q "Anna Trainee" "$W/cert.html" || bad "certificate content"
"$T" train due $DB --as tr1 --csv --today 2027-07-01 >"$W/due.csv" || bad due
grep -q "^CP1,anna,Anna Trainee,tr1,induction,$DAY,2027-06-15,overdue$" "$W/due.csv" || bad "due: $(cat "$W/due.csv")"
grep -q bert "$W/due.csv" && bad "tr1 sees bert"
"$T" train rates $DB --csv | grep -q "^2026-06,detection,viz-mismatch,1,0,0.0$" || bad rates
"$T" train record anna $DB --as bert >/dev/null 2>&1 && bad "bert read anna's record"
DRILL=$("$T" train drill anna $DB --today 2026-06-16) || bad drill
grep -q attempt <<<"$DRILL" || bad "drill output"
"$T" train --help | grep -q "set-add" || bad help
"$T" train bogus $DB >/dev/null 2>&1; [ $? -eq 2 ] || bad "unknown action exit status"
"$T" train due $DB --as tr1 --stor x >/dev/null 2>&1; [ $? -eq 2 ] || bad "a mistyped option was ignored"
[ $fail -eq 0 ] && echo "train_defects: ok"
exit $fail
