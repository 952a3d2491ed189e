#!/usr/bin/env bash
# Benchmark: stream every user of a 100 000-user idc-sandbox through Nushell with
# `idc get /openidm/managed/alpha_user | length`, beside a Nushell `http get` paging loop over
# the same data. Prints a markdown table: wall time, rows per second, the plugin's peak RSS
# (VmHWM of the nu_plugin_idc process, read from /proc while the plugin still runs) and the
# peak RSS of the whole nu process.
#
# Usage: scripts/bench-plugin.sh [USERS] (default 100000). PAGE_SIZE (default 1000) is used by
# both sides.
set -euo pipefail

USERS=${1:-100000}
PAGE_SIZE=${PAGE_SIZE:-1000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

echo "building (release)..." >&2
(cd "$ROOT" && cargo build --workspace --release --quiet)
RELEASE="$CARGO_TARGET_DIR/release"
TOOLS_BIN=$(bash "$ROOT/scripts/install-tools.sh")
NU="$TOOLS_BIN/nu"

WORK=$(mktemp -d -t idc-bench-XXXXXX)
SANDBOX_PID=
cleanup() {
  if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export IDC_CONFIG_DIR="$WORK/config" IDC_CACHE_DIR="$WORK/cache" IDC_CREDENTIAL_STORE=file
unset IDC_PROFILE
export PATH="$RELEASE:$TOOLS_BIN:$PATH"

echo "starting idc-sandbox with $USERS users..." >&2
mkfifo "$WORK/ready"
"$RELEASE/idc-sandbox" --listen 127.0.0.1:0 --state-dir "$WORK/sandbox" --users "$USERS" \
  >"$WORK/ready" 2>"$WORK/sandbox.log" &
SANDBOX_PID=$!
read -r READY <"$WORK/ready"
# Keep draining the sandbox's stdout so it never blocks on a full pipe.
cat "$WORK/ready" >/dev/null &
field() { printf '%s' "$READY" | "$NU" --stdin --no-config-file -c "from json | get $1"; }
URL=$(field url)
SA_ID=$(field service_account.id)
JWK=$(field service_account.jwk)

REGISTRY="$WORK/plugins.msgpackz"
"$NU" --no-config-file -c "plugin add --plugin-config '$REGISTRY' '$RELEASE/nu_plugin_idc'"
nu_idc() { "$NU" --no-config-file -c "plugin use --plugin-config '$REGISTRY' idc
$1"; }

echo "logging in..." >&2
nu_idc "idc login --profile bench --tenant $URL --service-account $SA_ID --jwk '$JWK' | ignore"

# The plugin's peak RSS is read from /proc inside the same nu session, right after the
# stream ends and before nu exits (Nushell keeps the plugin running between calls).
PLUGIN_RESULT=$(/usr/bin/time -f '%M' -o "$WORK/plugin.maxrss" "$NU" --no-config-file -c "
plugin use --plugin-config '$REGISTRY' idc
let start = date now
let rows = idc get /openidm/managed/alpha_user --page-size $PAGE_SIZE | length
let seconds = ((date now) - \$start | into int) / 1e9
let pid = plugin list | where name == idc | get pid.0
let hwm = open --raw /proc/(\$pid)/status | lines | where \$it starts-with VmHWM | first | split row -r '\\s+' | get 1 | into int
{rows: \$rows, seconds: \$seconds, plugin_hwm_kb: \$hwm} | to json -r
")

# The same stream with the four columns of the README demo: the tenant sends less and the
# plugin converts less, which is how most queries look.
FIELDS_RESULT=$("$NU" --no-config-file -c "
plugin use --plugin-config '$REGISTRY' idc
let start = date now
let rows = idc get /openidm/managed/alpha_user --page-size $PAGE_SIZE --fields [userName givenName sn mail] | length
let seconds = ((date now) - \$start | into int) / 1e9
{rows: \$rows, seconds: \$seconds} | to json -r
")

HTTP_RESULT=$(/usr/bin/time -f '%M' -o "$WORK/http.maxrss" "$NU" --no-config-file -c "
let token = ^git-credential-idc token --profile bench | str trim
let headers = {Authorization: \$'Bearer (\$token)'}
let base = '$URL/openidm/managed/alpha_user?_queryFilter=true&_pageSize=$PAGE_SIZE'
let start = date now
mut rows = 0
mut cookie = ''
loop {
  let url = if \$cookie == '' { \$base } else { \$base + '&_pagedResultsCookie=' + (\$cookie | url encode --all) }
  let page = http get --headers \$headers \$url
  \$rows += (\$page.result | length)
  if \$page.pagedResultsCookie? == null { break }
  \$cookie = \$page.pagedResultsCookie
}
let seconds = ((date now) - \$start | into int) / 1e9
{rows: \$rows, seconds: \$seconds} | to json -r
")

PLUGIN_MAXRSS=$(cat "$WORK/plugin.maxrss")
HTTP_MAXRSS=$(cat "$WORK/http.maxrss")

"$NU" --no-config-file -c "
let plugin = '$PLUGIN_RESULT' | from json
let http = '$HTTP_RESULT' | from json
let fields = '$FIELDS_RESULT' | from json
let mb = {|kb| (\$kb / 1024 | math round --precision 1) }
print '## idc get vs http get: $USERS users, page size $PAGE_SIZE'
print ''
print '| method | rows | wall time (s) | rows/s | plugin peak RSS (MB) | nu peak RSS (MB) |'
print '|---|---:|---:|---:|---:|---:|'
print \$'| \`idc get ... \\| length\` | (\$plugin.rows) | (\$plugin.seconds | math round --precision 2) | (\$plugin.rows / \$plugin.seconds | math round) | (do \$mb \$plugin.plugin_hwm_kb) | (do \$mb $PLUGIN_MAXRSS) |'
print \$'| \`idc get ... --fields [userName givenName sn mail] \\| length\` | (\$fields.rows) | (\$fields.seconds | math round --precision 2) | (\$fields.rows / \$fields.seconds | math round) | | |'
print \$'| \`http get\` paging loop | (\$http.rows) | (\$http.seconds | math round --precision 2) | (\$http.rows / \$http.seconds | math round) | n/a | (do \$mb $HTTP_MAXRSS) |'
"
