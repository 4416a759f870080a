#!/usr/bin/env bash
# Spam service speed on loopback.
#  1. HTTP: POST /1.1/comment-check (a reader's comment, classified, logged, counted) with wrk, against
#     POST /1.1/verify-key (key lookup only: the reference) on the same `encore spam serve`, in the same run.
#  2. In-process: latency of comment-check through the service without HTTP, over the seed corpus texts.
# Bounded: DURATION seconds per URL, a fixed number of in-process checks.
# Usage: bench/spam.sh            (env: DURATION=10 CONNECTIONS=32 THREADS=2 CHECKS=20000)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
CHECKS=${CHECKS:-20000}
command -v wrk >/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
cargo build --release -q -p encore -p encore-spam --example latency
BIN=${CARGO_TARGET_DIR:-target}/release/encore
DATA=$(mktemp -d)
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
KEY=$(ENCORE_LOG=warn "$BIN" --data-dir "$DATA" spam key add --blog https://blog.example 2>/dev/null)
ENCORE_LOG=warn ENCORE_SPAM_RATE_LIMIT=0 "$BIN" --data-dir "$DATA" spam serve --listen "127.0.0.1:$PORT" >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA" "$WORK"' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
  [ "$(curl -fs -d "api_key=$KEY&blog=https://blog.example" "$URL/1.1/verify-key")" = valid ] && break
  sleep 0.1
done

post_script() { # BODY -> a wrk Lua script that POSTs it
  cat >"$WORK/$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "$2"
LUA
  printf '%s' "$WORK/$1.lua"
}
measure() { # PATH SCRIPT -> "req/s p99_ms non2xx"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" "$URL$1" |
    awk '/Requests\/sec/ {rps=$2} /Non-2xx/ {bad=$NF} /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v} END {printf "%.0f %.2f %d\n", rps, p99, bad}'
}
VERIFY=$(post_script verify "api_key=$KEY&blog=https%3A%2F%2Fblog.example")
CHECK=$(post_script check "api_key=$KEY&blog=https%3A%2F%2Fblog.example&user_ip=198.51.100.23&user_agent=Mozilla%2F5.0&comment_type=comment&comment_author=Jo&comment_author_email=jo%40example.org&permalink=https%3A%2F%2Fblog.example%2F2026%2F11%2Frocky-iv&comment_content=The+synth+solo+on+the+second+track+is+wonderful%2C+and+the+training+montage+still+gives+me+goosebumps.+Thanks+for+the+write-up%21")

echo "== HTTP: $CONNECTIONS connections, ${DURATION}s each, wrk $THREADS threads, server and wrk share the cores"
read -r REF_RPS REF_P99 REF_BAD < <(measure /1.1/verify-key "$VERIFY")
read -r RPS P99 BAD < <(measure /1.1/comment-check "$CHECK")
printf '%-34s %10s %9s %9s %8s\n' "endpoint" "req/s" "p99 ms" "vs ref" "non-2xx"
printf '%-34s %10s %9s %9s %8s\n' "verify-key (reference)" "$REF_RPS" "$REF_P99" "1.00" "$REF_BAD"
printf '%-34s %10s %9s %9s %8s\n' "comment-check" "$RPS" "$P99" "$(python3 -c "print(f'{$RPS/$REF_RPS:.2f}')")" "$BAD"
ANSWER=$(curl -fs -D - -o /dev/null --data-binary @<(sed -n 's/^wrk.body = "\(.*\)"$/\1/p' "$CHECK") "$URL/1.1/comment-check" | tr -d '\r' | grep -i '^x-akismet-guid' || true)
echo "(one comment-check answered: ${ANSWER:-no guid!})"

echo "== In-process: $CHECKS checks through the service, no HTTP"
"${CARGO_TARGET_DIR:-target}/release/examples/latency" "$CHECKS"
