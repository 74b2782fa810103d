//! Sweeps in the app: the Sweep tab's editor, the sweep it expands to (through the same
//! [`crate::sweep`] code as `bptt-lab sweep`, so a sweep saved from the tab runs the same
//! runs on the command line), and the result rows read off the live runs.
//!
//! The base of a GUI sweep is the experiment panel's setup; the editor adds one or two
//! settings with their values, seeds, steps and a "solved" clause. Its runs are ordinary runs
//! of the runs list, started a few at a time (`jobs`) so that they share the cores instead of
//! all crawling at once.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{RunStatus, RunView};
use crate::preset::{Compare, Expect, ExpectMetric, Preset};
use crate::sweep::{Point, Row, Sweep, SweepFile, Values};
use crate::train::Setup;

/// What messages about the tab's sweep name as its file.
pub const TAB_PATH: &str = "the Sweep tab";

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
    /// The values for [`Spacing::List`].
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
    /// The `values:` of the sweep file.
    fn values_ron(&self) -> String {
        match self.spacing {
            Spacing::Linear => format!("linear({:?}, {:?}, {})", self.from, self.to, self.n),
            Spacing::Log => format!("log({:?}, {:?}, {})", self.from, self.to, self.n),
            Spacing::List => format!("list([{}])", self.list.trim()),
        }
    }

    /// Sets the key and values a user most likely wants for `setting`, from its value in
    /// `base` (a decade either side of a learning rate, the three cells, …).
    pub fn pick(&mut self, setting: &Setting, base: &Setup) {
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
pub struct Setting {
    pub key: &'static str,
    pub label: &'static str,
    pub suggest: Suggest,
}

impl Setting {
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

/// The settings the tab lists, in the experiment panel's order; [`settings_for`] keeps those
/// the base setup has (a gain only for an init that has one, k2 only for truncated BPTT…).
/// Any other RON path can be typed in.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "model.cell",
        label: "Cell",
        suggest: Suggest::List("rnn(tanh), lstm, gru"),
    },
    Setting {
        key: "model.hidden",
        label: "Hidden size H",
        suggest: Suggest::AroundCurrent(Spacing::Log, 0.5, 2.0, 3),
    },
    Setting {
        key: "task.seq_len",
        label: "Sequence length T",
        suggest: Suggest::AroundCurrent(Spacing::Linear, 0.5, 2.0, 4),
    },
    Setting {
        key: "init.weight_hh.gain",
        label: "W_hh gain",
        suggest: Suggest::Range(Spacing::Linear, 0.5, 1.5, 5),
    },
    Setting {
        key: "init.weight_hh.radius",
        label: "W_hh spectral radius",
        suggest: Suggest::Range(Spacing::Linear, 0.5, 1.5, 5),
    },
    Setting {
        key: "init.weight_ih.gain",
        label: "W_ih gain",
        suggest: Suggest::Range(Spacing::Linear, 0.5, 2.0, 4),
    },
    Setting {
        key: "init.bias.value",
        label: "Forget-gate bias",
        suggest: Suggest::Range(Spacing::Linear, 0.0, 3.0, 4),
    },
    Setting {
        key: "init.bias.t_max",
        label: "Chrono t_max",
        suggest: Suggest::AroundCurrent(Spacing::Log, 0.25, 4.0, 5),
    },
    Setting {
        key: "bptt.k1",
        label: "Truncation k1",
        suggest: Suggest::AroundCurrent(Spacing::Linear, 0.5, 2.0, 4),
    },
    Setting {
        key: "bptt.k2",
        label: "Truncation k2",
        suggest: Suggest::AroundCurrent(Spacing::Linear, 0.5, 4.0, 5),
    },
    Setting {
        key: "clip.max_norm",
        label: "Clipping threshold",
        suggest: Suggest::Range(Spacing::Log, 0.1, 100.0, 7),
    },
    Setting {
        key: "clip.max_value",
        label: "Clipping value",
        suggest: Suggest::Range(Spacing::Log, 0.01, 10.0, 4),
    },
    Setting {
        key: "clip",
        label: "Clipping kind",
        suggest: Suggest::List(
            "none, global_norm(max_norm: 1.0), per_tensor_norm(max_norm: 1.0), value(max_value: 0.1)",
        ),
    },
    Setting {
        key: "optimizer.lr",
        label: "Learning rate",
        suggest: Suggest::AroundCurrent(Spacing::Log, 0.1, 10.0, 5),
    },
    Setting {
        key: "optimizer.momentum",
        label: "Momentum",
        suggest: Suggest::Range(Spacing::Linear, 0.0, 0.9, 4),
    },
    Setting {
        key: "optimizer.weight_decay",
        label: "Weight decay",
        suggest: Suggest::Range(Spacing::Log, 1e-5, 1e-2, 4),
    },
    Setting {
        key: "batch_size",
        label: "Batch size",
        suggest: Suggest::Range(Spacing::Log, 8.0, 128.0, 5),
    },
];

