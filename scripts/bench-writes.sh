#!/usr/bin/env bash
# Benchmark (issue 29): bulk creates. In one run, against idc-sandbox, the same N users
# (default 400) created three ways:
#   - `$rows | idc create /openidm/managed/alpha_user` (the adaptive window);
#   - `$rows | par-each --threads 16 {|r| http post ...}` (Nushell's http post with the
#     bearer from `git-credential-idc header`, the way a user writes it today);
#   - `$rows | each {|r| http post ...}` (sequential);
# first behind an internet-like edge (--latency-ms 150 --bandwidth-kib-per-s 5000), then the
# same edge with --rate-limit 20 (idc must lose no row; the par-each loop gets 429s), then
# plain loopback. Each method's rows are checked back in the sandbox (users created).
# Last, peak memory of nu and of the plugin for 100 000 rows streamed into `idc create
# --dry-run`, and for SEND_ROWS (default 20000) sent to a loopback sandbox (the sandbox's
# own write path slows as it fills, so a 100 000-row send measures the sandbox).
#
# Usage: scripts/bench-writes.sh [N] [MEMORY_ROWS]   (defaults 400 and 100000; SKIP_BUILD=1
#        uses the release binaries as they are; BIN_DIR=... other binaries; SCENARIOS=
#        "internet rate-limited loopback" by default, "" for the memory runs only).
set -euo pipefail

N=${1:-400}
MEMORY_ROWS=${2:-100000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

if [ "${SKIP_BUILD:-}" != 1 ]; then
  echo "building (release)..." >&2
  (cd "$ROOT" && cargo build --release --quiet -p idc-sandbox -p nu_plugin_idc -p idc-credential)
fi
RELEASE=${BIN_DIR:-$CARGO_TARGET_DIR/release}
TOOLS_BIN=$(bash "$ROOT/scripts/install-tools.sh")
NU="$TOOLS_BIN/nu"

WORK=$(mktemp -d -t idc-bench-writes-XXXXXX)
SANDBOX_PID=
cleanup() {
  if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export IDC_CONFIG_DIR="$WORK/config" IDC_CACHE_DIR="$WORK/cache" IDC_CREDENTIAL_STORE=file
unset IDC_PROFILE IDC_WRITE_CONCURRENCY
export PATH="$RELEASE:$TOOLS_BIN:$PATH"
REGISTRY="$WORK/plugins.msgpackz"
"$NU" --no-config-file -c "plugin add --plugin-config '$REGISTRY' '$RELEASE/nu_plugin_idc'"

# The rows: N new users whose userName starts with BENCH_PREFIX.
cat >"$WORK/rows.nu" <<'NU'
def bench-rows [] {
  let prefix = $env.BENCH_PREFIX
  0..<($env.BENCH_N | into int) | each {|i|
    {userName: $"($prefix)($i)", givenName: Bench, sn: Writer, mail: $"($prefix)($i)@example.com"}
  }
}
NU

cat >"$WORK/idc.nu" <<'NU'
let rows = bench-rows
let start = date now
let results = $rows | idc create /openidm/managed/alpha_user
let seconds = ((date now) - $start | into int) / 1e9
{
  seconds: $seconds
  failed: ($results | where error != null | length)
  retries: ($results | get retries | math sum)
  in_order: (($results | get _id | length) == ($rows | length))
} | to json -r
NU

# The loops a Nushell user writes: http post with the helper's header; --full and
# --allow-errors so that a 429 is a failed row rather than the end of the pipeline.
cat >"$WORK/loop.nu" <<'NU'
let url = $'($env.BENCH_URL)/openidm/managed/alpha_user?_action=create'
let header = ^git-credential-idc header $url | str trim | split row ': ' 
let headers = {($header.0): ($header.1)}
let rows = bench-rows
let post = {|row| http post --full --allow-errors --content-type application/json --headers $headers $url $row | get status }
let start = date now
let statuses = if ($env.BENCH_THREADS | into int) > 1 {
  $rows | par-each --threads ($env.BENCH_THREADS | into int) $post
} else {
  $rows | each $post
}
let seconds = ((date now) - $start | into int) / 1e9
{seconds: $seconds, failed: ($statuses | where $it != 201 | length), retries: 0, in_order: null} | to json -r
NU

stats() { curl -sS "$URL/__sandbox/stats"; }
users_named() { # PREFIX: how many users the sandbox holds whose userName starts with it
  local query="$URL/openidm/managed/alpha_user?_queryFilter=userName%20sw%20%22$1%22&_pageSize=100000&_fields=_id"
  curl -sS -K <(git-credential-idc curl-config "$query") "$query" |
    "$NU" --stdin --no-config-file -c 'from json | get result | length'
}

start_sandbox() { # NAME [flags...]
  local name=$1
  shift
  rm -f "$WORK/ready"
  mkfifo "$WORK/ready"
  "$RELEASE/idc-sandbox" --listen 127.0.0.1:0 --state-dir "$WORK/sandbox-$name" --users 10 "$@" \
    >"$WORK/ready" 2>"$WORK/sandbox-$name.log" &
  SANDBOX_PID=$!
  local ready
  read -r ready <"$WORK/ready"
  cat "$WORK/ready" >/dev/null &
  field() { printf '%s' "$ready" | "$NU" --stdin --no-config-file -c "from json | get $1"; }
  URL=$(field url)
  PROFILE="bench-$name"
  git-credential-idc login --profile "$PROFILE" --tenant "$URL" \
    --service-account "$(field service_account.id)" --jwk "$(field service_account.jwk)" >/dev/null
}

stop_sandbox() {
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  SANDBOX_PID=
}

REPORT="$WORK/report.md"
# One scenario: NAME METHODS [sandbox flags...]; appends a table to the report.
scenario() {
  local name=$1 methods=$2
  shift 2
  echo "scenario $name: idc-sandbox $*" >&2
  start_sandbox "$name" "$@"
  {
    echo
    echo "### $name: $N users, sandbox flags: \`$*\`"
    echo
    echo "| method | time | rows/s | failed rows | users created | 429s sent | retries |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
  } >>"$REPORT"
  local method idc_seconds=
  for method in $methods; do
    local prefix="${name//-/}${method//-/}u"
    local before
    before=$(stats | "$NU" --stdin --no-config-file -c 'from json | get rate_limited')
    case $method in
      idc)
        BENCH_N=$N BENCH_PREFIX=$prefix IDC_PROFILE=$PROFILE "$NU" --no-config-file -c \
          "plugin use --plugin-config '$REGISTRY' idc
source '$WORK/rows.nu'
source '$WORK/idc.nu'" >"$WORK/$method.json"
        ;;
      par-each | each)
        local threads=16
        [ "$method" = each ] && threads=1
        BENCH_N=$N BENCH_PREFIX=$prefix BENCH_URL=$URL BENCH_THREADS=$threads \
          "$NU" --no-config-file -c "source '$WORK/rows.nu'
source '$WORK/loop.nu'" >"$WORK/$method.json"
        ;;
    esac
    local after created
    after=$(stats | "$NU" --stdin --no-config-file -c 'from json | get rate_limited')
    created=$(users_named "$prefix")
    local line
    line=$("$NU" --no-config-file -c "open '$WORK/$method.json' | \$'| \`$method\` | (\$in.seconds | math round -p 2) s | ($N / \$in.seconds | math round) | (\$in.failed) | $created | $((after - before)) | (\$in.retries) |'")
    echo "$line" >>"$REPORT"
    local seconds
    seconds=$("$NU" --no-config-file -c "open '$WORK/$method.json' | get seconds")
    if [ "$method" = idc ]; then
      idc_seconds=$seconds
    elif [ -n "$idc_seconds" ]; then
      echo "| ratio \`$method\` / \`idc\` | $("$NU" --no-config-file -c "$seconds / $idc_seconds | math round -p 2")× | | | | | |" >>"$REPORT"
    fi
  done
  stop_sandbox
}

