//! One run of a sweep directory, trained the same way wherever it runs: by a worker of a local
//! sweep ([`super::local`]) or by a Slurm array task (`bptt-lab sweep-task DIR I`, which
//! `array.sh` calls). A run whose result is already written for this setup is not trained
//! again; one left interrupted carries on from its checkpoint; one that finished an earlier
//! rung of successive halving ([`super::halving`]) with fewer steps carries on to this rung's.

use std::path::Path;

use serde_json::Value;

use super::local::RunFailure;
use super::results::{self, Point, Row};
use super::{SweepError, run_name};
use crate::expect::Expect;
use crate::headless::{self, Start};
use crate::preset::Preset;
use crate::train::TrainConfig;

/// What [`train_run`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// The run's result for this setup was there already: nothing trained.
    Skipped,
    /// Trained from the start or from an interrupted run's checkpoint.
    Trained,
    /// Carried on from the end of an earlier rung, which had done this many steps.
    Continued { from: u64 },
    /// An earlier rung's run had diverged: that is its result at this rung too.
    DivergedBefore,
}

/// How a run folder stands against the setup it should hold.
enum State {
    /// The result for this setup.
    Finished(Row),
    /// The run of this setup finished with fewer steps (an earlier rung): carry it on.
    Earlier { steps: u64 },
    /// It diverged at an earlier rung: its row is the result.
    DivergedEarlier(Row),
    /// Nothing usable yet (empty, interrupted): train (or carry on from a checkpoint).
    Unfinished,
}

/// The JSON of a setup as `summary.json` records it.
pub(crate) fn setup_json(preset: &Preset) -> Value {
    serde_json::to_value(&preset.config).expect("a setup always serializes")
}

/// `value` without its `steps` field.
fn without_steps(value: &Value) -> Value {
    let mut v = value.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("steps");
    }
    v
}

/// Whether the folder `dir` holds this setup's result, an earlier rung of it, or neither.
fn state(
    dir: &Path,
    point: &Point,
    config: &Value,
    expect: Option<&Expect>,
) -> Result<State, SweepError> {
    let summary_path = dir.join("summary.json");
    if let Ok(text) = crate::fsutil::read_text_capped(&summary_path, crate::fsutil::TEXT_FILE_CAP)
        && let Ok(summary) = serde_json::from_str::<Value>(&text)
        && summary
            .get("outcome")
            .is_some_and(|o| !matches!(o.as_str(), Some("running" | "stopped")))
        && let (Some(had), Some(want)) = (
            summary.get("config"),
            config.get("steps").and_then(Value::as_u64),
        )
        && let Some(had_steps) = had.get("steps").and_then(Value::as_u64)
        && had_steps < want
        && without_steps(had) == without_steps(config)
    {
        let diverged = summary
            .get("outcome")
            .is_some_and(|o| o.get("diverged").is_some());
        if diverged {
            let row =
                results::read_run(dir, point, had, expect)?.ok_or_else(|| SweepError::Dir {
                    path: summary_path.clone(),
                    message: "changed while it was read; collect again".to_owned(),
                })?;
            return Ok(State::DivergedEarlier(row));
        }
        return Ok(State::Earlier { steps: had_steps });
    }
    Ok(match results::read_run(dir, point, config, expect)? {
        Some(row) => State::Finished(row),
        None => State::Unfinished,
    })
}

/// Whether `dir` already holds the result of `preset` (the row), for a sweep's resume count.
pub(crate) fn finished_row(
    dir: &Path,
    point: &Point,
    preset: &Preset,
) -> Result<Option<Row>, SweepError> {
    Ok(
        match state(dir, point, &setup_json(preset), preset.expect.as_ref())? {
            State::Finished(row) | State::DivergedEarlier(row) => Some(row),
            State::Earlier { .. } | State::Unfinished => None,
        },
    )
}

