//! The binary's commands, parsed by `clap` (derive): `serve` (the default), `push` (upload a
//! plugged-in Kobo), `demo-db` (write a generated library) and the operator's helpers. Each
//! command is a thin call into a service; errors are `anyhow` here only, logged as one line with
//! their causes, and every failure exits with status 2 (as a usage error does).

use super::{
    archive::{self, Archive},
    demo::{self, DemoOptions},
    export::MarkdownExport,
    http::{serve, server_function_routes},
    push::{self, Device, PushOptions},
    replica::{Replicator, RestoreChoice},
    settings::{DeviceSource, ExposeSecret, Settings},
    sync::open_source,
};
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::Duration,
};

/// How long `push` waits while another program holds a lock on the Kobo's database.
const PUSH_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A reading library for Kobo e-readers. Settings come from Leptos.toml (or the file named by
/// KOBO_SHELF_CONFIG) and KOBO_SHELF_* environment variables: `kobo-shelf check-config` shows them.
#[derive(Debug, Parser)]
#[command(name = "kobo-shelf", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (the default when no command is given).
    Serve,
    /// Upload a plugged-in Kobo to the source the server syncs from (KOBO_SHELF_SOURCE, or a
    /// device's of KOBO_SHELF_DEVICES, and the S3 settings): its database, then the markups and
    /// covers not uploaded yet.
    Push {
        /// The Kobo's folder; by default it is looked for at the usual mount points.
        #[arg(long, value_name = "DIR")]
        device: Option<PathBuf>,
        /// Which of the settings' devices this Kobo is (needed when they name several).
        #[arg(long, value_name = "NAME")]
        device_name: Option<String>,
    },
    /// Write a generated KoboReader.sqlite with its markups and covers.
    DemoDb(DemoDbArgs),
    /// Read a password on stdin and print its argon2 hash for KOBO_SHELF_PASSWORD_HASH.
    HashPassword,
    /// Print every setting that would be used and where it comes from (secrets masked); fail
    /// naming the first bad one.
    CheckConfig,
    /// Copy the archive (every annotation ever synced; <data dir>/shelf.sqlite) out or in.
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// Print the server's server-function endpoints, one `METHOD PATH` a line (for reverse-proxy
    /// rules and the hostile-request tests).
    Routes,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true))]
struct DemoDbArgs {
    /// Write the database as in the bucket, to this file (markups and covers beside it).
    #[arg(long, value_name = "PATH", group = "target")]
    out: Option<PathBuf>,
    /// Write it as on a Kobo, under this folder (.kobo/, .kobo-images/).
    #[arg(long, value_name = "DIR", group = "target")]
    device: Option<PathBuf>,
    /// The generator's seed: the same seed writes the same library.
    #[arg(long, default_value_t = DemoOptions::default().seed)]
    seed: u64,
    /// Items in all (the curated ones first).
    #[arg(long, default_value_t = DemoOptions::default().books)]
    books: usize,
    /// Average highlights per generated book.
    #[arg(long, default_value_t = DemoOptions::default().highlights_per_book)]
    highlights: usize,
    /// As firmware before ~4.39 wrote it: no Bookmark.Color, Type or ExtraAnnotationData columns.
    #[arg(long)]
    old_firmware: bool,
    /// Without the collection tables Shelf and ShelfContent.
    #[arg(long)]
    without_collections: bool,
}

#[derive(Debug, Subcommand)]
enum ArchiveCommand {
    /// Write a consistent copy of the archive to FILE.
    Export { file: PathBuf },
    /// Replace the archive with FILE (stop the server first).
    Import { file: PathBuf },
    /// Restore the archive from its copies in KOBO_SHELF_ARCHIVE_REPLICA: the newest that
    /// verifies, or the one named (stop the server first).
    Restore {
        /// The copy's number (`shelf-<SEQ>.json` in the replica folder).
        #[arg(long, value_name = "SEQ")]
        copy: Option<u64>,
        /// Replace an archive that already holds history.
        #[arg(long)]
        force: bool,
    },
    /// Print a new age identity for KOBO_SHELF_ARCHIVE_KEY (keep it safe: without it the
    /// encrypted copies cannot be restored).
    NewKey,
}