/// The settings of [`SETTINGS`] that `base` has.
pub fn settings_for(base: &Setup) -> Vec<&'static Setting> {
    SETTINGS
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
            Self::EvalLoss => "final held-out loss",
            Self::EvalMetric => "final held-out metric",
            Self::TrainLoss => "final training loss",
            Self::StepsToSolve => "steps to solve",
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
        }
    }
}

impl SweepEditor {
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
        self.solved_on.then(|| Expect {
            metric: self.solved_metric,
            compare: self.solved_compare,
            threshold: self.solved_threshold,
            by_step: self.steps_for(base),
        })
    }

    /// The sweep as a sweep file (`bptt-lab sweep` runs it as the tab does).
    pub fn to_ron(&self, name: &str, description: &str, base: &Setup) -> String {
        let pretty = ron::ser::PrettyConfig::new()
            .depth_limit(2)
            .struct_names(false)
            .separate_tuple_members(false);
        let setup = ron::ser::to_string_pretty(base, pretty).expect("setups always serialize");
        let setup = setup.replace('\n', "\n    ");
        let text = |s: &str| ron::to_string(s).expect("strings always serialize");
        let mut out = String::new();
        let w = &mut out;
        writeln!(w, "(").expect("writing to a String");
        writeln!(w, "    version: {},", crate::sweep::SWEEP_VERSION).expect("a String");
        writeln!(w, "    name: {},", text(name)).expect("a String");
        writeln!(w, "    description: {},", text(description)).expect("a String");
        writeln!(w, "    base_config: {setup},").expect("a String");
        writeln!(w, "    axes: [").expect("a String");
        for a in &self.axes {
            writeln!(
                w,
                "        (key: {}, values: {}),",
                text(a.key.trim()),
                a.values_ron()
            )
            .expect("a String");
        }
        writeln!(w, "    ],").expect("a String");
        writeln!(w, "    seeds: {},", self.seeds).expect("a String");
        writeln!(w, "    steps: Some({}),", self.steps_for(base)).expect("a String");
        match self.expect(base) {
            Some(e) => writeln!(
                w,
                "    expect: Some({}),",
                ron::to_string(&e).expect("expect clauses always serialize")
            ),
            None => writeln!(w, "    expect: None,"),
        }
        .expect("a String");
        out.push_str(")\n");
        out
    }

    /// A sweep file as the tab's editor and its base preset (with the file's `set`, `steps`
    /// and `expect` applied), or what is wrong with it. The tab numbers seeds from the base's
    /// seed, so a seed list must be consecutive.
    pub fn load(path: &Path) -> Result<(Self, Preset), String> {
        let file = SweepFile::load(path).map_err(|e| e.to_string())?;
        let sweep = file.expand(path).map_err(|e| e.to_string())?;
        let (mut base, _) = file.base_with_overrides(path).map_err(|e| e.to_string())?;
        let first = sweep.seeds[0];
        if sweep.seeds.iter().zip(first..).any(|(s, want)| *s != want) {
            return Err(format!(
                "seeds {:?}: the Sweep tab takes consecutive seeds (seed, seed+1, …) (in {})",
                sweep.seeds,
                path.display()
            ));
        }
        base.config.seed = first;
        let axes = file
            .axes
            .iter()
            .zip(&sweep.axes)
            .map(|(axis, expanded)| {
                let (spacing, from, to, n) = match axis.values {
                    Values::Linear(from, to, n) => (Spacing::Linear, from, to, n),
                    Values::Log(from, to, n) => (Spacing::Log, from, to, n),
                    Values::List(_) => (Spacing::List, 0.0, 1.0, expanded.values.len()),
                };
                AxisEdit {
                    key: expanded.key.clone(),
                    spacing,
                    from,
                    to,
                    n,
                    list: if spacing == Spacing::List {
                        expanded.values.join(", ")
                    } else {
                        String::new()
                    },
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
            ..defaults
        };
        base.name.clone_from(&sweep.name);
        base.description.clone_from(&sweep.description);
        Ok((editor, base))
    }

    /// Expands the editor's sweep over `base` into validated runs, or says what is wrong
    /// (naming the axis and value, as `bptt-lab sweep` does).
    pub fn expand(&self, name: &str, description: &str, base: &Setup) -> Result<Sweep, String> {
        let text = self.to_ron(name, description, base);
        let path = Path::new(TAB_PATH);
        let sweep = SweepFile::from_ron(&text, path)
            .and_then(|f| f.expand(path))
            .map_err(|e| e.to_string())?;
        if sweep.runs.len() > MAX_TAB_RUNS {
            return Err(format!(
                "{} runs is more than the tab runs ({MAX_TAB_RUNS}); save the sweep as RON and \
                 run it with `bptt-lab sweep`",
                sweep.runs.len()
            ));
        }
        Ok(sweep)
    }
}

/// A sweep started from the tab.
pub struct ActiveSweep {
    /// 1, 2, … in this session (run names start with `S<number>`).
    pub number: u64,
    pub sweep: Sweep,
    /// The "solved" clause (for steps to solve).
    pub expect: Option<Expect>,
    /// The app's run id of each sweep run, once created.
    pub run_ids: Vec<Option<u64>>,
    /// Runs trained at the same time.
    pub jobs: usize,
    /// Stopped by the user: no more runs are started.
    pub stopped: bool,
    pub started: Instant,
    /// The states of runs that have ended (they no longer change), so a frame does not
    /// recompute every run's steps to solve.
    ended: RefCell<Vec<Option<RunState>>>,
}

/// Where a sweep run is.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// Not started yet.
    Waiting,
    Running,
    /// Finished with a result (diverged runs included).
    Done(Row),
    /// Stopped, failed or deleted: no result.
    Lost(String),
}

