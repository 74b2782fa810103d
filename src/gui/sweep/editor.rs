//! The Sweep tab's editor: one or two settings of the experiment panel's setup with their
//! values, seeds, steps and a "solved" clause, saved with the app's state. It becomes a
//! [`SweepFile`] (through serde, the format `bptt-lab sweep` reads) and expands through the
//! same [`crate::sweep`] code, so a sweep saved from the tab runs the same runs on the command
//! line, and a sweep file loads back into the editor.

use std::path::Path;

use ron::value::RawValue;
use serde::{Deserialize, Serialize};

use crate::expect::{Compare, Expect, ExpectMetric};
use crate::gui::i18n::sweep::Sweep as Msg;
use crate::gui::i18n::{tr, trf};
use crate::preset::Preset;
use crate::sweep::halving::Halving;
use crate::sweep::random::{self, Random};
use crate::sweep::{Axis, Row, SWEEP_VERSION, Seeds, Sweep, SweepError, SweepFile, Values};
use crate::train::Setup;

/// What messages about the tab's sweep name as its file ("the Sweep tab", in the window's
/// language).
pub fn tab_path() -> &'static Path {
    Path::new(tr(Msg::TabPath))
}

/// Most runs a sweep started from the tab may have: every run keeps its curves in memory and
/// a line in the runs list. Larger sweeps belong to `bptt-lab sweep` (save the tab's sweep as
/// RON and run it there).
pub const MAX_TAB_RUNS: usize = 400;

/// How an axis's values are given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Spacing {
    /// `n` values evenly spaced from `from` to `to`.
    Linear,
    /// `n` values evenly spaced in log scale.
    Log,
    /// RON values written out, comma separated (`rnn(tanh), lstm, gru`).
    List,
    /// Random search only: a real number drawn uniformly from [`from`, `to`).
    Uniform,
    /// Random search only: a real number drawn from [`from`, `to`), uniformly in log scale.
    LogUniform,
    /// Random search only: one of the RON values of the list, each as likely.
    Choice,
}

impl Spacing {
    /// Whether the values are drawn at random, which only a random search does.
    pub fn is_random(self) -> bool {
        matches!(self, Self::Uniform | Self::LogUniform | Self::Choice)
    }

    /// Whether the values are the RON values of [`AxisEdit::list`].
    pub fn is_list(self) -> bool {
        matches!(self, Self::List | Self::Choice)
    }
}

/// One swept setting as the editor holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AxisEdit {
    /// RON path of the setting (`optimizer.lr`, `init.weight_hh.gain`, …).
    pub key: String,
    pub spacing: Spacing,
    pub from: f64,
    pub to: f64,
    pub n: usize,
    /// The values for [`Spacing::List`] and [`Spacing::Choice`].
    pub list: String,
}

impl Default for AxisEdit {
    fn default() -> Self {
        Self {
            key: "optimizer.lr".into(),
            spacing: Spacing::Log,
            from: 1e-3,
            to: 1e-2,
            n: 3,
            list: String::new(),
        }
    }
}

impl AxisEdit {
    /// The axis of the sweep file; a list that is not RON values says so, naming the key.
    fn axis(&self) -> Result<Axis, SweepError> {
        let key = self.key.trim().to_owned();
        let list = || {
            crate::ronfile::parse::<Vec<Box<RawValue>>>(&format!("[{}]", self.list)).map_err(|e| {
                SweepError::Values {
                    path: tab_path().into(),
                    key: key.clone(),
                    message: trf(Msg::ListNotRon, &[("error", &e)]),
                }
            })
        };
        let values = match self.spacing {
            Spacing::Linear => Values::Linear(self.from, self.to, self.n),
            Spacing::Log => Values::Log(self.from, self.to, self.n),
            Spacing::List => Values::List(list()?),
            Spacing::Uniform => Values::Uniform(self.from, self.to),
            Spacing::LogUniform => Values::LogUniform(self.from, self.to),
            Spacing::Choice => Values::Choice(list()?),
        };
        Ok(Axis { key, values })
    }