pub async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help` and `--version` print and succeed; a usage error prints and exits 2.
        Err(err) => err.exit(),
    };
    init_logging();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve_command().await,
        Command::Push { device, device_name } => push_command(device.as_deref(), device_name.as_deref()).await,
        Command::DemoDb(args) => demo_db(args),
        Command::HashPassword => hash_password(),
        Command::CheckConfig => check_config(),
        Command::Archive(ArchiveCommand::NewKey) => new_archive_key(),
        Command::Archive(command) => archive_command(command).await,
        Command::Routes => routes(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::from(2)
        }
    }
}

async fn serve_command() -> anyhow::Result<()> {
    Ok(serve(Settings::from_environment()?).await?)
}

fn demo_db(args: DemoDbArgs) -> anyhow::Result<()> {
    let options = DemoOptions {
        seed: args.seed,
        books: args.books,
        highlights_per_book: args.highlights,
        old_firmware: args.old_firmware,
        without_collections: args.without_collections,
    };
    let (path, stats) = match (args.out, args.device) {
        (Some(out), _) => (out.clone(), demo::write_library(&out, &options)?),
        (None, Some(device)) => (device.clone(), demo::write_device(&device, &options)?),
        (None, None) => unreachable!("clap requires --out or --device"),
    };
    tracing::info!(path = %path.display(), items = stats.items, bookmarks = stats.bookmarks, "library written");
    Ok(())
}

/// `push [--device DIR] [--device-name NAME]`: progress lines and the summary on stdout.
async fn push_command(device: Option<&Path>, device_name: Option<&str>) -> anyhow::Result<()> {
    let device = match device {
        Some(dir) => Device::at(dir)?,
        None => Device::find(Path::new("/"))?,
    };
    let settings = Settings::from_environment()?;
    if settings.source_is_default {
        bail!(
            "no source to push to: set KOBO_SHELF_SOURCE to s3://<bucket>/<key> (with the \
             KOBO_SHELF_S3_* settings) or file:///<path>, as for the server"
        );
    }
    let target = &device_to_push(&settings, device_name)?.source;
    let source = open_source(target, settings.s3.as_ref(), settings.sync.stall_timeout)?;
    let options = PushOptions { busy_timeout: PUSH_BUSY_TIMEOUT, upload_timeout: settings.sync.download_timeout };
    let mut out = std::io::stdout();
    writeln!(out, "pushing the Kobo at {} to {target}", device.root().display())?;
    let report = push::push(&device, source.as_ref(), &options, &mut |step| {
        let _ = writeln!(std::io::stdout(), "{step}");
    })
    .await?;
    Ok(writeln!(out, "{report}")?)
}

/// The settings' device `name`, or their one device when no name is given.
fn device_to_push<'a>(settings: &'a Settings, name: Option<&str>) -> anyhow::Result<&'a DeviceSource> {
    let names = || settings.devices.iter().map(|device| device.name.as_str()).collect::<Vec<_>>().join(", ");
    match (name, settings.devices.as_slice()) {
        (None, [only]) => Ok(only),
        (None, _) => {
            bail!("the settings name several devices ({}): say which this Kobo is with --device-name NAME", names())
        }
        (Some(name), devices) => match devices.iter().find(|device| device.name == name) {
            Some(device) => Ok(device),
            None => bail!("no device is named `{name}` in the settings (they name {})", names()),
        },
    }
}

/// Prints the settings as the server would use them: one line each, `NAME = value (origin)`.
fn check_config() -> anyhow::Result<()> {
    let settings = Settings::from_environment()?;
    MarkdownExport::configured(&settings)?;
    let file = settings.config_file.as_ref().map_or_else(|| "none".to_string(), |path| path.display().to_string());
    let mut out = format!("settings file: {file}\n");
    for row in settings.rows() {
        out.push_str(&format!("{} = {} ({})\n", row.env, row.value, row.origin.label()));
    }
    out.push_str("the settings are valid\n");
    Ok(std::io::stdout().write_all(out.as_bytes())?)
}

/// `archive new-key`: an age identity, with its public key as a comment line (the format
/// `age-keygen` prints).
fn new_archive_key() -> anyhow::Result<()> {
    let (public, identity) = crate::server::replica::new_key();
    let mut out = std::io::stdout();
    writeln!(out, "# public key: {public}")?;
    Ok(writeln!(out, "{}", identity.expose_secret())?)
}

/// `archive export FILE`, `import FILE` and `restore`, on the data directory and replica of
/// the settings.
async fn archive_command(command: ArchiveCommand) -> anyhow::Result<()> {
    let settings = Settings::from_environment()?;
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
    let archive = Arc::new(Archive::open(&settings.data_dir)?);
    match command {
        ArchiveCommand::Export { file } => {
            archive.export_to(&file)?;
            let counts = archive.counts()?;
            tracing::info!(file = %file.display(), annotations = counts.annotations, deleted_on_device = counts.deleted_on_device, "archive exported");
        }
        ArchiveCommand::Import { file } => {
            archive::import(&file, &settings.data_dir)?;
            tracing::info!(file = %file.display(), data_dir = %settings.data_dir.display(), "archive imported");
        }
        ArchiveCommand::Restore { copy, force } => {
            let Some(replica) = &settings.replica else {
                bail!("replication is off: set KOBO_SHELF_ARCHIVE_REPLICA (or the source) to where the copies are");
            };
            let replicator =
                Replicator::new(replica, settings.s3.as_ref(), &settings.sync, archive, settings.data_dir.clone())?;
            let choice = copy.map_or(RestoreChoice::Newest, RestoreChoice::Copy);
            let Some(restored) = replicator.restore(choice, force).await? else {
                bail!("no copy of the archive in {}", replicator.folder);
            };
            let manifest = &restored.manifest;
            writeln!(
                std::io::stdout(),
                "restored copy {} of {} ({} annotations, {} deleted on the device, {} versions) in {} ms",
                manifest.seq,
                manifest.created,
                restored.counts.annotations,
                restored.counts.deleted_on_device,
                restored.counts.versions,
                restored.elapsed.as_millis()
            )?;
        }
        ArchiveCommand::NewKey => new_archive_key()?,
    }
    Ok(())
}

/// Prints the argon2 hash of the password read from stdin (one line, not echoed anywhere).
fn hash_password() -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).context("cannot read the password")?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        bail!("the password is empty");
    }
    let hash = super::auth::hash_password(password)?;
    Ok(writeln!(std::io::stdout(), "{hash}")?)
}

fn routes() -> anyhow::Result<()> {
    let mut out = String::new();
    for (method, path) in server_function_routes() {
        out.push_str(&format!("{method} {path}\n"));
    }
    Ok(std::io::stdout().write_all(out.as_bytes())?)
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
