#!/usr/bin/env bash
# The test command: installs the real tools the end-to-end tests drive (Nushell 0.115.1,
# httpie) when missing, checks formatting and lints, builds every binary, then runs the
# unit and end-to-end tests against idc-sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

tools_bin=$(bash scripts/install-tools.sh)
export PATH="$tools_bin:$PATH"
echo "tools: $(nu --version) (nu), $(http --version) (httpie), $(git --version), $(curl --version | head -n 1)"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The e2e tests drive the real binaries: build them all first.
cargo build --workspace --locked
cargo test --workspace --locked "$@"