    /// Sets the key and values a user most likely wants for `setting`, from its value in
    /// `base` (a decade either side of a learning rate, the three cells, …).
    pub fn pick(&mut self, setting: &Sweepable, base: &Setup) {
        setting.key.clone_into(&mut self.key);
        let current = crate::preset::setting(base, setting.key)
            .ok()
            .and_then(|v| v.as_f64());
        match setting.suggest {
            Suggest::List(values) => {
                self.spacing = Spacing::List;
                values.clone_into(&mut self.list);
            }
            Suggest::Range(spacing, from, to, n) => {
                self.spacing = spacing;
                self.from = from;
                self.to = to;
                self.n = n;
            }
            Suggest::AroundCurrent(spacing, lo, hi, n) => {
                let v = current.filter(|v| *v > 0.0).unwrap_or(1.0);
                self.spacing = spacing;
                self.from = v * lo;
                self.to = v * hi;
                self.n = n;
            }
        }
    }
}

/// The values the tab suggests for a sweepable setting.
#[derive(Clone, Copy, Debug)]
pub enum Suggest {
    /// These RON values.
    List(&'static str),
    /// A fixed range.
    Range(Spacing, f64, f64, usize),
    /// From `lo ×` to `hi ×` the current value.
    AroundCurrent(Spacing, f64, f64, usize),
}

/// A setting the tab offers to sweep.
#[derive(Clone, Copy, Debug)]
pub struct Sweepable {
    pub key: &'static str,
    /// Its name in the tab's list (see [`tr`]).
    pub label: Msg,
    pub suggest: Suggest,
}

impl Sweepable {
    /// Whether `key` names this setting: the same RON path, or the same with enum variants
    /// written out (`clip.global_norm.max_norm` for `clip.max_norm`).
    pub fn names(&self, key: &str) -> bool {
        let key = key.trim();
        if key == self.key {
            return true;
        }
        let (ours, theirs): (Vec<&str>, Vec<&str>) =
            (self.key.split('.').collect(), key.split('.').collect());
        // `ours` is `theirs` with some middle segments left out.
        ours.len() < theirs.len()
            && ours.first() == theirs.first()
            && ours.last() == theirs.last()
            && {
                let mut rest = theirs.iter();
                ours.iter().all(|o| rest.any(|t| t == o))
            }
    }
}

/// The settings the tab lists, in the experiment panel's order; [`sweepable_for`] keeps those
/// the base setup has (a gain only for an init that has one, k2 only for truncated BPTT…).
/// Any other RON path can be typed in.
pub const SWEEPABLE: &[Sweepable] = &[
    Sweepable {
        key: "model.cell",
        label: Msg::Cell,
        suggest: Suggest::List("rnn(tanh), lstm, gru"), // i18n-exempt: RON values written to the sweep file
    },
    Sweepable {
        key: "model.hidden",
        label: Msg::HiddenSize,
        suggest: Suggest::AroundCurrent(Spacing::Log, 0.5, 2.0, 3),
    },
    Sweepable {
        key: "task.seq_len",
        label: Msg::SeqLen,
        suggest: Suggest::AroundCurrent(Spacing::Linear, 0.5, 2.0, 4),
    },
    Sweepable {
        key: "init.weight_hh.gain",
        label: Msg::HhGain,
        suggest: Suggest::Range(Spacing::Linear, 0.5, 1.5, 5),
    },
    Sweepable {
        key: "init.weight_hh.radius",
        label: Msg::HhRadius,
        suggest: Suggest::Range(Spacing::Linear, 0.5, 1.5, 5),
    },
    Sweepable {
        key: "init.weight_ih.gain",
        label: Msg::IhGain,
        suggest: Suggest::Range(Spacing::Linear, 0.5, 2.0, 4),
    },
    Sweepable {
        key: "init.bias.value",
        label: Msg::ForgetBias,
        suggest: Suggest::Range(Spacing::Linear, 0.0, 3.0, 4),
    },
    Sweepable {
        key: "init.bias.t_max",
        label: Msg::ChronoTMax,
        suggest: Suggest::AroundCurrent(Spacing::Log, 0.25, 4.0, 5),
    },
    Sweepable {
        key: "bptt.k1",
        label: Msg::K1,
        suggest: Suggest::AroundCurrent(Spacing::Linear, 0.5, 2.0, 4),
    },
    Sweepable {
        key: "bptt.k",
        label: Msg::ChunkK,
        suggest: Suggest::AroundCurrent(Spacing::Linear, 0.5, 2.0, 4),
    },
    Sweepable {
        key: "bptt.k2",
        label: Msg::K2,
        suggest: Suggest::AroundCurrent(Spacing::Linear, 0.5, 4.0, 5),
    },
    Sweepable {
        key: "clip.max_norm",
        label: Msg::ClipThreshold,
        suggest: Suggest::Range(Spacing::Log, 0.1, 100.0, 7),
    },
    Sweepable {
        key: "clip.max_value",
        label: Msg::ClipValue,
        suggest: Suggest::Range(Spacing::Log, 0.01, 10.0, 4),
    },
    Sweepable {
        key: "clip", // i18n-exempt: a RON path written to the sweep file
        label: Msg::ClipKind,
        suggest: Suggest::List(
            "none, global_norm(max_norm: 1.0), per_tensor_norm(max_norm: 1.0), value(max_value: 0.1)", // i18n-exempt: RON values written to the sweep file
        ),
    },
    Sweepable {
        key: "optimizer.lr",
        label: Msg::LearningRate,
        suggest: Suggest::AroundCurrent(Spacing::Log, 0.1, 10.0, 5),
    },
    Sweepable {
        key: "optimizer.momentum",
        label: Msg::Momentum,
        suggest: Suggest::Range(Spacing::Linear, 0.0, 0.9, 4),
    },
    Sweepable {
        key: "optimizer.weight_decay",
        label: Msg::WeightDecay,
        suggest: Suggest::Range(Spacing::Log, 1e-5, 1e-2, 4),
    },
    Sweepable {
        key: "batch_size",
        label: Msg::BatchSize,
        suggest: Suggest::Range(Spacing::Log, 8.0, 128.0, 5),
    },
];

/// The settings of [`SWEEPABLE`] that `base` has.
pub fn sweepable_for(base: &Setup) -> Vec<&'static Sweepable> {
    SWEEPABLE
        .iter()
        .filter(|s| crate::preset::setting(base, s.key).is_ok())
        .collect()
}

