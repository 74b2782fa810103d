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

use std::io::{self, Read};

use serde::{Deserialize, Serialize};

mod error;
mod source;

pub use error::CsvError;
use source::{Hashing, LineCounter, embedded_newlines};
pub use source::{Source, is_sha256_hex, sha256_hex};

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
