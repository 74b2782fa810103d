//! Reading a series from a CSV file as real exports write them, for the [`super::csv`] task:
//! a delimiter found by looking (comma, semicolon or tab) or given, a header row found by
//! looking or given, quoted fields (`"1,5"`, `""` for a quote), CRLF or LF line ends, a UTF-8
//! byte-order mark, `#` comment lines, and columns the task does not use (dates, names), which
//! are never parsed. The `csv` crate does the splitting; this module decides what the fields
//! mean and says where a file goes wrong.
//!
//! ## Streaming and limits
//!
//! A file is looked at before it is read: it must be a regular file of at most
//! [`MAX_CSV_BYTES`] (256 MiB), so a 1 GB file is refused from its size alone. Then it is read
//! once, record by record, keeping only the columns the task uses (8 bytes per value) and
//! hashing every byte (SHA-256) on the way; more than [`MAX_CSV_ROWS`] data rows (two million)
//! ends the read at the row past the limit. The delimiter and header are decided on the first
//! [`SNIFF_BYTES`] (64 KiB) only.
//!
//! ## Fields
//!
//! A value is a number as Rust writes it (`315.8`, `-2`, `1e-3`), with surrounding spaces
//! ignored; a decimal comma is not a number (the message says so). Missing values are empty
//! fields and the markers `NA`, `N/A`, `NaN` and `null` (any case); they are kept as NaN for the
//! task's missing-value policy. `inf` and other non-finite numbers are errors.

use std::fmt::Write as _;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Most bytes of a CSV file: 256 MiB, checked against the file's size before it is opened.
pub const MAX_CSV_BYTES: u64 = 256 << 20;

/// Most data rows of a CSV file: two million (40 years of hourly readings), counted while
/// streaming; only the used columns of these rows are held.
pub const MAX_CSV_ROWS: usize = 2_000_000;

/// Bytes from the start of the file on which the delimiter and the header are decided.
pub const SNIFF_BYTES: usize = 64 << 10;

/// Most input columns a task may use.
pub const MAX_INPUT_COLUMNS: usize = 256;

/// The Mauna Loa weekly CO2 record, shipped in the binary (see `assets/README.md`).
pub const CO2_WEEKLY: &[u8] = include_bytes!("../../assets/co2_mauna_loa_weekly.csv");

/// How `origin` names the bundled series in messages and settings.
pub const CO2_ORIGIN: &str = "the bundled Mauna Loa CO2 weekly series";

/// The field delimiter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    /// Decided on the first 64 KiB: tab, then semicolon, then comma, the first that splits
    /// every record into the same number (≥ 2) of fields; else the one that gives the first
    /// record the most fields; a single column otherwise.
    #[default]
    Auto,
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    /// Name as in configs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Comma => "comma",
            Self::Semicolon => "semicolon",
            Self::Tab => "tab",
        }
    }

    fn byte(self) -> Option<u8> {
        match self {
            Self::Auto => None,
            Self::Comma => Some(b','),
            Self::Semicolon => Some(b';'),
            Self::Tab => Some(b'\t'),
        }
    }
}

/// Whether the first record names the columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderRow {
    /// A header when some field of the first record is text (not a number, not a missing
    /// marker) while a later record of the first 64 KiB has a number in that column: `date,co2`
    /// over `19580329,316.1` is a header; `1958-03-29,316.1` over `1958-04-05,317.3` is data.
    #[default]
    Auto,
    /// The first record is a header.
    Present,
    /// Every record is data; columns are named by index only.
    Absent,
}

impl HeaderRow {
    /// Name as in configs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Present => "present",
            Self::Absent => "absent",
        }
    }
}

/// A column, by its header name (`"co2"`) or its 0-based index (`1`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Column {
    Index(usize),
    Name(String),
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Index(i) => write!(f, "{i}"),
            Self::Name(n) => write!(f, "{n:?}"),
        }
    }
}

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

/// Which columns to read and how the file is laid out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadOptions {
    pub delimiter: Delimiter,
    pub header: HeaderRow,
    /// The target column; `None`: the last column that holds numbers.
    pub target: Option<Column>,
    /// The input columns; empty: the target alone.
    pub inputs: Vec<Column>,
}

