//! Presets: a named, described training setup in RON, optionally with an `expect` clause that
//! `bptt-lab reproduce` checks. A preset read from disk is untrusted until [`Preset::validate`]
//! turns it into a [`TrainConfig`]; every error names the field, the value, what is allowed
//! and, last, the file.
//!
//! ```ron
//! (
//!     version: 1,
//!     name: "LSTM on adding, T = 50",
//!     description: "What to expect and why.",
//!     config: (
//!         seed: 1,
//!         model: (cell: lstm, hidden: 32),
//!         task: adding(seq_len: 50),
//!         optimizer: adam(lr: 0.001),
//!         batch_size: 32,
//!         steps: 1000,
//!     ),
//!     expect: Some((metric: eval_loss, compare: below, threshold: 0.05, by_step: 1000)),
//! )
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::expect::{Compare, Expect, ExpectMetric, Versus};
use crate::ronfile::{self, RonError};
use crate::train::{ConfigError, Setup, TrainConfig};

/// The preset format this build writes and reads.
pub const PRESET_VERSION: u32 = 1;

/// A preset file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub version: u32,
    pub name: String,
    /// What to expect and why, shown beside the plots while it runs.
    pub description: String,
    pub config: Setup,
    #[serde(default)]
    pub expect: Option<Expect>,
    /// A claim against another preset on paired seeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versus: Option<Versus>,
    /// The name and description in Simplified Chinese, for the window in 简体中文 (the command
    /// line stays English). Every shipped preset has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh_cn: Option<PresetText>,
}

/// A preset's name and description in another language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetText {
    pub name: String,
    pub description: String,
}

/// Why a preset cannot be used. The file comes last in every message.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("cannot read: {source} (in {path})")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("line {line}, column {col}: {message} (in {path})")]
    Parse {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },
    #[error(
        "preset format version {found} is not supported: this build reads version {PRESET_VERSION}{hint} (in {path})"
    )]
    Version {
        path: PathBuf,
        found: u32,
        hint: &'static str,
    },
    #[error("{source} (in {path})")]
    Invalid { path: PathBuf, source: ConfigError },
    #[error("--set {key}: {message}")]
    Set { key: String, message: String },
    #[error("expect.by_step = {by_step}: must be in 1..=steps ({steps}) (in {path})")]
    ExpectStep {
        path: PathBuf,
        by_step: u64,
        steps: u64,
    },
    /// A claim (`expect`, `versus`) that cannot be judged.
    #[error("`{field}` = {value}: {allowed} (in {path})")]
    Claim {
        path: PathBuf,
        field: &'static str,
        value: String,
        allowed: &'static str,
    },
}

/// Most seeds a claim may be judged on.
pub const MAX_CLAIM_SEEDS: u32 = 1000;

/// `1 ≤ at_least ≤ seeds ≤` [`MAX_CLAIM_SEEDS`], or the field, value and what is allowed.
fn check_seeds(
    seeds: u32,
    at_least: u32,
    clause: &'static str,
) -> Result<(), (&'static str, String, &'static str)> {
    let (seeds_field, at_least_field) = match clause {
        "expect" => ("expect.seeds", "expect.at_least"),
        _ => ("versus.seeds", "versus.at_least"),
    };
    if !(1..=MAX_CLAIM_SEEDS).contains(&seeds) {
        return Err((seeds_field, seeds.to_string(), "must be in 1..=1000"));
    }
    if !(1..=seeds).contains(&at_least) {
        return Err((at_least_field, at_least.to_string(), "must be in 1..=seeds"));
    }
    Ok(())
}

impl PresetError {
    /// A [`RonError`] of the file at `path` as a preset error.
    pub(crate) fn from_ron(path: &Path, e: RonError) -> Self {
        match e {
            RonError::Version { found, .. } => Self::Version {
                path: path.to_owned(),
                found,
                hint: if found > PRESET_VERSION {
                    "; it was written by a newer bptt-lab"
                } else {
                    ""
                },
            },
            RonError::Parse { line, col, message } => Self::Parse {
                path: path.to_owned(),
                line,
                col,
                message,
            },
        }
    }
}

impl Preset {
    /// Parses RON text; `path` is for messages.
    pub fn from_ron(text: &str, path: &Path) -> Result<Self, PresetError> {
        ronfile::parse_versioned(text, PRESET_VERSION).map_err(|e| PresetError::from_ron(path, e))
    }

