#!/bin/bash
# Training mode through the real station, at the HTTP level (issue 12):
#  - bad input: a trainee cannot see the answers before submitting (key,
#    feedback, answers.json and other files of the set), cannot answer,
#    submit or read feedback for another trainee, cannot name another
#    trainee in a request body; officers on live duty get no training route;
#  - exercise data stays out of live work: the live inspection routes
#    (typed MRZ and data-page image) refuse exercise documents, and a whole
#    training session writes no movement (while a live inspection still
#    can);
#  - results sync like movements: each submitted result is an audit entry
#    (train.result) in the checkpoint's chain; after `tdverify sync push`
#    to a central store on a real PostgreSQL (started here) over mutual
#    TLS, `tdverify train report --db postgres:..` at headquarters gives
#    the officer's score, skills by defect type and refresher due date, the
#    same as from the checkpoint's own store.
# Runs in both builds (the station under ASan+UBSan in the sanitizer one).
set -u
: "${TDVERIFY:?}" "${TDV_SRC:?}"
T=$TDVERIFY
work=$(mktemp -d /tmp/tdv-train-station.XXXXXX)
pgdir=$(mktemp -d /tmp/tdv-train-pg.XXXXXX)
pid="" central_pid="" pg=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$central_pid" ] && kill "$central_pid" 2>/dev/null && wait "$central_pid" 2>/dev/null
	[ $pg -eq 1 ] && "$TDV_SRC/scripts/pg-test" stop "$pgdir" >/dev/null 2>&1
	rm -rf "$work" "$pgdir"
}
trap cleanup EXIT
fail() { echo "train_station: FAIL: $*" >&2; [ -f "$work/server.err" ] && tail -20 "$work/server.err" >&2; exit 1; }
cd "$work" || exit 1