/// Trains `preset` (validated as `config`) into the run folder `dir` unless its result is
/// there, and reads its row back from the files.
pub fn train_run(
    dir: &Path,
    preset: &Preset,
    config: &TrainConfig,
    point: &Point,
) -> Result<(Row, Done), RunFailure> {
    let setup = setup_json(preset);
    let expect = preset.expect.as_ref();
    let (start, done) = match state(dir, point, &setup, expect)? {
        State::Finished(row) => return Ok((row, Done::Skipped)),
        State::DivergedEarlier(row) => return Ok((row, Done::DivergedBefore)),
        State::Earlier { steps } => {
            let checkpoint_path = dir.join(crate::store::CHECKPOINT);
            let checkpoint = crate::store::checkpoint::load(&checkpoint_path)
                .map_err(headless::RestartError::from)?;
            let preset_path = dir.join(crate::store::PRESET);
            preset.save(&preset_path).map_err(|source| {
                RunFailure::Read(SweepError::Io {
                    path: preset_path.clone(),
                    source,
                })
            })?;
            (
                Start::Resume(Box::new(checkpoint)),
                Done::Continued { from: steps },
            )
        }
        State::Unfinished => (headless::restart(dir)?, Done::Trained),
    };
    let options = headless::Options {
        steps: config.steps,
        start,
        folder: Some((dir, preset)),
        stop: None,
        progress: &mut |_| {},
    };
    headless::run_with(config, options)?;
    let row = results::read_run(dir, point, &setup, expect)?
        .ok_or_else(|| RunFailure::NoSummary(dir.to_owned()))?;
    Ok((row, done))
}

/// What `bptt-lab sweep-task` reports.
#[derive(Debug)]
pub struct TaskReport {
    pub name: String,
    pub row: Row,
    pub done: Done,
}

/// Why a task of a sweep directory cannot run.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    Sweep(#[from] SweepError),
    #[error("run {name}: {source}")]
    Run {
        name: String,
        /// Boxed: a run's failure is large, and this error travels up through the CLI.
        #[source]
        source: Box<RunFailure>,
    },
}

impl TaskError {
    /// Whether the error is in what the user gave (a directory, an index), not the machine.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Sweep(e) => e.is_bad_input(),
            Self::Run { source, .. } => match source.as_ref() {
                RunFailure::Read(e) => e.is_bad_input(),
                _ => false,
            },
        }
    }
}

/// Runs task `index` of the sweep directory `dir` at `rung` (0 unless it is a
/// successive-halving sweep): the preset `dir/presets/NNNN.ron` (with the rung's steps) into
/// `dir/runs/NNNN`.
pub fn run_task(dir: &Path, index: usize, rung: usize) -> Result<TaskReport, TaskError> {
    let bad = |message: String| SweepError::Dir {
        path: dir.to_owned(),
        message,
    };
    let points_path = dir.join("points.csv");
    if !points_path.is_file() {
        return Err(bad(
            "no points.csv: not a sweep directory (`bptt-lab sweep SWEEP --emit DIR` writes one)"
                .to_owned(),
        )
        .into());
    }
    let (_, points) = results::read_points_csv(&points_path)?;
    let point = points
        .iter()
        .find(|p| p.index == index)
        .ok_or_else(|| {
            bad(format!(
                "no run {index}: the sweep has runs 0 to {}",
                points.len().saturating_sub(1)
            ))
        })?
        .clone();
    let name = run_name(index);
    let preset_path = dir.join("presets").join(format!("{name}.ron"));
    let mut preset = Preset::load(&preset_path).map_err(SweepError::Read)?;
    if let Some(schedule) = super::halving::Schedule::read(dir)? {
        let steps = schedule.steps_at(rung).ok_or_else(|| {
            bad(format!(
                "rung {rung} does not exist: this sweep has rungs 0 to {}",
                schedule.rungs.len() - 1
            ))
        })?;
        let entering = super::halving::read_rung_runs(dir, rung)?.ok_or_else(|| {
            bad(format!(
                "rung {rung} has not started: `bptt-lab sweep --collect {}` starts it when rung \
                 {} is complete",
                dir.display(),
                rung.saturating_sub(1)
            ))
        })?;
        if super::halving::read_rung_runs(dir, rung + 1)?.is_some() {
            return Err(bad(format!(
                "rung {rung} is closed (rung {} has started, see rungs/{}.csv): run {name} has \
                 nothing to do at rung {rung}",
                rung + 1,
                rung + 1
            ))
            .into());
        }
        if !entering.contains(&index) {
            return Err(bad(format!(
                "run {name} was dropped before rung {rung} (see rungs/{rung}.csv)"
            ))
            .into());
        }
        super::halving::set_steps(&mut preset, steps);
    } else if rung != 0 {
        return Err(bad(format!(
            "rung {rung}: this is not a successive-halving sweep (it has rung 0 only)"
        ))
        .into());
    }
    let config = preset.validate(&preset_path).map_err(SweepError::Read)?;
    let run_dir = dir.join("runs").join(&name);
    let (row, done) =
        train_run(&run_dir, &preset, &config, &point).map_err(|source| TaskError::Run {
            name: name.clone(),
            source: Box::new(source),
        })?;
    Ok(TaskReport { name, row, done })
}