/// What the result plot shows per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SweepY {
    EvalLoss,
    EvalMetric,
    TrainLoss,
    /// The first diagnostics step at which the "solved" clause held.
    StepsToSolve,
}

impl SweepY {
    pub const ALL: [Self; 4] = [
        Self::EvalLoss,
        Self::EvalMetric,
        Self::TrainLoss,
        Self::StepsToSolve,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::EvalLoss => tr(Msg::FinalEvalLoss),
            Self::EvalMetric => tr(Msg::FinalEvalMetric),
            Self::TrainLoss => tr(Msg::FinalTrainLoss),
            Self::StepsToSolve => tr(Msg::StepsToSolve),
        }
    }

    /// The value of a result row, if it has one.
    pub fn of(self, row: &Row) -> Option<f64> {
        match self {
            Self::EvalLoss => row.eval_loss,
            Self::EvalMetric => row.eval_metric,
            Self::TrainLoss => row.train_loss,
            Self::StepsToSolve => row.steps_to_expect.map(|s| s as f64),
        }
        .filter(|v| v.is_finite())
    }
}

/// The Sweep tab's editor (persisted with the settings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the editor's checkboxes, persisted as the form shows them"
)]
pub struct SweepEditor {
    /// One or two axes.
    pub axes: Vec<AxisEdit>,
    /// Seeds per point: the setup's seed, +1, …
    pub seeds: u64,
    /// Steps per run; 0 = the setup's.
    pub steps: u64,
    /// Runs trained at the same time.
    pub jobs: usize,
    /// Whether runs have a "solved" clause (for steps to solve).
    pub solved_on: bool,
    pub solved_metric: ExpectMetric,
    pub solved_compare: Compare,
    pub solved_threshold: f64,
    /// What the result plot shows.
    pub y: SweepY,
    pub log_y: bool,
    /// Random search: `samples` points drawn with `sample_seed` instead of the grid.
    pub random_on: bool,
    pub samples: usize,
    pub sample_seed: u64,
    /// Successive halving over the points: keep the best 1/`eta` at each of `rungs` rungs.
    pub halving_on: bool,
    pub eta: u32,
    pub rungs: u32,
}

impl Default for SweepEditor {
    fn default() -> Self {
        Self {
            axes: vec![AxisEdit::default()],
            seeds: 2,
            steps: 0,
            jobs: std::thread::available_parallelism().map_or(2, usize::from),
            solved_on: true,
            solved_metric: ExpectMetric::EvalLoss,
            solved_compare: Compare::Below,
            solved_threshold: 0.05,
            y: SweepY::EvalLoss,
            log_y: true,
            random_on: false,
            samples: 20,
            sample_seed: 1,
            halving_on: false,
            eta: 3,
            rungs: 3,
        }
    }
}

