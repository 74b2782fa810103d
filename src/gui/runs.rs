//! The runs of this session by id: each run's view (setup, status, colour, history, latest
//! weights) and its worker, created from a validated config, and the events their workers
//! send drained into them a few milliseconds per frame at most.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::style;
use crate::nn::{Bptt, Clip, Params};
use crate::train::{
    AnyTrainer, Command, Event, History, RunError, RunOutcome, StepMetrics, TrainConfig, Trainable,
    Worker,
};

/// Where a run is in its life.
#[derive(Clone, Debug)]
pub enum RunStatus {
    /// Created, waiting for Start or Step.
    Ready,
    Running,
    Paused,
    /// Ran all its steps, or was stopped.
    Finished {
        stopped: bool,
    },
    /// It diverged (a result: [`RunError::Diverged`]), could not start, or its thread
    /// panicked.
    Failed(RunError),
}

impl RunStatus {
    /// Whether the run can take no more commands.
    pub fn ended(&self) -> bool {
        matches!(self, Self::Finished { .. } | Self::Failed(_))
    }

    /// Whether it is training now.
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running)
    }

    /// Whether it diverged.
    pub fn diverged(&self) -> bool {
        matches!(self, Self::Failed(e) if e.is_divergence())
    }

    /// Short text for the status bar and the runs list.
    pub fn label(&self) -> String {
        match self {
            Self::Ready => "ready".into(),
            Self::Running => "running".into(),
            Self::Paused => "paused".into(),
            Self::Finished { stopped: false } => "finished".into(),
            Self::Finished { stopped: true } => "stopped".into(),
            Self::Failed(e) if e.is_divergence() => e.to_string(),
            Self::Failed(e) => format!("failed: {e}"),
        }
    }
}

/// What requested weights are for.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsUse {
    Export(PathBuf),
    Sample,
}

/// One training run and everything it reported.
pub struct RunView {
    pub id: u64,
    pub name: String,
    pub color: egui::Color32,
    pub visible: bool,
    pub config: TrainConfig,
    pub description: String,
    pub status: RunStatus,
    pub history: History,
    pub last_step: Option<StepMetrics>,
    /// Training steps per second, smoothed.
    pub steps_per_sec: f64,
    /// Final held-out loss and metric.
    pub final_eval: Option<(f64, f64)>,
    /// The latest weights received (on request or at the end), with their step.
    pub weights: Option<(u64, Params<f64>)>,
    /// What to do when requested weights arrive.
    pub pending_weights: Vec<WeightsUse>,
    worker: Option<Worker>,
}

impl RunView {
    /// A short description: cell, size, task, truncation, clipping, optimizer.
    pub fn summary(&self) -> String {
        summary(&self.config)
    }

    /// Steps done so far.
    pub fn steps_done(&self) -> u64 {
        self.last_step.as_ref().map_or(0, |m| m.step)
    }

    /// Sends a command to the run's worker (nothing once it has ended).
    pub fn send(&self, command: Command) {
        if let Some(w) = &self.worker {
            w.send(command);
        }
    }

    /// Starts (or resumes) training.
    pub fn start(&mut self) {
        self.send(Command::Start);
        self.status = RunStatus::Running;
    }

    /// Whether its latest weights are those of its latest step (or it has ended, so no newer
    /// ones will come).
    pub fn has_fresh_weights(&self) -> bool {
        let done = self.steps_done();
        self.status.ended() || self.weights.as_ref().is_some_and(|(s, _)| *s == done)
    }

    /// Takes the run's end; returns whether requested weights are now there.
    fn finish(&mut self, result: Result<Box<RunOutcome>, RunError>) -> bool {
        match result {
            Ok(outcome) => {
                log_finished(&self.name, &outcome, self.last_step.as_ref());
                self.status = RunStatus::Finished {
                    stopped: outcome.stopped,
                };
                self.final_eval = Some((outcome.eval_loss, outcome.eval_metric));
                let outcome = *outcome;
                self.weights = Some((outcome.steps, outcome.params));
                !self.pending_weights.is_empty()
            }
            Err(e) => {
                self.status = RunStatus::Failed(e);
                false
            }
        }
    }

    /// Takes one worker event; returns whether weights arrived, and whether the run ended.
    fn take(&mut self, event: Event) -> (bool, bool) {
        match event {
            Event::Progress(steps) => {
                for m in &steps {
                    self.history.push_step(m);
                }
                if let (Some(first), Some(last)) = (steps.first(), steps.last()) {
                    let prev = self.last_step.as_ref().map_or(0.0, |m| m.elapsed_secs);
                    let dt = last.elapsed_secs - prev;
                    let n = (last.step + 1 - first.step) as f64;
                    if dt > 0.0 {
                        let rate = n / dt;
                        self.steps_per_sec = if self.steps_per_sec == 0.0 {
                            rate
                        } else {
                            0.8 * self.steps_per_sec + 0.2 * rate
                        };
                    }
                    self.last_step = Some(last.clone());
                }
                (false, false)
            }
            Event::Profile(p) => {
                self.history.push_profile(*p);
                (false, false)
            }
            Event::Paused(_) => {
                self.status = RunStatus::Paused;
                (false, false)
            }
            Event::Weights(step, params) => {
                self.weights = Some((step, *params));
                (true, false)
            }
            Event::Finished(result) => (self.finish(result), true),
        }
    }
}

