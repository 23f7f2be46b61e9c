#!/bin/bash
# The `tdverify specimen` and `tdverify ocr` CLI contract: generated
# specimens are read back exactly (PNG and JPEG, every format, upside
# down, a directory), JSON keys, exit statuses, bad and MRZ-less images.
# Needs $TDVERIFY and $TDV_SRC.
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

# 1. specimens: one of each format, mild distortion, 150 dpi (fast)
expect_rc "specimen writes images" 0 "$T" specimen --out "$tmp/sp" --format all --count 3 \
	--seed 700 --dpi 150 --distort 1 --json
[ "$(wc -l <"$tmp/out")" -eq 3 ] && ok "specimen --json: one line per image" || bad "specimen json lines"
n=$(ls "$tmp/sp" | grep -cE '\.(png|jpg)$')
[ "$n" -eq 3 ] && ok "three images" || bad "images: $n"
[ "$(ls "$tmp/sp"/*.json | wc -l)" -eq 3 ] && ok "a truth file beside each" || bad "truth files"
grep -q '"truth":{"format":"TD1","lines":\["I' "$tmp/out" && ok "truth holds the MRZ" || bad "truth: $(head -c 300 "$tmp/out")"

# 2. read them back: every line equal to the truth
expect_rc "ocr reads a directory" 0 "$T" ocr --json --today 2026-01-01 "$tmp/sp"
cp "$tmp/out" "$tmp/ocr.json"
[ "$(wc -l <"$tmp/ocr.json")" -eq 3 ] && ok "ocr --json: one line per image" || bad "ocr lines"
for t in "$tmp"/sp/*.json; do
	want=$(grep -o '"lines":\[[^]]*\]' "$t")
	base=$(basename "$t" .json)
	got=$(grep "\"file\":\"[^\"]*$base\.[a-z]*\"" "$tmp/ocr.json" | grep -o '"lines":\[[^]]*\]')
	[ -n "$want" ] && [ "$want" = "$got" ] && ok "read $base exactly" || bad "read $base: got $got want $want"
done
for k in '"file":' '"format":' '"valid":true' '"lines":' '"raw":' '"confidence":\[' \
	'"corrections":' '"quad":\[\[' '"angle":' '"checks":'; do
	grep -q "$k" "$tmp/ocr.json" && ok "json has $k" || bad "json lacks $k"
done

# 3. upside down, rotated, JPEG
expect_rc "upside-down specimen" 0 "$T" specimen --out "$tmp/ud" --format TD3 --seed 701 \
	--dpi 150 --upside-down --rotate 7 --jpeg 70
f=$(ls "$tmp"/ud/*.jpg)
expect_rc "ocr reads it" 0 "$T" ocr --today 2026-01-01 "$f"
grep -q "turned -17[0-9] degrees\|turned 17[0-9] degrees\|turned -180\|turned 180" "$tmp/out" \
	&& ok "reports the turn" || bad "turn: $(head -1 "$tmp/out")"
want=$(grep -o '"lines":\["[^"]*' "$tmp"/ud/*.json | sed 's/.*\["//')
grep -q "$want" "$tmp/out" && ok "upside-down line 1 right" || bad "upside-down: $(cat "$tmp/out")"

# 4. no MRZ, bad image, usage
expect_rc "no MRZ exits 1" 1 "$T" ocr "$SRC/fuzz/corpus/png/rgb.png"
grep -q "no MRZ found" "$tmp/out" && grep -q "looked at" "$tmp/out" && ok "says where it looked" \
	|| bad "no-MRZ text: $(cat "$tmp/out")"
expect_rc "no MRZ --json" 1 "$T" ocr --json "$SRC/fuzz/corpus/png/rgb.png"
grep -q '"error":"no MRZ found"' "$tmp/out" && ok "no-MRZ json" || bad "no-MRZ json: $(cat "$tmp/out")"
# a TD1 with its third line painted out: not read, but reported as such
expect_rc "TD1 with a lost line exits 1" 1 "$T" ocr "$SRC/tests/data/ocr/partial/td1-line-lost.png"
grep -q "2 parallel rows of about 30" "$tmp/out" && grep -q "2 of its 3 lines" "$tmp/out" \
	&& ok "says 2 of 3 TD1 lines seen" || bad "lost line text: $(cat "$tmp/out")"
expect_rc "TD1 with a lost line --json" 1 "$T" ocr --json "$SRC/tests/data/ocr/partial/td1-line-lost.png"
grep -q '"band_lines":2,"band_chars":30' "$tmp/out" && grep -q '"seen":"TD1 MRZ, 2 of 3 lines readable"' "$tmp/out" \
	&& ok "lost line json" || bad "lost line json: $(cat "$tmp/out")"
head -c 300 "$f" >"$tmp/trunc.jpg"
expect_rc "truncated JPEG exits 2" 2 "$T" ocr "$tmp/trunc.jpg"
grep -q "corrupt image data" "$tmp/err" && ok "names the problem" || bad "trunc msg: $(cat "$tmp/err")"
printf 'not an image' >"$tmp/x.png"
expect_rc "not an image exits 2" 2 "$T" ocr "$tmp/x.png"
expect_rc "missing file exits 2" 2 "$T" ocr "$tmp/nonexistent.png"
expect_rc "ocr --help" 0 "$T" ocr --help
expect_rc "ocr without files" 2 "$T" ocr
expect_rc "ocr unknown option" 2 "$T" ocr --bogus x.png
expect_rc "specimen --help" 0 "$T" specimen --help
expect_rc "specimen without --out" 2 "$T" specimen --count 1
expect_rc "specimen bad level" 2 "$T" specimen --out "$tmp/z" --distort 9
expect_rc "specimen bad format" 2 "$T" specimen --out "$tmp/z" --format TD9
expect_rc "specimen bad dpi" 2 "$T" specimen --out "$tmp/z" --dpi 20

# 5. mixed batch: valid, no MRZ and unreadable -> worst status (2)
expect_rc "mixed batch exits 2" 2 "$T" ocr "$f" "$SRC/fuzz/corpus/png/rgb.png" "$tmp/x.png"
exit $fail
