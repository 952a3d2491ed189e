#!/usr/bin/env bash
# Warm-cache latency of `git-credential-idc token` and `git-credential-idc curl-config URL`
# (the goal: a median of at most 3 ms). Builds the release binaries, starts an idc-sandbox,
# logs in with its service account in a throw-away config/cache, then times RUNS calls of
# each command with hyperfine (or a plain timing loop without it) and prints a markdown
# table for the README.
#
# Then the cold start: CALLERS concurrent `token` calls with an empty cache.
#
#   scripts/bench-credential.sh [RUNS] [CALLERS]      (defaults 200, 100)
set -euo pipefail

RUNS=${1:-200}
CALLERS=${2:-100}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/idc-target}
RELEASE=$CARGO_TARGET_DIR/release

echo "building release binaries (cargo build --release --workspace --bin ...)" >&2
# --workspace keeps feature unification (and so the build cache) the same as every other
# build; only the two binaries the benchmark runs are built.
(cd "$ROOT" && cargo build --release --workspace --quiet --bin git-credential-idc --bin idc-sandbox)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/idc-bench.XXXXXX")
SANDBOX_PID=""
cleanup() {
  if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$RELEASE/idc-sandbox" --listen 127.0.0.1:0 --state-dir "$WORK/sandbox" --users 10 \
  >"$WORK/sandbox.out" 2>"$WORK/sandbox.err" &
SANDBOX_PID=$!
for _ in $(seq 1 100); do
  [ -s "$WORK/sandbox.out" ] && break
  kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$WORK/sandbox.err" >&2; echo "idc-sandbox exited" >&2; exit 1; }
  sleep 0.1
done
READY=$(head -n 1 "$WORK/sandbox.out")
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); [d:=d[k] for k in sys.argv[2:]]; print(d)' "$READY" "$@"; }
TENANT=$(field url)

export IDC_CONFIG_DIR=$WORK/config IDC_CACHE_DIR=$WORK/cache IDC_CREDENTIAL_STORE=file
unset IDC_PROFILE
HELPER=$RELEASE/git-credential-idc
"$HELPER" login --profile bench --tenant "$TENANT" \
  --service-account "$(field service_account id)" --jwk "$(field service_account jwk)" >/dev/null
URL="$TENANT/openidm/managed/alpha_user"
"$HELPER" token >/dev/null               # warm the cache
"$HELPER" curl-config "$URL" >/dev/null

TOKEN_CMD="$HELPER token"
CURL_CMD="$HELPER curl-config $URL"

if command -v hyperfine >/dev/null 2>&1; then
  TOOL="hyperfine $(hyperfine --version | awk '{print $2}')"
  hyperfine --shell=none --warmup 20 --runs "$RUNS" --style none \
    --export-json "$WORK/times.json" "$TOKEN_CMD" "$CURL_CMD" >/dev/null
else
  TOOL="a python timing loop (install hyperfine for better figures)"
  python3 - "$RUNS" "$WORK/times.json" "$TOKEN_CMD" "$CURL_CMD" <<'EOF'
import json, subprocess, sys, time
runs, out, commands = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
results = []
for command in commands:
    argv = command.split(" ")
    for _ in range(20):
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    results.append({"command": command, "times": times})
json.dump({"results": results}, open(out, "w"))
EOF
fi

python3 - "$WORK/times.json" "$RUNS" "$TOOL" "$HELPER" "$RELEASE" <<'EOF'
import json, statistics, sys
path, runs, tool, helper, release = sys.argv[1:6]
rows = []
for result in json.load(open(path))["results"]:
    times = sorted(t * 1000 for t in result["times"])
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    label = result["command"].replace(release + "/", "").replace(helper, "git-credential-idc")
    label = label.split(" http")[0] + (" URL" if " http" in result["command"] else "")
    rows.append((label, statistics.median(times), p95, min(times)))
print(f"Warm-cache latency, {runs} runs each ({tool}, release build):\n")
print("| command | median | p95 | min |")
print("|---|---:|---:|---:|")
for label, median, p95, fastest in rows:
    print(f"| `{label}` | {median:.2f} ms | {p95:.2f} ms | {fastest:.2f} ms |")
EOF