impl ActiveSweep {
    /// A sweep to run `jobs` runs at a time; no run is created yet.
    pub fn new(number: u64, sweep: Sweep, expect: Option<Expect>, jobs: usize) -> Self {
        let n = sweep.runs.len();
        Self {
            number,
            sweep,
            expect,
            run_ids: vec![None; n],
            jobs: jobs.max(1),
            stopped: false,
            started: Instant::now(),
            ended: RefCell::new(vec![None; n]),
        }
    }

    /// The state of every sweep run, in run order.
    pub fn states(&self, runs: &[RunView]) -> Vec<RunState> {
        let mut ended = self.ended.borrow_mut();
        self.sweep
            .runs
            .iter()
            .zip(&self.run_ids)
            .zip(ended.iter_mut())
            .map(|((run, id), cached)| {
                if let Some(state) = cached {
                    return state.clone();
                }
                let Some(id) = id else {
                    return RunState::Waiting;
                };
                let state = match runs.iter().find(|r| r.id == *id) {
                    None => RunState::Lost("deleted".into()),
                    Some(view) => {
                        let point = Point {
                            index: run.index,
                            values: run.values.clone(),
                            seed: run.seed,
                        };
                        row_of(view, point, self.expect.as_ref())
                    }
                };
                if matches!(state, RunState::Done(_) | RunState::Lost(_)) {
                    *cached = Some(state.clone());
                }
                state
            })
            .collect()
    }

    /// The rows of the finished runs, in run order.
    pub fn rows(&self, runs: &[RunView]) -> Vec<Row> {
        self.states(runs)
            .into_iter()
            .filter_map(|s| match s {
                RunState::Done(row) => Some(row),
                _ => None,
            })
            .collect()
    }

    /// A run's name: the sweep, the point (last segment of each key) and the seed.
    pub fn run_name(&self, index: usize) -> String {
        let run = &self.sweep.runs[index];
        let point: Vec<String> = self
            .sweep
            .axes
            .iter()
            .zip(&run.values)
            .map(|(a, v)| format!("{}={v}", a.key.rsplit('.').next().unwrap_or(&a.key)))
            .collect();
        format!(
            "S{} · {} · seed {}",
            self.number,
            point.join(" · "),
            run.seed
        )
    }
}

