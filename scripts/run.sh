#!/usr/bin/env bash
# Builds and runs kobo-shelf, installing what is missing first. With no settings it serves a
# demo library from ./data at http://127.0.0.1:3000 (LEPTOS_SITE_ADDR changes the address).
# Pass --release for an optimised build. (`cargo leptos watch` rebuilds on every change:
# `scripts/setup.sh --watch` installs cargo-leptos for it.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh
scripts/build.sh "$@"
profile=debug
[[ "${1:-}" == "--release" ]] && profile=release
exec "target/$profile/kobo-shelf"
