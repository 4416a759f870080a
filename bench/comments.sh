#!/usr/bin/env bash
# The conversation's speed bar (issue 16), on Encore's demo with SQLite (synchronous=FULL, so an
# answered comment is on disk), measured with wrk on loopback:
#   1. POST of a new guest comment at 32 connections, each checked for spam by the in-process
#      engine: comments per second, p99, and a check that every answered comment is stored;
#   2. GET of a post with COMMENTS comments (first and last page of threads) at 32 connections,
#      from the page cache and with the cache off: req/s and p99;
#   3. nginx serving the same bytes of the Rocky IV page (18 responses) and of the long post's first
#      page, for the cached ratios;
# with Encore's peak RSS. Bounded: DURATION seconds per measurement (default 10), a few minutes
# plus the build. Usage: bench/comments.sh   (env: DURATION=10 COMMENTS=10000 THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
COMMENTS=${COMMENTS:-10000}
THREADS=${THREADS:-2}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

need() { command -v "$1" >/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx
cargo build --release -q -p encore
cargo build --profile tools -q -p encore-app --example fill_comments
BIN=$CARGO_TARGET_DIR/release/encore
FILL=$CARGO_TARGET_DIR/tools/examples/fill_comments

WORK=$(mktemp -d)
SERVER=""
NGINX_PID=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
start_encore() { # CACHE_MB
  ENCORE_LOG=warn ENCORE_PAGE_CACHE_MB="$1" ENCORE_BASE_URL="$URL" \
    ENCORE_COMMENTS_PER_MINUTE=0 ENCORE_LIKES_PER_MINUTE=0 \
    "$BIN" --data-dir "$WORK/data" demo --listen "127.0.0.1:$PORT" >/dev/null &
  SERVER=$!
  for _ in $(seq 200); do curl -fs "$URL/healthz" >/dev/null && return; sleep 0.1; done
  echo "encore did not start" >&2; exit 1
}
PEAK_KB=0
stop_encore() {
  local kb
  kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
  [ "$kb" -gt "$PEAK_KB" ] && PEAK_KB=$kb
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}
comments_stored() {
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM comments').fetchone()[0])" "$WORK/data/encore.db"
}

# wrk's summary as "req/s p50_ms p99_ms requests errors" (errors: answers other than 2xx/3xx,
# and sockets that failed).
measure() { # URL CONNECTIONS [LUA ARGS...]
  local url=$1 conns=$2 threads=$THREADS
  shift 2
  [ "$conns" -lt "$threads" ] && threads=$conns
  local args=(-t"$threads" -c"$conns" -d"${DURATION}s" --latency)
  if [ $# -gt 0 ]; then
    args+=(-s "$1" "$url" --)
    shift
    args+=("$@")
  else
    args+=("$url")
  fi
  wrk "${args[@]}" |
    awk 'function ms(v) { if (v ~ /us$/) {sub(/us/,"",v); return v/1000} if (v ~ /ms$/) {sub(/ms/,"",v); return v} sub(/s/,"",v); return v*1000 }
         /Requests\/sec/ {rps=$2} /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)}
         /requests in/ {n=$1} /Non-2xx or 3xx/ {bad+=$NF} /Socket errors/ {gsub(/,/,""); bad+=$4+$6+$8+$10}
         END {printf "%.0f %.2f %.2f %d %d\n", rps, p50, p99, n, bad}'
}

# Each request a comment by a new guest, with words of its own (the spam check sees real text).
cat >"$WORK/comment.lua" <<'EOF'
local number = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("me", threads)
end
function init(args)
  post = args[1]
