#!/usr/bin/env bash
# Runs every test of kobo-shelf on this machine, installing what is missing first:
# Rust unit and integration tests (a real S3 server on loopback), then Playwright in Chromium
# against the debug build and, for the specs that need the WASM, the release build users deploy.
# Ends with one line counting every test: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh --browser

echo "==> code format (cargo fmt --check)"
cargo fmt --all --check

echo "==> building the app (debug and release)"
scripts/build.sh
scripts/build.sh --release

source scripts/leptos-env.sh
echo "==> building the test harness"
cargo build -p kobo-shelf-testkit --bin kobo-testkit

echo "==> lints (cargo clippy, warnings are errors)"
cargo clippy --workspace --all-targets --features kobo-shelf/ssr -- -D warnings

echo "==> Rust tests"
rust_log=$(mktemp)
cargo test --workspace --features kobo-shelf/ssr 2>&1 | tee "$rust_log"
rust_passed=$(awk '/^test result:/ { sum += $4 } END { print sum + 0 }' "$rust_log")

echo "==> end-to-end tests (Playwright, Chromium; projects debug and release)"
(cd end2end && npx playwright test)
e2e_passed=$(node -e 'const r = require("./end2end/test-results/results.json"); console.log(r.stats.expected + r.stats.flaky)')

echo "Rust: $rust_passed passed; Playwright: $e2e_passed passed"
echo "$((rust_passed + e2e_passed)) passed, 0 failed"
