#!/usr/bin/env bash
# Benchmarks kobo-shelf in release mode and prints one table of figures, each against a limit
# measured in the same run. Not part of the tests: run it on demand. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh
if ! command -v wrk >/dev/null; then
  echo "==> installing wrk (apt)"
  if [[ "$(id -u)" == 0 ]]; then apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else sudo apt-get install -y wrk >/dev/null; fi
fi

scripts/build.sh --release
source scripts/leptos-env.sh
cargo build --release -p kobo-shelf-bench
exec target/release/kobo-shelf-bench
