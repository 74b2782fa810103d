//! Parameter sweeps: a base preset, one or two settings each with a list or a range of values,
//! and a number of seeds per point. A sweep file is RON, untrusted until [`SweepFile::runs`]
//! has expanded it into runs whose setups all validate; every error names the setting (axis),
//! the value and, last, the file.
//!
//! ```ron
//! (
//!     version: 1,
//!     name: "Orthogonal gain × cell on adding",
//!     description: "What to expect and why.",
//!     base: "orthogonal_gain_1_0",   // a built-in preset, or a path relative to this file
//!     set: ["task.seq_len=30"],      // optional: fixed changes to the base, as with --set
//!     axes: [
//!         (key: "init.weight_hh.gain", values: linear(0.5, 1.5, 5)),
//!         (key: "model.cell", values: list([rnn(tanh), lstm])),
//!     ],
//!     seeds: 2,                      // seeds base, base+1; or a list: [1, 7, 42]
//!     steps: Some(300),              // optional: overrides the base's steps
//!     expect: Some((metric: eval_loss, compare: below, threshold: 0.1, by_step: 300)),
//! )
//! ```
//!
//! Instead of `base`, `base_config: (seed: 1, model: .., ..)` gives the setup inline. A value
//! is RON text applied with [`preset::apply_set`] (`0.5`, `lstm`, `rnn(tanh)`,
//! `truncated(k1: 5, k2: 5, mode: accumulate)`); `linear(from, to, n)` and `log(from, to, n)`
//! give n evenly spaced values, rounded to 6 significant digits, or to integers (duplicates
//! dropped) when the setting is an integer (`bptt.k2`, `task.seq_len`, `model.hidden`).
//!
//! Runs are numbered point-major: run `(i·n₂ + j)·seeds + s` is value i of the first axis,
//! value j of the second and seed s. A sweep directory holds `points.csv` (run, the axis
//! values, seed), `presets/NNNN.ron` (each run's full preset), `runs/NNNN/` (what
//! `bptt-lab train` writes) and `results.csv` ([`results`]). [`local::run`] fills it on this
//! machine; [`cluster::emit`] writes a Slurm array script instead and [`cluster::collect`]
//! gathers the results.

pub mod cluster;
pub mod local;
pub mod results;

use std::path::{Path, PathBuf};

use ron::value::RawValue;
use serde::Deserialize;

pub use results::{Point, Row};

use crate::preset::{self, Expect, PRESET_VERSION, Preset, PresetError};
use crate::train::{Setup, TrainConfig};

/// The sweep format this build reads.
pub const SWEEP_VERSION: u32 = 1;

/// With `eval.every = 0` (automatic, which depends on wall time), a sweep takes diagnostics
/// every `steps / DIAGNOSTICS_PER_RUN` steps (at least every step), so that "steps to reach
/// the `expect` threshold" has this resolution and does not depend on the machine.
pub const DIAGNOSTICS_PER_RUN: u64 = 50;

/// Most runs one sweep may expand to (run directories are named with four digits).
pub const MAX_RUNS: usize = 10_000;

/// A sweep file as written (not yet validated).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    pub version: u32,
    pub name: String,
    /// What the sweep asks and what to expect.
    pub description: String,
    /// A built-in preset name, or a preset file relative to the sweep file.
    #[serde(default)]
    pub base: Option<String>,
    /// The base setup inline, instead of `base`.
    #[serde(default)]
    pub base_config: Option<Setup>,
    /// Fixed changes to the base, as `--set` takes them (`["task.seq_len=30"]`), applied
    /// before the axes.
    #[serde(default)]
    pub set: Vec<String>,
    /// One or two settings and their values.
    pub axes: Vec<Axis>,
    /// Seeds per point: a count (the base seed, +1, …) or a list.
    #[serde(default)]
    pub seeds: Seeds,
    /// Overrides the base's `steps` (and caps its `expect.by_step`).
    #[serde(default)]
    pub steps: Option<u64>,
    /// Overrides the base's `expect` clause; "steps to reach the threshold" is measured on it.
    #[serde(default)]
    pub expect: Option<Expect>,
}

/// One swept setting: a RON path (as for `--set`) and its values.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    pub key: String,
    pub values: Values,
}

/// The values of an axis.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Values {
    /// RON values, as written.
    List(Vec<Box<RawValue>>),
    /// `linear(from, to, n)`: n evenly spaced values, both ends included.
    Linear(f64, f64, usize),
    /// `log(from, to, n)`: n values evenly spaced in log scale (from, to > 0).
    Log(f64, f64, usize),
}