# --- the checkpoint: store, accounts, training database ---
store="sqlite:$work/cp1.db"
"$T" checkpoint add CP1 --name "North road" --country UTO --db "$store" >/dev/null || fail "checkpoint add"
for a in officer1:officer supervisor1:supervisor trainer1:trainer trainee1:trainee trainee2:trainee; do
	id=${a%%:*} role=${a#*:}
	echo "$id-password-1" | "$T" officer add "$id" --name "Test $id" --role "$role" \
		--checkpoint CP1 --db "$store" >/dev/null 2>&1 || fail "officer add $id"
done
tdb="$work/train/train.db"
mkdir -p "$work/train"
TR() { "$T" train "$@" --db "$tdb" >>train-cli.out 2>&1 || { cat train-cli.out >&2; fail "tdverify train $*"; }; }
TR config refresher_months 12
TR person trainer1 --name "Test trainer1" --checkpoint CP1 --role master-trainer --level second-line
TR person trainee1 --name "Test trainee1" --checkpoint CP1 --role trainee --trainer trainer1
TR person trainee2 --name "Test trainee2" --checkpoint CP1 --role trainee --trainer trainer1

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$T" serve --db "$store" --checkpoint CP1 --train "$work/train" --listen "127.0.0.1:$port" \
	--web "$TDV_SRC/web" >server.out 2>server.err &
pid=$!
for _ in $(seq 1 120); do
	curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { pid=""; fail "the station stopped"; }
	sleep 0.25
done
curl -sf "http://127.0.0.1:$port/api/health" >/dev/null || fail "the station did not come up"
movements() { sqlite3 "$work/cp1.db" "SELECT COUNT(*) FROM movement"; }
[ "$(movements)" = 0 ] || fail "movements before the test"

# --- the session over HTTP (python: cookies, CSRF, JSON) ---
cat >train_http.py <<'PY'
import json, os, sys, urllib.request, urllib.error, http.cookiejar
BASE, SETS = sys.argv[1], sys.argv[2]
failures = 0
def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond: failures += 1

class Client:
    def __init__(self, who):
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""
        st, body = self.req("POST", "/api/login", {"officer": who, "password": who + "-password-1"})
        assert st == 200, (who, st, body)
        self.csrf = json.loads(body)["csrf"]
    def req(self, method, path, body=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if method == "POST" and data is None: data = b"{}"
        r = urllib.request.Request(BASE + path, data=data, method=method)
        if method == "POST":
            r.add_header("Content-Type", ctype)
            r.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.op.open(r, timeout=300) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
    def json(self, method, path, body=None):
        st, b = self.req(method, path, body)
        try: return st, json.loads(b)
        except ValueError: return st, None

trainer, t1, t2 = Client("trainer1"), Client("trainee1"), Client("trainee2")
officer, sup = Client("officer1"), Client("supervisor1")

KEY = ["genuine", "lost-stolen", "expired", "photo-substitution"]
st, s = trainer.json("POST", "/api/train/sets", {"title": "HTTP set", "docs": len(KEY), "level": "second-line", "key": KEY, "seed": 7})
check(st == 201 and s and len(s.get("id", "")) == 26, "trainer builds a set (%d)" % st)
sid = s["id"]
dirs = [d for d in os.listdir(SETS) if d.startswith("set-")]
setdir = os.path.join(SETS, dirs[0]) if len(dirs) == 1 else "/nonexistent"
check(os.path.isfile(os.path.join(setdir, "answers.json")), "the set is on disk with its key")

# ---- a trainee cannot see the answers before submitting ----
st, v = t1.json("GET", "/api/train/sets/" + sid + "?answers=1")
check(st == 403, "trainee refused the key (?answers=1): %d" % st)
st, v = t1.json("GET", "/api/train/sets/" + sid)
txt = json.dumps(v)
check(st == 200 and "defects" not in txt and not any(k in txt for k in KEY if k != "genuine"),
      "the set as a trainee sees it carries no defect names")
for p in ["answers.json", "viz.json", "mrz.txt", "chip.json", "chip/dg1.bin", "../answers.json",
          "%2e%2e/answers.json", "..%2fanswers.json"]:
    st, _ = t1.req("GET", "/api/train/sets/" + sid + "/docs/0/" + p)
    check(st in (400, 403, 404), "document file %s refused (%d)" % (p, st))
for p in ["/api/train/sets/" + sid + "/answers.json", "/api/train/sets/" + sid + "/../answers.json",
          "/api/train/sets/%2e%2e/" + sid]:
    st, _ = t1.req("GET", p)
    check(st in (400, 403, 404), "path %s refused (%d)" % (p, st))
st, _ = t1.req("GET", "/api/train/sets/" + sid + "/docs/0/page.png")
check(st == 200, "the trainee gets the page image (%d)" % st)
st, a = t1.json("POST", "/api/train/attempts", {"set": sid, "course": "refresher", "trainee": "trainee2"})
check(st == 201, "trainee1 starts an attempt (%d)" % st)
att = a["attempt"]
st, _ = t1.json("GET", "/api/train/attempts/" + att + "/feedback")
check(st == 403, "feedback refused before submission (%d)" % st)
st, _ = trainer.json("GET", "/api/train/attempts/" + att + "/feedback")
check(st == 403, "feedback refused to the trainer too before submission (%d)" % st)
st, rec = t1.json("GET", "/api/train/records/trainee1")
check(st == 200 and any(x["attempt"] == att for x in rec["attempts"]),
      "the attempt is trainee1's own, whatever the body said")
st, rec2 = t2.json("GET", "/api/train/records/trainee2")
check(st == 200 and not rec2["attempts"], "nothing started for trainee2 by trainee1's body")
st, rep = t1.json("POST", "/api/train/attempts/" + att + "/inspect/3")
check(st == 200 and rep.get("training") is True and "defects" not in json.dumps(rep),
      "inspection in training is marked training and names no answer")

# ---- cannot answer or submit for another trainee ----
st, _ = t2.json("POST", "/api/train/attempts/" + att + "/answers", {"doc": 0, "decision": "admit", "defects": []})
check(st == 403, "trainee2 cannot answer trainee1's attempt (%d)" % st)
st, _ = t2.json("POST", "/api/train/attempts/" + att + "/submit")
check(st == 403, "trainee2 cannot submit trainee1's attempt (%d)" % st)
st, _ = trainer.json("POST", "/api/train/attempts/" + att + "/submit")
check(st == 403, "the trainer cannot submit for the trainee (%d)" % st)
st, _ = t2.json("GET", "/api/train/records/trainee1")
check(st == 403, "trainee2 cannot read trainee1's record (%d)" % st)

# ---- officers on live duty: no training route ----
for m, p in [("GET", "/api/train/sets/" + sid), ("GET", "/api/train/sets/" + sid + "/docs/0/page.png"),
             ("POST", "/api/train/attempts"), ("GET", "/api/train/reports/due")]:
    st, _ = officer.req(m, p, {"set": sid} if m == "POST" else None)
    check(st == 403, "officer refused %s %s (%d)" % (m, p, st))

# ---- live inspection refuses exercise documents ----
mrz = open(os.path.join(setdir, "doc-02", "mrz.txt")).read().strip()
st, v = officer.json("POST", "/api/inspections", {"mrz": mrz, "chip": "none"})
check(st == 409 and v and v.get("error") == "training_document",
      "live inspection refuses the typed MRZ of an exercise document (%d %s)" % (st, v))
st, v = t1.json("POST", "/api/inspections", {"mrz": mrz, "chip": "none"})
check(st == 409, "the live screen refuses it to a trainee too (%d)" % st)
page = open(os.path.join(setdir, "doc-01", "page.png"), "rb").read()
st, b = officer.req("POST", "/api/inspections/image?chip=none", raw=page, ctype="image/png")
check(st == 409 and b"training_document" in b, "live inspection refuses the page image of an exercise document (%d)" % st)
SPEC = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
st, live = officer.json("POST", "/api/inspections", {"mrz": SPEC, "chip": "none"})
check(st == 200 and live.get("id"), "a real document is still inspected live (%d)" % st)
st, mv = officer.json("POST", "/api/decisions", {"inspection": live["id"], "decision": "admit", "direction": "entry"})
check(st == 200 and mv["movement"]["seq"] == 1, "and its decision is the one movement recorded (%d)" % st)

# ---- the trainee answers and submits ----
PLAN = [("admit", []), ("refuse", ["lost-stolen"]), ("refuse", ["chip-dg1"]), ("admit", [])]
for i, (d, n) in enumerate(PLAN):
    st, _ = t1.json("POST", "/api/train/attempts/" + att + "/answers",
                    {"doc": i, "decision": d, "defects": n, "time_ms": 20000 + i})
    check(st in (200, 201, 204), "answer %d (%d)" % (i, st))
st, _ = t1.json("POST", "/api/decisions",
                {"inspection": att, "decision": "admit", "direction": "entry"})
check(st == 403, "a trainee cannot record a movement decision (%d)" % st)
st, fb = t1.json("POST", "/api/train/attempts/" + att + "/submit")
# genuine admitted 1, lost-stolen named 1, expired stopped but named wrong 0.5,
# photo substitution admitted 0: 2.5 of 4
check(st == 200 and abs(fb["score"]["percent"] - 62.5) < 1e-9 and not fb["score"]["passed"],
      "score 62.5 %% from the answers (%d %s)" % (st, fb and fb.get("score", {}).get("percent")))
st, _ = t1.json("POST", "/api/train/attempts/" + att + "/submit")
check(st == 403, "a second submission is refused (%d)" % st)
st, _ = t1.json("POST", "/api/train/attempts/" + att + "/answers", {"doc": 3, "decision": "refuse", "defects": ["photo-substitution"]})
check(st == 403, "no answer changed after submission (%d)" % st)
st, v = t1.json("GET", "/api/train/sets/" + sid + "?answers=1")
check(st == 403, "the key stays the trainer's after submission (%d)" % st)
st, fb2 = t1.json("GET", "/api/train/attempts/" + att + "/feedback")
check(st == 200 and fb2["documents"][3]["missed"][0]["check"] == "photo.match",
      "feedback after submission names photo.match for the missed substitution")
st, fb3 = t2.json("GET", "/api/train/attempts/" + att + "/feedback")
check(st == 403, "trainee2 cannot read trainee1's feedback (%d)" % st)
# a passed exercise for the due date at headquarters
st, a2 = t1.json("POST", "/api/train/attempts", {"set": sid, "course": "induction"})
att2 = a2["attempt"]
for i, k in enumerate(KEY):
    t1.json("POST", "/api/train/attempts/" + att2 + "/answers",
            {"doc": i, "decision": "admit" if k == "genuine" else "refuse", "defects": [] if k == "genuine" else [k]})
st, fb4 = t1.json("POST", "/api/train/attempts/" + att2 + "/submit")
check(st == 200 and fb4["score"]["percent"] == 100 and fb4["score"]["passed"], "a passed induction (%d)" % st)
# ---- the station's own skills report: trainers and supervisors ----
st, sk = sup.json("GET", "/api/train/reports/skills")
o = [x for x in (sk or {}).get("officers", []) if x["officer"] == "trainee1"]
check(st == 200 and len(o) == 1 and o[0]["sets"] == 2 and o[0]["passed"] == 1 and
      {k["defect"]: k["detected"] for k in o[0]["skills"]} == {"lost-stolen": 2, "expired": 1, "photo-substitution": 1},
      "the supervisor sees trainee1's skills by defect type (%d)" % st)
check(sk["checkpoints"][0]["checkpoint"] == "CP1" and sk["checkpoints"][0]["pass_rate"] == 50,
      "and the post's pass rate")
st, _ = trainer.json("GET", "/api/train/reports/skills")
check(st == 200, "the trainer sees it (%d)" % st)
st, _ = t1.json("GET", "/api/train/reports/skills")
check(st == 403, "a trainee does not (%d)" % st)
st, _ = officer.json("GET", "/api/train/reports/skills")
check(st == 403, "nor an officer (%d)" % st)
st, sess = t1.json("GET", "/api/session")
json.dump({"attempts": [att, att2], "today": sess["today"], "set": sid}, open("result.json", "w"))
sys.exit(1 if failures else 0)
PY
python3 train_http.py "http://127.0.0.1:$port" "$work/train/train-sets" || fail "the HTTP checks (above)"

# --- nothing of the session was written as a movement (the officer's
#     live decision is the only one) ---
[ "$(movements)" = 1 ] || fail "expected 1 movement (the live one), found $(movements)"
kill $pid; wait $pid; rc=$?; pid=""
[ $rc -eq 0 ] || fail "station exit status $rc"
grep -q "ERROR: AddressSanitizer\|runtime error:" server.err && fail "sanitizer report"
[ "$(movements)" = 1 ] || fail "movements after the station stopped: $(movements)"
[ "$(sqlite3 "$work/cp1.db" "SELECT officer_id FROM movement")" = officer1 ] || fail "the movement is not the officer's"

# --- the results are in the checkpoint's audit chain ---
"$T" audit list --json --chain CP1 --limit 1000 --db "$store" >audit.ndjson || fail "audit list"
n=$(grep -c '"action":"train.result"' audit.ndjson)
[ "$n" = 2 ] || fail "expected 2 train.result audit entries, found $n"
"$T" audit verify --chain CP1 --db "$store" >/dev/null || fail "the checkpoint's chain does not verify"
echo "ok   two results in the checkpoint's audit chain, chain intact"

# --- to headquarters with the existing sync: PostgreSQL, mutual TLS ---
q() { openssl "$@" >/dev/null 2>&1 || fail "openssl $*"; }
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=tdverify train test CA" -keyout ca.key -out ca.pem
issue() { # name CN extension
	q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr"
	printf '%s\n' "$3" >"$1.ext"
	q x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem"
}
issue server central "subjectAltName=IP:127.0.0.1"
issue cp1 CP1 "extendedKeyUsage=clientAuth"
conninfo=$("$TDV_SRC/scripts/pg-test" start "$pgdir") || fail "PostgreSQL did not start"
pg=1
central="postgres:$conninfo"
"$T" checkpoint add CP1 --name "North road" --country UTO --db "$central" >/dev/null || fail "central checkpoint add"
"$T" sync serve --db "$central" --listen 127.0.0.1:0 --cert server.pem --key server.key --ca ca.pem \
	>sync.out 2>sync.err &
central_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on' sync.out 2>/dev/null && break; sleep 0.1; done
cport=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' sync.out)
[ -n "$cport" ] || { cat sync.err >&2; fail "central sync server did not start"; }
"$T" sync push --checkpoint CP1 --server "127.0.0.1:$cport" --cert cp1.pem --key cp1.key --ca ca.pem \
	--db "$store" >push.out 2>push.err || { cat push.err >&2; fail "sync push"; }
"$T" audit verify --chain CP1 --db "$central" >/dev/null || fail "central copy of the chain broken"

# --- headquarters' report from the central store ---
today=$(python3 -c 'import json; print(json.load(open("result.json"))["today"])')
"$T" train report --db "$central" --checkpoint CP1 --today "$today" >hq.json || fail "train report (central)"
"$T" train report --db "$store" --checkpoint CP1 --today "$today" >local.json || fail "train report (checkpoint)"
cmp -s hq.json local.json || { diff hq.json local.json >&2; fail "headquarters' report differs from the checkpoint's"; }
python3 - "$today" <<'PY' || fail "headquarters' report content"
import json, sys
r = json.load(open("hq.json"))
today = sys.argv[1]
y, m, d = map(int, today.split("-"))
due = "%04d-%02d-%02d" % (y + 1, m, 28 if (m, d) == (2, 29) else d)  # 12 months on
o = [x for x in r["officers"] if x["officer"] == "trainee1"]
ok = len(o) == 1 and r["entries"] == 2 and r["unreadable"] == 0
o = o[0] if o else {}
sk = {s["defect"]: (s["presented"], s["detected"]) for s in o.get("skills", [])}
ok = ok and o.get("sets") == 2 and o.get("passed") == 1 and abs(o.get("mean_percent", 0) - 81.25) < 1e-9
ok = ok and o.get("trainer") == "trainer1" and o.get("last_course") == "induction" and o.get("last_passed") == today
ok = ok and o.get("refresher_due") == due and o.get("status") == "ok"
ok = ok and sk == {"lost-stolen": (2, 2), "expired": (2, 1), "photo-substitution": (2, 1)}
ok = ok and o.get("false_alarms") == 0 and o.get("genuine") == 2
cp = r["checkpoints"][0]
ok = ok and cp["checkpoint"] == "CP1" and cp["officers"] == 1 and cp["sets"] == 2 and cp["pass_rate"] == 50
ok = ok and cp["most_missed"] in ("expired", "photo-substitution")
print(json.dumps(r, indent=1)) if not ok else None
sys.exit(0 if ok else 1)
PY
echo "ok   headquarters' report from PostgreSQL after sync push: scores, skills, due date"
"$T" train report --db "$central" --checkpoint CP1 --today "$today" --csv >hq.csv || fail "train report --csv"
grep -q '^officer,CP1,trainee1,photo-substitution,2,1,50.0,' hq.csv || { cat hq.csv >&2; fail "CSV report"; }
"$T" train report --db "$central" --checkpoint 'CP1;DROP' >/dev/null 2>&1 && fail "a bad checkpoint id was accepted"
echo "train_station: ok"
