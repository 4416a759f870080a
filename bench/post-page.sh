#!/usr/bin/env bash
# The post-page speed bar: Encore's demo (Rocky IV post and home) against nginx serving the very
# same HTML bytes as static files, measured in the same run with wrk on loopback, at 1 and 32
# connections, with Encore's page cache on and off; then the cache-off post page again on a blog
# of 10,000 more posts. Prints req/s, p50/p99, the ratio to nginx, and Encore's peak RSS.
# Bounded: DURATION seconds per measurement (default 10), about 3 minutes in all plus the build.
# Usage: bench/post-page.sh   (env: DURATION=10 POSTS=10000 THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
POSTS=${POSTS:-10000}
THREADS=${THREADS:-2}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

need() { command -v "$1" >/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx
cargo build --release -q -p encore
cargo build --profile tools -q -p encore-app --example fill_blog
BIN=$CARGO_TARGET_DIR/release/encore
FILL=$CARGO_TARGET_DIR/tools/examples/fill_blog

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
start_encore() { # CACHE_MB
  ENCORE_LOG=warn ENCORE_PAGE_CACHE_MB="$1" ENCORE_BASE_URL="http://127.0.0.1:$PORT" \
    "$BIN" --data-dir "$WORK/data" demo --listen "127.0.0.1:$PORT" >/dev/null &
  SERVER=$!
  for _ in $(seq 200); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "encore did not start" >&2; exit 1
}
stop_encore() {
  RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}

measure() { # URL CONNECTIONS -> "req/s p50_ms p99_ms"
  local threads=$THREADS
  [ "$2" -lt "$threads" ] && threads=$2
  wrk -t"$threads" -c"$2" -d"${DURATION}s" --latency "$1" |
    awk 'function ms(v) { if (v ~ /us$/) {sub(/us/,"",v); return v/1000} if (v ~ /ms$/) {sub(/ms/,"",v); return v} sub(/s/,"",v); return v*1000 }
         /Requests\/sec/ {rps=$2} /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)}
         END {printf "%.0f %.2f %.2f\n", rps, p50, p99}'
}

# The demo's data is made first, by a run of its own: the peak RSS reported below is that of
# serving, not of writing the demo.
start_encore 64
stop_encore

# The pages as Encore sends them.
start_encore 64
POST=$(curl -fs "http://127.0.0.1:$PORT/" | grep -o 'href="/[0-9]*/[0-9]*/[0-9]*/rocky-iv"' | head -n1 | cut -d'"' -f2)
mkdir -p "$WORK/www"
curl -fs "http://127.0.0.1:$PORT$POST" >"$WORK/www/post.html"
curl -fs "http://127.0.0.1:$PORT/" >"$WORK/www/home.html"

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
# nginx's workers run as an unprivileged user: let them read the pages.
chmod 755 "$WORK"; chmod -R a+rX "$WORK/www"
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$NGINX_PORT/post.html" >/dev/null && break; sleep 0.1; done
cmp -s <(curl -fs "http://127.0.0.1:$NGINX_PORT/post.html") "$WORK/www/post.html"

declare -A NGINX
for c in 1 32; do
  NGINX[post,$c]=$(measure "http://127.0.0.1:$NGINX_PORT/post.html" "$c")
  NGINX[home,$c]=$(measure "http://127.0.0.1:$NGINX_PORT/home.html" "$c")
done

row() { # LABEL PAGE C "rps p50 p99"
  read -r rps p50 p99 <<<"$4"
  read -r nrps _ _ <<<"${NGINX[$2,$3]}"
  printf '%-34s %4s %10s %8s %8s %8s\n' "$1" "$3" "$rps" "$p50" "$p99" "$(python3 -c "print(f'{$rps/$nrps:.2f}x')")"
}

printf '%-34s %4s %10s %8s %8s %8s\n' "page" "conn" "req/s" "p50 ms" "p99 ms" "vs nginx"
for c in 1 32; do
  for page in post home; do
    read -r rps p50 p99 <<<"${NGINX[$page,$c]}"
    printf '%-34s %4s %10s %8s %8s %8s\n' "nginx $page (same bytes)" "$c" "$rps" "$p50" "$p99" "1.00x"
  done
done
# Warm the cache, then measure.
curl -fs "http://127.0.0.1:$PORT$POST" >/dev/null; curl -fs "http://127.0.0.1:$PORT/" >/dev/null
for c in 1 32; do
  row "encore post, cache on" post "$c" "$(measure "http://127.0.0.1:$PORT$POST" "$c")"
  row "encore home, cache on" home "$c" "$(measure "http://127.0.0.1:$PORT/" "$c")"
done
stop_encore
RSS_ON=$RSS_KB

start_encore 0
for c in 1 32; do
  row "encore post, cache off" post "$c" "$(measure "http://127.0.0.1:$PORT$POST" "$c")"
  row "encore home, cache off" home "$c" "$(measure "http://127.0.0.1:$PORT/" "$c")"
done
OFF32=$(measure "http://127.0.0.1:$PORT$POST" 32)
stop_encore
RSS_OFF=$RSS_KB

echo "filling the blog with $POSTS more posts..." >&2
"$FILL" "sqlite://$WORK/data/encore.db" "$WORK/data/media" "$POSTS" >/dev/null
sync
start_encore 0
curl -fs "http://127.0.0.1:$PORT$POST" >/dev/null
BIG32=$(measure "http://127.0.0.1:$PORT$POST" 32)
row "encore post, cache off, +$POSTS posts" post 32 "$BIG32"
stop_encore
RSS_BIG=$RSS_KB
read -r off_rps _ _ <<<"$OFF32"
read -r big_rps _ _ <<<"$BIG32"
echo
echo "cache-off post page with $POSTS more posts: $(python3 -c "print(f'{$big_rps/$off_rps:.2f}')")x the demo's ($big_rps vs $off_rps req/s)"
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
echo "peak RSS: cache on $(mb "$RSS_ON") MB, cache off $(mb "$RSS_OFF") MB, +$POSTS posts $(mb "$RSS_BIG") MB"