/// Seeds per point.
#[derive(Clone, Debug)]
pub enum Seeds {
    /// This many seeds: the base preset's seed, seed + 1, …
    Count(u64),
    /// These seeds.
    List(Vec<u64>),
}

impl<'de> Deserialize<'de> for Seeds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Seeds;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of seeds (`seeds: 3`) or a list of seeds (`seeds: [1, 7]`)")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Seeds, E> {
                Ok(Seeds::Count(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Seeds, E> {
                u64::try_from(n)
                    .map(Seeds::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Seeds, A::Error> {
                let mut seeds = Vec::new();
                while let Some(s) = seq.next_element()? {
                    seeds.push(s);
                }
                Ok(Seeds::List(seeds))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Default for Seeds {
    fn default() -> Self {
        Self::Count(1)
    }
}

/// Why a sweep cannot run, or a sweep directory cannot be read. The file comes last.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep file cannot be read or parsed.
    #[error(transparent)]
    Read(PresetError),
    #[error(
        "sweep format version {found} is not supported: this build reads version {SWEEP_VERSION} (in {path})"
    )]
    Version { path: PathBuf, found: u32 },
    /// A field of the sweep file (`base`, `axes`, `seeds`, `steps`, `expect`).
    #[error("`{field}`: {message} (in {path})")]
    Field {
        path: PathBuf,
        field: String,
        message: String,
    },
    /// An axis whose values cannot be generated.
    #[error("axis `{key}`: {message} (in {path})")]
    Values {
        path: PathBuf,
        key: String,
        message: String,
    },
    /// A value that does not fit its setting.
    #[error("axis `{key}` = {value}: {message} (in {path})")]
    Value {
        path: PathBuf,
        key: String,
        value: String,
        message: String,
    },
    /// A point whose setup does not validate.
    #[error("at {point}: {message} (in {path})")]
    Point {
        path: PathBuf,
        point: String,
        message: String,
    },
    /// A sweep directory that does not hold what it should.
    #[error("{message} (in {path})")]
    Dir { path: PathBuf, message: String },
    /// Writing a sweep directory failed.
    #[error("cannot write: {source} (in {path})")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SweepError {
    /// Whether the error is in what the user gave (a file, a directory), not the machine.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Io { .. })
    }

    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// An axis with its values expanded to RON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisValues {
    pub key: String,
    pub values: Vec<String>,
}

/// One run of a sweep: a point (one value per axis), a seed, and the full preset to train.
#[derive(Clone, Debug)]
pub struct SweepRun {
    /// 0-based; the run's directory is `runs/` + [`run_name`].
    pub index: usize,
    /// One RON value per axis, in axis order.
    pub values: Vec<String>,
    pub seed: u64,
    /// The preset this run trains: base + values + seed + steps, `expect` kept.
    pub preset: Preset,
    /// `preset.config`, validated.
    pub config: TrainConfig,
}

impl SweepRun {
    /// The setup this run trains.
    pub fn setup(&self) -> &Setup {
        &self.preset.config
    }
}

/// A validated sweep: its axes and every run.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The sweep file.
    pub path: PathBuf,
    pub name: String,
    pub description: String,
    /// Where the base came from (`presets/adding_lstm_t100.ron`, a path, or `base_config`).
    pub base: String,
    pub axes: Vec<AxisValues>,
    pub seeds: Vec<u64>,
    pub runs: Vec<SweepRun>,
}

impl Sweep {
    /// Loads, expands and validates a sweep file.
    pub fn load(path: &Path) -> Result<Self, SweepError> {
        SweepFile::load(path)?.expand(path)
    }

    /// The axis keys, in order (the value columns of `points.csv` and `results.csv`).
    pub fn keys(&self) -> Vec<String> {
        self.axes.iter().map(|a| a.key.clone()).collect()
    }

    /// Which run is which, in run order (the rows of `points.csv`).
    pub fn points(&self) -> Vec<Point> {
        self.runs
            .iter()
            .map(|r| Point {
                index: r.index,
                values: r.values.clone(),
                seed: r.seed,
            })
            .collect()
    }

    /// Writes what describes the runs into `dir`: `points.csv` and `presets/NNNN.ron`, and
    /// creates `runs/`. Files are written atomically; runs already in `runs/` are kept.
    pub fn write_layout(&self, dir: &Path) -> Result<(), SweepError> {
        let presets = dir.join("presets");
        for d in [dir, &presets, &dir.join("runs")] {
            std::fs::create_dir_all(d).map_err(SweepError::io(d))?;
        }
        let points = dir.join("points.csv");
        let text = results::points_csv(&self.keys(), &self.points());
        crate::fsutil::write_atomic(&points, text.as_bytes()).map_err(SweepError::io(&points))?;
        for run in &self.runs {
            let path = presets.join(format!("{}.ron", run_name(run.index)));
            run.preset.save(&path).map_err(SweepError::io(&path))?;
        }
        Ok(())
    }
}

