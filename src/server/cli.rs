//! The binary's commands: `serve` (the default), `push` (upload a plugged-in Kobo), `demo-db`
//! (write a generated library), and the operator's helpers.

use super::{
    archive::{self, Archive},
    demo::{self, DemoOptions},
    export::MarkdownExport,
    http::serve,
    push::{self, Device, PushOptions},
    settings::Settings,
    sync::open_source,
};
use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

/// How long `push` waits while another program holds a lock on the Kobo's database.
const PUSH_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const USAGE: &str = "\
kobo-shelf: a reading library for Kobo e-readers

Usage:
  kobo-shelf [serve]             run the web server (settings: Leptos.toml and KOBO_SHELF_* variables)
  kobo-shelf push [--device DIR] upload a plugged-in Kobo (found at the usual mount points, or
                                 DIR) to the source the server syncs from (KOBO_SHELF_SOURCE and
                                 the S3 settings): its database, then the markups and covers
                                 not uploaded yet
  kobo-shelf demo-db --out PATH | --device DIR [--seed N] [--books N] [--highlights N] [--old-firmware]
                    [--without-collections]
                                 write a generated KoboReader.sqlite with its markups and covers,
                                 as in the bucket (--out) or as on a Kobo (--device DIR: .kobo/,
                                 .kobo-images/); books: items in all; highlights: average per
                                 generated book; old firmware: no Bookmark.Color, Type or
                                 ExtraAnnotationData columns; without collections: no Shelf or
                                 ShelfContent tables
  kobo-shelf hash-password       read a password on stdin, print its argon2 hash for
                                 KOBO_SHELF_PASSWORD_HASH
  kobo-shelf check-config        print every setting that would be used and where it comes from
                                 (secrets masked); exit 1 on a bad setting
  kobo-shelf archive export FILE write a consistent copy of the archive (every annotation
                                 ever synced; <data dir>/shelf.sqlite) to FILE
  kobo-shelf archive import FILE replace the archive with FILE (stop the server first)
";

pub async fn main() -> ExitCode {
    init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => match Settings::from_environment() {
            Ok(settings) => serve(settings).await,
            Err(err) => Err(err.to_string()),
        },
        Some("push") => push_command(&args[1..]).await,
        Some("demo-db") => demo_db(&args[1..]),
        Some("hash-password") => hash_password(),
        Some("archive") => archive_command(&args[1..]),
        Some("check-config") => check_config(),
        Some("help" | "--help" | "-h") => {
            let _ = std::io::stdout().write_all(USAGE.as_bytes());
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::from(2)
        }
    }
}

fn demo_db(args: &[String]) -> Result<(), String> {
    let mut options = DemoOptions::default();
    let mut out: Option<PathBuf> = None;
    let mut device: Option<PathBuf> = None;
    let mut pairs = args.iter();
    while let Some(flag) = pairs.next() {
        let switch = match flag.as_str() {
            "--old-firmware" => Some(&mut options.old_firmware),
            "--without-collections" => Some(&mut options.without_collections),
            _ => None,
        };
        if let Some(switch) = switch {
            *switch = true;
            continue;
        }
        let value = pairs.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|_| format!("{flag} expects a whole number, got `{value}`"));
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--device" => device = Some(PathBuf::from(value)),
            "--seed" => options.seed = number()? as u64,
            "--books" => options.books = number()?,
            "--highlights" => options.highlights_per_book = number()?,
            _ => return Err(format!("unknown option `{flag}`\n{USAGE}")),
        }
    }
    let (path, stats) = match (out, device) {
        (Some(out), None) => (out.clone(), demo::write_library(&out, &options)),
        (None, Some(device)) => (device.clone(), demo::write_device(&device, &options)),
        _ => return Err(format!("give either --out or --device\n{USAGE}")),
    };
    let stats = stats.map_err(|err| err.to_string())?;
    tracing::info!(path = %path.display(), items = stats.items, bookmarks = stats.bookmarks, "library written");
    Ok(())
}

/// `push [--device DIR]`: progress lines and the summary on stdout.
async fn push_command(args: &[String]) -> Result<(), String> {
    let device = match args {
        [] => Device::find(Path::new("/")),
        [flag, dir] if flag == "--device" => Device::at(Path::new(dir)),
        _ => return Err(format!("usage: kobo-shelf push [--device DIR]\n{USAGE}")),
    }
    .map_err(|err| err.to_string())?;
    let settings = Settings::from_environment().map_err(|err| err.to_string())?;
    if settings.source_is_default {
        return Err("no source to push to: set KOBO_SHELF_SOURCE to s3://<bucket>/<key> (with the \
                    KOBO_SHELF_S3_* settings) or file:///<path>, as for the server"
            .into());
    }
    let source = open_source(&settings.source, settings.s3.as_ref(), settings.sync.stall_timeout)?;
    let options = PushOptions { busy_timeout: PUSH_BUSY_TIMEOUT, upload_timeout: settings.sync.download_timeout };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "pushing the Kobo at {} to {}", device.root().display(), settings.source);
    let report = push::push(&device, source.as_ref(), &options, &mut |step| {
        let _ = writeln!(std::io::stdout(), "{step}");
    })
    .await
    .map_err(|err| err.to_string())?;
    writeln!(out, "{report}").map_err(|err| err.to_string())
}

/// Prints the settings as the server would use them: one line each, `NAME = value (origin)`.
fn check_config() -> Result<(), String> {
    let settings = Settings::from_environment().map_err(|err| err.to_string())?;
    MarkdownExport::configured(&settings).map_err(|err| err.to_string())?;
    let file = settings.config_file.as_ref().map_or_else(|| "none".to_string(), |path| path.display().to_string());
    let mut out = format!("settings file: {file}\n");
    for row in settings.rows() {
        out.push_str(&format!("{} = {} ({})\n", row.env, row.value, row.origin.label()));
    }
    out.push_str("the settings are valid\n");
    std::io::stdout().write_all(out.as_bytes()).map_err(|err| err.to_string())
}

/// `archive export FILE` and `archive import FILE`, on the data directory of the settings.
fn archive_command(args: &[String]) -> Result<(), String> {
    let settings = Settings::from_environment().map_err(|err| err.to_string())?;
    match args {
        [verb, file] if verb == "export" => {
            let archive = Archive::open(&settings.data_dir).map_err(|err| err.to_string())?;
            archive.export_to(Path::new(file)).map_err(|err| err.to_string())?;
            let counts = archive.counts().map_err(|err| err.to_string())?;
            tracing::info!(file = %file, annotations = counts.annotations, deleted_on_device = counts.deleted_on_device, "archive exported");
            Ok(())
        }
        [verb, file] if verb == "import" => {
            archive::import(Path::new(file), &settings.data_dir).map_err(|err| err.to_string())?;
            tracing::info!(file = %file, data_dir = %settings.data_dir.display(), "archive imported");
            Ok(())
        }
        _ => Err(format!("usage: kobo-shelf archive export|import FILE\n{USAGE}")),
    }
}

/// Prints the argon2 hash of the password read from stdin (one line, not echoed anywhere).
fn hash_password() -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(|err| format!("cannot read the password: {err}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err("the password is empty".into());
    }
    let hash = super::auth::hash_password(password)?;
    writeln!(std::io::stdout(), "{hash}").map_err(|err| err.to_string())
}

/// Logs to stderr, one line per event; `RUST_LOG` adjusts the levels.
fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,hyper=warn,reqwest=warn,rustls=warn,leptos=warn,tower_http=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
