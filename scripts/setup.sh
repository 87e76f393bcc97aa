#!/usr/bin/env bash
# Installs what building (and, with --browser, testing) kobo-shelf needs, skipping what is
# already there: the wasm target, cargo-leptos, the wasm-bindgen CLI at the Cargo.lock version,
# binaryen (wasm-opt, for release builds), and for tests Chromium and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

browser=false
[[ "${1:-}" == "--browser" ]] && browser=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
sudo_if_needed() { if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  say "installing $* (apt)"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get install -y --no-install-recommends "$@" >/dev/null \
    || { sudo_if_needed apt-get update >/dev/null && sudo_if_needed apt-get install -y --no-install-recommends "$@" >/dev/null; }
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

leptos_version=0.3.10
if ! cargo leptos --version 2>/dev/null | grep -q "$leptos_version"; then
  say "installing cargo-leptos $leptos_version (about 25 minutes on 2 cores)"
  cargo install cargo-leptos --locked --version "$leptos_version" --features no_downloads
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $bindgen_version\$"; then
  say "installing wasm-bindgen-cli $bindgen_version (about 4 minutes)"
  # Not --locked: one of its locked dependencies is not served by the registry.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

command -v wasm-opt >/dev/null || apt_install binaryen

if $browser; then
  [[ -x /usr/bin/chromium ]] || apt_install chromium
  if ! cmp -s end2end/package-lock.json end2end/node_modules/.package-lock.json 2>/dev/null; then
    say "installing the end-to-end test packages (npm ci)"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
fi
