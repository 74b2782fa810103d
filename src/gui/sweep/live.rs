//! A sweep started from the Sweep tab: which of its runs have been created, their states
//! read off the live runs, the result rows (as `results.csv` has them) and the lines of the
//! result plot. Its runs are ordinary runs of the runs list, started a few at a time (`jobs`)
//! so that they share the cores instead of all crawling at once.

use std::cell::RefCell;
use std::path::Path;
use std::time::Instant;

use super::editor::SweepY;
use super::rungs::HalvingRun;
use crate::expect::{Expect, Trace, profile_ratio};
use crate::gui::i18n::sweep::Sweep as Msg;
use crate::gui::i18n::tr;
use crate::gui::runs::{RunStatus, RunView, Runs};
use crate::sweep::{Point, Row, Sweep};
use crate::train::History;

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
    /// A successive-halving sweep runs headless through the sweep library, not as runs of
    /// the runs list ([`HalvingRun`]); `run_ids` stay empty.
    pub halving: Option<HalvingRun>,
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
            halving: None,
        }
    }

    /// Starts the sweep as successive halving into the sweep directory `out`, if it has a
    /// halving schedule; returns whether it did.
    pub fn start_halving(&mut self, out: &Path) -> bool {
        let Some(schedule) = &self.sweep.halving else {
            return false;
        };
        self.halving = Some(HalvingRun::start(&self.sweep, schedule, out, self.jobs));
        true
    }

    /// For a successive-halving sweep, takes in its thread's reports; returns whether the
    /// sweep is one (its runs are not the runs list's).
    pub fn poll_halving(&mut self) -> bool {
        let Some(h) = &mut self.halving else {
            return false;
        };
        h.poll();
        true
    }

    /// Whether the sweep has runs left to start (or, for successive halving, is running).
    pub fn going(&self) -> bool {
        match &self.halving {
            Some(h) => h.running(),
            None => !self.stopped && self.run_ids.iter().any(Option::is_none),
        }
    }

    /// Whether nothing more will happen: every run ended, or stopped with none training.
    pub fn finished(&self, states: &[RunState]) -> bool {
        match &self.halving {
            Some(h) => !h.running(),
            None => states
                .iter()
                .all(|s| matches!(s, RunState::Done(_) | RunState::Lost(_))),
        }
    }

    /// The state of every sweep run, in run order (for successive halving: its row at the
    /// last rung it trained in).
    pub fn states(&self, runs: &Runs) -> Vec<RunState> {
        if let Some(h) = &self.halving {
            return halving_states(h, self.sweep.runs.len());
        }
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
                let state = match runs.get(*id) {
                    None => RunState::Lost(tr(Msg::Deleted).into()),
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
    pub fn rows(&self, runs: &Runs) -> Vec<Row> {
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
            "S{} · {} · seed {}", // i18n-exempt: the run's name, written to disk (its workspace folder, its recorded preset)
            self.number,
            point.join(" · "),
            run.seed
        )
    }
}

/// The states of a successive-halving sweep's runs: training in the current rung, else the
/// row of the last rung they finished, else waiting (or failed there).
fn halving_states(h: &HalvingRun, runs: usize) -> Vec<RunState> {
    let latest = h.latest_rows();
    let current = h.current.and_then(|k| h.rungs.get(k));
    (0..runs)
        .map(|i| {
            if current.is_some_and(|r| r.running.contains(&i)) {
                return RunState::Running;
            }
            if let Some(why) = current.and_then(|r| r.failed.get(&i)) {
                return RunState::Lost(why.clone());
            }
            latest
                .get(&i)
                .map_or(RunState::Waiting, |row| RunState::Done(row.clone()))
        })
        .collect()
}

/// The result of one run so far.
fn row_of(view: &RunView, point: Point, expect: Option<&Expect>) -> RunState {
    let steps = view.steps_done();
    let wall_secs = view.last_step.as_ref().map_or(0.0, |m| m.elapsed_secs);
    let train_loss = view.last_step.as_ref().map(|m| m.loss);
    let (eval, diverged) = match &view.status {
        RunStatus::Ready | RunStatus::Running | RunStatus::Paused => return RunState::Running,
        RunStatus::Finished { stopped: true } => return RunState::Lost(tr(Msg::Stopped).into()),
        RunStatus::Interrupted => return RunState::Lost(tr(Msg::Interrupted).into()),
        RunStatus::Failed(e) if !e.is_divergence() => return RunState::Lost(e.to_string()),
        RunStatus::Finished { stopped: false } => (view.final_eval, false),
        RunStatus::Failed(_) | RunStatus::DivergedOnRecord(_) => (None, true),
    };
    let steps_to_expect =
        expect.and_then(|e| first_step_holding(&view.history, e, steps, diverged));
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

/// The first diagnostics step at which `expect` held, by the rule `results.csv` uses
/// ([`crate::expect::first_step_holding`]), on the run's history.
fn first_step_holding(h: &History, expect: &Expect, steps: u64, diverged: bool) -> Option<u64> {
    let column = |name: &str| -> Vec<(u64, f64)> {
        h.diagnostics
            .column(name)
            .map(|c| h.diagnostics.buckets(c).map(|(s, a)| (s, a.last)).collect())
            .unwrap_or_default()
    };
    let read = |trace: Trace| -> Result<Vec<(u64, f64)>, std::convert::Infallible> {
        Ok(match trace {
            // Every diagnostics row has a held-out loss: its steps are the diagnostics steps.
            Trace::EvalLoss | Trace::DiagnosticsSteps => column("eval_loss"),
            Trace::EvalMetric => column("eval_metric"),
            Trace::ProfileRatio => h
                .profiles
                .rows()
                .iter()
                .map(|(s, _, v)| (*s, profile_ratio(v)))
                .collect(),
        })
    };
    match crate::expect::first_step_holding(expect, steps, diverged, read) {
        Ok(step) => step,
        Err(never) => match never {},
    }
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
/// the first axis that has at least one result, the band over seeds from min to max. A random
/// search has one line (its points are not a grid), its points in order of x.
pub fn result_lines(sweep: &Sweep, rows: &[Row], y: SweepY) -> Vec<ResultLine> {
    let (xs, _) = x_positions(&sweep.axes[0].values);
    let seconds: Option<Vec<String>> = sweep
        .axes
        .get(1)
        .filter(|_| sweep.random.is_none())
        .map(|a| a.values.clone());
    let random = sweep.random.is_some();
    seconds
        .map_or_else(|| vec![None], |v| v.into_iter().map(Some).collect())
        .into_iter()
        .map(|second| {
            let mut points: Vec<ResultPoint> = sweep.axes[0]
                .values
                .iter()
                .zip(&xs)
                .filter_map(|(first, &x)| {
                    let runs: Vec<(usize, f64)> = rows
                        .iter()
                        .filter(|r| {
                            r.point.values[0] == *first
                                && second
                                    .as_ref()
                                    .is_none_or(|s| r.point.values.get(1) == Some(s))
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
            if random {
                points.sort_by(|a, b| a.x.total_cmp(&b.x));
            }
            ResultLine {
                label: second.unwrap_or_default(),
                points,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::editor::{AxisEdit, Spacing, SweepEditor};
    use super::super::test_base as base;
    use super::*;

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
