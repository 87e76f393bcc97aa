#!/usr/bin/env bash
# Builds kobo-shelf with cargo and the wasm-bindgen CLI directly (the layout cargo-leptos
# makes, without needing cargo-leptos): the browser bundle, the site, then the server.
#
#   scripts/build.sh            debug build: target/debug/kobo-shelf, site in target/site
#   scripts/build.sh --release  release build: target/release/kobo-shelf with its site built in
#                               (from target/release/site, so the site is built first), WASM
#                               optimised by binaryen's wasm-opt (npm, scripts/wasm-opt/)
#
# Expects the tools scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
source scripts/leptos-env.sh

release=false
[[ "${1:-}" == "--release" ]] && release=true
name=kobo-shelf
if $release; then
  site=target/release/site
  wasm_profile=(--profile wasm-release)
  wasm_dir=target/wasm32-unknown-unknown/wasm-release
  server_profile=(--release)
else
  site=target/site
  wasm_profile=()
  wasm_dir=target/wasm32-unknown-unknown/debug
  server_profile=()
fi
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "browser bundle ($([[ $release == true ]] && echo release || echo debug))"
cargo build --package kobo-shelf --lib --target wasm32-unknown-unknown \
  --no-default-features --features hydrate "${wasm_profile[@]}"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$staging" --out-name "$name" "$wasm_dir/kobo_shelf.wasm"
# Leptos loads `<name>.wasm` when LEPTOS_OUTPUT_NAME is set at build time (cargo-leptos' name).
mv "$staging/${name}_bg.wasm" "$staging/$name.wasm"
if $release; then
  # Debian's binaryen 108 is older than this wasm-bindgen's output and makes a bundle that
  # fails to start; binaryen 132 from npm understands it (reference types, bulk memory).
  scripts/wasm-opt/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-reference-types --enable-sign-ext --enable-mutable-globals --enable-multivalue \
    "$staging/$name.wasm" -o "$staging/$name.opt.wasm"
  mv "$staging/$name.opt.wasm" "$staging/$name.wasm"
fi

say "site ($site)"
rm -rf "$site.new"
mkdir -p "$site.new/pkg"
cp -R public/. "$site.new/"
cp "$staging/$name.js" "$staging/$name.wasm" "$site.new/pkg/"
cp style/main.css "$site.new/pkg/$name.css"
# An unchanged site keeps its files' times, so the release server (which embeds it) is not
# compiled again for nothing.
if [[ -d "$site" ]] && diff -r -q "$site.new" "$site" >/dev/null; then
  rm -rf "$site.new"
else
  rm -rf "$site" && mv "$site.new" "$site"
fi

say "server (after the site: a release server embeds it)"
cargo build --package kobo-shelf --bin kobo-shelf --no-default-features --features ssr "${server_profile[@]}"
