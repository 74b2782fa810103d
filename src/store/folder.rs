//! Reading a run folder back: [`RunFolder::open`] reads the small files (the preset, the
//! summary, the app's name and tags) so that a workspace of hundreds of runs lists at once;
//! [`RunFolder::history`] reads the curves when a run is shown. A damaged folder (a garbage
//! preset, a summary that is not JSON, a CSV row that does not parse) gets an error naming
//! the file and the line; a torn last line (the run was killed while writing) is not an error,
//! it is left out.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CHECKPOINT, DIAGNOSTICS, META, METRICS, PRESET, PROFILE, SUMMARY, TERMS};
use crate::nn::{Profile, Saturation};
use crate::preset::Preset;
use crate::train::{Diagnostics, History, STEP_COLUMNS, Spectral, StepMetrics};

/// A file of a run folder that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", .path.display())]
pub struct FolderError {
    pub path: PathBuf,
    pub message: String,
}

fn folder_error(path: &Path, message: impl Into<String>) -> FolderError {
    FolderError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// What the app adds to a run: its name and tags.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Meta {
    pub name: String,
    pub tags: Vec<String>,
}

/// How a run folder's run ended, as far as its files tell.
#[derive(Clone, Debug, PartialEq)]
pub enum FolderStatus {
    /// Trained all its steps.
    Finished,
    /// Stopped (Ctrl-C, Stop) before its steps; it can be carried on.
    Stopped,
    /// A non-finite loss or gradient ended it (a result).
    Diverged(String),
    /// The process writing it is alive.
    Running,
    /// It has no end: the process was killed (or the machine stopped). It can be carried on
    /// from its checkpoint if it has one.
    Interrupted,
}

/// A run folder's small files.
#[derive(Clone, Debug)]
pub struct RunFolder {
    pub dir: PathBuf,
    pub preset: Preset,
    pub status: FolderStatus,
    /// `summary.json` as written (absent for a run killed before its first).
    pub summary: Option<Value>,
    pub meta: Meta,
}

/// Whether process `pid` is alive (Linux: its `/proc` entry; elsewhere unknown, taken as not).
fn alive(pid: u64) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

impl RunFolder {
    /// Reads the preset, summary and meta of the run folder `dir`.
    pub fn open(dir: &Path) -> Result<Self, FolderError> {
        let preset_path = dir.join(PRESET);
        if !preset_path.is_file() {
            return Err(folder_error(
                dir,
                "not a run folder: no preset.ron (a run folder is what `bptt-lab train --out` \
                 writes)",
            ));
        }
        let preset =
            Preset::load(&preset_path).map_err(|e| folder_error(&preset_path, e.to_string()))?;
        let summary_path = dir.join(SUMMARY);
        let summary =
            match crate::fsutil::read_text_capped(&summary_path, crate::fsutil::TEXT_FILE_CAP) {
                Ok(text) => Some(serde_json::from_str::<Value>(&text).map_err(|e| {
                    folder_error(
                        &summary_path,
                        format!("not valid JSON ({e}); delete it to treat the run as interrupted"),
                    )
                })?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(folder_error(&summary_path, format!("cannot read: {e}"))),
            };
        let status = match summary.as_ref().and_then(|s| s.get("outcome")) {
            Some(Value::String(s)) if s == "finished" => FolderStatus::Finished,
            Some(Value::String(s)) if s == "stopped" => FolderStatus::Stopped,
            Some(Value::String(s)) if s == "running" => {
                let pid = summary
                    .as_ref()
                    .and_then(|s| s.get("pid"))
                    .and_then(Value::as_u64);
                if pid.is_some_and(alive) {
                    FolderStatus::Running
                } else {
                    FolderStatus::Interrupted
                }
            }
            Some(Value::Object(o)) if o.contains_key("diverged") => FolderStatus::Diverged(
                o.get("diverged")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            ),
            _ => FolderStatus::Interrupted,
        };
        let meta_path = dir.join(META);
        let meta = match crate::fsutil::read_text_capped(&meta_path, crate::fsutil::TEXT_FILE_CAP) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| folder_error(&meta_path, format!("not valid JSON: {e}")))?,
            Err(_) => Meta::default(),
        };
        Ok(Self {
            dir: dir.to_owned(),
            preset,
            status,
            summary,
            meta,
        })
    }

    /// The name to show: the app's, or the preset's.
    pub fn name(&self) -> &str {
        if self.meta.name.is_empty() {
            &self.preset.name
        } else {
            &self.meta.name
        }
    }

    /// Whether it can be carried on: it has a checkpoint and did not finish or diverge.
    pub fn resumable(&self) -> bool {
        matches!(
            self.status,
            FolderStatus::Stopped | FolderStatus::Interrupted
        ) && self.dir.join(CHECKPOINT).is_file()
    }

    /// A number of the summary (`eval_loss`, `steps`, …), if it has it.
    pub fn figure(&self, key: &str) -> Option<f64> {
        self.summary.as_ref()?.get(key)?.as_f64()
    }

    /// Writes the app's name and tags (`meta.json`, atomically).
    pub fn save_meta(&self) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(&self.meta).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(&self.dir.join(META), text.as_bytes())
    }

    /// The run's curves from its CSV files, for a cell with `gate_names`.
    pub fn history(&self, gate_names: &[&str]) -> Result<History, FolderError> {
        read_history(&self.dir, gate_names)
    }
}

