#!/bin/bash
# tdverify sltd import|update|lookup|stats end to end: per-line errors,
# exit statuses, JSON keys, stale lists, and a failed import or a damaged
# index never losing the previous version.
set -u
: "${TDVERIFY:?}"
T=$(mktemp -d /tmp/tdv-sltd-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
expect_rc() { # name want cmd...
	local name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else bad "$name (exit $rc, want $want)"; cat "$T/err"; fi
}
IDX="$T/sltd.idx"
cat >"$T/list.csv" <<'CSV'
issuing_state,document_number,document_type,status,date_reported,source
UTO,L898902C3,P,stolen,2026-01-10,UTO police
UTO,D23145890,I,lost,2026-01-09,UTO police
UTO,BAD,P,stolen
D,C01X00T47,P,revoked,2026-01-08,D BKA
CSV
expect_rc "import with one bad row exits 1" 1 "$TDVERIFY" sltd import --index "$IDX" "$T/list.csv"
grep -q "line 4:" "$T/err" && ok "bad row reported with its line number" || bad "line number missing: $(cat "$T/err")"
grep -q "version 1, 3 records" "$T/out" && ok "three records imported" || bad "import summary: $(cat "$T/out")"

expect_rc "exact hit exits 1" 1 "$TDVERIFY" sltd lookup --index "$IDX" --today 2026-01-10 UTO L898902C3
grep -q "HIT" "$T/out" && ok "HIT printed" || bad "no HIT: $(cat "$T/out")"
expect_rc "clear document exits 0" 0 "$TDVERIFY" sltd lookup --index "$IDX" --today 2026-01-10 UTO X12345678
expect_rc "confusable lookup exits 1" 1 "$TDVERIFY" sltd lookup --json --index "$IDX" --today 2026-01-10 UTO 1898902C3
grep -q '"result":"possible"' "$T/out" && grep -q '"match":"confusable"' "$T/out" \
	&& ok "possible hit in JSON" || bad "json: $(cat "$T/out")"
"$TDVERIFY" sltd lookup --json --index "$IDX" --today 2026-02-01 UTO X1 >"$T/out" 2>"$T/err"
grep -q '"stale":true' "$T/out" && grep -q "stale" "$T/err" && ok "stale list reported" || bad "stale: $(cat "$T/out" "$T/err")"
expect_rc "stats on a stale list exits 1" 1 "$TDVERIFY" sltd stats --index "$IDX" --today 2026-02-01
expect_rc "stats --verify on a fresh list exits 0" 0 "$TDVERIFY" sltd stats --verify --json --index "$IDX" --today 2026-01-11
grep -q '"verified":true' "$T/out" && grep -q '"bytes_per_record"' "$T/out" && ok "stats json" || bad "stats: $(cat "$T/out")"

printf 'add,UTO,NEW000001,P,stolen,2026-01-12,UTO police\nremove,UTO,D23145890\n' >"$T/delta.csv"
expect_rc "update exits 0" 0 "$TDVERIFY" sltd update --index "$IDX" "$T/delta.csv"
grep -q "version 2" "$T/out" && ok "version 2 after update" || bad "update: $(cat "$T/out")"
expect_rc "removed record is clear" 0 "$TDVERIFY" sltd lookup --index "$IDX" --today 2026-01-12 UTO D23145890
printf 'UTO,NEW000001\nUTO,NEWOOOOO1\nD,ZZZ\n' >"$T/batch"
"$TDVERIFY" sltd lookup --json --index "$IDX" --today 2026-01-12 --batch "$T/batch" >"$T/out" 2>"$T/err"
[ "$(wc -l <"$T/out")" -eq 3 ] && grep -c '"result":"hit"\|"result":"possible"' "$T/out" | grep -q 2 \
	&& ok "batch lookup NDJSON" || bad "batch: $(cat "$T/out")"

# Nothing lost: an empty list, a garbage list and an update of a damaged
# index all fail with exit 2 and leave version 2 in place.
cp "$IDX" "$T/before"
: >"$T/empty.csv"
expect_rc "empty list refused" 2 "$TDVERIFY" sltd import --index "$IDX" "$T/empty.csv"
printf 'not,a,list\n\xff\xfe\n' >"$T/garbage.csv"
expect_rc "garbage list refused" 2 "$TDVERIFY" sltd import --index "$IDX" "$T/garbage.csv"
grep -q "invalid UTF-8" "$T/err" && ok "invalid UTF-8 named" || bad "utf8: $(cat "$T/err")"
cmp -s "$IDX" "$T/before" && ok "index unchanged after refused imports" || bad "index changed"
head -c $(( $(stat -c %s "$IDX") - 1 )) "$IDX" >"$T/trunc.idx"
expect_rc "truncated index refused by lookup" 2 "$TDVERIFY" sltd lookup --index "$T/trunc.idx" UTO X1
grep -q "corrupt" "$T/err" && ok "truncated index message" || bad "msg: $(cat "$T/err")"
cp "$T/trunc.idx" "$T/trunc2.idx"
expect_rc "update of a truncated index refused" 2 "$TDVERIFY" sltd update --index "$T/trunc2.idx" "$T/delta.csv"
cmp -s "$T/trunc.idx" "$T/trunc2.idx" && ok "truncated index left as it was" || bad "changed"
ls "$T" | grep -q tmp- && bad "temporary file left behind" || ok "no temporary files left"
expect_rc "missing --index is a usage error" 2 "$TDVERIFY" sltd lookup UTO X1
expect_rc "--help exits 0" 0 "$TDVERIFY" sltd --help
exit $fail
