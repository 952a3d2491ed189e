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
cargo test --workspace --locked "$@"
