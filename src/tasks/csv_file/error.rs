//! Why a CSV file cannot be used: each message starts with the task setting it concerns and
//! names the file and, where there is one, the line and the column.

use std::io;
use std::path::PathBuf;

use super::{MAX_CSV_BYTES, MAX_CSV_ROWS, MAX_INPUT_COLUMNS};

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
