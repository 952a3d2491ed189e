#!/usr/bin/env bash
# Benchmark (issue 12): `idc get /openidm/managed/alpha_user | length` against a Nushell
# `http get` paging loop, both reading the same idc-sandbox with the same page size, twice:
# on plain loopback and with an internet-like edge (--latency-ms 150 --bandwidth-kib-per-s 5000,
# gzip answers). For each: wall time, rows/s, time to the first row, bytes on the wire
# (the sandbox's `bytes_sent`), compressed answers, peak RSS of the plugin (VmHWM read from
# /proc before nu exits) and of nu (/usr/bin/time). Prints markdown tables and ratios.
#
# Usage: scripts/bench-stream.sh [LOOPBACK_USERS] [INTERNET_USERS]
#        (defaults 100000 and 20000; PAGE_SIZE default 1000; LATENCY_MS default 150;
#        BANDWIDTH_KIB_PER_S default 5000; SKIP_BUILD=1 uses the release binaries as they are).
set -euo pipefail

LOOPBACK_USERS=${1:-100000}
INTERNET_USERS=${2:-20000}
PAGE_SIZE=${PAGE_SIZE:-1000}
LATENCY_MS=${LATENCY_MS:-150}
BANDWIDTH_KIB_PER_S=${BANDWIDTH_KIB_PER_S:-5000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

if [ "${SKIP_BUILD:-}" != 1 ]; then
  echo "building (release)..." >&2
  (cd "$ROOT" && cargo build --release --quiet -p idc-sandbox -p nu_plugin_idc -p idc-credential)
fi
# BIN_DIR: other binaries (e.g. a debug build, for a smoke run of the script itself).
RELEASE=${BIN_DIR:-$CARGO_TARGET_DIR/release}
TOOLS_BIN=$(bash "$ROOT/scripts/install-tools.sh")
NU="$TOOLS_BIN/nu"

WORK=$(mktemp -d -t idc-bench-stream-XXXXXX)
SANDBOX_PID=
cleanup() {
  if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export IDC_CONFIG_DIR="$WORK/config" IDC_CACHE_DIR="$WORK/cache" IDC_CREDENTIAL_STORE=file
unset IDC_PROFILE
export PATH="$RELEASE:$TOOLS_BIN:$PATH"

REGISTRY="$WORK/plugins.msgpackz"
"$NU" --no-config-file -c "plugin add --plugin-config '$REGISTRY' '$RELEASE/nu_plugin_idc'"

# The measurements, as nu scripts reading their parameters from the environment.
cat >"$WORK/idc.nu" <<'NU'
let start = date now
let rows = if ($env.BENCH_PREFETCH == "yes") {
  idc get /openidm/managed/alpha_user --page-size ($env.PAGE_SIZE | into int) | length
} else {
  idc get /openidm/managed/alpha_user --page-size ($env.PAGE_SIZE | into int) --no-prefetch | length
}
let seconds = ((date now) - $start | into int) / 1e9
let pid = plugin list | where name == idc | get pid.0
let hwm = open --raw $"/proc/($pid)/status" | lines | where $it starts-with VmHWM | first | split row -r '\s+' | get 1 | into int
# Time to the first row of a fresh stream (the plugin is already running, as it is in a
# session that has used idc before).
let first_start = date now
idc get /openidm/managed/alpha_user --page-size ($env.PAGE_SIZE | into int) | first 1 | length | ignore
let first_row = ((date now) - $first_start | into int) / 1e9
{rows: $rows, seconds: $seconds, first_row: $first_row, plugin_hwm_kb: $hwm} | to json -r
NU

# The loop a Nushell user writes today. `http get` sends `Accept-Encoding: gzip` on its own
# (the sandbox's `compressed_responses` counts the answers it compressed).
cat >"$WORK/loop.nu" <<'NU'
let token = ^git-credential-idc token --profile $env.BENCH_PROFILE | str trim
let headers = {Authorization: $'Bearer ($token)'}
let base = $'($env.BENCH_URL)/openidm/managed/alpha_user?_queryFilter=true&_pageSize=($env.PAGE_SIZE)'
let first_start = date now
let first_row = http get --headers $headers $base | get result | first 1 | length
let first_row = ((date now) - $first_start | into int) / 1e9
let start = date now
mut rows = 0
mut cookie = ''
loop {
  let url = if $cookie == '' { $base } else { $base + '&_pagedResultsCookie=' + ($cookie | url encode --all) }
  let page = http get --headers $headers $url
  $rows += ($page.result | length)
  if $page.pagedResultsCookie? == null { break }
  $cookie = $page.pagedResultsCookie
}
let seconds = ((date now) - $start | into int) / 1e9
{rows: $rows, seconds: $seconds, first_row: $first_row} | to json -r
NU

stats() { curl -sS "$URL/__sandbox/stats"; }
reset_stats() { curl -sS -X POST "$URL/__sandbox/stats/reset" >/dev/null; }

# One scenario: NAME USERS [sandbox flags...]; appends its table to $WORK/report.md.
scenario() {
  local name=$1 users=$2
  shift 2
  echo "scenario $name: starting idc-sandbox with $users users $*..." >&2
  rm -f "$WORK/ready"
  mkfifo "$WORK/ready"
  "$RELEASE/idc-sandbox" --listen 127.0.0.1:0 --state-dir "$WORK/sandbox-$name" --users "$users" "$@" \
    >"$WORK/ready" 2>"$WORK/sandbox-$name.log" &
  SANDBOX_PID=$!
  local ready
  read -r ready <"$WORK/ready"
  cat "$WORK/ready" >/dev/null &
  field() { printf '%s' "$ready" | "$NU" --stdin --no-config-file -c "from json | get $1"; }
  URL=$(field url)
  local profile="bench-$name"
  git-credential-idc login --profile "$profile" --tenant "$URL" \
    --service-account "$(field service_account.id)" --jwk "$(field service_account.jwk)" >/dev/null

  # One page's fetch, compressed, as curl sees it: the yardstick for the time to first row.
  # The token reaches curl through a config file descriptor, never argv.
  local page_url="$URL/openidm/managed/alpha_user?_queryFilter=true&_pageSize=$PAGE_SIZE"
  local page_fetch
  page_fetch=$(curl -sS -o /dev/null --compressed -w '%{time_total}' \
    -K <(git-credential-idc curl-config --profile "$profile" "$page_url") "$page_url")

  local method
  for method in idc idc-no-prefetch loop; do
    reset_stats
    case $method in
      idc | idc-no-prefetch)
        local prefetch=yes
        [ "$method" = idc-no-prefetch ] && prefetch=no
        BENCH_PREFETCH=$prefetch PAGE_SIZE=$PAGE_SIZE IDC_PROFILE=$profile \
          /usr/bin/time -f '%M' -o "$WORK/$method.maxrss" "$NU" --no-config-file -c \
          "plugin use --plugin-config '$REGISTRY' idc
source '$WORK/idc.nu'" >"$WORK/$method.json"
        ;;
      loop)
        BENCH_PROFILE=$profile BENCH_URL=$URL PAGE_SIZE=$PAGE_SIZE \
          /usr/bin/time -f '%M' -o "$WORK/$method.maxrss" "$NU" --no-config-file \
          "$WORK/loop.nu" >"$WORK/$method.json"
        ;;
    esac
    stats >"$WORK/$method.stats.json"
  done
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  SANDBOX_PID=

  "$NU" --no-config-file -c "
let dir = '$WORK'
let row = {|method, label|
  let r = open \$'(\$dir)/(\$method).json'
  let s = open \$'(\$dir)/(\$method).stats.json'
  let nu_kb = open --raw \$'(\$dir)/(\$method).maxrss' | str trim | into int
  {label: \$label, rows: \$r.rows, seconds: \$r.seconds, first_row: \$r.first_row,
   bytes: \$s.bytes_sent, compressed: \$s.compressed_responses, pages: \$s.idm_requests,
   plugin_kb: (\$r.plugin_hwm_kb? | default null), nu_kb: \$nu_kb}
}
let rows = [
  (do \$row idc '\`idc get ... \\| length\`')
  (do \$row idc-no-prefetch '\`idc get ... --no-prefetch \\| length\`')
  (do \$row loop '\`http get\` paging loop')
]
let mb = {|kb| if \$kb == null { 'n/a' } else { \$kb / 1024 | math round --precision 1 | into string } }
print \$'### $name: $users users, page size $PAGE_SIZE, sandbox flags: \`$*\`'
print ''
print '| method | rows | wall (s) | rows/s | first row (s) | bytes on the wire (MB) | compressed answers / page requests | plugin peak RSS (MB) | nu peak RSS (MB) |'
print '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
for r in \$rows {
  print \$'| (\$r.label) | (\$r.rows) | (\$r.seconds | math round --precision 2) | (\$r.rows / \$r.seconds | math round) | (\$r.first_row | math round --precision 3) | (\$r.bytes / 1e6 | math round --precision 1) | (\$r.compressed) / (\$r.pages) | (do \$mb \$r.plugin_kb) | (do \$mb \$r.nu_kb) |'
}
let idc = \$rows.0
let loop = \$rows.2
print ''
print \$'One compressed page fetch by curl --compressed: ($page_fetch) s. Ratios: loop wall / idc wall = **(\$loop.seconds / \$idc.seconds | math round --precision 2)×**; no-prefetch wall / idc wall = (\$rows.1.seconds / \$idc.seconds | math round --precision 2)×; idc first row − one page fetch = ((\$idc.first_row - $page_fetch) * 1000 | math round) ms.'
print ''
" >>"$WORK/report.md"
}

: >"$WORK/report.md"
scenario loopback "$LOOPBACK_USERS"
scenario internet "$INTERNET_USERS" --latency-ms "$LATENCY_MS" --bandwidth-kib-per-s "$BANDWIDTH_KIB_PER_S"
cat "$WORK/report.md"