# Secret Service: the same warm `token` with the credential in GNOME Keyring on a private
# D-Bus session (Debian dbus, gnome-keyring), against the file store in the same session:
# the keyring costs a D-Bus connection and a search per call, and the Linux default (no
# IDC_CREDENTIAL_STORE) one more to ask whether Secret Service answers.
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  mkdir -p "$WORK/keyring/run" "$WORK/keyring/home" && chmod 700 "$WORK/keyring/run"
  cat >"$WORK/keyring/run.sh" <<'EOF'
set -euo pipefail
export HOME=$WORK/keyring/home XDG_DATA_HOME=$WORK/keyring/home/data XDG_RUNTIME_DIR=$WORK/keyring/run
printf 'bench' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
DAEMON=$!
trap 'kill $DAEMON 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  timeout 2 dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
  sleep 0.1
done
time_token() { # LABEL STORE CACHE
  local label=$1 store=$2 cache=$3
  if [ -n "$store" ]; then export IDC_CREDENTIAL_STORE=$store; else unset IDC_CREDENTIAL_STORE; fi
  export IDC_CACHE_DIR=$cache
  "$HELPER" token >/dev/null
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --shell=none --warmup 10 --runs "$RUNS" --style none \
      --export-json "$WORK/keyring/$label.json" "$HELPER token" >/dev/null
  else
    python3 -c 'import json,subprocess,sys,time
t=[]
for _ in range(int(sys.argv[1])):
    s=time.perf_counter(); subprocess.run([sys.argv[2],"token"],stdout=subprocess.DEVNULL,check=True); t.append(time.perf_counter()-s)
json.dump({"results":[{"times":t}]},open(sys.argv[3],"w"))' "$RUNS" "$HELPER" "$WORK/keyring/$label.json"
  fi
}
time_token file file "$WORK/cache"
time_token keyring keyring "$WORK/cache-keyring"
time_token default "" "$WORK/cache-keyring"
EOF
  WORK=$WORK HELPER=$HELPER RUNS=$RUNS \
    dbus-run-session --config-file="$ROOT/scripts/dbus-session.conf" -- bash "$WORK/keyring/run.sh" 2>/dev/null
  python3 - "$WORK/keyring" "$RUNS" <<'EOF'
import json, statistics, sys
base, runs = sys.argv[1], sys.argv[2]
labels = {
    "file": "`IDC_CREDENTIAL_STORE=file`",
    "keyring": "`IDC_CREDENTIAL_STORE=keyring` (Secret Service)",
    "default": "unset: the Linux default (asks the bus, then Secret Service)",
}
print(f"\nWarm `git-credential-idc token` by store, {runs} runs each, on a D-Bus session with an unlocked GNOME Keyring:\n")
print("| store | median | p95 | min |")
print("|---|---:|---:|---:|")
medians = {}
for name, label in labels.items():
    times = sorted(t * 1000 for t in json.load(open(f"{base}/{name}.json"))["results"][0]["times"])
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    medians[name] = statistics.median(times)
    print(f"| {label} | {medians[name]:.2f} ms | {p95:.2f} ms | {times[0]:.2f} ms |")
print(f"\nSecret Service costs {medians['keyring'] - medians['file']:.2f} ms per warm call over the file store.")
EOF
else
  echo "(Secret Service figures skipped: dbus-run-session or gnome-keyring-daemon missing)"
fi

# Cold start: empty the cache, then CALLERS processes ask for a token at once; the
# cross-process lock must turn that into exactly one token request.
"$HELPER" logout --profile bench >/dev/null
curl -sf -X POST "$TENANT/__sandbox/stats/reset" >/dev/null
python3 - "$CALLERS" "$HELPER" "$TENANT" <<'EOF'
import json, subprocess, sys, time, urllib.request
callers, helper, tenant = int(sys.argv[1]), sys.argv[2], sys.argv[3]
start = time.perf_counter()
procs = [subprocess.Popen([helper, "token"], stdout=subprocess.PIPE) for _ in range(callers)]
tokens = {p.communicate()[0] for p in procs}
wall = (time.perf_counter() - start) * 1000
failed = sum(p.returncode != 0 for p in procs)
stats = json.load(urllib.request.urlopen(tenant + "/__sandbox/stats"))
print(f"\nCold start: {callers} concurrent `git-credential-idc token` with an empty cache:\n")
print("| callers | wall time until every caller has the token | token requests | distinct tokens | failures |")
print("|---:|---:|---:|---:|---:|")
print(f"| {callers} | {wall:.0f} ms | {stats['token_requests']} | {len(tokens)} | {failed} |")
print("\nReproduce: `scripts/bench-credential.sh`")
EOF
