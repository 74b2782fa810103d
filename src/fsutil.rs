//! Files in and out. Writing: so that a crash never leaves a half-written file, write a
//! temporary file beside the target, flush it to disk, then rename it over the target.
//! Reading: only regular files (a FIFO or a device would block or never end), and only up to
//! a size cap checked before anything is allocated.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A temporary name beside `path`, unique per process and call.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

/// Writes `path` atomically with the contents `write` produces into the given file.
pub fn write_atomic_with<T>(
    path: &Path,
    write: impl FnOnce(&File) -> io::Result<T>,
) -> io::Result<T> {
    let tmp = temp_path(path);
    let result = (|| {
        let file = File::create(&tmp)?;
        let value = write(&file)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |mut f| f.write_all(bytes))
}

/// Most bytes of a settings-like text file (a preset, a sweep file, a run's JSON): 4 MiB.
pub const TEXT_FILE_CAP: u64 = 4 << 20;

/// Most bytes of a CSV file we read back (a run's metrics, a sweep's results): 256 MiB, far
/// above what the thinned logs reach (about 55 MB for 4·10⁶ steps).
pub const CSV_FILE_CAP: u64 = 256 << 20;

/// Reads the regular file at `path` whole, if it holds at most `cap` bytes. A FIFO, a device or
/// a directory is an [`io::ErrorKind::InvalidInput`] error and a larger file an
/// [`io::ErrorKind::FileTooLarge`] one, both saying so in words, before anything is read.
pub fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    // Looked at before opening: opening a FIFO blocks until something writes to it.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a folder, FIFO or device cannot be read as data)",
        ));
    }
    if meta.len() > cap {
        return Err(too_large(meta.len(), cap));
    }
    let file = File::open(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow while it is read: never more than `cap` bytes.
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64, cap));
    }
    Ok(bytes)
}

fn too_large(len: u64, cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("the file holds {len} bytes, more than the {cap} this reader takes"),
    )
}

/// [`read_capped`] as UTF-8 text; invalid UTF-8 is an [`io::ErrorKind::InvalidData`] error
/// naming the byte offset.
pub fn read_text_capped(path: &Path, cap: u64) -> io::Result<String> {
    String::from_utf8(read_capped(path, cap)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (an invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{read_capped, read_text_capped};
    use std::io::ErrorKind;

    #[test]
    fn reads_regular_files_up_to_the_cap_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "héllo").unwrap();
        assert_eq!(read_text_capped(&path, 6).unwrap(), "héllo");
        assert_eq!(
            read_capped(&path, 5).unwrap_err().kind(),
            ErrorKind::FileTooLarge
        );
        assert_eq!(
            read_capped(dir.path(), 100).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        std::fs::write(&path, [b'a', 0xff]).unwrap();
        let e = read_text_capped(&path, 100).unwrap_err();
        assert!(e.to_string().contains("offset 1"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        // In a thread, so that a reader that blocks fails the test instead of hanging it.
        let (tx, rx) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("read-fifo".into())
            .spawn(move || tx.send(read_capped(&fifo, 100).map_err(|e| e.kind())))
            .expect("spawn");
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("read_capped returns instead of blocking on the FIFO");
        assert_eq!(got.unwrap_err(), ErrorKind::InvalidInput);
    }
}