/// The name of run `index`'s directory and preset: four digits (`0007`).
pub fn run_name(index: usize) -> String {
    format!("{index:04}")
}

/// Only the version, to check it before the full parse.
#[derive(Deserialize)]
struct VersionProbe {
    version: u32,
}

impl SweepFile {
    /// Parses RON text; `path` is for messages.
    pub fn from_ron(text: &str, path: &Path) -> Result<Self, SweepError> {
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        if let Ok(probe) = options.from_str::<VersionProbe>(text)
            && probe.version != SWEEP_VERSION
        {
            return Err(SweepError::Version {
                path: path.to_owned(),
                found: probe.version,
            });
        }
        options
            .from_str::<Self>(text)
            .map_err(|e| SweepError::Read(preset::parse_error(path, text, &e)))
    }

    /// Reads and parses a sweep file (not yet validated).
    pub fn load(path: &Path) -> Result<Self, SweepError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            SweepError::Read(PresetError::Io {
                path: path.to_owned(),
                source,
            })
        })?;
        Self::from_ron(&text, path)
    }

    /// The expanded runs: every point × seed, each setup validated. `path` is the sweep
    /// file's (for a relative `base` and for messages).
    pub fn runs(&self, path: &Path) -> Result<Vec<SweepRun>, SweepError> {
        Ok(self.expand(path)?.runs)
    }

    /// Resolves the base, expands the axes and seeds, and validates every run.
    pub fn expand(&self, path: &Path) -> Result<Sweep, SweepError> {
        let (base, base_name) = self.base_with_overrides(path)?;
        let axes = self.axes(path, &base.config)?;
        let seeds = self.seed_list(path, base.config.seed)?;
        let points: usize = axes.iter().map(|a| a.values.len()).product();
        let total = u64::try_from(points)
            .unwrap_or(u64::MAX)
            .saturating_mul(seeds.len() as u64);
        if total > MAX_RUNS as u64 {
            return Err(SweepError::Field {
                path: path.to_owned(),
                field: "axes".to_owned(),
                message: format!("{total} runs (points × seeds) is more than {MAX_RUNS}"),
            });
        }
        let mut runs = Vec::new();
        for point in 0..points {
            // First axis outermost.
            let mut rest = point;
            let mut values = vec![String::new(); axes.len()];
            for (a, axis) in axes.iter().enumerate().rev() {
                values[a].clone_from(&axis.values[rest % axis.values.len()]);
                rest /= axis.values.len();
            }
            self.point_runs(path, &base, &axes, &values, &seeds, &mut runs)?;
        }
        Ok(Sweep {
            path: path.to_owned(),
            name: self.name.clone(),
            description: self.description.clone(),
            base: base_name,
            axes,
            seeds,
            runs,
        })
    }

    /// The base preset with the sweep's `steps` and `expect` applied, and where it came from.
    pub fn base_with_overrides(&self, path: &Path) -> Result<(Preset, String), SweepError> {
        let (mut base, base_name) = self.base_preset(path)?;
        for assignment in &self.set {
            preset::apply_set(&mut base.config, assignment).map_err(|e| SweepError::Field {
                path: path.to_owned(),
                field: "set".to_owned(),
                message: match e {
                    PresetError::Set { key, message } => format!("{key}: {message}"),
                    other => other.to_string(),
                },
            })?;
        }
        if let Some(n) = self.steps {
            base.config.steps = n;
        }
        if let Some(e) = self.expect {
            if !(1..=base.config.steps).contains(&e.by_step) {
                return Err(SweepError::Field {
                    path: path.to_owned(),
                    field: "expect.by_step".to_owned(),
                    message: format!("{} must be in 1..=steps ({})", e.by_step, base.config.steps),
                });
            }
            base.expect = Some(e);
        }
        Ok((base, base_name))
    }

    /// The axes with their values as RON text.
    fn axes(&self, path: &Path, base: &Setup) -> Result<Vec<AxisValues>, SweepError> {
        let field = |message: String| SweepError::Field {
            path: path.to_owned(),
            field: "axes".to_owned(),
            message,
        };
        if !(1..=2).contains(&self.axes.len()) {
            return Err(field(format!(
                "a sweep has one or two axes, this one {}",
                self.axes.len()
            )));
        }
        let mut axes: Vec<AxisValues> = Vec::new();
        for axis in &self.axes {
            let key = axis.key.trim();
            if axes.iter().any(|a| a.key == key) {
                return Err(field(format!("`{key}` appears twice")));
            }
            if key == "seed" {
                return Err(field(
                    "`seed` is not an axis: use `seeds: n` or `seeds: [..]`".to_owned(),
                ));
            }
            let values =
                axis_values(key, &axis.values, base).map_err(|message| SweepError::Values {
                    path: path.to_owned(),
                    key: key.to_owned(),
                    message,
                })?;
            axes.push(AxisValues {
                key: key.to_owned(),
                values,
            });
        }
        Ok(axes)
    }

    /// The seeds of every point.
    fn seed_list(&self, path: &Path, base_seed: u64) -> Result<Vec<u64>, SweepError> {
        let field = |message: String| SweepError::Field {
            path: path.to_owned(),
            field: "seeds".to_owned(),
            message,
        };
        match &self.seeds {
            Seeds::Count(0) => Err(field("must be at least 1".to_owned())),
            Seeds::Count(n) => Ok((0..*n).map(|i| base_seed.wrapping_add(i)).collect()),
            Seeds::List(list) => {
                if list.is_empty() {
                    return Err(field("an empty list".to_owned()));
                }
                if let Some(dup) = list
                    .iter()
                    .enumerate()
                    .find_map(|(i, s)| list[..i].contains(s).then_some(s))
                {
                    return Err(field(format!("seed {dup} is listed twice")));
                }
                Ok(list.clone())
            }
        }
    }

    /// Appends the runs of one point (one per seed) to `runs`, each validated.
    fn point_runs(
        &self,
        path: &Path,
        base: &Preset,
        axes: &[AxisValues],
        values: &[String],
        seeds: &[u64],
        runs: &mut Vec<SweepRun>,
    ) -> Result<(), SweepError> {
        let mut setup = base.config.clone();
        for (axis, value) in axes.iter().zip(values) {
            preset::apply_set(&mut setup, &format!("{}={value}", axis.key)).map_err(|e| {
                SweepError::Value {
                    path: path.to_owned(),
                    key: axis.key.clone(),
                    value: value.clone(),
                    message: match e {
                        PresetError::Set { message, .. } => message,
                        other => other.to_string(),
                    },
                }
            })?;
        }
        let point_text = describe_point(axes, values);
        let point_err = |message: String| SweepError::Point {
            path: path.to_owned(),
            point: point_text.clone(),
            message,
        };
        if setup.eval.every == 0 {
            setup.eval.every = (setup.steps / DIAGNOSTICS_PER_RUN).max(1);
        }
        let mut expect = base.expect;
        if let Some(e) = expect.as_mut() {
            if self.expect.is_some() {
                if e.by_step > setup.steps {
                    return Err(point_err(format!(
                        "expect.by_step = {} is beyond steps = {}",
                        e.by_step, setup.steps
                    )));
                }
            } else {
                // As `--steps` does for a preset: a shorter run checks its claim at its end.
                e.by_step = e.by_step.min(setup.steps);
            }
        }
        for &seed in seeds {
            let mut setup = setup.clone();
            setup.seed = seed;
            let config = setup.validate().map_err(|e| point_err(e.to_string()))?;
            let index = runs.len();
            runs.push(SweepRun {
                index,
                values: values.to_vec(),
                seed,
                preset: Preset {
                    version: PRESET_VERSION,
                    name: format!(
                        "{}, run {}: {point_text}, seed {seed}",
                        self.name,
                        run_name(index)
                    ),
                    description: self.description.clone(),
                    config: setup,
                    expect,
                },
                config,
            });
        }
        Ok(())
    }

    /// The base preset and where it came from.
    fn base_preset(&self, path: &Path) -> Result<(Preset, String), SweepError> {
        let field = |message: String| SweepError::Field {
            path: path.to_owned(),
            field: "base".to_owned(),
            message,
        };
        match (&self.base, &self.base_config) {
            (Some(name), None) => {
                let beside = path.parent().unwrap_or(Path::new(".")).join(name);
                if beside.is_file() {
                    let p = Preset::load(&beside).map_err(|e| field(e.to_string()))?;
                    Ok((p, beside.display().to_string()))
                } else if let Some((shown, text)) = preset::find_builtin(name) {
                    let p = Preset::from_ron(text, &shown).map_err(|e| field(e.to_string()))?;
                    Ok((p, shown.display().to_string()))
                } else {
                    Err(field(format!(
                        "no preset file {} and no built-in preset `{name}` (see `bptt-lab \
                         presets list`)",
                        beside.display()
                    )))
                }
            }
            (None, Some(setup)) => Ok((
                Preset {
                    version: PRESET_VERSION,
                    name: self.name.clone(),
                    description: self.description.clone(),
                    config: setup.clone(),
                    expect: None,
                },
                "base_config".to_owned(),
            )),
            (Some(_), Some(_)) => Err(field(
                "give `base` (a preset) or `base_config` (a setup), not both".to_owned(),
            )),
            (None, None) => Err(field(
                "missing: give `base: \"<built-in preset or file>\"` or `base_config: (..)`"
                    .to_owned(),
            )),
        }
    }
}