    /// Reads and parses a preset file (not yet validated).
    pub fn load(path: &Path) -> Result<Self, PresetError> {
        let text = crate::fsutil::read_text_capped(path, crate::fsutil::TEXT_FILE_CAP).map_err(
            |source| PresetError::Io {
                path: path.to_owned(),
                source,
            },
        )?;
        Self::from_ron(&text, path)
    }

    /// Validates the setup into a [`TrainConfig`]; `path` is for messages.
    pub fn validate(&self, path: &Path) -> Result<TrainConfig, PresetError> {
        let config = self
            .config
            .validate()
            .map_err(|source| PresetError::Invalid {
                path: path.to_owned(),
                source,
            })?;
        let claim = |field, value: String, allowed| PresetError::Claim {
            path: path.to_owned(),
            field,
            value,
            allowed,
        };
        if let Some(e) = &self.expect {
            if !(1..=self.config.steps).contains(&e.by_step) {
                return Err(PresetError::ExpectStep {
                    path: path.to_owned(),
                    by_step: e.by_step,
                    steps: self.config.steps,
                });
            }
            if !e.threshold.is_finite() {
                return Err(claim(
                    "expect.threshold",
                    e.threshold.to_string(),
                    "must be a finite number",
                ));
            }
            check_seeds(e.seeds, e.required(), "expect").map_err(|(f, v, a)| claim(f, v, a))?;
        }
        if let Some(v) = &self.versus {
            if !(1..=self.config.steps).contains(&v.by_step) {
                return Err(claim(
                    "versus.by_step",
                    v.by_step.to_string(),
                    "must be in 1..=steps",
                ));
            }
            check_seeds(v.seeds, v.at_least, "versus").map_err(|(f, v, a)| claim(f, v, a))?;
        }
        Ok(config)
    }

    /// Pretty RON text of this preset.
    pub fn to_ron(&self) -> String {
        let pretty = ron::ser::PrettyConfig::new()
            .depth_limit(3)
            .struct_names(false)
            .separate_tuple_members(false);
        ron::ser::to_string_pretty(self, pretty).expect("presets always serialize")
    }

    /// Writes the preset atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        crate::fsutil::write_atomic(path, self.to_ron().as_bytes())
    }

    /// Moves the claims' `by_step` to at most `steps` (a shorter run checks them at its end);
    /// returns whether one moved.
    pub fn cap_claims(&mut self, steps: u64) -> bool {
        let mut moved = false;
        for by_step in self
            .expect
            .iter_mut()
            .map(|e| &mut e.by_step)
            .chain(self.versus.iter_mut().map(|v| &mut v.by_step))
        {
            if *by_step > steps {
                *by_step = steps;
                moved = true;
            }
        }
        moved
    }

    /// Applies `key=value` to the config (see [`apply_set`]).
    pub fn apply_set(&mut self, assignment: &str) -> Result<(), PresetError> {
        apply_set(&mut self.config, assignment)
    }
}

/// Applies `key=value` to a setup, where `key` is the RON path of a field (`optimizer.lr`,
/// `model.cell`, `task.seq_len`, `bptt.k1` …; the enum variant in the path may be left out)
/// and `value` is RON (`0.01`, `gru`, `rnn(relu)`, `truncated(k1: 10, k2: 20, mode:
/// per_segment)`). The setup is unchanged on error; the result is validated later, like a
/// preset.
pub fn apply_set(setup: &mut Setup, assignment: &str) -> Result<(), PresetError> {
    let (key, value) = assignment.split_once('=').ok_or_else(|| PresetError::Set {
        key: assignment.to_owned(),
        message: "expected key=value".to_owned(),
    })?;
    let key = key.trim();
    let set_err = |message: String| PresetError::Set {
        key: key.to_owned(),
        message,
    };
    let new_value = ron_value::parse(value.trim()).map_err(set_err)?;
    let mut tree = serde_json::to_value(&*setup)
        .map_err(|e| set_err(format!("the setup cannot be edited: {e}")))?;
    let path: Vec<&str> = key.split('.').collect();
    let slot = ron_value::navigate(&mut tree, &path).map_err(set_err)?;
    *slot = new_value;
    *setup = serde_json::from_value(tree)
        .map_err(|e| set_err(format!("does not fit the config: {e}")))?;
    Ok(())
}

