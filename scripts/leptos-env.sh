# Sourced by the scripts: the environment cargo-leptos builds the server with (from
# [package.metadata.leptos] in Cargo.toml), so `cargo test` reuses its build instead of
# rebuilding every Leptos crate with other flags.
export RUSTFLAGS="--cfg erase_components"
export LEPTOS_OUTPUT_NAME=kobo-shelf
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR=127.0.0.1:3000
export LEPTOS_RELOAD_PORT=3001
export LEPTOS_LIB_DIR=.
export LEPTOS_BIN_DIR=.
export LEPTOS_JS_MINIFY=false
export LEPTOS_HASH_FILES=false
