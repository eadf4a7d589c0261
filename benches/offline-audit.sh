#!/usr/bin/env bash
# The offline audit of a generated 1,000-tenant deployment (brief §6: under
# 1 s CPU and 200 MB, key decryption included): CPU time and peak RSS of the
# release binary. Usage: benches/offline-audit.sh [TENANTS]   (default 1000)
set -euo pipefail
N=${1:-1000}
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/hybrid-preflight"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/onprem"
cp -r tests/fixtures/sample/cloud/tenant-a "$WORK/cloud"
{
  echo "name: bench"; echo "multi_tenant: true"; echo "services: [predictive-engagement, agent-pacing]"; echo "tenants:"
  for i in $(seq -w 1 "$N"); do
    sed "s/\"tenant\": \"Tenant_A\"/\"tenant\": \"T$i\"/" tests/fixtures/sample/onprem/tenant-a.json > "$WORK/onprem/T$i.json"
    printf '  - name: T%s\n    transaction: onprem/T%s.json\n    cloud: cloud\n' "$i" "$i"
  done
} > "$WORK/deployment.yaml"
"$BIN" audit "$WORK" --offline --report json:/dev/null >/dev/null || true   # warm-up
/usr/bin/time -f "wall %e s, cpu %U+%S s, peak RSS %M KiB" \
  "$BIN" audit "$WORK" --offline --report json:/dev/null >/dev/null || true