/// A column the task reads, resolved against the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsedColumn {
    /// 0-based index in the file's records.
    pub index: usize,
    /// The header's name for it, if the file has a header.
    pub name: Option<String>,
}

impl UsedColumn {
    /// `"co2" (index 1)` or `index 1`.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("column {n:?} (index {})", self.index),
            None => format!("column index {}", self.index),
        }
    }
}

/// The used columns of a CSV file, read.
#[derive(Clone, Debug)]
pub struct CsvData {
    /// The path, or the bundled series' name.
    pub origin: String,
    /// SHA-256 of the file's bytes (as read, BOM included), 64 lowercase hex digits.
    pub sha256: String,
    /// The delimiter used (after detection).
    pub delimiter: u8,
    /// The header's names, if the file has a header row.
    pub header: Option<Vec<String>>,
    pub target: UsedColumn,
    /// The input columns, in the order given (the target alone when none were given).
    pub inputs: Vec<UsedColumn>,
    /// The 1-based line of each data row.
    pub lines: Vec<u64>,
    /// The target column, one value per data row; NaN where missing.
    pub target_values: Vec<f64>,
    /// The input columns, one `Vec` per input, one value per data row; NaN where missing.
    pub input_values: Vec<Vec<f64>>,
}

/// Why a CSV file cannot be used. Each message starts with the task setting it concerns and
/// names the file and, where there is one, the line and the column.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("task.csv.path: cannot read {}: {source}{}", .path.display(), moved_hint(source))]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "task.csv.path: {origin} holds {bytes} bytes; allowed: at most {MAX_CSV_BYTES} bytes \
         (256 MiB)"
    )]
    TooLarge { origin: String, bytes: u64 },
    #[error(
        "task.csv.path: {origin} has more than {MAX_CSV_ROWS} data rows (line {line} is row \
         {}); allowed: at most {MAX_CSV_ROWS}", MAX_CSV_ROWS + 1
    )]
    TooManyRows { origin: String, line: u64 },
    #[error("task.csv.path: {origin} has no data rows{}", if *.header_only { " (only a header)" } else { "" })]
    Empty { origin: String, header_only: bool },
    #[error(
        "task.csv.sha256: {origin} has changed since this setup named it: its sha256 is {actual}, the setup says {expected}; restore the file, point task.csv.path at the right one, or remove task.csv.sha256 to train on the file as it is now"
    )]
    Changed {
        origin: String,
        expected: String,
        actual: String,
    },
    #[error(
        "task.csv.sha256: {value:?} is not allowed; allowed: 64 hexadecimal digits (a SHA-256)"
    )]
    BadHash { value: String },
    #[error(
        "task.csv.{field}: {origin} has no header row, so a column cannot be named {name:?}; give its 0-based index instead, or set header: present"
    )]
    NoHeader {
        field: &'static str,
        origin: String,
        name: String,
    },
    #[error("task.csv.{field}: {origin} has no column {wanted}; its columns: {columns}")]
    NoSuchColumn {
        field: &'static str,
        origin: String,
        wanted: String,
        columns: String,
    },
    #[error(
        "task.csv.target: {origin} has no numeric column: none of its columns ({columns}) holds \
         numbers in its first data rows (lines {first_line}–{last_line}); name the target \
         column, or check the delimiter ({delimiter})"
    )]
    NoNumericColumn {
        origin: String,
        columns: String,
        first_line: u64,
        last_line: u64,
        delimiter: String,
    },
    #[error("task.csv.inputs: {count} columns are given; allowed: at most {MAX_INPUT_COLUMNS}")]
    TooManyInputs { count: usize },
    #[error(
        "task.csv.path: {origin}, line {line}: the record has {fields} field(s), so {column} is not there"
    )]
    ShortRecord {
        origin: String,
        line: u64,
        fields: usize,
        column: String,
    },
    #[error(
        "task.csv.path: {origin}, line {line}, {column}: expected a number, found {found:?}{hint}"
    )]
    NotANumber {
        origin: String,
        line: u64,
        column: String,
        found: String,
        hint: &'static str,
    },
    #[error(
        "task.csv.missing: {origin}, line {line}, {column}: the value is missing (empty or a \
         marker such as NA) and missing: refuse allows none; use missing: interpolate (the \
         default) or missing: skip"
    )]
    MissingRefused {
        origin: String,
        line: u64,
        column: String,
    },
    #[error(
        "task.csv.normalize: {origin}, {column} takes fewer than two distinct values in the \
         training rows ({lines}), so {normalize} cannot scale it; use another column or \
         more rows"
    )]
    Constant {
        origin: String,
        column: String,
        lines: String,
        normalize: &'static str,
    },
    #[error(
        "task.csv.{field}: {origin} has {rows} data rows: {parts}; a window needs seq_len + \
         horizon = {windows}; allowed: at least one of each ({why})"
    )]
    TooFewWindows {
        field: &'static str,
        origin: String,
        rows: usize,
        /// `16 for training (lines 2–17) and 4 held out (lines 18–21; held_out = 0.2)`.
        parts: String,
        /// `4 + 2 rows within one part, which gives 11 training and 0 held-out windows`.
        windows: String,
        why: &'static str,
    },
    #[error("task.csv.path: {origin}, line {line}: {message}")]
    Malformed {
        origin: String,
        line: u64,
        message: String,
    },
}

