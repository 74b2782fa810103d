//! The bytes of a CSV file: where they come from (a file, checked for its kind and size
//! before it is opened, or bytes in memory), the SHA-256 taken while they stream by, a
//! byte-order mark dropped, and the line of each record counted from its byte offset.

use std::fmt::Write as _;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{CsvError, MAX_CSV_BYTES};

/// Where the bytes come from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// A file on disk.
    File(&'a Path),
    /// Bytes in memory, named `origin` in messages.
    Bytes { origin: &'a str, bytes: &'a [u8] },
}

impl Source<'_> {
    /// How messages name it: the path, or the origin.
    pub fn origin(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::Bytes { origin, .. } => (*origin).to_owned(),
        }
    }

    /// A reader of its bytes, after checking a file's kind and size.
    pub(crate) fn open(&self) -> Result<Box<dyn Read + '_>, CsvError> {
        match *self {
            Self::Bytes { bytes, .. } => {
                if bytes.len() as u64 > MAX_CSV_BYTES {
                    return Err(CsvError::TooLarge {
                        origin: self.origin(),
                        bytes: bytes.len() as u64,
                    });
                }
                Ok(Box::new(bytes))
            }
            Self::File(path) => {
                let unreadable = |source| CsvError::Unreadable {
                    path: path.to_owned(),
                    source,
                };
                // Looked at before opening: opening a FIFO blocks until something writes.
                let meta = std::fs::metadata(path).map_err(unreadable)?;
                if !meta.is_file() {
                    return Err(unreadable(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "not a regular file (a folder, FIFO or device cannot be read as data)",
                    )));
                }
                if meta.len() > MAX_CSV_BYTES {
                    return Err(CsvError::TooLarge {
                        origin: self.origin(),
                        bytes: meta.len(),
                    });
                }
                Ok(Box::new(std::fs::File::open(path).map_err(unreadable)?))
            }
        }
    }
}

/// Whether `s` is 64 hexadecimal digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Lowercase hex of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lines of records from their byte offsets, counted incrementally (the csv crate's own line
/// numbers leave out comment and blank lines).
#[derive(Default)]
pub(super) struct LineCounter {
    scanned: usize,
    newlines: u64,
}

impl LineCounter {
    /// The 1-based line of the last line of a record of `text` that ends (after its line
    /// end) at `end`; ends must not decrease.
    #[expect(
        clippy::naive_bytecount,
        reason = "one pass over at most 64 KiB; not worth a crate"
    )]
    pub(super) fn line_of_record_ending_at(&mut self, text: &[u8], end: u64) -> u64 {
        let end = usize::try_from(end).unwrap_or(usize::MAX).min(text.len());
        if end > self.scanned {
            self.newlines += text[self.scanned..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.scanned = end;
        }
        if end > 0 && text[end - 1] == b'\n' {
            self.newlines
        } else {
            self.newlines + 1
        }
    }
}

/// The newlines a [`Hashing`] reader handed on and the csv reader has not yet passed: the
/// reader reads a buffer ahead, so this holds at most a buffer's worth.
#[derive(Default)]
pub(super) struct LineIndex {
    pending: std::collections::VecDeque<u64>,
    passed: u64,
    last_passed: Option<u64>,
}

impl LineIndex {
    /// The 1-based line of the last line of a record that ends (after its line end) at
    /// byte `end` of the stream; ends must not decrease.
    pub(super) fn line_of_record_ending_at(&mut self, end: u64) -> u64 {
        while let Some(&n) = self.pending.front().filter(|&&n| n < end) {
            self.pending.pop_front();
            self.passed += 1;
            self.last_passed = Some(n);
        }
        if end > 0 && self.last_passed == Some(end - 1) {
            self.passed
        } else {
            self.passed + 1
        }
    }
}

/// Line ends inside a record's (quoted) fields: its first line is this many before its last.
#[expect(
    clippy::naive_bytecount,
    reason = "fields with line ends are rare and short; not worth a crate"
)]
pub(super) fn embedded_newlines(rec: &csv::ByteRecord) -> u64 {
    rec.iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
        .sum()
}

/// A reader that hashes what passes through and drops a leading UTF-8 byte-order mark from
/// what it hands on (the hash covers the file's bytes as they are).
pub(super) struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    /// Bytes of the file's start not yet checked for a BOM.
    start: Vec<u8>,
    start_done: bool,
    /// Bytes handed on so far, and where the newlines among them are.
    handed: u64,
    pub(super) lines: std::rc::Rc<std::cell::RefCell<LineIndex>>,
}

impl<R: Read> Hashing<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            start: Vec::new(),
            start_done: false,
            handed: 0,
            lines: std::rc::Rc::default(),
        }
    }

    /// Notes the newlines of `bytes`, just handed on.
    fn note(&mut self, bytes: &[u8]) {
        let mut index = self.lines.borrow_mut();
        for (k, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'\n') {
            index.pending.push_back(self.handed + k as u64);
        }
        self.handed += bytes.len() as u64;
    }

    /// Reads the rest (unhashed bytes of a file whose reading stopped early) and returns the
    /// hash of the whole.
    pub(super) fn finish(mut self) -> io::Result<String> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(hex(&self.hasher.finalize()))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.start_done {
            // Gather the first three bytes (a read may hand over fewer), then drop a BOM.
            while self.start.len() < 3 {
                let mut b = [0u8; 3];
                let n = self.inner.read(&mut b[..3 - self.start.len()])?;
                if n == 0 {
                    break;
                }
                self.hasher.update(&b[..n]);
                self.start.extend_from_slice(&b[..n]);
            }
            self.start_done = true;
            if self.start == b"\xEF\xBB\xBF" {
                self.start.clear();
            }
        }
        if !self.start.is_empty() {
            let n = self.start.len().min(buf.len());
            buf[..n].copy_from_slice(&self.start[..n]);
            self.start.drain(..n);
            self.note(&buf[..n]);
            return Ok(n);
        }
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.note(&buf[..n]);
        Ok(n)
    }
}