impl SweepEditor {
    /// Takes a preset's claim as the "solved" clause: what counts as solved depends on the
    /// task (0.05 on adding is not a text model's bits per character).
    pub fn take_claim(&mut self, claim: &crate::expect::Expect) {
        self.solved_on = true;
        self.solved_metric = claim.metric;
        self.solved_compare = claim.compare;
        self.solved_threshold = claim.threshold;
    }

    /// The steps each run trains.
    pub fn steps_for(&self, base: &Setup) -> u64 {
        if self.steps == 0 {
            base.steps
        } else {
            self.steps
        }
    }

    /// The "solved" clause, checked over the whole run.
    pub fn expect(&self, base: &Setup) -> Option<Expect> {
        self.solved_on.then(|| {
            Expect::single(
                self.solved_metric,
                self.solved_compare,
                self.solved_threshold,
                self.steps_for(base),
            )
        })
    }

    /// The sweep as a sweep file over `base` (`bptt-lab sweep` runs it as the tab does).
    pub fn to_file(
        &self,
        name: &str,
        description: &str,
        base: &Setup,
    ) -> Result<SweepFile, SweepError> {
        Ok(SweepFile {
            version: SWEEP_VERSION,
            name: name.to_owned(),
            description: description.to_owned(),
            base: None,
            base_config: Some(base.clone()),
            set: Vec::new(),
            axes: self
                .axes
                .iter()
                .map(AxisEdit::axis)
                .collect::<Result<_, _>>()?,
            seeds: Seeds::Count(self.seeds),
            steps: Some(self.steps_for(base)),
            expect: self.expect(base),
            halving: self.halving_on.then_some(Halving {
                eta: self.eta,
                rungs: self.rungs,
            }),
            random: self.random_on.then_some(Random {
                samples: self.samples,
                seed: self.sample_seed,
            }),
        })
    }

    /// A sweep file as the tab's editor and its base preset (with the file's `set`, `steps`
    /// and `expect` applied), or what is wrong with it: a grid, a random search or successive
    /// halving. The tab numbers seeds from the base's seed, so a seed list must be
    /// consecutive.
    pub fn load(path: &Path) -> Result<(Self, Preset), SweepError> {
        let file = SweepFile::load(path)?;
        let sweep = file.expand(path)?;
        let (mut base, _) = file.base_with_overrides(path)?;
        let first = sweep.seeds[0];
        if sweep.seeds.iter().zip(first..).any(|(s, want)| *s != want) {
            return Err(SweepError::Field {
                path: path.to_owned(),
                field: "seeds".to_owned(), // i18n-exempt: the sweep file's field name
                message: trf(
                    Msg::SeedsNotConsecutive,
                    &[("seeds", &format!("{:?}", sweep.seeds))],
                ),
            });
        }
        base.config.seed = first;
        let axes = file
            .axes
            .iter()
            .zip(&sweep.axes)
            .map(|(axis, expanded)| {
                let n = AxisEdit::default().n;
                let (spacing, from, to, n, list) = match &axis.values {
                    &Values::Linear(from, to, n) => (Spacing::Linear, from, to, n, String::new()),
                    &Values::Log(from, to, n) => (Spacing::Log, from, to, n, String::new()),
                    &Values::Uniform(a, b) => (Spacing::Uniform, a, b, n, String::new()),
                    &Values::LogUniform(a, b) => (Spacing::LogUniform, a, b, n, String::new()),
                    // The values as written (a random search's `expanded` has those drawn).
                    Values::List(items) => (Spacing::List, 0.0, 1.0, items.len(), list_text(items)),
                    Values::Choice(items) => {
                        (Spacing::Choice, 0.0, 1.0, items.len(), list_text(items))
                    }
                };
                AxisEdit {
                    key: expanded.key.clone(),
                    spacing,
                    from,
                    to,
                    n,
                    list,
                }
            })
            .collect();
        let defaults = Self::default();
        let expect = base.expect;
        let editor = Self {
            axes,
            seeds: sweep.seeds.len() as u64,
            steps: file.steps.unwrap_or(0),
            solved_on: expect.is_some(),
            solved_metric: expect.map_or(defaults.solved_metric, |e| e.metric),
            solved_compare: expect.map_or(defaults.solved_compare, |e| e.compare),
            solved_threshold: expect.map_or(defaults.solved_threshold, |e| e.threshold),
            random_on: file.random.is_some(),
            samples: file.random.map_or(defaults.samples, |r| r.samples),
            sample_seed: file.random.map_or(defaults.sample_seed, |r| r.seed),
            halving_on: file.halving.is_some(),
            eta: file.halving.map_or(defaults.eta, |h| h.eta),
            rungs: file.halving.map_or(defaults.rungs, |h| h.rungs),
            ..defaults
        };
        base.name.clone_from(&sweep.name);
        base.description.clone_from(&sweep.description);
        Ok((editor, base))
    }

