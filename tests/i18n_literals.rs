//! No English left outside the message tables: every string literal in the GUI code (outside
//! `src/gui/i18n/` and the test modules) that holds a word is either a key the window never
//! shows (an egui id, a panic message…) or marked `// i18n-exempt: why` on its line.
//!
//! A word is a run of three or more ASCII letters, after `{…}` placeholders are removed, that
//! is not an identifier (no `_`) and not one of the names both languages share
//! ([`bptt_lab::gui::i18n::SHARED_NAMES`]). Chinese in a literal counts too (it belongs in the
//! tables).

use std::path::{Path, PathBuf};

use bptt_lab::gui::i18n::SHARED_NAMES;

/// Calls whose string arguments are not shown to the user.
const NOT_SHOWN: &[&str] = &[
    "id_salt(",
    "Id::new(",
    "Id::unique(",
    "push_id(",
    "Grid::new(",
    "Panel::",
    "reason =",
    ".expect(",
    "eprintln!",
    "panic!",
    "unreachable!",
    "debug_assert",
    "include_bytes!(",
    "include_str!(",
    "// i18n-exempt:",
];

/// A string literal: its text, the line it starts on (1-based), and whether it is the name
/// of a value given to `trf` (`("steps", &steps)`), which is a key, not a text.
struct Literal {
    line: usize,
    text: String,
    value_name: bool,
}

/// Whether the literal between `start` (its opening quote) and `end` (past its closing one)
/// is a lower-case name written `("name", value)`, as the values given to `trf` are.
fn is_value_name(src: &str, start: usize, end: usize) -> bool {
    let name = &src[start + 1..end.saturating_sub(1).max(start + 1)];
    let before = src[..start].trim_end().ends_with('(');
    let after = src[end.min(src.len())..].trim_start();
    before
        && after.starts_with(',')
        && !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// The string literals of Rust source, skipping comments, char literals and lifetimes.
fn literals(src: &str) -> Vec<Literal> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    line += usize::from(b[i] == b'\n');
                    i += 1;
                }
                i += 2;
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let start = j + 1;
                let end = src[start..].find(&close).map_or(b.len(), |k| start + k);
                out.push(Literal {
                    line,
                    text: src[start..end].to_owned(),
                    value_name: false,
                });
                line += src[start..end].matches('\n').count();
                i = end + close.len();
            }
            b'"' => {
                let start_line = line;
                let open = i;
                let mut text = String::new();
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                        if b.get(i) == Some(&b'\n') {
                            line += 1;
                            // A line continuation: the next line's leading spaces are skipped.
                            while i + 1 < b.len() && b[i + 1].is_ascii_whitespace() {
                                i += 1;
                                line += usize::from(b[i] == b'\n');
                            }
                        }
                        text.push(' ');
                    } else {
                        line += usize::from(b[i] == b'\n');
                        let ch = src[i..].chars().next().unwrap_or(' ');
                        text.push(ch);
                        i += ch.len_utf8() - 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push(Literal {
                    line: start_line,
                    text,
                    value_name: is_value_name(src, open, i),
                });
            }
            b'\'' => {
                // 'x', '\n', '\u{..}' are chars; 'a without a closing quote is a lifetime.
                if b.get(i + 1) == Some(&b'\\') {
                    let close = src[i + 2..].find('\'').map_or(b.len(), |k| i + 2 + k);
                    i = close + 1;
                } else if let Some(ch) = src[i + 1..].chars().next()
                    && src[i + 1 + ch.len_utf8()..].starts_with('\'')
                {
                    i += 2 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The English words (and Chinese characters) of a literal that would need a translation.
fn words_needing_translation(text: &str) -> Vec<String> {
    let mut stripped = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => stripped.push(c),
            _ => {}
        }
    }
    let mut found: Vec<String> = stripped
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':'))
        .filter(|w| !w.contains(['_', '.', ':']))
        .flat_map(|w| w.split(|c: char| !c.is_ascii_alphabetic()))
        .filter(|w| w.len() >= 3 && !SHARED_NAMES.contains(w))
        .map(str::to_owned)
        .collect();
    if stripped
        .chars()
        .any(|c| ('\u{3000}'..='\u{9fff}').contains(&c))
    {
        found.push("(Chinese text)".to_owned());
    }
    found
}

/// The part of a file the window's code is in: up to its test module.
fn code_part(src: &str) -> &str {
    src.find("#[cfg(test)]").map_or(src, |k| &src[..k])
}

fn gui_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/gui is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "i18n") {
                gui_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_shown_literal_of_the_gui_is_in_the_tables() {
    let mut files = Vec::new();
    gui_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gui"),
        &mut files,
    );
    files.sort();
    assert!(files.len() > 20, "found the GUI's files: {files:?}");
    let mut offenders = Vec::new();
    for path in &files {
        let src = std::fs::read_to_string(path).expect("a source file");
        let lines: Vec<&str> = src.lines().collect();
        for lit in literals(code_part(&src)) {
            let words = words_needing_translation(&lit.text);
            if words.is_empty() || lit.value_name {
                continue;
            }
            let here = lines.get(lit.line - 1).copied().unwrap_or("");
            if NOT_SHOWN.iter().any(|p| here.contains(p)) {
                continue;
            }
            offenders.push(format!(
                "{}:{}: \"{}\" ({})",
                path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap_or(path)
                    .display(),
                lit.line,
                lit.text.chars().take(60).collect::<String>(),
                words.join(", ")
            ));
        }
    }
    assert!(
        offenders.is_empty(),
        "{} literal(s) with words outside the message tables (put them in src/gui/i18n/, or \
         mark a text the window never shows with `// i18n-exempt: why`):\n{}",
        offenders.len(),
        offenders.join("\n")
    );
}

#[test]
fn the_scanner_finds_what_it_should() {
    let src = "fn f<'a>(x: &'a str) { let c = '\"'; ui.label(\"Start training\"); \
               ui.label(format!(\"{steps} …\")); // \"in a comment\"\n\
               trf(K, &[(\"steps\", &n)]);\n\
               ui.label(r#\"raw \"text\" here\"#); egui::Id::new(\"plot\"); }";
    let lits = literals(src);
    let texts: Vec<&str> = lits.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Start training",
            "{steps} …",
            "steps",
            "raw \"text\" here",
            "plot"
        ]
    );
    assert_eq!(lits[3].line, 3);
    let names: Vec<bool> = lits.iter().map(|l| l.value_name).collect();
    assert_eq!(names, [false, false, true, false, false]);
    assert_eq!(
        words_needing_translation("Start training"),
        ["Start", "training"]
    );
    assert!(words_needing_translation("{steps} …").is_empty());
    assert!(words_needing_translation("LSTM · lr=0.01 · k1").is_empty());
    assert!(words_needing_translation("optimizer.lr").is_empty());
    assert!(words_needing_translation("W_hh").is_empty());
    assert_eq!(words_needing_translation("开始"), ["(Chinese text)"]);
}