fn moved_hint(e: &io::Error) -> &'static str {
    if e.kind() == io::ErrorKind::NotFound {
        " (was it moved or renamed? point task.csv.path at it)"
    } else {
        ""
    }
}

/// Whether `s` is 64 hexadecimal digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
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
struct LineCounter {
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
    fn line_of_record_ending_at(&mut self, text: &[u8], end: u64) -> u64 {
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
struct LineIndex {
    pending: std::collections::VecDeque<u64>,
    passed: u64,
    last_passed: Option<u64>,
}

impl LineIndex {
    /// The 1-based line of the last line of a record that ends (after its line end) at
    /// byte `end` of the stream; ends must not decrease.
    fn line_of_record_ending_at(&mut self, end: u64) -> u64 {
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
fn embedded_newlines(rec: &csv::ByteRecord) -> u64 {
    rec.iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
        .sum()
}

/// A reader that hashes what passes through and drops a leading UTF-8 byte-order mark from
/// what it hands on (the hash covers the file's bytes as they are).
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    /// Bytes of the file's start not yet checked for a BOM.
    start: Vec<u8>,
    start_done: bool,
    /// Bytes handed on so far, and where the newlines among them are.
    handed: u64,
    lines: std::rc::Rc<std::cell::RefCell<LineIndex>>,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
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
    fn finish(mut self) -> io::Result<String> {
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

/// A csv reader over `r` with `delimiter`, every record taken as data, `#` lines skipped,
/// records of any length.
fn csv_reader<R: Read>(r: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(r)
}

/// Whether a trimmed field is a missing value.
pub fn is_missing_marker(field: &str) -> bool {
    field.is_empty()
        || ["na", "n/a", "nan", "null"]
            .iter()
            .any(|m| field.eq_ignore_ascii_case(m))
}

/// A field as a value: `Some(NaN)` if missing, `Some(v)` for a finite number, `None` if it is
/// neither.
fn parse_value(field: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(field).ok()?.trim();
    if is_missing_marker(s) {
        return Some(f64::NAN);
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The records of the file's first [`SNIFF_BYTES`] (after a BOM), whole records only, with
/// their lines.
fn sniff_records(
    prefix: &[u8],
    truncated: bool,
    delimiter: u8,
) -> Result<Vec<(u64, csv::ByteRecord)>, csv::Error> {
    let mut rdr = csv_reader(prefix, delimiter);
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut lines = LineCounter::default();
    while rdr.read_byte_record(&mut rec)? {
        let end = rdr.position().byte();
        let line = lines.line_of_record_ending_at(prefix, end) - embedded_newlines(&rec);
        out.push((line, rec.clone()));
    }
    if truncated {
        // The last record may be cut at the prefix's end.
        out.pop();
    }
    Ok(out)
}

/// The delimiter [`Delimiter::Auto`] picks for the sample `prefix`.
fn detect_delimiter(prefix: &[u8], truncated: bool) -> u8 {
    let candidates = [b'\t', b';', b','];
    let mut widest = (1, b',');
    for d in candidates {
        let Ok(records) = sniff_records(prefix, truncated, d) else {
            continue;
        };
        let Some((_, first)) = records.first() else {
            continue;
        };
        let n = first.len();
        if n >= 2 && records.iter().all(|(_, r)| r.len() == n) {
            return d;
        }
        if n > widest.0 {
            widest = (n, d);
        }
    }
    widest.1
}

/// Whether the first sampled record is a header ([`HeaderRow::Auto`]).
fn looks_like_header(records: &[(u64, csv::ByteRecord)]) -> bool {
    let Some((_, first)) = records.first() else {
        return false;
    };
    if records.len() == 1 {
        // A lone record with text in it names columns that have no rows.
        return first.iter().any(|f| parse_value(f).is_none());
    }
    first.iter().enumerate().any(|(k, field)| {
        parse_value(field).is_none()
            && records[1..]
                .iter()
                .any(|(_, r)| r.get(k).and_then(parse_value).is_some_and(|v| !v.is_nan()))
    })
}

fn delimiter_name(d: u8) -> String {
    match d {
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        b'\t' => "tab".into(),
        other => format!("{:?}", char::from(other)),
    }
}

/// The columns of the file, for messages: `date, co2` or `0..=1`.
fn column_list(header: Option<&[String]>, width: usize) -> String {
    match header {
        Some(names) => names
            .iter()
            .enumerate()
            .map(|(k, n)| format!("{k}: {n:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        None if width == 0 => "none".into(),
        None => format!("indices 0..={} (no header)", width - 1),
    }
}

/// Resolves a column setting against the header and the first record's width.
fn resolve(
    field: &'static str,
    origin: &str,
    column: &Column,
    header: Option<&[String]>,
    width: usize,
) -> Result<UsedColumn, CsvError> {
    let no_such = |wanted: String| CsvError::NoSuchColumn {
        field,
        origin: origin.to_owned(),
        wanted,
        columns: column_list(header, width),
    };
    match column {
        Column::Index(i) => {
            if *i < width {
                Ok(UsedColumn {
                    index: *i,
                    name: header.and_then(|h| h.get(*i).cloned()),
                })
            } else {
                Err(no_such(format!("index {i}")))
            }
        }
        Column::Name(name) => {
            let Some(names) = header else {
                return Err(CsvError::NoHeader {
                    field,
                    origin: origin.to_owned(),
                    name: name.clone(),
                });
            };
            let wanted = name.trim();
            names
                .iter()
                .position(|n| n == wanted)
                .map(|index| UsedColumn {
                    index,
                    name: Some(names[index].clone()),
                })
                .ok_or_else(|| no_such(format!("{name:?}")))
        }
    }
}

/// A csv crate error as a message with its line.
fn malformed(origin: &str, e: &csv::Error) -> CsvError {
    let line = e.position().map_or(0, csv::Position::line);
    CsvError::Malformed {
        origin: origin.to_owned(),
        line,
        message: e.to_string(),
    }
}

/// Reads the used columns of `source`. With `expected_sha256`, a file whose content hashes
/// differently is [`CsvError::Changed`], also when it no longer parses.
pub fn read_csv(
    source: Source<'_>,
    options: &ReadOptions,
    expected_sha256: Option<&str>,
) -> Result<CsvData, CsvError> {
    if let Some(h) = expected_sha256
        && !is_sha256_hex(h)
    {
        return Err(CsvError::BadHash {
            value: h.to_owned(),
        });
    }
    if options.inputs.len() > MAX_INPUT_COLUMNS {
        return Err(CsvError::TooManyInputs {
            count: options.inputs.len(),
        });
    }
    let origin = source.origin();
    // The sample the layout is decided on.
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    let mut sample = Hashing::new(source.open()?);
    (&mut sample)
        .take(SNIFF_BYTES as u64 + 1)
        .read_to_end(&mut prefix)
        .map_err(|e| read_error(&source, e))?;
    let truncated = prefix.len() > SNIFF_BYTES;
    prefix.truncate(SNIFF_BYTES);
    let delimiter = options
        .delimiter
        .byte()
        .unwrap_or_else(|| detect_delimiter(&prefix, truncated));
    let records =
        sniff_records(&prefix, truncated, delimiter).map_err(|e| malformed(&origin, &e))?;
    let has_header = match options.header {
        HeaderRow::Present => true,
        HeaderRow::Absent => false,
        HeaderRow::Auto => looks_like_header(&records),
    };
    let header: Option<Vec<String>> = if has_header {
        records.first().map(|(_, r)| {
            r.iter()
                .map(|f| String::from_utf8_lossy(f).trim().to_owned())
                .collect()
        })
    } else {
        None
    };
    let width = records.first().map_or(0, |(_, r)| r.len());
    let data_sample = &records[usize::from(has_header).min(records.len())..];

    // The file again, from its start, streamed.
    let mut hashing = Hashing::new(source.open()?);
    let outcome = (|| {
        if data_sample.is_empty() && !truncated {
            return Err(CsvError::Empty {
                origin: origin.clone(),
                header_only: has_header,
            });
        }
        let target = match &options.target {
            Some(c) => resolve("target", &origin, c, header.as_deref(), width)?,
            None => last_numeric_column(&origin, header.as_deref(), width, data_sample, delimiter)?,
        };
        let inputs: Vec<UsedColumn> = if options.inputs.is_empty() {
            vec![target.clone()]
        } else {
            options
                .inputs
                .iter()
                .map(|c| resolve("inputs", &origin, c, header.as_deref(), width))
                .collect::<Result<_, _>>()?
        };
        let mut data = CsvData {
            origin: origin.clone(),
            sha256: String::new(),
            delimiter,
            header: header.clone(),
            target,
            inputs,
            lines: Vec::new(),
            target_values: Vec::new(),
            input_values: Vec::new(),
        };
        data.input_values = vec![Vec::new(); data.inputs.len()];
        stream_rows(&mut hashing, has_header, &mut data)?;
        Ok(data)
    })();
    let actual = hashing.finish().map_err(|e| read_error(&source, e))?;
    if let Some(expected) = expected_sha256
        && !expected.eq_ignore_ascii_case(&actual)
    {
        return Err(CsvError::Changed {
            origin,
            expected: expected.to_ascii_lowercase(),
            actual,
        });
    }
    let mut data = outcome?;
    data.sha256 = actual;
    Ok(data)
}

fn read_error(source: &Source<'_>, e: io::Error) -> CsvError {
    match source {
        Source::File(p) => CsvError::Unreadable {
            path: p.to_path_buf(),
            source: e,
        },
        Source::Bytes { origin, .. } => CsvError::Malformed {
            origin: (*origin).to_owned(),
            line: 0,
            message: e.to_string(),
        },
    }
}

/// The default target: the last column whose sampled data values are numbers or missing, with
/// at least one number.
fn last_numeric_column(
    origin: &str,
    header: Option<&[String]>,
    width: usize,
    data_sample: &[(u64, csv::ByteRecord)],
    delimiter: u8,
) -> Result<UsedColumn, CsvError> {
    // Its first value that is not missing is a number (a later bad value is then an error
    // naming its line, not a reason to pick another column).
    let numeric = |k: usize| {
        data_sample
            .iter()
            .filter_map(|(_, r)| r.get(k).map(parse_value))
            .find(|v| v.is_none_or(|v| !v.is_nan()))
            .is_some_and(|v| v.is_some())
    };
    (0..width)
        .rev()
        .find(|&k| numeric(k))
        .map(|index| UsedColumn {
            index,
            name: header.and_then(|h| h.get(index).cloned()),
        })
        .ok_or_else(|| CsvError::NoNumericColumn {
            origin: origin.to_owned(),
            columns: column_list(header, width),
            first_line: data_sample.first().map_or(0, |(l, _)| *l),
            last_line: data_sample.last().map_or(0, |(l, _)| *l),
            delimiter: delimiter_name(delimiter),
        })
}

/// Reads every data row of `r` into `data`'s used columns.
fn stream_rows<R: Read>(
    r: &mut Hashing<R>,
    skip_header: bool,
    data: &mut CsvData,
) -> Result<(), CsvError> {
    let lines = std::rc::Rc::clone(&r.lines);
    let mut rdr = csv_reader(r, data.delimiter);
    let mut rec = csv::ByteRecord::new();
    let mut first = true;
    let mut header_seen = false;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(malformed(&data.origin, &e)),
        }
        if first && skip_header {
            first = false;
            header_seen = true;
            continue;
        }
        first = false;
        let end = rdr.position().byte();
        let line = lines.borrow_mut().line_of_record_ending_at(end) - embedded_newlines(&rec);
        if data.lines.len() == MAX_CSV_ROWS {
            return Err(CsvError::TooManyRows {
                origin: data.origin.clone(),
                line,
            });
        }
        let value = |column: &UsedColumn| -> Result<f64, CsvError> {
            let field = rec.get(column.index).ok_or_else(|| CsvError::ShortRecord {
                origin: data.origin.clone(),
                line,
                fields: rec.len(),
                column: column.describe(),
            })?;
            parse_value(field).ok_or_else(|| {
                let found = String::from_utf8_lossy(field).trim().to_owned();
                CsvError::NotANumber {
                    origin: data.origin.clone(),
                    line,
                    column: column.describe(),
                    hint: if found.contains(',') {
                        " (a number such as 315.8, with a decimal point, not a comma)"
                    } else {
                        ""
                    },
                    found,
                }
            })
        };
        let target = value(&data.target)?;
        let inputs = data
            .inputs
            .iter()
            .map(&value)
            .collect::<Result<Vec<_>, _>>()?;
        data.lines.push(line);
        data.target_values.push(target);
        for (column, v) in data.input_values.iter_mut().zip(inputs) {
            column.push(v);
        }
    }
    if data.lines.is_empty() {
        return Err(CsvError::Empty {
            origin: data.origin.clone(),
            header_only: header_seen,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, options: &ReadOptions) -> Result<CsvData, CsvError> {
        read_csv(
            Source::Bytes {
                origin: "t.csv",
                bytes: text.as_bytes(),
            },
            options,
            None,
        )
    }

    #[test]
    fn the_hash_covers_the_bom_and_the_reader_drops_it() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let text = "\u{feff}a,b\n1,2\n";
        let data = read(text, &ReadOptions::default()).expect("parses");
        assert_eq!(data.sha256, sha256_hex(text.as_bytes()));
        assert_eq!(
            data.header.as_deref(),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        // A byte-by-byte reader hands the start over in pieces: same result.
        let mut h = Hashing::new(OneByte(text.as_bytes()));
        let mut out = Vec::new();
        h.read_to_end(&mut out).expect("reads");
        assert_eq!(out, b"a,b\n1,2\n");
        assert_eq!(h.finish().expect("hash"), sha256_hex(text.as_bytes()));
    }

    #[test]
    fn a_short_file_without_bom_passes_through() {
        let mut h = Hashing::new(&b"1\n"[..]);
        let mut out = Vec::new();
        h.read_to_end(&mut out).expect("reads");
        assert_eq!(out, b"1\n");
    }

    #[test]
    fn missing_markers_and_numbers() {
        for m in ["", "NA", "n/a", "NaN", "null"] {
            assert!(parse_value(m.as_bytes()).is_some_and(f64::is_nan), "{m}");
        }
        assert_eq!(parse_value(b" 315.8 "), Some(315.8));
        assert_eq!(parse_value(b"-1e3"), Some(-1000.0));
        assert_eq!(parse_value(b"inf"), None);
        assert_eq!(parse_value(b"1,5"), None);
        assert_eq!(parse_value(b"abc"), None);
    }
}