end
request = function()
  number = number + 1
  local body = string.format(
    "post=%s&name=Reader+%d-%d&email=reader%d-%d%%40example.org&comment=" ..
    "Listening+again+today+(%d):+the+training+montage+still+lifts+me+off+the+chair.",
    post, me, number, me, number, number)
  return wrk.format("POST", "/comments", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
EOF

# The demo's data is made first, by a run of its own.
start_encore 64
stop_encore
PEAK_KB=0

start_encore 64
ROCKY=$(curl -fs "$URL/" | grep -o 'href="/[0-9]*/[0-9]*/[0-9]*/rocky-iv"' | head -n1 | cut -d'"' -f2)
POST_ID=$(curl -fs "$URL$ROCKY" | grep -o 'name="post" value="[0-9]*"' | head -n1 | grep -o '[0-9]*')
mkdir -p "$WORK/www"
curl -fs "$URL$ROCKY" >"$WORK/www/rocky.html"
BEFORE=$(comments_stored)
read -r POST_RPS POST_P50 POST_P99 POST_N POST_BAD <<<"$(measure "$URL/comments" 32 "$WORK/comment.lua" "$POST_ID")"
stop_encore
AFTER=$(comments_stored)
STORED=$((AFTER - BEFORE))
ANSWERED=$((POST_N - POST_BAD))

echo "filling a post with $COMMENTS comments..." >&2
{ read -r LONG; read -r LAST_FROM; } < <("$FILL" "sqlite://$WORK/data/encore.db" "$WORK/data/media" "$COMMENTS")
LAST="$LONG?comments_from=$LAST_FROM"

start_encore 64
curl -fs "$URL$LONG" >"$WORK/www/long.html"
curl -fs "$URL$LAST" >/dev/null
curl -fs "$URL$ROCKY" >/dev/null
declare -A R
R[long_on]=$(measure "$URL$LONG" 32)
R[last_on]=$(measure "$URL$LAST" 32)
R[rocky_on]=$(measure "$URL$ROCKY" 32)
stop_encore
start_encore 0
R[long_off]=$(measure "$URL$LONG" 32)
R[last_off]=$(measure "$URL$LAST" 32)
stop_encore

# nginx with the same bytes.
NGINX_PORT=$(free_port)
cat >"$WORK/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  types { text/html html; }
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
EOF
mkdir -p "$WORK/tmp"
chmod 755 "$WORK"; chmod -R a+rX "$WORK/www"
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$NGINX_PORT/rocky.html" >/dev/null && break; sleep 0.1; done
R[rocky_nginx]=$(measure "http://127.0.0.1:$NGINX_PORT/rocky.html" 32)
R[long_nginx]=$(measure "http://127.0.0.1:$NGINX_PORT/long.html" 32)
kill "$NGINX_PID"; NGINX_PID=""

ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }
line() { # LABEL KEY [NGINX_KEY]
  read -r rps p50 p99 _ bad <<<"${R[$2]}"
  local vs="-"
  if [ -n "${3:-}" ]; then read -r nrps _ _ _ _ <<<"${R[$3]}"; vs=$(ratio "$rps" "$nrps"); fi
  printf '%-46s %10s %8s %8s %8s %6s\n' "$1" "$rps" "$p50" "$p99" "$vs" "$bad"
}
printf '%-46s %10s %8s %8s %8s %6s\n' "measurement (32 connections)" "per s" "p50 ms" "p99 ms" "vs nginx" "errors"
printf '%-46s %10s %8s %8s %8s %6s\n' "POST guest comment, spam check, durable" "$POST_RPS" "$POST_P50" "$POST_P99" "-" "$POST_BAD"
line "nginx: Rocky IV page (same bytes)" rocky_nginx
line "Rocky IV with its thread, cache on" rocky_on rocky_nginx
line "nginx: $COMMENTS-comment post (same bytes)" long_nginx
line "$COMMENTS-comment post, page 1, cache on" long_on long_nginx
line "$COMMENTS-comment post, last page, cache on" last_on
line "$COMMENTS-comment post, page 1, cache off" long_off
line "$COMMENTS-comment post, last page, cache off" last_off
echo
echo "comments answered 303: $ANSWERED; stored: $STORED$( [ "$STORED" -ge "$ANSWERED" ] && echo " (every answered comment is on disk)" || echo " — MISSING $((ANSWERED - STORED))")"
echo "the long post: $LONG ($(wc -c <"$WORK/www/long.html") bytes on page 1); last page from comment $LAST_FROM"
echo "peak RSS while serving: $(awk -v kb="$PEAK_KB" 'BEGIN { printf "%.1f", kb / 1024 }') MB"
