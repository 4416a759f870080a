#!/usr/bin/env bash
# Page throughput on loopback: the demo's home and Rocky IV post against /robots.txt (a static
# answer from the same server: the reference). Reports req/s, p99 and the ratio to the reference,
# measured in the same run, because machines here are noisy. Bounded: DURATION seconds per URL.
# Usage: bench/pages.sh            (env: DURATION=10 CONNECTIONS=32 THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
cargo build --release -q -p encore
BIN=${CARGO_TARGET_DIR:-target}/release/encore
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENCORE_LOG=warn "$BIN" --data-dir "$DATA" demo --listen "127.0.0.1:$PORT" >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

measure() { # prints "req/s p99_ms"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$1" |
    awk '/Requests\/sec/ {rps=$2} /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v} END {printf "%.0f %.2f\n", rps, p99}'
}
POST=$(curl -fs "http://127.0.0.1:$PORT/" | grep -o 'href="/[0-9]*/[0-9]*/[0-9]*/rocky-iv"' | head -n1 | cut -d'"' -f2)
read -r REF_RPS REF_P99 < <(measure /robots.txt)
printf '%-28s %10s %9s %9s\n' "url" "req/s" "p99 ms" "vs ref"
printf '%-28s %10s %9s %9s\n' "/robots.txt (reference)" "$REF_RPS" "$REF_P99" "1.00"
for url in / "$POST"; do
  read -r RPS P99 < <(measure "$url")
  printf '%-28s %10s %9s %9s\n' "$url" "$RPS" "$P99" "$(python3 -c "print(f'{$RPS/$REF_RPS:.2f}')")"
done
