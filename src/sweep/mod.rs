//! Parameter sweeps: a base preset, one or two settings each with a list or a range of values
//! (or, in a random search, more settings each with a distribution), and a number of seeds per
//! point. A sweep file is RON, untrusted until [`SweepFile::runs`]
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
//! is RON text applied with [`crate::preset::apply_set`] (`0.5`, `lstm`, `rnn(tanh)`,
//! `truncated(k1: 5, k2: 5, mode: accumulate)`); `linear(from, to, n)` and `log(from, to, n)`
//! give n evenly spaced values, rounded to 6 significant digits, or to integers (duplicates
//! dropped) when the setting is an integer (`bptt.k2`, `task.seq_len`, `model.hidden`).
//!
//! Runs are numbered point-major: run `(i·n₂ + j)·seeds + s` is value i of the first axis,
//! value j of the second and seed s. A sweep directory holds `points.csv` (run, the axis
//! values, seed), `presets/NNNN.ron` (each run's full preset), `runs/NNNN/` (what
//! `bptt-lab train` writes) and `results.csv` ([`results`]). [`local::run`] fills it on this
//! machine; [`cluster::emit`] writes a Slurm array script instead, whose tasks run
//! [`task::run_task`], and [`cluster::collect`] gathers the results. With `halving: Some((eta,
//! rungs))` the points go through successive halving instead ([`halving`]). With `random:
//! Some((samples: n, seed: s))` the points are n drawn at random instead of the grid, from
//! `uniform(a, b)`, `log_uniform(a, b)`, `choice([..])` or the grid's values, over up to
//! [`random::MAX_AXES`] axes ([`random`]); everything else (seeds, the tables, resuming,
//! Slurm, halving) is as for a grid.

pub mod cluster;
mod expand;
pub(crate) use expand::ron_text;
pub mod file;
pub mod halving;
pub mod local;
pub mod random;
pub mod results;
pub mod task;

use std::path::{Path, PathBuf};

pub use file::{Axis, Seeds, SweepFile, Values};
pub use results::{Point, Row};

use crate::preset::{Preset, PresetError};
use crate::train::{Setup, TrainConfig};

/// The sweep format this build reads.
pub const SWEEP_VERSION: u32 = 1;

/// With `eval.every = 0` (automatic, which depends on wall time), a sweep takes diagnostics
/// every `steps / DIAGNOSTICS_PER_RUN` steps (at least every step), so that "steps to reach
/// the `expect` threshold" has this resolution and does not depend on the machine.
pub const DIAGNOSTICS_PER_RUN: u64 = 50;

/// Most runs one sweep may expand to (run directories are named with four digits).
pub const MAX_RUNS: usize = 10_000;

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
    /// Successive halving over the points, if the file asks for it.
    pub halving: Option<halving::Schedule>,
    /// The random search that drew the points, if the file asks for one (each axis's `values`
    /// are then the values drawn, in order of first draw).
    pub random: Option<random::Random>,
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
    /// creates `runs/`. Files are written atomically; runs already in `runs/` are kept. A
    /// directory that holds another sweep (its `points.csv` or a preset differs) is refused
    /// before anything is written.
    pub fn write_layout(&self, dir: &Path) -> Result<(), SweepError> {
        let presets = dir.join("presets");
        let points = dir.join("points.csv");
        let text = results::points_csv(&self.keys(), &self.points());
        let preset_texts: Vec<(PathBuf, String)> = self
            .runs
            .iter()
            .map(|run| {
                let path = presets.join(format!("{}.ron", run_name(run.index)));
                (path, run.preset.to_ron())
            })
            .collect();
        let differs = |path: &Path, want: &str| {
            crate::fsutil::read_text_capped(path, crate::fsutil::CSV_FILE_CAP)
                .is_ok_and(|have| have != want)
        };
        let other = std::iter::once((points.clone(), text.clone()))
            .chain(preset_texts.iter().cloned())
            .find(|(path, want)| differs(path, want));
        if let Some((path, _)) = other {
            return Err(SweepError::Dir {
                path,
                message: format!(
                    "{} holds another sweep (this file differs from what this sweep writes); \
                     give another output directory",
                    dir.display()
                ),
            });
        }
        for d in [dir, &presets, &dir.join("runs")] {
            std::fs::create_dir_all(d).map_err(SweepError::io(d))?;
        }
        crate::fsutil::write_atomic(&points, text.as_bytes()).map_err(SweepError::io(&points))?;
        for (path, ron) in &preset_texts {
            crate::fsutil::write_atomic(path, ron.as_bytes()).map_err(SweepError::io(path))?;
        }
        if let Some(schedule) = &self.halving {
            schedule.write(dir)?;
        }
        Ok(())
    }
}

/// The name of run `index`'s directory and preset: four digits (`0007`).
pub fn run_name(index: usize) -> String {
    format!("{index:04}")
}
