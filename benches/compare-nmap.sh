#!/usr/bin/env bash
# Times the probe layer against its peers on the same loopback targets
# (perf bars of BRIEF §6; peer figures in shared/docs/reference/perf-anchors.md):
#   1. 1,000 endpoints, 500 open + 500 closed   vs  nmap -sT -Pn -n
#   2. 100 silently dropped endpoints, 0.5 s    vs  nmap --max-rtt-timeout 500ms --max-retries 0
#      (needs root: a private network namespace with iptables DROP)
#   3. TLS check of 4 endpoints                  vs  openssl s_client / sslyze when installed
# Not run by the tests. Usage: benches/compare-nmap.sh [RUNS]   (default 10)
set -euo pipefail
RUNS=${1:-10}
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --example probe_ports
BIN="$CARGO_TARGET_DIR/release/examples/probe_ports"
WORK=$(mktemp -d)
PIDS=()
NS=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# median wall seconds of RUNS runs (after one warm-up) of "$@"
median() {
  "$@" >/dev/null 2>&1 || true
  local t=()
  for _ in $(seq "$RUNS"); do
    local s e
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    t+=("$(( (e - s) / 1000 ))")
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.4f s\n", m/1e6}'
}

echo "== 1. 1,000 loopback endpoints (500 open, 500 closed) =="
"$BIN" --listen 20000-20499 & PIDS+=($!)
sleep 0.5
"$BIN" --depth tcp 127.0.0.1:20000-20999
printf 'hybrid-preflight probe layer: '; median "$BIN" --depth tcp 127.0.0.1:20000-20999
if command -v nmap >/dev/null; then
  printf 'nmap -sT -Pn -n:              '; median nmap -sT -Pn -n -p 20000-20999 127.0.0.1
else
  echo "nmap not installed: apt-get install nmap"
fi

echo "== 2. 100 silently dropped endpoints, 0.5 s timeout =="
if [ "$(id -u)" = 0 ] && command -v iptables >/dev/null; then
  NS="hp-bench-$$"
  ip netns add "$NS"; ip netns exec "$NS" ip link set lo up
  ip netns exec "$NS" iptables -A INPUT -i lo -p tcp --dport 30000:30099 -j DROP
  ip netns exec "$NS" "$BIN" --depth tcp --timeout 0.5 127.0.0.1:30000-30099
  printf 'hybrid-preflight probe layer: '; RUNS=3 median ip netns exec "$NS" "$BIN" --depth tcp --timeout 0.5 127.0.0.1:30000-30099
  if command -v nmap >/dev/null; then
    printf 'nmap (500ms, 0 retries):      '; RUNS=1 median ip netns exec "$NS" nmap -sT -Pn -n --max-rtt-timeout 500ms --max-retries 0 -p 30000-30099 127.0.0.1
  fi
else
  echo "skipped: needs root and iptables"
fi

echo "== 3. TLS check of 4 endpoints =="
if command -v openssl >/dev/null; then
  cd "$WORK"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=Preflight Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=login.example.test" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:login.example.test\n' > leaf.ext
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 30 -extfile leaf.ext 2>/dev/null
  PINS=()
  for p in 24431 24432 24433 24434; do
    openssl s_server -accept 127.0.0.1:$p -cert leaf.pem -key leaf.key -www -quiet </dev/null >/dev/null 2>&1 & PIDS+=($!)
    PINS+=(--connect-to "login.example.test:$p:127.0.0.1:$p")
  done
  cd - >/dev/null
  sleep 0.5
  "$BIN" --depth tls --public-ca-file "$WORK/ca.pem" "${PINS[@]}" login.example.test:24431-24434
  printf 'hybrid-preflight probe layer: '; median "$BIN" --depth tls --public-ca-file "$WORK/ca.pem" "${PINS[@]}" login.example.test:24431-24434
  printf 'openssl s_client (1 target): '; median sh -c "openssl s_client -connect 127.0.0.1:24431 -servername login.example.test -CAfile $WORK/ca.pem </dev/null"
  if command -v sslyze >/dev/null; then
    printf 'sslyze --certinfo (4):        '; RUNS=3 median sslyze --certinfo --certinfo_ca_file "$WORK/ca.pem" \
      'login.example.test:24431{127.0.0.1}' 'login.example.test:24432{127.0.0.1}' 'login.example.test:24433{127.0.0.1}' 'login.example.test:24434{127.0.0.1}'
  fi
fi