/// One line per finished run on stderr, as `bptt-lab train` prints it, so that training speed
/// with the window open can be compared with headless runs.
fn log_finished(name: &str, outcome: &RunOutcome, last: Option<&StepMetrics>) {
    let train_secs = last.map_or(0.0, |m| m.elapsed_secs);
    let rate = if train_secs > 0.0 {
        outcome.steps as f64 / train_secs
    } else {
        0.0
    };
    eprintln!(
        "{name}: {} steps in {train_secs:.2} s ({rate:.1} steps/s), held-out loss {:.6}",
        outcome.steps, outcome.eval_loss
    );
}

/// A one-line description of a config.
pub fn summary(c: &TrainConfig) -> String {
    let bptt = match c.bptt {
        Bptt::Full => "full BPTT".to_owned(),
        Bptt::Truncated { k1, k2, .. } => format!("BPTT({k1}, {k2})"),
        Bptt::Chunked { k, .. } => format!("chunks of {k}"),
    };
    let clip = match c.clip {
        Clip::None => "no clip".to_owned(),
        Clip::GlobalNorm { max_norm } => format!("clip ‖g‖ ≤ {max_norm}"),
        Clip::PerTensorNorm { max_norm } => format!("clip each ‖g‖ ≤ {max_norm}"),
        Clip::Value { max_value } => format!("clip |g| ≤ {max_value}"),
    };
    format!(
        "{} H={} · {} T={} · {bptt} · {clip} · {} lr {} · seed {}",
        c.model.cell.short_name(),
        c.model.hidden,
        c.task().name(),
        c.task().max_seq_len(),
        c.optimizer.name(),
        c.optimizer.lr(),
        c.seed
    )
}

/// Makes the run a worker drives: the real trainer, or a scripted one in UI tests.
pub type RunFactory =
    Arc<dyn Fn(&TrainConfig) -> Result<Box<dyn Trainable>, RunError> + Send + Sync>;

/// The real trainer as a [`RunFactory`].
pub fn trainer_factory() -> RunFactory {
    Arc::new(|config: &TrainConfig| Ok(Box::new(AnyTrainer::new(config)?) as Box<dyn Trainable>))
}

/// Wakes the window from a worker thread.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Every run of this session, in the order they were created, and which one is selected.
pub struct Runs {
    list: Vec<RunView>,
    next_id: u64,
    /// The run the controls act on (the latest started from the panel, or clicked).
    pub selected: Option<u64>,
    factory: RunFactory,
    wake: Wake,
}

impl Runs {
    /// No runs yet; runs will train through `factory` and wake the window with `wake`.
    pub fn new(factory: RunFactory, wake: Wake) -> Self {
        Self {
            list: Vec::new(),
            next_id: 1,
            selected: None,
            factory,
            wake,
        }
    }

    pub fn get(&self, id: u64) -> Option<&RunView> {
        self.list.iter().find(|r| r.id == id)
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut RunView> {
        self.list.iter_mut().find(|r| r.id == id)
    }

    /// The selected run.
    pub fn selected(&self) -> Option<&RunView> {
        self.get(self.selected?)
    }

    pub fn selected_mut(&mut self) -> Option<&mut RunView> {
        let id = self.selected?;
        self.get_mut(id)
    }

    /// The runs, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &RunView> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The id the next run will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Whether any run is training.
    pub fn any_running(&self) -> bool {
        self.list.iter().any(|r| r.status.is_running())
    }

    /// Creates a run (not started) from a validated config; it becomes the selected run.
    pub fn create(&mut self, config: TrainConfig, name: String, description: String) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let color = style::RUN_COLORS[(id as usize - 1) % style::RUN_COLORS.len()];
        let history = History::new(config.model.cell.gate_names());
        let factory = Arc::clone(&self.factory);
        let cfg = config.clone();
        let wake = Arc::clone(&self.wake);
        let worker = Worker::spawn(
            &format!("run-{id}"),
            move || factory(&cfg),
            config.eval.every,
            Box::new(move || wake()),
        );
        let (worker, status) = match worker {
            Ok(w) => (Some(w), RunStatus::Ready),
            Err(e) => (None, RunStatus::Failed(RunError::Thread(Arc::new(e)))),
        };
        self.list.push(RunView {
            id,
            name,
            color,
            visible: true,
            config,
            description,
            status,
            history,
            last_step: None,
            steps_per_sec: 0.0,
            final_eval: None,
            weights: None,
            pending_weights: Vec::new(),
            worker,
        });
        self.selected = Some(id);
        id
    }

    /// Removes a run (its worker stops); the selection moves to the newest run left.
    pub fn remove(&mut self, id: u64) {
        self.list.retain(|r| r.id != id);
        if self.selected == Some(id) {
            self.selected = self.list.last().map(|r| r.id);
        }
    }

    /// Takes the events the workers sent, for at most `budget`; returns the runs whose
    /// requested weights have arrived.
    pub fn drain_events(&mut self, budget: Duration) -> Vec<u64> {
        let deadline = Instant::now() + budget;
        let mut weights_ready = Vec::new();
        for r in &mut self.list {
            let mut ended = false;
            while Instant::now() < deadline {
                let Some(Ok(event)) = r.worker.as_ref().map(|w| w.events().try_recv()) else {
                    break;
                };
                let (weights, end) = r.take(event);
                if weights {
                    weights_ready.push(r.id);
                }
                if end {
                    ended = true;
                    break;
                }
            }
            if ended {
                r.worker = None; // joins the finished thread
            }
        }
        weights_ready
    }
}
