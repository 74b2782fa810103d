//! Running a training setup without a window: the loop behind `bptt-lab train`, `reproduce`
//! and every sweep run, on the same [`AnyTrainer`] the app's workers run. With a run folder
//! ([`Options::folder`]) the run is written while it trains ([`crate::store`]); it can start
//! fresh, from given weights, or carry on from a checkpoint, and a raised stop flag (Ctrl-C)
//! ends it cleanly with its summary, weights and checkpoint. Memory stays bounded however
//! long it runs: the report keeps a decimated history, not every step.

/// Exit code of `bptt-lab train` when the run diverged: a result (its files and summary are
/// written), not a failure; a sweep's `array.sh` turns it into 0 so that Slurm does not mark
/// the task FAILED and a resubmission of the failed tasks does not rerun it.
pub const EXIT_DIVERGED: u8 = 3;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::expect::{Expect, ExpectMetric, profile_ratio};
use crate::nn::Params;
use crate::preset::Preset;
use crate::store::{Checkpoint, End, FolderStatus, Recorder};
use crate::train::{
    AnyTrainer, Diagnostics, DiagnosticsClock, History, RunError, StepMetrics, TrainConfig,
};

pub use crate::store::CHECKPOINT_EVERY;

/// How a headless run went.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub steps_done: u64,
    pub last_step: Option<StepMetrics>,
    pub eval_loss: f64,
    pub eval_metric: f64,
    pub elapsed_secs: f64,
    pub steps_per_sec: f64,
    /// Why the run stopped early, if it did (divergence).
    pub error: Option<RunError>,
    /// Whether the stop flag ended it before its steps.
    pub stopped: bool,
    /// The last diagnostics taken.
    pub last_diagnostics: Option<Diagnostics>,
    /// The run's curves, decimated past [`crate::train::history::Series::CAPACITY`] steps.
    pub history: History,
    /// The weights at the end, in f64.
    pub params: Params<f64>,
}

/// What a run starts from.
#[derive(Clone, Debug, Default)]
pub enum Start {
    /// Weights drawn from the seed.
    #[default]
    Fresh,
    /// These weights (PyTorch layout, f64), optimizer state zero.
    Weights(Box<Params<f64>>),
    /// A checkpoint of a run of the same setup.
    Resume(Box<Checkpoint>),
}

/// A headless run's options.
pub struct Options<'a> {
    /// Train until this many steps are done (counting those of a checkpoint).
    pub steps: u64,
    pub start: Start,
    /// The run folder to write live, and the preset to record in it; with [`Start::Resume`]
    /// the folder of the checkpoint, carried on.
    pub folder: Option<(&'a Path, &'a Preset)>,
    /// Raised from outside (Ctrl-C): the run ends after its current step.
    pub stop: Option<&'a AtomicBool>,
    /// Called after every step.
    pub progress: &'a mut dyn FnMut(&StepMetrics),
}

