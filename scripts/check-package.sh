#!/usr/bin/env bash
# The three shipped crates install like any Rust tool.
#   check-package.sh            `cargo package` of idc-core, idc-credential (git-credential-idc)
#                               and nu_plugin_idc: manifests, metadata and file lists are
#                               publishable (crates.io is asked to resolve their dependencies;
#                               --no-verify: the dependents name idc-core, which is not on
#                               crates.io yet, and the test command builds them anyway).
#   check-package.sh --install  also what the README's install says, from a clean clone of
#                               HEAD: `cargo install --locked --path` of both binaries into a
#                               temporary --root, `git-credential-idc --version`, and
#                               `nu -c "plugin add ..."` accepting the installed plugin.
#                               A release build: 32 min with a cold release dir on the
#                               shared 2-core machine; opt in with IDC_CHECK_INSTALL=1.
# The sandbox and the test crate are `publish = false` and are not packaged.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo package --locked --no-verify --quiet -p idc-core -p idc-credential -p nu_plugin_idc
echo "cargo package: idc-core, idc-credential, nu_plugin_idc are publishable"

[ "${1:-}" = "--install" ] || exit 0

tools_bin=$(bash scripts/install-tools.sh demo)
export PATH="$tools_bin:$PATH"
work=$(mktemp -d -t idc-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks . "$work/idc"
root="$work/root"
# Reuse the build's target dir (a clean one would rebuild every dependency in release).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
for crate in idc-credential nu_plugin_idc; do
  cargo install --locked --quiet --root "$root" --path "$work/idc/crates/$crate"
done
"$root/bin/git-credential-idc" --version
registry="$work/plugins.msgpackz"
nu --no-config-file -c "plugin add --plugin-config '$registry' '$root/bin/nu_plugin_idc'"
# `plugin use` reads the registry at parse time: its path must be a literal.
version=$(nu --no-config-file -c "plugin use --plugin-config '$registry' idc; plugin list | where name == idc | get 0.version")
[ -n "$version" ] || { echo "error: nu did not load the installed plugin" >&2; exit 1; }
echo "nu loads nu_plugin_idc $version"
echo "cargo install: git-credential-idc and nu_plugin_idc install from a clean clone; nu accepts the plugin"
