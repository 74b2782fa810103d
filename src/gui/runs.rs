//! The runs of this session by id: each run's view (setup, status, colour, history, latest
//! weights, its folder) and its worker, created from a validated config, and the events their
//! workers send drained into them a few milliseconds per frame at most. A run started here is
//! recorded into a folder of the workspace while it trains ([`crate::store`]); runs read back
//! from folders are in [`super::notebook`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::i18n::texts::Texts;
use super::i18n::{Message, fill, tr, trf};
use super::style;
use crate::headless::Start;
use crate::nn::{Bptt, Clip, Params};
use crate::preset::Preset;
use crate::store::{Recorder, Workspace};
use crate::train::{
    AnyTrainer, Command, DiagnosticsClock, Event, History, MakeRecord, Pace, Record, RunError,
    RunOutcome, StepMetrics, TrainConfig, Trainable, Worker,
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
    /// Read back from a folder whose run diverged (why).
    DivergedOnRecord(String),
    /// Read back from a folder whose run has no end (killed, or the machine stopped); it can
    /// be carried on if the folder has a checkpoint.
    Interrupted,
    /// It diverged (a result: [`RunError::Diverged`]), could not start, or its thread
    /// panicked.
    Failed(RunError),
}

impl RunStatus {
    /// Whether the run can take no more commands.
    pub fn ended(&self) -> bool {
        matches!(
            self,
            Self::Finished { .. } | Self::Failed(_) | Self::Interrupted | Self::DivergedOnRecord(_)
        )
    }

    /// Whether it is training now.
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running)
    }

    /// Whether it diverged.
    pub fn diverged(&self) -> bool {
        matches!(self, Self::Failed(e) if e.is_divergence())
            || matches!(self, Self::DivergedOnRecord(_))
    }

    /// Short text for the status bar and the runs list.
    pub fn label(&self) -> String {
        match self {
            Self::Ready => tr(Texts::StatusReady).into(),
            Self::Running => tr(Texts::StatusRunning).into(),
            Self::Paused => tr(Texts::StatusPaused).into(),
            Self::Finished { stopped: false } => tr(Texts::StatusFinished).into(),
            Self::Finished { stopped: true } => tr(Texts::StatusStopped).into(),
            Self::Interrupted => tr(Texts::StatusInterrupted).into(),
            Self::DivergedOnRecord(why) => trf(Texts::StatusDivergedOnRecord, &[("w", why)]),
            Self::Failed(e) if e.is_divergence() => e.to_string(),
            Self::Failed(e) => trf(Texts::StatusFailed, &[("e", e)]),
        }
    }
}

/// What requested weights are for.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsUse {
    Export(PathBuf),
    Sample,
    /// What the plots show of a run's weights ([`super::views`]).
    Views,
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
    /// The folder it is recorded in (or was read from).
    pub folder: Option<PathBuf>,
    /// Why its folder could not be written, if it could not.
    pub record_error: Option<String>,
    /// Whether `history` holds its curves (a run read from a folder loads them when shown).
    pub loaded: bool,
    /// Steps done as its folder's summary says (before its curves are loaded).
    pub saved_steps: u64,
    /// The tags given in the app.
    pub tags: Vec<String>,
    /// The pace its worker was last given (a sweep's runs and runs read back: full speed).
    pub pace: Pace,
    pub(super) worker: Option<Worker>,
}

impl RunView {
    /// A short description: cell, size, task, truncation, clipping, optimizer.
    pub fn summary(&self) -> String {
        summary(&self.config)
    }

    /// Steps done so far.
    pub fn steps_done(&self) -> u64 {
        self.last_step.as_ref().map_or(self.saved_steps, |m| m.step)
    }

