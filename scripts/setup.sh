#!/usr/bin/env bash
# Installs what building kobo-shelf needs, skipping what is already there: the wasm target, the
# wasm-bindgen CLI at the Cargo.lock version and binaryen's wasm-opt (npm, for release builds).
#   --browser  also Chromium and the end-to-end test packages (for tests)
#   --watch    also cargo-leptos (only `cargo leptos watch` needs it; about 25 minutes to build)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

browser=false
watch=false
for arg in "$@"; do
  case "$arg" in
    --browser) browser=true ;;
    --watch) watch=true ;;
    *) echo "usage: scripts/setup.sh [--browser] [--watch]" >&2; exit 2 ;;
  esac
done

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
if $watch && ! cargo leptos --version 2>/dev/null | grep -q "$leptos_version"; then
  say "installing cargo-leptos $leptos_version (about 25 minutes on 2 cores)"
  cargo install cargo-leptos --locked --version "$leptos_version" --features no_downloads
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $bindgen_version\$"; then
  say "installing wasm-bindgen-cli $bindgen_version (about 4 minutes)"
  # Not --locked: one of its locked dependencies is not served by the registry.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# binaryen from npm, not Debian's 108: that one is older than this wasm-bindgen's output and
# makes a release bundle that fails to start. Pinned in scripts/wasm-opt/package-lock.json.
# npm ci once per lock file: a copy of the lock installed last is kept in node_modules.
npm_ci() {
  if ! cmp -s "$1/package-lock.json" "$1/node_modules/.installed-lock.json" 2>/dev/null; then
    say "installing the npm packages of $1 (npm ci)"
    (cd "$1" && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.installed-lock.json)
  fi
}
npm_ci scripts/wasm-opt

if $browser; then
  [[ -x /usr/bin/chromium ]] || apt_install chromium
  # tests/it/push.rs runs the README's on-device upload command (curl --aws-sigv4, curl >= 7.75).
  command -v curl >/dev/null || apt_install curl
  npm_ci end2end
fi
