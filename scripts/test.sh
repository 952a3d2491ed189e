#!/usr/bin/env bash
# The test command: installs the real tools the end-to-end tests drive when missing (nu
# 0.115.1, httpie, xh, zsh, fish: `install-tools.sh tests`), checks formatting, lints and
# the API docs, checks the shipped crates package, builds every binary, then runs the unit
# tests and the one end-to-end test binary (tests/tests/e2e.rs) against idc-sandbox.
# IDC_CHECK_INSTALL=1 also installs both binaries from a clean clone (a release build).
set -euo pipefail
cd "$(dirname "$0")/.."

tools_bin=$(bash scripts/install-tools.sh tests)
export PATH="$tools_bin:$PATH"
echo "tools: $(nu --version) (nu), $(http --version) (httpie), $(xh --version | head -n 1), $(git --version), $(curl --version | head -n 1)"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked --quiet
if [ "${IDC_CHECK_INSTALL:-}" = 1 ]; then
  bash scripts/check-package.sh --install
else
  bash scripts/check-package.sh
fi
# The e2e tests drive the real binaries: build them all first.
cargo build --workspace --locked
# A test that cannot run for want of a tool fails, unless IDC_E2E_ALLOW_SKIP=1: then it is
# recorded here and listed on the run's last lines (tests/src/required.rs).
skip_log=$(mktemp)
export IDC_E2E_SKIP_LOG="$skip_log"
list_skips() {
  if [ -s "$skip_log" ]; then
    echo "SKIPPED TESTS (IDC_E2E_ALLOW_SKIP=1), $(wc -l < "$skip_log") of them:"
    sort "$skip_log" | sed 's/^/  /'
  fi
  rm -f "$skip_log"
}
trap list_skips EXIT
# CI shows only a run's last lines: on a failure, end with each failing test's panic
# message (backtraces off: they would push the messages out of view).
export RUST_BACKTRACE=0
test_log=$(mktemp)
status=0
cargo test --workspace --locked "$@" 2>&1 | tee "$test_log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "FAILING TESTS, each with the first lines of its message:"
  awk '/^failures:$/ { name = ""; shown = 0; next }
       /^---- .* stdout ----$/ { name = $2; shown = 0; next }
       name != "" && /panicked at/ { print "* " name ": " substr($0, index($0, "panicked at")); shown = 1; next }
       shown > 0 && shown <= 8 && NF > 0 { print "    " substr($0, 1, 300); shown++ }' "$test_log"
fi
rm -f "$test_log"
exit "$status"