/// `key = value, key = value`.
fn describe_point(axes: &[AxisValues], values: &[String]) -> String {
    axes.iter()
        .zip(values)
        .map(|(a, v)| format!("{} = {v}", a.key))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values of one axis as RON text. `base` tells whether the setting is an integer.
fn axis_values(key: &str, values: &Values, base: &Setup) -> Result<Vec<String>, String> {
    let current = preset::setting(base, key).map_err(|e| match e {
        PresetError::Set { message, .. } => message,
        other => other.to_string(),
    })?;
    let out = match values {
        Values::List(items) => {
            if items.is_empty() {
                return Err("an empty list of values".to_owned());
            }
            let texts: Vec<String> = items
                .iter()
                .map(|raw| {
                    raw.trim()
                        .get_ron()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            if let Some(dup) = texts
                .iter()
                .enumerate()
                .find_map(|(i, t)| texts[..i].contains(t).then_some(t))
            {
                return Err(format!("the value {dup} is listed twice"));
            }
            texts
        }
        &Values::Linear(from, to, n) => spaced(
            "linear",
            from,
            to,
            n,
            false,
            current.is_u64() || current.is_i64(),
        )?,
        &Values::Log(from, to, n) => spaced(
            "log",
            from,
            to,
            n,
            true,
            current.is_u64() || current.is_i64(),
        )?,
    };
    Ok(out)
}

/// `n` values from `from` to `to`, linearly or log spaced, as RON text: rounded to 6
/// significant digits, or to integers (duplicates dropped) when `integer`.
fn spaced(
    kind: &str,
    from: f64,
    to: f64,
    n: usize,
    log: bool,
    integer: bool,
) -> Result<Vec<String>, String> {
    let shown = format!("{kind}({from}, {to}, {n})");
    if !(from.is_finite() && to.is_finite()) {
        return Err(format!("{shown}: from and to must be finite"));
    }
    if log && !(from > 0.0 && to > 0.0) {
        return Err(format!("{shown}: from and to must be > 0 for log spacing"));
    }
    if !(1..=MAX_RUNS).contains(&n) {
        return Err(format!("{shown}: n must be in 1..={MAX_RUNS}"));
    }
    let at = |i: usize| -> f64 {
        if n == 1 {
            return from;
        }
        let f = i as f64 / (n - 1) as f64;
        if i == n - 1 {
            to
        } else if log {
            (from.ln() + f * (to.ln() - from.ln())).exp()
        } else {
            from + f * (to - from)
        }
    };
    let mut out: Vec<String> = Vec::new();
    for i in 0..n {
        let text = if integer {
            format!("{}", at(i).round())
        } else {
            // Six significant digits, then the shortest text for that number.
            let rounded: f64 = format!("{:.5e}", at(i)).parse().expect("a formatted float");
            format!("{rounded}")
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::spaced;

    #[test]
    fn linear_and_log_values_are_rounded_and_integers_deduplicated() {
        assert_eq!(
            spaced("linear", 0.5, 1.5, 5, false, false).unwrap(),
            ["0.5", "0.75", "1", "1.25", "1.5"]
        );
        assert_eq!(
            spaced("log", 0.1, 100.0, 4, true, false).unwrap(),
            ["0.1", "1", "10", "100"]
        );
        assert_eq!(
            spaced("log", 1.0, 10.0, 3, true, false).unwrap(),
            ["1", "3.16228", "10"]
        );
        assert_eq!(
            spaced("linear", 5.0, 8.0, 6, false, true).unwrap(),
            ["5", "6", "7", "8"]
        );
        assert!(spaced("log", 0.0, 1.0, 3, true, false).is_err());
        assert!(spaced("linear", 0.0, 1.0, 0, false, false).is_err());
    }
}
