#!/bin/bash
# Browser test of training mode (issue 12): the real station
# (`tdverify serve --demo --train DIR`, DIR a fresh temp dir whose training
# database is set up here through `tdverify train`) driven by Debian's
# chromium through npm playwright-core (tests/browser/train.test.js): a
# trainer builds a 10-document set with mixed defects, a trainee runs it
# with some right and some wrong answers, the score and feedback match, and
# the record, certificate and refresher due date appear on the trainer's
# reports. Installs chromium (apt) and playwright-core (npm) when missing,
# like station_browser.sh; never skips. Screenshots go to
# $TDV_BUILD/artefacts/train-browser/. Runs in both builds (the server
# under ASan+UBSan in the sanitizer build).
set -u
: "${TDVERIFY:?}" "${TDV_SRC:?}" "${TDV_BUILD:?}"
fail() { echo "train_browser: FAIL: $*" >&2; exit 1; }

if ! command -v chromium >/dev/null 2>&1; then
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium >/dev/null \
		|| fail "cannot install chromium"
fi
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium missing"
if [ ! -d "$TDV_SRC/tests/browser/node_modules/playwright-core" ]; then
	(cd "$TDV_SRC/tests/browser" && npm install --no-audit --no-fund --no-save \
		playwright-core@1.65.1 >/dev/null 2>&1) || fail "cannot install playwright-core"
fi
command -v node >/dev/null || fail "node missing"

work=$(mktemp -d /tmp/tdv-train-browser.XXXXXX)
art="$TDV_BUILD/artefacts/train-browser"
rm -rf "$art"
mkdir -p "$art"
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || fail "no work dir"

# the training database: pass mark and refresher period configured, the
# station's demo trainer (a master trainer) and trainee in the cascade
PASS=70 MONTHS=6
tdb="$work/train/train.db"
mkdir -p "$work/train"
T() { "$TDVERIFY" train "$@" --db "$tdb" >>train-cli.out 2>&1 || { cat train-cli.out >&2; fail "tdverify train $*"; }; }
T config pass_mark $PASS
T config refresher_months $MONTHS
T person trainer1 --name "Demo Trainer" --checkpoint DEMO-01 --role master-trainer --level second-line
T person trainee1 --name "Demo Trainee" --checkpoint DEMO-01 --role trainee --trainer trainer1

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TDVERIFY" serve --demo --train "$work/train" --listen "127.0.0.1:$port" --web "$TDV_SRC/web" \
	>server.out 2>server.err &
pid=$!
for _ in $(seq 1 240); do
	curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { cat server.err >&2; pid=""; fail "the server stopped"; }
	sleep 0.5
done
curl -sf "http://127.0.0.1:$port/api/health" >/dev/null || { cat server.err >&2; fail "the server did not come up"; }
grep -q "demo: not everything" server.err && { cat server.err >&2; fail "the demo is incomplete"; }

NODE_PATH="$TDV_SRC/tests/browser/node_modules" BASE_URL="http://127.0.0.1:$port" ART="$art" \
	TRAIN_PASS=$PASS TRAIN_MONTHS=$MONTHS timeout 300 node "$TDV_SRC/tests/browser/train.test.js"
rc=$?
[ $rc -eq 0 ] || echo "train_browser: FAIL: the browser scenario (exit $rc)" >&2

kill $pid
wait $pid
src=$?
pid=""
if [ $src -ne 0 ]; then cat server.err >&2; echo "train_browser: FAIL: server exit status $src" >&2; rc=1; fi
if grep -q "ERROR: AddressSanitizer\|runtime error:" server.err; then cat server.err >&2; rc=1; fi
exit $rc