    /// Expands the editor's sweep over `base` into validated runs, or says what is wrong
    /// (naming the axis and value, as `bptt-lab sweep` does, and "the Sweep tab").
    pub fn expand(&self, name: &str, description: &str, base: &Setup) -> Result<Sweep, SweepError> {
        let path = tab_path();
        let sweep = self.to_file(name, description, base)?.expand(path)?;
        if sweep.runs.len() > MAX_TAB_RUNS {
            return Err(SweepError::Field {
                path: path.to_owned(),
                field: "axes".to_owned(), // i18n-exempt: the sweep file's field name
                message: trf(
                    Msg::TooManyRuns,
                    &[("runs", &sweep.runs.len()), ("max", &MAX_TAB_RUNS)],
                ),
            });
        }
        Ok(sweep)
    }
}

/// The RON values of a `list` or `choice` as the editor's list field holds them: each with
/// its whitespace runs made single spaces (as the sweep library reads them), comma separated.
fn list_text(items: &[Box<RawValue>]) -> String {
    items
        .iter()
        .map(|raw| crate::sweep::ron_text(raw))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Most settings the editor takes: two for a grid, [`random::MAX_AXES`] for a random search.
pub fn max_axes(random_on: bool) -> usize {
    if random_on { random::MAX_AXES } else { 2 }
}

#[cfg(test)]
mod tests {
    use super::super::test_base as base;
    use super::*;

    #[test]
    fn the_editor_expands_through_the_sweep_file_format() {
        let mut e = SweepEditor {
            seeds: 2,
            steps: 40,
            ..SweepEditor::default()
        };
        e.axes = vec![
            AxisEdit {
                key: "optimizer.lr".into(),
                spacing: Spacing::Log,
                from: 1e-3,
                to: 1e-1,
                n: 3,
                list: String::new(),
            },
            AxisEdit {
                key: "model.cell".into(),
                spacing: Spacing::List,
                list: "rnn(tanh), gru".into(),
                ..AxisEdit::default()
            },
        ];
        let sweep = e.expand("t", "d", &base()).unwrap();
        assert_eq!(sweep.axes[0].values, ["0.001", "0.01", "0.1"]);
        assert_eq!(sweep.axes[1].values, ["rnn(tanh)", "gru"]);
        assert_eq!(sweep.runs.len(), 12);
        assert!(sweep.runs.iter().all(|r| r.config.steps == 40));
        assert_eq!(sweep.runs[3].values, ["0.001", "gru"]);
        assert_eq!(sweep.runs[3].seed, base().seed + 1);
        let e2 = sweep.runs[3].preset.expect.unwrap();
        assert_eq!(e2.by_step, 40);
    }

    #[test]
    fn shipped_sweep_files_load_into_the_editor_and_expand_to_the_same_runs() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sweeps");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let from_file = Sweep::load(&path).unwrap();
            let (editor, base) = SweepEditor::load(&path).unwrap();
            let from_tab = editor
                .expand(&base.name, &base.description, &base.config)
                .unwrap();
            assert_eq!(from_tab.axes, from_file.axes, "{}", path.display());
            assert_eq!(from_tab.seeds, from_file.seeds);
            // Successive halving and random search too: the same rungs, the same points.
            assert_eq!(from_tab.halving, from_file.halving, "{}", path.display());
            assert_eq!(from_tab.random, from_file.random, "{}", path.display());
            let points = |s: &Sweep| s.runs.iter().map(|r| r.values.clone()).collect::<Vec<_>>();
            assert_eq!(points(&from_tab), points(&from_file), "{}", path.display());
            let setups = |s: &Sweep| s.runs.iter().map(|r| r.setup().clone()).collect::<Vec<_>>();
            assert_eq!(setups(&from_tab), setups(&from_file), "{}", path.display());
            let expects = |s: &Sweep| s.runs.iter().map(|r| r.preset.expect).collect::<Vec<_>>();
            assert_eq!(
                expects(&from_tab),
                expects(&from_file),
                "{}",
                path.display()
            );
            n += 1;
        }
        assert!(
            n >= 5,
            "the shipped sweeps, halving and random search included"
        );
    }

    #[test]
    fn the_saved_sweep_file_reads_back_to_the_same_runs() {
        let mut e = SweepEditor {
            seeds: 3,
            steps: 50,
            ..SweepEditor::default()
        };
        e.axes.push(AxisEdit {
            key: "bptt".into(),
            spacing: Spacing::List,
            list: "full, truncated(k1: 5, k2: 10, mode: accumulate)".into(),
            ..AxisEdit::default()
        });
        let file = e.to_file("t", "d", &base()).unwrap();
        let text = file.to_ron();
        let back = SweepFile::from_ron(&text, Path::new("saved.ron")).unwrap();
        let (a, b) = (
            file.expand(tab_path()).unwrap(),
            back.expand(Path::new("saved.ron")).unwrap(),
        );
        assert_eq!(a.axes, b.axes, "{text}");
        assert_eq!(
            a.axes[1].values[1],
            "truncated(k1: 5, k2: 10, mode: accumulate)"
        );
        let setups = |s: &Sweep| s.runs.iter().map(|r| r.setup().clone()).collect::<Vec<_>>();
        assert_eq!(setups(&a), setups(&b));
        assert_eq!(a.runs.len(), 3 * 2 * 3);
    }

    #[test]
    fn a_list_that_is_not_ron_names_the_axis() {
        let mut e = SweepEditor::default();
        e.axes[0] = AxisEdit {
            key: "model.cell".into(),
            spacing: Spacing::List,
            list: "lstm, (gru".into(),
            ..AxisEdit::default()
        };
        let err = e.expand("t", "d", &base()).unwrap_err().to_string();
        assert!(
            err.contains("model.cell") && err.contains(&*tab_path().to_string_lossy()),
            "{err}"
        );
    }

    #[test]
    fn a_bad_value_names_the_axis_and_the_tab() {
        let mut e = SweepEditor::default();
        e.axes[0] = AxisEdit {
            key: "model.cell".into(),
            spacing: Spacing::List,
            list: "lstm, tree".into(),
            ..AxisEdit::default()
        };
        let err = e.expand("t", "d", &base()).unwrap_err().to_string();
        assert!(err.contains("model.cell") && err.contains("tree"), "{err}");
        assert!(err.contains(&*tab_path().to_string_lossy()), "{err}");
        e.axes[0].key = "optimizer.no_such".into();
        e.axes[0].spacing = Spacing::Linear;
        let err = e.expand("t", "d", &base()).unwrap_err().to_string();
        assert!(err.contains("no_such"), "{err}");
    }

    #[test]
    fn a_setting_is_named_with_or_without_its_enum_variant() {
        let clip = SWEEPABLE.iter().find(|s| s.key == "clip.max_norm").unwrap();
        assert!(clip.names("clip.max_norm"));
        assert!(clip.names("clip.global_norm.max_norm"));
        assert!(!clip.names("clip.value.max_value"));
        assert!(!clip.names("clip"));
        let gain = SWEEPABLE
            .iter()
            .find(|s| s.key == "init.weight_hh.gain")
            .unwrap();
        assert!(gain.names("init.weight_hh.orthogonal.gain"));
        assert!(!gain.names("init.weight_ih.orthogonal.gain"));
    }

    #[test]
    fn settings_offered_follow_the_base_setup() {
        let mut b = base();
        let keys = |b: &Setup| sweepable_for(b).iter().map(|s| s.key).collect::<Vec<_>>();
        assert!(keys(&b).contains(&"optimizer.lr"));
        assert!(!keys(&b).contains(&"bptt.k2"), "full BPTT has no k2");
        crate::preset::apply_set(&mut b, "bptt=truncated(k1: 5, k2: 10, mode: accumulate)")
            .unwrap();
        assert!(keys(&b).contains(&"bptt.k2"));
    }
}