/// A run folder that could not be written: the run ended there (its folder holds what was
/// written before).
#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("cannot write the run folder {}: {source}", .dir.display())]
    Folder {
        dir: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How a run folder left by an interrupted run starts again: carried on from its checkpoint,
/// or (killed before its first checkpoint, or never started) fresh, its partial files
/// removed. A folder whose run has ended is an error (its result is kept).
pub fn restart(dir: &Path) -> Result<Start, RestartError> {
    let has_files = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if !has_files {
        return Ok(Start::Fresh);
    }
    let folder = crate::store::RunFolder::open(dir)?;
    match folder.status {
        FolderStatus::Finished | FolderStatus::Diverged(_) => {
            Err(RestartError::Ended(dir.to_owned()))
        }
        FolderStatus::Running => Err(RestartError::Running(dir.to_owned())),
        FolderStatus::Stopped | FolderStatus::Interrupted if folder.resumable() => {
            let checkpoint = crate::store::checkpoint::load(&dir.join(crate::store::CHECKPOINT))?;
            Ok(Start::Resume(Box::new(checkpoint)))
        }
        FolderStatus::Stopped | FolderStatus::Interrupted => {
            for entry in std::fs::read_dir(dir).map_err(|e| RestartError::Clear {
                dir: dir.to_owned(),
                source: e,
            })? {
                let path = entry
                    .map_err(|e| RestartError::Clear {
                        dir: dir.to_owned(),
                        source: e,
                    })?
                    .path();
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                removed.map_err(|e| RestartError::Clear {
                    dir: dir.to_owned(),
                    source: e,
                })?;
            }
            Ok(Start::Fresh)
        }
    }
}

/// Why a run folder cannot be started again.
#[derive(Debug, thiserror::Error)]
pub enum RestartError {
    #[error(transparent)]
    Folder(#[from] crate::store::FolderError),
    #[error(transparent)]
    Checkpoint(#[from] crate::store::checkpoint::CheckpointError),
    #[error("{}: its run has ended; its result is kept", .0.display())]
    Ended(std::path::PathBuf),
    #[error("{}: a process is writing it now", .0.display())]
    Running(std::path::PathBuf),
    #[error("{}: cannot clear its partial files: {source}", .dir.display())]
    Clear {
        dir: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Trains `config` for `steps` steps without a folder (stopping early on divergence),
/// calling `progress` after every step. Diagnostics follow `config.eval.every` (0 =
/// automatic) and always include the last step.
pub fn run(
    config: &TrainConfig,
    steps: u64,
    progress: &mut dyn FnMut(&StepMetrics),
) -> Result<RunReport, RunError> {
    let options = Options {
        steps,
        start: Start::Fresh,
        folder: None,
        stop: None,
        progress,
    };
    run_with(config, options).map_err(|e| match e {
        HeadlessError::Run(e) => e,
        HeadlessError::Folder { .. } => unreachable!("no folder is written"),
    })
}

/// Trains `config` as `options` say.
#[expect(
    clippy::too_many_lines,
    reason = "the training loop with its record, read top to bottom"
)]
pub fn run_with(config: &TrainConfig, options: Options<'_>) -> Result<RunReport, HeadlessError> {
    let Options {
        steps,
        start,
        folder,
        stop,
        progress,
    } = options;
    let gates = config.model.cell.gate_names();
    let folder_err = |dir: &Path| {
        let dir = dir.to_owned();
        move |source| HeadlessError::Folder { dir, source }
    };
    let (mut trainer, resumed_at) = match start {
        Start::Fresh => (AnyTrainer::new(config)?, None),
        Start::Weights(params) => (AnyTrainer::with_weights(config, &params)?, None),
        Start::Resume(checkpoint) => {
            let at = (checkpoint.state.step(), checkpoint.diagnostics_seen);
            (AnyTrainer::resume(config, checkpoint.state)?, Some(at))
        }
    };
    let mut recorder = match (folder, resumed_at) {
        (None, _) => None,
        (Some((dir, preset)), None) => {
            Some(Recorder::create(dir, preset, config).map_err(folder_err(dir))?)
        }
        (Some((dir, preset)), Some((step, seen))) => {
            Some(Recorder::resume(dir, preset, config, step, seen).map_err(folder_err(dir))?)
        }
    };
    let mut clock = DiagnosticsClock::new(config.eval.every, steps);
    let mut history = History::new(gates);
    let mut last_step = None;
    let mut last_diagnostics = None;
    let start_time = Instant::now();
    let mut error = None;
    let mut stopped = false;
    let (first, secs_before) = (trainer.steps_done(), trainer.elapsed_secs());
    while trainer.steps_done() < steps {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            stopped = true;
            break;
        }
        let t0 = Instant::now();
        match trainer.step() {
            Ok(m) => {
                clock.ran(t0.elapsed());
                progress(&m);
                history.push_step(&m);
                if let Some(r) = recorder.as_mut() {
                    r.step(&m);
                }
                if clock.due(m.step) {
                    let t = Instant::now();
                    let d = trainer.diagnostics();
                    clock.took(t.elapsed());
                    if let Some(r) = recorder.as_mut() {
                        r.diagnostics(&d);
                    }
                    history.push_profile(d.clone());
                    last_diagnostics = Some(d);
                }
                last_step = Some(m);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        if let Some(r) = recorder.as_mut() {
            let done = trainer.steps_done();
            let dir = r.dir().to_owned();
            r.tick(done, || Some(trainer.state()))
                .map_err(folder_err(&dir))?;
        }
    }
    let done = trainer.steps_done();
    // The last step's diagnostics, also when the next one diverged: the last finite profile
    // is the one that shows the explosion coming.
    let diverged = error.as_ref().is_some_and(RunError::is_divergence);
    if done > first
        && last_diagnostics.as_ref().is_none_or(|d| d.step < done)
        && (error.is_none() || diverged)
    {
        let d = trainer.diagnostics();
        if let Some(r) = recorder.as_mut() {
            r.diagnostics(&d);
        }
        history.push_profile(d.clone());
        last_diagnostics = Some(d);
    }
    let elapsed_secs = start_time.elapsed().as_secs_f64();
    let (eval_loss, eval_metric) = if error.is_none() {
        trainer.evaluate()
    } else {
        (f64::NAN, f64::NAN)
    };
    let train_secs = last_step
        .as_ref()
        .map_or(0.0, |m: &StepMetrics| m.elapsed_secs);
    let report = RunReport {
        steps_done: done,
        last_step,
        eval_loss,
        eval_metric,
        elapsed_secs,
        steps_per_sec: if train_secs > secs_before {
            (done - first) as f64 / (train_secs - secs_before)
        } else {
            0.0
        },
        error,
        stopped,
        last_diagnostics,
        history,
        params: trainer.params_f64(),
    };
    if let Some(r) = recorder.as_mut() {
        let end = End {
            steps: report.steps_done,
            last_step: report.last_step.as_ref(),
            last_diagnostics: report.last_diagnostics.as_ref(),
            eval_loss: report.eval_loss,
            eval_metric: report.eval_metric,
            stopped: report.stopped,
            diverged: report.error.as_ref().map(ToString::to_string),
            steps_per_sec: report.steps_per_sec,
            params: &report.params,
            state: Some(trainer.state()),
        };
        let dir = r.dir().to_owned();
        r.finish(&end).map_err(folder_err(&dir))?;
    }
    Ok(report)
}

/// The observed value of an `expect` clause in a report.
pub fn observed(expect: &Expect, report: &RunReport) -> f64 {
    match expect.metric {
        ExpectMetric::EvalLoss => report.eval_loss,
        ExpectMetric::EvalMetric => report.eval_metric,
        ExpectMetric::ProfileRatio => report
            .last_diagnostics
            .as_ref()
            .map_or(f64::NAN, |d| profile_ratio(&d.profile.values)),
        ExpectMetric::Diverged => f64::from(u8::from(report.error.is_some())),
    }
}
