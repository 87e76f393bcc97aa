//! `kobo-testkit --root DIR`: runs the S3 server and its fault proxy on loopback for the
//! Playwright tests and the benchmarks. Prints one JSON line with both addresses, then serves
//! until SIGINT/SIGTERM. Steer it through `/__testkit/*` on the proxy (see `proxy.rs`).

use kobo_shelf_testkit::{Testkit, ACCESS_KEY, BUCKET, DATABASE_KEY, SECRET_KEY};
use std::{io::Write, path::PathBuf, process::ExitCode};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = match args.as_slice() {
        [flag, root] if flag == "--root" => PathBuf::from(root),
        _ => {
            let _ = writeln!(std::io::stderr(), "usage: kobo-testkit --root DIR");
            return ExitCode::from(2);
        }
    };
    let kit = match Testkit::start(&root).await {
        Ok(kit) => kit,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "kobo-testkit: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let ready = serde_json::json!({
        "s3": format!("http://{}", kit.s3.addr),
        "proxy": kit.endpoint(),
        "bucket": BUCKET,
        "key": DATABASE_KEY,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
    });
    let _ = writeln!(std::io::stdout(), "{ready}");
    let _ = std::io::stdout().flush();
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("install the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = terminate.recv() => {},
    }
    ExitCode::SUCCESS
}
