#!/usr/bin/env bash
# Runs every test of kobo-shelf on this machine, installing what is missing first:
# Rust unit and integration tests (a real S3 server on loopback), then Playwright in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh --browser

echo "==> building the app (cargo leptos build)"
cargo leptos build

source scripts/leptos-env.sh
echo "==> building the test harness"
cargo build -p kobo-shelf-testkit --bin kobo-testkit

echo "==> Rust tests"
cargo test --workspace --features kobo-shelf/ssr

echo "==> end-to-end tests (Playwright, Chromium)"
cd end2end
npx playwright test
