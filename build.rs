//! A release server embeds `target/release/site` (see `src/server/http/assets.rs`): it is built
//! again whenever `scripts/build.sh --release` writes a new site, files added or removed too.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let release = std::env::var("PROFILE").is_ok_and(|profile| profile == "release");
    if release && std::env::var_os("CARGO_FEATURE_SSR").is_some() {
        println!("cargo:rerun-if-changed=target/release/site");
    }
}