/// The value of the setting at `key` (a RON path as in [`apply_set`]) in `setup`, in the JSON
/// shape serde gives the config (so an integer setting is a JSON integer).
pub fn setting(setup: &Setup, key: &str) -> Result<serde_json::Value, PresetError> {
    let key = key.trim();
    let mut tree = serde_json::to_value(setup).map_err(|e| PresetError::Set {
        key: key.to_owned(),
        message: format!("the setup cannot be read: {e}"),
    })?;
    let path: Vec<&str> = key.split('.').collect();
    ron_value::navigate(&mut tree, &path)
        .map(std::mem::take)
        .map_err(|message| PresetError::Set {
            key: key.to_owned(),
            message,
        })
}

/// A built-in preset by name: its path relative to `presets/` without `.ron`
/// (`adding_lstm_t100`, `paper/…`) or its file stem, with or without `.ron`. Returns the path
/// shown in messages (`presets/<file>`) and the RON text.
pub fn find_builtin(name: &str) -> Option<(PathBuf, &'static str)> {
    let wanted = name.trim_end_matches(".ron");
    builtin().into_iter().find_map(|(file, text)| {
        let stem = file.trim_end_matches(".ron");
        (stem == wanted || stem.rsplit('/').next() == Some(wanted))
            .then(|| (PathBuf::from(format!("presets/{file}")), text))
    })
}

/// The presets shipped with the app (every `presets/**/*.ron`, compiled in by `build.rs`), as
/// (path relative to `presets/`, RON text), sorted by path.
pub fn builtin() -> Vec<(&'static str, &'static str)> {
    const PRESETS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/presets.rs"));
    PRESETS.to_vec()
}

/// A tiny RON-value reader for `--set`: turns RON text into the JSON shape serde gives the
/// config (enums externally tagged), and finds a field by its dotted path.
mod ron_value {
    use serde_json::{Map, Value};