/// A CSV row: its 1-based line number and its fields.
type Row = (usize, Vec<String>);

/// The complete lines of a CSV file after its header (a torn last line left out), each with
/// its 1-based line number.
fn rows(path: &Path) -> Result<(Vec<String>, Vec<Row>), FolderError> {
    let text = crate::fsutil::read_text_capped(path, crate::fsutil::CSV_FILE_CAP)
        .map_err(|e| folder_error(path, format!("cannot read: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    let mut lines = complete.lines().map(|l| l.trim_end_matches('\r'));
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| folder_error(path, "empty: no header"))?
        .split(',')
        .map(str::to_owned)
        .collect();
    let body = lines
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| (i + 2, l.split(',').map(str::to_owned).collect()))
        .collect();
    Ok((header, body))
}

fn number(path: &Path, line: usize, column: &str, text: &str) -> Result<f64, FolderError> {
    if text.is_empty() {
        return Ok(f64::NAN);
    }
    text.parse().map_err(|_| {
        folder_error(
            path,
            format!("line {line}, column `{column}`: `{text}` is not a number"),
        )
    })
}

/// Reads `metrics.csv`, `diagnostics.csv`, `profile.csv` and `terms.csv` (if there is one:
/// older folders have none) of `dir` into a history.
pub fn read_history(dir: &Path, gate_names: &[&str]) -> Result<History, FolderError> {
    let mut history = History::new(gate_names);
    let metrics = dir.join(METRICS);
    let (header, body) = rows(&metrics)?;
    if header.iter().map(String::as_str).ne(STEP_COLUMNS) {
        return Err(folder_error(
            &metrics,
            format!("the header should be {}", STEP_COLUMNS.join(",")),
        ));
    }
    for (line, fields) in body {
        if fields.len() != STEP_COLUMNS.len() {
            return Err(folder_error(
                &metrics,
                format!(
                    "line {line}: {} fields, expected {}",
                    fields.len(),
                    STEP_COLUMNS.len()
                ),
            ));
        }
        let mut v = [0.0; 15];
        for ((slot, text), column) in v.iter_mut().zip(&fields).zip(STEP_COLUMNS) {
            *slot = number(&metrics, line, column, text)?;
        }
        history.push_step(&StepMetrics::from_values(&v));
    }
    let diagnostics = dir.join(DIAGNOSTICS);
    let (dheader, dbody) = rows(&diagnostics)?;
    let col = |name: &str| dheader.iter().position(|h| h == name);
    let (Some(step_col), Some(loss_col)) = (col("step"), col("eval_loss")) else {
        return Err(folder_error(
            &diagnostics,
            "no `step` or `eval_loss` column",
        ));
    };
    let profiles = read_profiles(&dir.join(PROFILE))?;
    for (line, fields) in dbody {
        let get = |c: Option<usize>, name: &str| -> Result<f64, FolderError> {
            match c.and_then(|c| fields.get(c)) {
                Some(t) => number(&diagnostics, line, name, t),
                None => Ok(f64::NAN),
            }
        };
        let step = get(Some(step_col), "step")? as u64;
        let per_gate = |prefix: &str| -> Result<Vec<f64>, FolderError> {
            gate_names
                .iter()
                .map(|g| {
                    let name = format!("{prefix}_{g}");
                    get(col(&name), &name)
                })
                .collect()
        };
        let gates = get(col("saturation_gates"), "saturation_gates")?;
        history.push_profile(Diagnostics {
            step,
            profile: profiles
                .iter()
                .find(|(s, _)| *s == step)
                .map(|(_, p)| p.clone())
                .unwrap_or_default(),
            spectral: Spectral {
                step: get(col("spectral_step"), "spectral_step")? as u64,
                rho: per_gate("rho")?,
                sigma_max: per_gate("sigma_max")?,
            },
            saturation: Saturation {
                hidden: get(col("saturation_hidden"), "saturation_hidden")?,
                gates: (!gates.is_nan()).then_some(gates),
            },
            eval_loss: get(Some(loss_col), "eval_loss")?,
            eval_metric: get(col("eval_metric"), "eval_metric")?,
            ..Diagnostics::default()
        });
    }
    let terms = dir.join(TERMS);
    if terms.is_file() {
        for (step, start, totals) in read_term_totals(&terms)? {
            history.term_profiles.push(step, start, &totals);
        }
    }
    Ok(history)
}

/// From `terms.csv`, per step: its first time step and, per time step, the norm of the whole
/// contribution to `∂L/∂W_hh` (the gate blocks' `hh_norm` combined), as the run had them.
fn read_term_totals(path: &Path) -> Result<Vec<(u64, usize, Vec<f64>)>, FolderError> {
    let (header, body) = rows(path)?;
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(step_col), Some(t_col), Some(hh_col)) = (col("step"), col("t"), col("hh_norm"))
    else {
        return Err(folder_error(path, "no `step`, `t` or `hh_norm` column"));
    };
    let mut out: Vec<(u64, std::collections::BTreeMap<usize, f64>)> = Vec::new();
    for (line, fields) in body {
        let field = |c: usize| fields.get(c).map_or("", String::as_str);
        let bad = |what: &str| folder_error(path, format!("line {line}: `{what}` is not a number"));
        let step: u64 = field(step_col).parse().map_err(|_| bad(field(step_col)))?;
        let t: usize = field(t_col).parse().map_err(|_| bad(field(t_col)))?;
        let norm = number(path, line, "hh_norm", field(hh_col))?;
        if out.last().is_none_or(|(s, _)| *s != step) {
            out.push((step, std::collections::BTreeMap::new()));
        }
        if let Some((_, by_t)) = out.last_mut() {
            *by_t.entry(t).or_insert(0.0) += norm * norm;
        }
    }
    Ok(out
        .into_iter()
        .filter_map(|(step, by_t)| {
            let start = *by_t.keys().next()?;
            let end = *by_t.keys().next_back()?;
            let mut totals = vec![f64::NAN; end - start + 1];
            for (t, sq) in by_t {
                totals[t - start] = sq.sqrt();
            }
            Some((step, start, totals))
        })
        .collect())
}

/// The gradient profiles of `profile.csv`, by step.
fn read_profiles(path: &Path) -> Result<Vec<(u64, Profile)>, FolderError> {
    let (_, body) = rows(path)?;
    let mut out: Vec<(u64, Profile)> = Vec::new();
    for (line, fields) in body {
        let [step, t, g] = fields.as_slice() else {
            return Err(folder_error(
                path,
                format!("line {line}: expected step,t,g"),
            ));
        };
        let bad = |what: &str| folder_error(path, format!("line {line}: `{what}` is not a number"));
        let step: u64 = step.parse().map_err(|_| bad(step))?;
        let t: usize = t.parse().map_err(|_| bad(t))?;
        let g = number(path, line, "g", g)?;
        match out.last_mut() {
            Some((s, p)) if *s == step => p.values.push(g),
            _ => out.push((
                step,
                Profile {
                    start: t,
                    values: vec![g],
                },
            )),
        }
    }
    Ok(out)
}
