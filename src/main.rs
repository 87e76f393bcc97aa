//! The kobo-shelf server binary; everything it does lives in `kobo_shelf::server`.

#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    kobo_shelf::server::cli::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser side is a library (`hydrate`); this binary only exists with `ssr`.
}
