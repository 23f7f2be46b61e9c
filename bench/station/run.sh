#!/bin/sh
# bench/station: the station's inspection API under load (wrk), typed MRZ
# input, SQLite store, the demo station's lists (lost/stolen index and
# watchlist screened on every request), two server threads.
# Prints throughput, latency percentiles and the server's memory.
# Targets (issue 10): >= 1,000 inspections/s, p99 <= 50 ms on 2 cores.
# Usage: bench/station/run.sh BUILD_DIR   (make bench calls it)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
src=$(cd "$here/../.." && pwd)
DURATION=${BENCH_STATION_SECONDS:-20}
CONN=${BENCH_STATION_CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "bench/station: wrk is not installed (scripts/install-deps --bench)" >&2; exit 1; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$work"
"$build/tdverify" serve --demo --listen "127.0.0.1:$port" --threads 2 --web "$src/web" >server.out 2>server.err &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
i=0
until curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 600 ] || { cat server.err >&2; exit 1; }
	kill -0 $pid 2>/dev/null || { cat server.err >&2; exit 1; }
	sleep 0.2
done
curl -s -c cj -H 'Content-Type: application/json' \
	-d '{"officer":"officer1","password":"officer-demo-1"}' \
	"http://127.0.0.1:$port/api/login" >login.json
TDV_COOKIE=$(awk '$6 == "tdv_session" {print $7}' cj)
TDV_CSRF=$(python3 -c 'import json; print(json.load(open("login.json"))["csrf"])')
# the genuine demo passport's printed MRZ
TDV_BODY=$(python3 -c 'import json; d=json.load(open("var/demo/documents.json"))[0]; print(json.dumps({"mrz": "\n".join(d["mrz"])}))')
export TDV_COOKIE TDV_CSRF TDV_BODY
verdict=$(curl -s -b cj -H "X-CSRF-Token: $TDV_CSRF" -H 'Content-Type: application/json' \
	-d "$TDV_BODY" "http://127.0.0.1:$port/api/inspections" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])')
rss0=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "station: POST /api/inspections, typed TD3 MRZ (verdict $verdict), SQLite, $CONN connections, ${DURATION}s, 2 server threads"
wrk -t 2 -c "$CONN" -d "${DURATION}s" -s "$here/inspect.lua" "http://127.0.0.1:$port/api/inspections" >wrk.out 2>&1
cat wrk.out | grep -E "Requests/sec|p50|Non-2xx|Socket errors|requests in" || true
rps=$(awk '/Requests\/sec/ {print $2}' wrk.out)
p99=$(awk '/^p50/ {print $8}' wrk.out)
non2xx=$(awk '/Non-2xx/ {print $5}' wrk.out)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
echo "server memory: RSS $((rss0 / 1024)) MiB before, $((rss / 1024)) MiB after, peak $((hwm / 1024)) MiB"
awk -v r="$rps" -v p="$p99" 'BEGIN {
	t = "NOT met"; if (r + 0 >= 1000) t = "met";
	l = "NOT met"; if (p + 0 <= 50) l = "met";
	printf "throughput %.0f inspections/s (target >= 1000): %s\n", r, t;
	printf "p99 latency %.2f ms (target <= 50 ms): %s\n", p, l }'
[ -z "$non2xx" ] || { echo "bench/station: $non2xx requests failed" >&2; exit 1; }
