#!/bin/bash
# Browser tests of the station: `tdverify serve --demo` driven by Debian's
# chromium through npm playwright-core (tests/browser/station.test.js).
# Installs chromium (apt) and playwright-core (npm, into
# tests/browser/node_modules) when missing. Screenshots are kept as test
# artefacts in $TDV_BUILD/artefacts/station-browser/. Runs in both the
# normal and the sanitizer build (the server under ASan+UBSan).
set -u
: "${TDVERIFY:?}" "${TDV_SRC:?}" "${TDV_BUILD:?}"
fail() { echo "station_browser: $*" >&2; exit 1; }

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

work="$TDV_BUILD/station-browser"
art="$TDV_BUILD/artefacts/station-browser"
rm -rf "$work" "$art"
mkdir -p "$work" "$art"
# a free port from the kernel
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$work" || fail "no work dir"
"$TDVERIFY" serve --demo --listen "127.0.0.1:$port" --web "$TDV_SRC/web" >server.out 2>server.err &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 240); do
	curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { cat server.err >&2; fail "the server stopped"; }
	sleep 0.5
done
curl -sf "http://127.0.0.1:$port/api/health" >/dev/null || { cat server.err >&2; fail "the server did not come up"; }
grep -q "demo: not everything" server.err && { cat server.err >&2; fail "the demo is incomplete"; }

NODE_PATH="$TDV_SRC/tests/browser/node_modules" BASE_URL="http://127.0.0.1:$port" ART="$art" \
	timeout 300 node "$TDV_SRC/tests/browser/station.test.js"
rc=$?
kill $pid 2>/dev/null
wait $pid
src=$?
# the server must have stopped cleanly on SIGTERM (and, under ASan, without reports)
if [ $src -ne 0 ]; then cat server.err >&2; echo "station_browser: server exit status $src" >&2; rc=1; fi
grep -q "ERROR: AddressSanitizer\|runtime error:" server.err && { cat server.err >&2; rc=1; }
trap - EXIT
exit $rc
