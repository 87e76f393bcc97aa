#!/usr/bin/env bash
# Builds and runs kobo-shelf, installing what is missing first. With no settings it serves a
# demo library from ./data at http://127.0.0.1:3000 (LEPTOS_SITE_ADDR changes the address).
# Pass --release for an optimised build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh
exec cargo leptos serve "$@"