/// The result of one run so far.
fn row_of(view: &RunView, point: Point, expect: Option<&Expect>) -> RunState {
    let steps = view.last_step.as_ref().map_or(0, |m| m.step);
    let wall_secs = view.last_step.as_ref().map_or(0.0, |m| m.elapsed_secs);
    let train_loss = view.last_step.as_ref().map(|m| m.loss);
    let (eval, diverged) = match &view.status {
        RunStatus::Ready | RunStatus::Running | RunStatus::Paused => return RunState::Running,
        RunStatus::Finished { stopped: true } => return RunState::Lost("stopped".into()),
        RunStatus::Failed(e) => return RunState::Lost(e.clone()),
        RunStatus::Finished { stopped: false } => (view.final_eval, false),
        RunStatus::Diverged { .. } => (None, true),
    };
    let steps_to_expect = expect.and_then(|e| first_step_holding(view, e, steps, diverged));
    RunState::Done(Row {
        point,
        steps,
        train_loss,
        eval_loss: eval.map(|(l, _)| l),
        eval_metric: eval.map(|(_, m)| m),
        steps_to_expect,
        diverged,
        wall_secs,
    })
}

/// The first diagnostics step at which `expect` held, from the run's history (the same rule
/// as `results.csv`'s `steps_to_expect`).
fn first_step_holding(view: &RunView, expect: &Expect, steps: u64, diverged: bool) -> Option<u64> {
    let h = &view.history;
    let column = |name: &str| -> Vec<(u64, f64)> {
        h.diagnostics
            .column(name)
            .map(|c| h.diagnostics.buckets(c).map(|(s, a)| (s, a.last)).collect())
            .unwrap_or_default()
    };
    let observed: Vec<(u64, f64)> = match expect.metric {
        ExpectMetric::EvalLoss => column("eval_loss"),
        ExpectMetric::EvalMetric => column("eval_metric"),
        ExpectMetric::ProfileRatio => h
            .profiles
            .rows()
            .iter()
            .filter_map(|(s, _, v)| Some((*s, v.first()? / v.last()?)))
            .collect(),
        ExpectMetric::Diverged => return diverged.then_some(steps + 1),
    };
    observed
        .into_iter()
        .find(|&(_, v)| expect.holds(v))
        .map(|(s, _)| s)
}

