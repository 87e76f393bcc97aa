//! One copy of the archive as a file: made from a consistent snapshot (SQLite's `VACUUM INTO`,
//! never a file copy of the live database), without the login sessions (they open the site and
//! have no place off the machine), gzip-compressed and, with a key, encrypted with age; and the
//! way back, checking the bytes against their manifest before anything is unpacked.

use super::{
    error::{Refusal, ReplicaError},
    manifest::{object_name, Manifest, FORMAT},
};
use crate::archive::Archive;
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use sha2::{Digest, Sha256};
use std::{
    io::{self, Read, Write},
    path::{Path, PathBuf},
};

/// A copy ready to upload: its object file (deleted with the folder) and its manifest.
pub struct PreparedCopy {
    _dir: tempfile::TempDir,
    pub object: PathBuf,
    pub manifest: Manifest,
}

/// Makes copy `seq` of `archive` in a temp folder under `work_dir` (blocking: a second or two
/// for a 5,000-book archive).
pub fn prepare(
    archive: &Archive,
    work_dir: &Path,
    seq: u64,
    recipient: Option<&age::x25519::Recipient>,
) -> Result<PreparedCopy, ReplicaError> {
    let local = |source| ReplicaError::Local { dir: work_dir.to_path_buf(), source };
    let dir = tempfile::Builder::new().prefix(TEMP_PREFIX).tempdir_in(work_dir).map_err(local)?;
    let database = dir.path().join("shelf.sqlite");
    let facts = archive.copy_without_sessions(&database)?;
    let name = object_name(seq, recipient.is_some());
    let object = dir.path().join(&name);
    let (sha256, size) = pack(&database, &object, recipient).map_err(local)?;
    let manifest = Manifest {
        format: FORMAT,
        seq,
        object: name,
        sha256,
        size,
        database_size: std::fs::metadata(&database).map_err(local)?.len(),
        encrypted: recipient.is_some(),
        created: jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        schema_version: facts.schema_version,
        ingest_seq: facts.ingest_seq,
        annotations: facts.counts.annotations,
        deleted_on_device: facts.counts.deleted_on_device,
    };
    Ok(PreparedCopy { _dir: dir, object, manifest })
}

/// Temp folders of copies being made or restored start with this.
pub const TEMP_PREFIX: &str = ".tmp_replica_";

/// A new key for the copies (`archive new-key`): the public key, and the age identity that
/// encrypts and decrypts them (what `KOBO_SHELF_ARCHIVE_REPLICA_KEY` takes).
pub fn new_key() -> (String, crate::settings::Secret) {
    let identity = age::x25519::Identity::generate();
    (identity.to_public().to_string(), identity.to_string())
}

/// Removes the temp folders a crash left in `work_dir`; how many.
pub fn remove_leftovers(work_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(work_dir) else { return 0 };
    entries
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
        .filter(|entry| std::fs::remove_dir_all(entry.path()).is_ok())
        .count()
}

/// Writes `database` gzipped (then encrypted) to `object`; the object's SHA-256 and size.
fn pack(database: &Path, object: &Path, recipient: Option<&age::x25519::Recipient>) -> io::Result<(String, u64)> {
    let file = std::fs::File::create(object)?;
    let mut hashed = HashingWriter { inner: io::BufWriter::new(file), hash: Sha256::new(), size: 0 };
    let mut input = std::fs::File::open(database)?;
    match recipient {
        Some(recipient) => {
            let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
                .map_err(io::Error::other)?;
            let mut encrypted = encryptor.wrap_output(&mut hashed)?;
            gzip(&mut input, &mut encrypted)?;
            encrypted.finish()?;
        }
        None => gzip(&mut input, &mut hashed)?,
    }
    let HashingWriter { inner, hash, size } = hashed;
    inner.into_inner().map_err(io::IntoInnerError::into_error)?.sync_all()?;
    Ok((format!("{:x}", hash.finalize()), size))
}