SEND_ROWS=${SEND_ROWS:-20000}
for name in ${SCENARIOS-internet rate-limited loopback}; do
  case $name in
    internet) scenario internet "idc par-each each" --latency-ms 150 --bandwidth-kib-per-s 5000 ;;
    rate-limited) scenario rate-limited "idc par-each" --latency-ms 150 --bandwidth-kib-per-s 5000 --rate-limit 20 ;;
    loopback) scenario loopback "idc par-each each" ;;
  esac
done

# Peak memory: nu (/usr/bin/time, which also counts the plugin once nu has reaped it) and
# the plugin (its VmHWM, read from /proc before nu exits). The rows are streamed straight
# into idc (no `let`, which would hold them all in nu and send them as one list).
echo "memory: $MEMORY_ROWS rows (dry run), $SEND_ROWS sent" >&2
start_sandbox memory
cat >"$WORK/memory.nu" <<'NU'
def rows [] { 0..<($env.BENCH_N | into int) | each {|i| {userName: $"mem($i)", givenName: M, sn: Emory, mail: $"mem($i)@example.com"} } }
let start = date now
let count = if $env.BENCH_DRY == "yes" {
  rows | idc create /openidm/managed/alpha_user --dry-run | length
} else {
  rows | idc create /openidm/managed/alpha_user | where error == null | length
}
let seconds = ((date now) - $start | into int) / 1e9
let pid = plugin list | where name == idc | get pid.0
let hwm = open --raw $"/proc/($pid)/status" | lines | where $it starts-with VmHWM | first | split row -r '\s+' | get 1 | into int
{rows: $count, seconds: $seconds, plugin_hwm_kb: $hwm} | to json -r
NU
{
  echo
  echo "### memory: rows streamed from \`0..<N | each {...}\`"
  echo
  echo "| run | rows | time | peak RSS of nu (incl. reaped children) | peak RSS of the plugin |"
  echo "|---|---:|---:|---:|---:|"
} >>"$REPORT"
for dry in yes no; do
  rows=$MEMORY_ROWS
  [ "$dry" = no ] && rows=$SEND_ROWS
  BENCH_N=$rows BENCH_DRY=$dry IDC_PROFILE=$PROFILE /usr/bin/time -v -o "$WORK/time-$dry.txt" \
    "$NU" --no-config-file -c "plugin use --plugin-config '$REGISTRY' idc
source '$WORK/memory.nu'" >"$WORK/memory-$dry.json"
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time-$dry.txt")
  label="\`idc create --dry-run\`"
  [ "$dry" = no ] && label="\`idc create\`, sent to a loopback sandbox"
  "$NU" --no-config-file -c "open '$WORK/memory-$dry.json' | \$'| $label | (\$in.rows) | (\$in.seconds | math round -p 1) s | ($rss / 1024 | math round) MB | (\$in.plugin_hwm_kb / 1024 | math round) MB |'" >>"$REPORT"
done
stop_sandbox

echo
echo "bulk creates (\`scripts/bench-writes.sh $N $MEMORY_ROWS\`, release build, $(nproc) cores):"
cat "$REPORT"
