#!/usr/bin/env bash
# The README demo: on a fresh machine, installs Nushell 0.115.1 when missing, builds idc,
# starts idc-sandbox with 10 000 users, registers the plugin, logs in with the sandbox's
# service account, queries users as a Nushell table, and shows the log events of that
# login and query (log API key from the sandbox). Config and cache go to a temporary
# home so your own idc profiles are untouched.
set -euo pipefail
cd "$(dirname "$0")/.."

# The demo needs nu only (git and curl are assumed); the tests' tools are theirs.
tools_bin=$(bash scripts/install-tools.sh demo)
export PATH="$tools_bin:$PATH"

echo "building idc (release)..." >&2
cargo build --release --workspace --locked --quiet
target="${CARGO_TARGET_DIR:-$PWD/target}/release"

demo_home=$(mktemp -d -t idc-demo-XXXXXX)
sandbox_pid=""
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
  rm -rf "$demo_home"
}
trap cleanup EXIT

mkdir -p "$demo_home/sandbox"
"$target/idc-sandbox" --listen 127.0.0.1:0 --state-dir "$demo_home/sandbox" --users 10000 \
  > "$demo_home/sandbox.out" &
sandbox_pid=$!
for _ in $(seq 1 300); do
  [ -s "$demo_home/sandbox.out" ] && break
  kill -0 "$sandbox_pid" 2>/dev/null || { echo "idc-sandbox failed to start" >&2; exit 1; }
  sleep 0.1
done

export IDC_CONFIG_DIR="$demo_home/config" IDC_CACHE_DIR="$demo_home/cache" IDC_CREDENTIAL_STORE=file
registry="$demo_home/plugins.msgpackz"
nu --no-config-file -c "plugin add --plugin-config '$registry' '$target/nu_plugin_idc'"

export IDC_DEMO_SANDBOX="$demo_home/sandbox.out"
# `plugin use` is evaluated at parse time: the registry path must be a literal.
{
  echo "plugin use --plugin-config '$registry' idc"
  cat <<'NU'
let sandbox = (open --raw $env.IDC_DEMO_SANDBOX | lines | first | from json)
print $"idc-sandbox at ($sandbox.url), 10 000 users in realm alpha\n"

print "> idc login --tenant $sandbox.url --service-account $sandbox.service_account.id --jwk $sandbox.service_account.jwk"
idc login --profile sandbox --tenant $sandbox.url --service-account $sandbox.service_account.id --jwk $sandbox.service_account.jwk | print

print `> idc get /openidm/managed/alpha_user --filter 'sn sw "S"' --fields [userName givenName sn mail] | first 10`
idc get /openidm/managed/alpha_user --filter 'sn sw "S"' --fields [userName givenName sn mail] | first 10 | print

print "> $sandbox.log_api.secret | idc login --profile sandbox --log-api-key $sandbox.log_api.key"
$sandbox.log_api.secret | idc login --profile sandbox --log-api-key $sandbox.log_api.key | select profile log_api_key | print

print "> idc logs get --source am-everything,idm-everything --since 2min | select timestamp source level transaction_id"
print "  (the log events of this demo's own login and query)"
idc logs get --source am-everything,idm-everything --since 2min | select timestamp source level transaction_id | print
NU
} > "$demo_home/demo.nu"
nu --no-config-file "$demo_home/demo.nu"
