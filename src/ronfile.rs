//! Reading the lab's RON files (presets and sweep files) the one way: a byte-order mark and
//! CRLF line ends are accepted (editors on Windows write them), the `version` field is read
//! first so that a file of another release is named as such instead of failing on some field,
//! nesting is bounded ([`RECURSION_LIMIT`]), and a parse error names the line, the column, the
//! field and the value found.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Deepest nesting of brackets a file may have: the setups are a few levels deep, and a bound
/// turns a hostile file into an error instead of a stack overflow.
pub const RECURSION_LIMIT: usize = 64;

/// Why a RON file could not be read into its type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RonError {
    /// The file's `version` is not the one this build reads.
    #[error("format version {found} is not supported: this build reads version {supported}")]
    Version { found: u32, supported: u32 },
    /// The text does not parse into the type: where and why.
    #[error("line {line}, column {col}: {message}")]
    Parse {
        line: usize,
        col: usize,
        message: String,
    },
}

/// Only the version, to check it before the full parse.
#[derive(Deserialize)]
struct VersionProbe {
    version: u32,
}

/// The options every reader uses: `Some` may be left out, nesting is bounded.
fn options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(RECURSION_LIMIT)
}

/// `text` without a leading byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Parses RON `text` whose top level has a `version` field that must equal `version`.
pub fn parse_versioned<T: DeserializeOwned>(text: &str, version: u32) -> Result<T, RonError> {
    let text = strip_bom(text);
    if let Ok(probe) = options().from_str::<VersionProbe>(text)
        && probe.version != version
    {
        return Err(RonError::Version {
            found: probe.version,
            supported: version,
        });
    }
    parse(text)
}

/// Parses RON `text` (no version check).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, RonError> {
    let text = strip_bom(text);
    options()
        .from_str::<T>(text)
        .map_err(|e| parse_error(text, &e))
}

/// A RON parse error naming line, column, the field and the value found.
fn parse_error(text: &str, e: &ron::error::SpannedError) -> RonError {
    let (line, col) = (e.span.start.line, e.span.start.col);
    let mut message = e.code.to_string();
    // RON names unknown fields itself; for type errors, name the field and the value found.
    if !message.contains('`')
        && let Some((field, value)) = field_at(text, line, col)
    {
        message = format!("field `{field}` = {value}: {message}");
    }
    RonError::Parse { line, col, message }
}

/// The field whose value starts at (or just before) `line:col` (1-based), and that value's
/// text, found by reading back to the nearest `name:`.
fn field_at(text: &str, line: usize, col: usize) -> Option<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines.get(line.checked_sub(1)?)?;
    let cut = here
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(here.len(), |(i, _)| i);
    // The value: from the position to the next `,` or `)` on the line.
    let rest = here[cut..].trim_start();
    let value = rest
        .split([',', ')'])
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    // The field: the identifier before the last `:` at or before the position.
    let mut prefix: &str = &here[..cut];
    let mut l = line - 1;
    while !prefix.contains(':') {
        l = l.checked_sub(1)?;
        prefix = lines[l];
    }
    let before = &prefix[..prefix.rfind(':')?];
    let name: String = before
        .chars()
        .rev()
        .skip_while(|c| c.is_whitespace())
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!name.is_empty() && !value.is_empty()).then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct File {
        version: u32,
        n: u32,
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
        let got: File = parse_versioned("\u{feff}(\r\n    version: 1,\r\n    n: 7,\r\n)\r\n", 1)
            .expect("parses");
        assert_eq!(got, File { version: 1, n: 7 });
    }

    #[test]
    fn another_version_is_named_before_any_field() {
        let err = parse_versioned::<File>("(version: 3, n: \"x\")", 1).unwrap_err();
        assert_eq!(
            err,
            RonError::Version {
                found: 3,
                supported: 1
            }
        );
    }

    #[test]
    fn a_type_error_names_line_column_field_and_value() {
        let err = parse_versioned::<File>("(\n  version: 1,\n  n: \"seven\",\n)", 1).unwrap_err();
        let RonError::Parse { line, message, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(*line, 3);
        assert!(
            message.contains("`n`") && message.contains("seven"),
            "{message}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!(
            "(version: 1, n: {}1{})",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let err = parse_versioned::<File>(&deep, 1).unwrap_err();
        assert!(matches!(err, RonError::Parse { .. }), "{err}");
    }
}
