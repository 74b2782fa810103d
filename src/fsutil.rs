//! Writing files so that a crash never leaves a half-written one: write a temporary file
//! beside the target, flush it to disk, then rename it over the target.

use std::fs::File;
use std::io::{self, Write};
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
