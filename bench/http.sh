#!/usr/bin/env bash
# The live board over HTTP: gunicorn (2 workers with threads) and wrk, 20 s a cell.
#
#   bench/http.sh [DATABASE_URL]      (default: the 100,000-booking SQLite house of bench/board.py)
#
# Cells: the board page as the logged-in front desk at 8 connections and at 1, and the live
# board's poll when nothing changed (304) at 8 connections; then, with nothing kept
# (TREFFPUNKT_KEPT_FRAGMENTS=0), the board rendered for every request at 8 and at 1. `uptime` is printed before each
# cell: the figures mean little without the load they were measured under.
# Uses the shipped gunicorn.conf.py when the checkout has one, else the same settings as flags.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
PORT="${PORT:-8765}"
DURATION="${DURATION:-20s}"
URL="${1:-sqlite:///$ROOT/bench/out/board-100000.sqlite}"
OUT="$ROOT/bench/out/http"
mkdir -p "$OUT/instance"

if [[ "$URL" == sqlite:///* && ! -f "${URL#sqlite:///}" ]]; then
  echo "Building the house first (bench/board.py) ..."
  "$PY" bench/board.py --runs 3 >/dev/null
fi

# The busiest day of the last year of the data: the board's worst case.
DAY="$("$PY" - "$URL" <<'PYTHON'
import sys
sys.path.insert(0, "bench")
from board import busiest_days
from booking import create_app
from common import bench_config
from pathlib import Path
app = create_app(bench_config(Path("bench/out/http/instance").resolve(), sys.argv[1]))
print(busiest_days(app)[1][0].isoformat())
PYTHON
)"
BOARD="http://127.0.0.1:$PORT/board/?date=$DAY"

export DATABASE_URL="$URL" SECRET_KEY="bench-http" TREFFPUNKT_INSTANCE="$OUT/instance" TREFFPUNKT_DEVELOPMENT=1
if [[ -f gunicorn.conf.py ]]; then
  GUNICORN=(-c gunicorn.conf.py --bind "127.0.0.1:$PORT")
else
  GUNICORN=(--workers 2 --worker-class gthread --threads 4 --bind "127.0.0.1:$PORT")
fi
"$ROOT/.venv/bin/gunicorn" "${GUNICORN[@]}" --log-level warning app:app &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 0.2; done

# Log in as the front desk through the real form (with its CSRF token).
JAR="$OUT/cookies.txt"
rm -f "$JAR"
TOKEN="$(curl -s -c "$JAR" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="csrf_token"[^>]*value="\([^"]*\)".*/\1/p' | head -1)"
curl -s -b "$JAR" -c "$JAR" -o /dev/null -d "csrf_token=$TOKEN" \
  --data-urlencode "email=desk@bench.example.org" --data-urlencode "password=bench-passwort-lang-genug" \
  "http://127.0.0.1:$PORT/login"
SESSION="$(awk '$6 == "session" {print $7}' "$JAR")"
[[ -n "$SESSION" ]] || { echo "logging in failed"; exit 1; }
COOKIE="Cookie: session=$SESSION"
STATUS="$(curl -s -o /dev/null -w '%{http_code}' -H "$COOKIE" "$BOARD")"
[[ "$STATUS" == 200 ]] || { echo "the board answered $STATUS"; exit 1; }
TAG="$(curl -s -D - -o /dev/null -H "$COOKIE" -H "HX-Request: true" "$BOARD" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}')"
STATUS="$(curl -s -o /dev/null -w '%{http_code}' -H "$COOKIE" -H "HX-Request: true" -H "If-None-Match: $TAG" "$BOARD")"
[[ "$STATUS" == 304 ]] || { echo "the unchanged board answered $STATUS, not 304"; exit 1; }

cell() {
  local title="$1"; shift
  echo
  echo "== $title"
  uptime
  wrk --latency -d "$DURATION" "$@" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|Socket errors"
}

echo "Board of $DAY on $(echo "$URL" | sed 's/:[^@]*@/@/'), gunicorn ${GUNICORN[*]}"
curl -s -H "$COOKIE" "$BOARD" >/dev/null  # warm both workers' caches
cell "board page, desk, 8 connections" -t 2 -c 8 -H "$COOKIE" "$BOARD"
cell "board page, desk, 1 connection" -t 1 -c 1 -H "$COOKIE" "$BOARD"
cell "304: live board unchanged, 8 connections" -t 2 -c 8 -H "$COOKIE" -H "HX-Request: true" -H "If-None-Match: $TAG" "$BOARD"

# The same board rendered for every request, as the first request after each change is.
kill $SERVER; wait $SERVER 2>/dev/null || true
TREFFPUNKT_KEPT_FRAGMENTS=0 "$ROOT/.venv/bin/gunicorn" "${GUNICORN[@]}" --log-level warning app:app &
SERVER=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 0.2; done
cell "board page rendered for each request (nothing kept), 8 connections" -t 2 -c 8 -H "$COOKIE" "$BOARD"
cell "board page rendered for each request (nothing kept), 1 connection" -t 1 -c 1 -H "$COOKIE" "$BOARD"