fn gzip(input: &mut impl Read, output: &mut impl Write) -> io::Result<()> {
    let mut encoder = GzEncoder::new(output, Compression::default());
    io::copy(input, &mut encoder)?;
    encoder.finish().map(drop)
}

/// Counts and hashes what passes through, so the object is read once.
struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hash.update(&bytes[..written]);
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Checks `object` (as fetched) against `manifest`, then decrypts and unpacks it to `database`.
pub fn unpack(
    object: &[u8],
    manifest: &Manifest,
    identity: Option<&age::x25519::Identity>,
    database: &Path,
) -> Result<(), Refusal> {
    if object.len() as u64 != manifest.size {
        return Err(Refusal::Size { expected: manifest.size, found: object.len() as u64 });
    }
    let found = format!("{:x}", Sha256::digest(object));
    if found != manifest.sha256 {
        return Err(Refusal::Checksum { expected: manifest.sha256.clone(), found });
    }
    let mut output = std::fs::File::create(database).map_err(Refusal::Local)?;
    let copied = if manifest.encrypted {
        let identity = identity.ok_or(Refusal::NoKey)?;
        let decrypted = age::Decryptor::new(object)?.decrypt(std::iter::once(identity as &dyn age::Identity))?;
        io::copy(&mut GzDecoder::new(decrypted), &mut output)
    } else {
        io::copy(&mut GzDecoder::new(object), &mut output)
    };
    copied.map_err(read_or_write)?;
    output.sync_all().map_err(Refusal::Local)
}

/// A gzip or age stream that does not decode is the copy's fault; any other failure of the
/// copy loop is writing here (the checksum already proved the bytes are as uploaded).
fn read_or_write(err: io::Error) -> Refusal {
    match err.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => Refusal::Unpack(err),
        _ => Refusal::Local(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_of(object: &Path, encrypted: bool) -> Manifest {
        let bytes = std::fs::read(object).unwrap();
        Manifest {
            format: FORMAT,
            seq: 1,
            object: object_name(1, encrypted),
            sha256: format!("{:x}", Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            database_size: 0,
            schema_version: 0,
            ingest_seq: 0,
            encrypted,
            created: String::new(),
            annotations: 0,
            deleted_on_device: 0,
        }
    }

    #[test]
    fn a_packed_file_unpacks_to_the_same_bytes_and_only_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("original");
        let text: Vec<u8> = (0..20_000).flat_map(|n| format!("highlight {n} of a long book; ").into_bytes()).collect();
        std::fs::write(&original, &text).unwrap();
        let identity = age::x25519::Identity::generate();
        for key in [None, Some(&identity)] {
            let object = dir.path().join("object");
            let (sha256, size) = pack(&original, &object, key.map(|key| key.to_public()).as_ref()).unwrap();
            let manifest = manifest_of(&object, key.is_some());
            assert_eq!((sha256, size), (manifest.sha256.clone(), manifest.size));
            let bytes = std::fs::read(&object).unwrap();
            assert!(bytes.len() < text.len() / 2, "compressed");
            let unpacked = dir.path().join("unpacked");
            unpack(&bytes, &manifest, key, &unpacked).unwrap();
            assert_eq!(std::fs::read(&unpacked).unwrap(), text);
            if key.is_some() {
                assert!(matches!(unpack(&bytes, &manifest, None, &unpacked), Err(Refusal::NoKey)));
                let other = age::x25519::Identity::generate();
                assert!(matches!(unpack(&bytes, &manifest, Some(&other), &unpacked), Err(Refusal::Decrypt(_))));
            }
            let truncated = &bytes[..bytes.len() - 1];
            assert!(matches!(unpack(truncated, &manifest, key, &unpacked), Err(Refusal::Size { .. })));
            let mut flipped = bytes.clone();
            flipped[bytes.len() / 2] ^= 1;
            assert!(matches!(unpack(&flipped, &manifest, key, &unpacked), Err(Refusal::Checksum { .. })));
        }
    }
}