/// One line of the result plot: the runs of one value of the second axis (or all runs).
#[derive(Clone, Debug, PartialEq)]
pub struct ResultLine {
    /// The second axis's value, empty with one axis.
    pub label: String,
    /// Per value of the first axis that has results: x, mean, min, max over seeds, and the
    /// runs as (sweep run index, y).
    pub points: Vec<ResultPoint>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResultPoint {
    pub x: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub runs: Vec<(usize, f64)>,
}

/// Where the first axis's values sit on the x axis: their numbers, or 0, 1, … for values
/// that are not numbers (cells, clipping kinds).
pub fn x_positions(values: &[String]) -> (Vec<f64>, bool) {
    let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    match numbers {
        Some(xs) => (xs, true),
        None => ((0..values.len()).map(|i| i as f64).collect(), false),
    }
}

/// The result plot's lines: one per value of the second axis, each with a point per value of
/// the first axis that has at least one result, the band over seeds from min to max.
pub fn result_lines(sweep: &Sweep, rows: &[Row], y: SweepY) -> Vec<ResultLine> {
    let (xs, _) = x_positions(&sweep.axes[0].values);
    let seconds: Vec<String> = sweep
        .axes
        .get(1)
        .map_or_else(|| vec![String::new()], |a| a.values.clone());
    seconds
        .iter()
        .map(|second| {
            let points = sweep.axes[0]
                .values
                .iter()
                .zip(&xs)
                .filter_map(|(first, &x)| {
                    let runs: Vec<(usize, f64)> = rows
                        .iter()
                        .filter(|r| {
                            r.point.values[0] == *first
                                && r.point.values.get(1).is_none_or(|v| v == second)
                        })
                        .filter_map(|r| Some((r.point.index, y.of(r)?)))
                        .collect();
                    if runs.is_empty() {
                        return None;
                    }
                    let ys = runs.iter().map(|(_, v)| *v);
                    Some(ResultPoint {
                        x,
                        mean: ys.clone().sum::<f64>() / runs.len() as f64,
                        min: ys.clone().fold(f64::INFINITY, f64::min),
                        max: ys.fold(f64::NEG_INFINITY, f64::max),
                        runs,
                    })
                })
                .collect();
            ResultLine {
                label: second.clone(),
                points,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default setup with zero biases (its forget bias is the LSTM's only, which a sweep
    /// over the cell type rejects for the other cells).
    fn base() -> Setup {
        let mut b = crate::app::Settings::default().setup;
        crate::preset::apply_set(&mut b, "init.bias=zero").unwrap();
        b
    }

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
        assert!(n >= 3, "the three shipped sweeps");
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
        let err = e.expand("t", "d", &base()).unwrap_err();
        assert!(err.contains("model.cell") && err.contains("tree"), "{err}");
        assert!(err.contains(TAB_PATH), "{err}");
        e.axes[0].key = "optimizer.no_such".into();
        e.axes[0].spacing = Spacing::Linear;
        let err = e.expand("t", "d", &base()).unwrap_err();
        assert!(err.contains("no_such"), "{err}");
    }

    #[test]
    fn a_setting_is_named_with_or_without_its_enum_variant() {
        let clip = SETTINGS.iter().find(|s| s.key == "clip.max_norm").unwrap();
        assert!(clip.names("clip.max_norm"));
        assert!(clip.names("clip.global_norm.max_norm"));
        assert!(!clip.names("clip.value.max_value"));
        assert!(!clip.names("clip"));
        let gain = SETTINGS
            .iter()
            .find(|s| s.key == "init.weight_hh.gain")
            .unwrap();
        assert!(gain.names("init.weight_hh.orthogonal.gain"));
        assert!(!gain.names("init.weight_ih.orthogonal.gain"));
    }

    #[test]
    fn settings_offered_follow_the_base_setup() {
        let mut b = base();
        let keys = |b: &Setup| settings_for(b).iter().map(|s| s.key).collect::<Vec<_>>();
        assert!(keys(&b).contains(&"optimizer.lr"));
        assert!(!keys(&b).contains(&"bptt.k2"), "full BPTT has no k2");
        crate::preset::apply_set(&mut b, "bptt=truncated(k1: 5, k2: 10, mode: accumulate)")
            .unwrap();
        assert!(keys(&b).contains(&"bptt.k2"));
    }

    #[test]
    fn result_lines_group_by_the_second_axis_with_seed_bands() {
        let mut e = SweepEditor {
            seeds: 2,
            steps: 10,
            ..SweepEditor::default()
        };
        e.axes.push(AxisEdit {
            key: "model.cell".into(),
            spacing: Spacing::List,
            list: "lstm, gru".into(),
            ..AxisEdit::default()
        });
        let sweep = e.expand("t", "d", &base()).unwrap();
        let rows: Vec<Row> = sweep
            .runs
            .iter()
            .filter(|r| r.index != 0)
            .map(|r| Row {
                point: Point {
                    index: r.index,
                    values: r.values.clone(),
                    seed: r.seed,
                },
                steps: 10,
                train_loss: None,
                eval_loss: Some(r.index as f64),
                eval_metric: None,
                steps_to_expect: None,
                diverged: false,
                wall_secs: 1.0,
            })
            .collect();
        let lines = result_lines(&sweep, &rows, SweepY::EvalLoss);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].label, "lstm");
        // lr 0.001, lstm: run 0 has no row, run 1 has eval loss 1.
        let p = &lines[0].points[0];
        assert_eq!((p.x, p.mean, p.min, p.max), (0.001, 1.0, 1.0, 1.0));
        // lr 0.001, gru: runs 2 and 3.
        let p = &lines[1].points[0];
        assert_eq!((p.mean, p.min, p.max), (2.5, 2.0, 3.0));
        assert_eq!(p.runs, [(2, 2.0), (3, 3.0)]);
        assert_eq!(lines[1].points.len(), 3);
        assert!(
            result_lines(&sweep, &rows, SweepY::StepsToSolve)[0]
                .points
                .is_empty()
        );
    }

    #[test]
    fn categorical_first_axes_sit_at_their_index() {
        assert_eq!(
            x_positions(&["lstm".into(), "gru".into()]),
            (vec![0.0, 1.0], false)
        );
        assert_eq!(
            x_positions(&["0.5".into(), "2".into()]),
            (vec![0.5, 2.0], true)
        );
    }
}