    /// Whether a worker drives it (it is not only a record).
    pub fn is_live(&self) -> bool {
        self.worker.is_some()
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
            Event::RecordFailed(message) => {
                self.record_error = Some(message);
                (false, false)
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
        "{name}: {} steps in {train_secs:.2} s ({rate:.1} steps/s), held-out loss {:.6}", // i18n-exempt: a log line on stderr
        outcome.steps, outcome.eval_loss
    );
}

/// A one-line description of a config, in the window's language.
pub fn summary(c: &TrainConfig) -> String {
    let bptt = match c.bptt {
        Bptt::Full => tr(Texts::SummaryFullBptt).to_owned(),
        Bptt::Truncated { k1, k2, .. } => format!("BPTT({k1}, {k2})"),
        Bptt::Chunked { k, .. } => trf(Texts::SummaryChunks, &[("k", &k)]),
    };
    let clip = match c.clip {
        Clip::None => tr(Texts::SummaryNoClip).to_owned(),
        Clip::GlobalNorm { max_norm } => trf(Texts::SummaryClipGlobal, &[("max", &max_norm)]),
        Clip::PerTensorNorm { max_norm } => trf(Texts::SummaryClipEach, &[("max", &max_norm)]),
        Clip::Value { max_value } => trf(Texts::SummaryClipValue, &[("max", &max_value)]),
    };
    trf(
        Texts::SummaryLine,
        &[
            ("c", &c.model.cell.short_name()),
            ("h", &c.model.hidden),
            ("ta", &c.task().name()),
            ("t", &c.task().max_seq_len()),
            ("bp", &bptt),
            ("cl", &clip),
            ("op", &c.optimizer.name()),
            ("lr", &c.optimizer.lr()),
            ("sd", &c.seed),
        ],
    )
}

/// Makes the run a worker drives: the real trainer, or a scripted one in UI tests.
pub type RunFactory =
    Arc<dyn Fn(&TrainConfig, Start) -> Result<Box<dyn Trainable>, RunError> + Send + Sync>;

/// The real trainer as a [`RunFactory`]: fresh, from given weights, or carried on from a
/// checkpoint.
pub fn trainer_factory() -> RunFactory {
    Arc::new(|config: &TrainConfig, start: Start| {
        let trainer = match start {
            Start::Fresh => AnyTrainer::new(config)?,
            Start::Weights(params) => AnyTrainer::with_weights(config, &params)?,
            Start::Resume(checkpoint) => AnyTrainer::resume(config, checkpoint.state)?,
        };
        Ok(Box::new(trainer) as Box<dyn Trainable>)
    })
}

/// Where a new run is recorded: a folder and the preset to record, and for a run carried on,
/// the checkpoint's step and diagnostics count.
pub struct RecordTo {
    pub dir: PathBuf,
    pub preset: Preset,
    pub resume: Option<(u64, u64)>,
}

impl RecordTo {
    fn make(self, config: &TrainConfig) -> MakeRecord {
        let config = config.clone();
        // The error is written on the worker's thread, in the window's language of now.
        let lang = super::i18n::lang();
        Box::new(move || {
            let RecordTo {
                dir,
                preset,
                resume,
            } = self;
            let recorder = match resume {
                None => Recorder::create(&dir, &preset, &config),
                Some((step, seen)) => Recorder::resume(&dir, &preset, &config, step, seen),
            };
            recorder
                .map(|r| Box::new(r) as Box<dyn Record>)
                .map_err(|e| {
                    fill(
                        Texts::CannotWriteRunFolder.text(lang),
                        &[("p", &dir.display()), ("e", &e)],
                    )
                })
        })
    }
}

/// Wakes the window from a worker thread.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Every run of this session, in the order they were created, and which one is selected.
pub struct Runs {
    pub(super) list: Vec<RunView>,
    next_id: u64,
    /// The run the controls act on (the latest started from the panel, or clicked).
    pub selected: Option<u64>,
    factory: RunFactory,
    wake: Wake,
    /// Where runs started here are recorded (none in tests that do not ask for one).
    pub workspace: Option<Workspace>,
    /// The speed control's pace: each run created or carried on here gets it (but a sweep's
    /// runs, which go at full speed), and so does the selected run when it changes. A
    /// setting of the session, never saved (a slow motion remembered from last time would
    /// look like a slow machine).
    pub pace: Pace,
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
            workspace: None,
            pace: Pace::default(),
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

    /// Creates a run (not started) from a validated config, at the session's pace; it
    /// becomes the selected run. With a workspace, it is recorded into a new folder of it.
    pub fn create(&mut self, config: TrainConfig, name: String, description: String) -> u64 {
        let pace = self.pace;
        self.create_paced(config, name, description, pace)
    }

    /// [`Runs::create`] at `pace` (a sweep's runs go at full speed).
    pub fn create_paced(
        &mut self,
        config: TrainConfig,
        name: String,
        description: String,
        pace: Pace,
    ) -> u64 {
        let record = self.workspace.as_ref().and_then(|ws| {
            let dir = ws.new_run_dir(&name).ok()?;
            let preset = Preset {
                version: crate::preset::PRESET_VERSION,
                name: name.clone(),
                description: description.clone(),
                config: config.setup().clone(),
                expect: None,
                versus: None,
                zh_cn: None,
            };
            Some(RecordTo {
                dir,
                preset,
                resume: None,
            })
        });
        let id = self.next_id;
        self.next_id += 1;
        let color = style::RUN_COLORS[(id as usize - 1) % style::RUN_COLORS.len()];
        let history = History::new(config.model.cell.gate_names());
        let folder = record.as_ref().map(|r| r.dir.clone());
        self.list.push(RunView {
            id,
            name,
            color,
            visible: true,
            config,
            description,
            status: RunStatus::Ready,
            history,
            last_step: None,
            steps_per_sec: 0.0,
            final_eval: None,
            weights: None,
            pending_weights: Vec::new(),
            folder,
            record_error: None,
            loaded: true,
            saved_steps: 0,
            tags: Vec::new(),
            pace: Pace::default(),
            worker: None,
        });
        self.spawn(id, Start::Fresh, record, pace);
        self.selected = Some(id);
        id
    }

    /// Starts the worker of run `id` from `start`, recording as `record` says, at `pace`.
    pub(super) fn spawn(&mut self, id: u64, start: Start, record: Option<RecordTo>, pace: Pace) {
        let factory = Arc::clone(&self.factory);
        let wake = Arc::clone(&self.wake);
        let Some(r) = self.get_mut(id) else { return };
        let cfg = r.config.clone();
        let make_record = record.map(|rec| rec.make(&r.config));
        let worker = Worker::spawn_recorded(
            &format!("run-{id}"), // i18n-exempt: a thread name
            move || factory(&cfg, start),
            make_record,
            DiagnosticsClock::new(r.config.eval.every, r.config.steps),
            Box::new(move || wake()),
        );
        match worker {
            Ok(w) => {
                if pace != Pace::default() {
                    w.send(Command::SetPace(pace));
                }
                r.pace = pace;
                r.worker = Some(w);
                r.status = RunStatus::Ready;
            }
            Err(e) => r.status = RunStatus::Failed(RunError::Thread(Arc::new(e))),
        }
    }

    /// Adds a run view (read from a folder) with the next id; returns the id.
    pub(super) fn push_view(&mut self, mut view: RunView) -> u64 {
        view.id = self.next_id;
        view.color = style::RUN_COLORS[(view.id as usize - 1) % style::RUN_COLORS.len()];
        self.next_id += 1;
        let id = view.id;
        self.list.push(view);
        id
    }

    /// The run recorded in `dir`, if one is listed.
    pub fn by_folder(&self, dir: &Path) -> Option<&RunView> {
        self.list.iter().find(|r| r.folder.as_deref() == Some(dir))
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