    /// Parses one RON value: number, bool, string, identifier (unit variant), `ident(..)`
    /// (newtype or struct variant), `(k: v, ..)` struct, `[..]` list, `Some(x)`, `None`.
    pub fn parse(text: &str) -> Result<Value, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
            depth: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!(
                "unexpected text after the value: {:?}",
                &text[p.i..]
            ));
        }
        Ok(v)
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
        /// Brackets open at the current position (bounded: see [`MAX_DEPTH`]).
        depth: usize,
    }

    /// Deepest nesting a value may have, as for the RON files ([`crate::ronfile::RECURSION_LIMIT`]):
    /// deeper text is an error, not a stack overflow.
    const MAX_DEPTH: usize = crate::ronfile::RECURSION_LIMIT;

    impl Parser<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }

        fn peek(&mut self) -> Option<u8> {
            self.ws();
            self.s.get(self.i).copied()
        }

        fn eat(&mut self, c: u8) -> bool {
            if self.peek() == Some(c) {
                self.i += 1;
                true
            } else {
                false
            }
        }

        fn ident(&mut self) -> String {
            let start = self.i;
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
            {
                self.i += 1;
            }
            String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
        }

        fn value(&mut self) -> Result<Value, String> {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(format!("nested deeper than {MAX_DEPTH} levels"));
            }
            let v = self.value_here();
            self.depth -= 1;
            v
        }

        fn value_here(&mut self) -> Result<Value, String> {
            match self.peek() {
                None => Err("empty value".to_owned()),
                Some(b'"') => {
                    self.i += 1;
                    let start = self.i;
                    while self.i < self.s.len() && self.s[self.i] != b'"' {
                        self.i += 1;
                    }
                    if self.i == self.s.len() {
                        return Err("unterminated string".to_owned());
                    }
                    let s = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                    self.i += 1;
                    Ok(Value::String(s))
                }
                Some(b'[') => {
                    self.i += 1;
                    let mut items = Vec::new();
                    while !self.eat(b']') {
                        items.push(self.value()?);
                        if !self.eat(b',') && self.peek() != Some(b']') {
                            return Err("expected , or ] in a list".to_owned());
                        }
                    }
                    Ok(Value::Array(items))
                }
                Some(b'(') => self.parens(),
                Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' => {
                    let start = self.i;
                    while self.i < self.s.len()
                        && (self.s[self.i].is_ascii_alphanumeric()
                            || b"+-._".contains(&self.s[self.i]))
                    {
                        self.i += 1;
                    }
                    let t = std::str::from_utf8(&self.s[start..self.i]).expect("ascii");
                    let t = t.replace('_', "");
                    if let Ok(n) = t.parse::<u64>() {
                        Ok(Value::from(n))
                    } else if let Ok(n) = t.parse::<i64>() {
                        Ok(Value::from(n))
                    } else if let Ok(x) = t.parse::<f64>() {
                        serde_json::Number::from_f64(x)
                            .map(Value::Number)
                            .ok_or_else(|| format!("{t} is not a finite number"))
                    } else {
                        Err(format!("{t} is not a number"))
                    }
                }
                Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                    let name = self.ident();
                    match name.as_str() {
                        "true" => Ok(Value::Bool(true)),
                        "false" => Ok(Value::Bool(false)),
                        "None" => Ok(Value::Null),
                        "Some" => {
                            if !self.eat(b'(') {
                                return Err("expected ( after Some".to_owned());
                            }
                            let v = self.value()?;
                            if !self.eat(b')') {
                                return Err("expected ) after Some(..".to_owned());
                            }
                            Ok(v)
                        }
                        _ if self.peek() == Some(b'(') => {
                            let inner = self.parens()?;
                            let mut m = Map::new();
                            m.insert(name, inner);
                            Ok(Value::Object(m))
                        }
                        _ => Ok(Value::String(name)),
                    }
                }
                Some(c) => Err(format!("unexpected character {:?}", c as char)),
            }
        }

        /// `(k: v, ..)` → object; `(v)` → v; `(a, b)` → array.
        fn parens(&mut self) -> Result<Value, String> {
            if !self.eat(b'(') {
                return Err("expected (".to_owned());
            }
            if self.eat(b')') {
                return Ok(Value::Object(Map::new())); // `name()`: a struct variant, all defaults
            }
            let save = self.i;
            self.ws();
            let key = self.ident();
            if !key.is_empty() && self.eat(b':') {
                let mut m = Map::new();
                let mut key = key;
                loop {
                    let v = self.value()?;
                    m.insert(key, v);
                    if self.eat(b',') {
                        if self.eat(b')') {
                            break;
                        }
                        self.ws();
                        key = self.ident();
                        if key.is_empty() || !self.eat(b':') {
                            return Err("expected field: value in ( .. )".to_owned());
                        }
                    } else if self.eat(b')') {
                        break;
                    } else {
                        return Err("expected , or ) in ( .. )".to_owned());
                    }
                }
                return Ok(Value::Object(m));
            }
            self.i = save;
            let mut items = Vec::new();
            while !self.eat(b')') {
                items.push(self.value()?);
                if !self.eat(b',') && self.peek() != Some(b')') {
                    return Err("expected , or ) in ( .. )".to_owned());
                }
            }
            Ok(if items.len() == 1 {
                items.pop().expect("one item")
            } else {
                Value::Array(items)
            })
        }
    }

    /// The slot at `path` in the config tree. A path segment may skip an enum variant:
    /// `optimizer.lr` finds `{"adam": {"lr": ..}}`.
    pub fn navigate<'v>(tree: &'v mut Value, path: &[&str]) -> Result<&'v mut Value, String> {
        let mut cur = tree;
        for (depth, seg) in path.iter().enumerate() {
            let here = path[..depth].join(".");
            let Value::Object(map) = cur else {
                return Err(format!(
                    "`{}` has no field `{seg}`",
                    if here.is_empty() { "config" } else { &here }
                ));
            };
            if map.contains_key(*seg) {
                cur = map.get_mut(*seg).expect("checked");
                continue;
            }
            // An externally tagged enum: one key (the variant) holding the fields.
            let variant_holds = map.len() == 1
                && map
                    .values()
                    .next()
                    .is_some_and(|v| v.as_object().is_some_and(|o| o.contains_key(*seg)));
            if variant_holds {
                let inner = map.values_mut().next().expect("one variant");
                cur = inner
                    .as_object_mut()
                    .expect("checked")
                    .get_mut(*seg)
                    .expect("checked");
                continue;
            }
            let known: Vec<String> = match map.values().next() {
                // An enum variant holding fields: list the fields, not the variant.
                Some(Value::Object(o)) if map.len() == 1 => o.keys().cloned().collect(),
                _ => map.keys().cloned().collect(),
            };
            return Err(format!(
                "`{}` has no field `{seg}`; it has: {}",
                if here.is_empty() { "config" } else { &here },
                known.join(", ")
            ));
        }
        Ok(cur)
    }
}
