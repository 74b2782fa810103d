//! The desktop app: the state behind the window and the commands that change it.
//!
//! `logic` drains worker events (a few milliseconds at most per frame) into each run's
//! [`History`]; `ui` only draws, and the panels return [`UiCommand`]s that are applied after
//! all panels are drawn, so no widget mutates the world in the middle of a frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};
use serde::{Deserialize, Serialize};

use crate::nn::Params;
use crate::preset::{self, Preset};
use crate::train::worker::Run as RunTrait;
use crate::train::{
    AnyTrainer, Command, ConfigError, Event, History, RunError, Setup, StepMetrics, TrainConfig,
    Worker,
};
use crate::ui;

pub mod sweep;

/// Key of the persisted settings in eframe's storage.
pub const SETTINGS_KEY: &str = "bptt-lab-settings";
/// The preset the app opens with the first time.
pub const DEFAULT_PRESET: &str = "adding_lstm_t100.ron";
/// Time between frames while runs train: 20 frames a second. Measured under Xvfb with
/// software GL (2 cores): at 30 a second the renderer took ~0.75 of a core and an LSTM run
/// trained at 0.88 of its headless speed; at 20, 0.98.
const FRAME_INTERVAL: Duration = Duration::from_millis(50);
/// Longest time `logic` spends draining events per frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// Which plots are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one checkbox per plot, persisted as such"
)]
pub struct PlotToggles {
    pub loss: bool,
    pub grad_norm: bool,
    pub profile: bool,
    pub heatmap: bool,
    pub tensors: bool,
    pub spectral: bool,
    pub saturation: bool,
}

impl Default for PlotToggles {
    fn default() -> Self {
        Self {
            loss: true,
            grad_norm: true,
            profile: true,
            heatmap: true,
            tensors: false,
            spectral: true,
            saturation: false,
        }
    }
}

/// What the app remembers between sessions (eframe storage).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Name and description of the preset the setup came from.
    pub preset_name: String,
    pub description: String,
    /// The setup in the left panel.
    pub setup: Setup,
    pub plots: PlotToggles,
    /// Exponential smoothing of the loss curves, 0 = none.
    pub smoothing: f32,
    /// Log-scale y for the loss plot.
    pub log_loss: bool,
    /// N of "Step N".
    pub step_n: u64,
    /// The Sweep tab's editor.
    pub sweep: sweep::SweepEditor,
    /// Threads per training step of runs started from the panel (sweep runs use one each and
    /// run side by side instead).
    pub threads: usize,
}

impl Default for Settings {
    fn default() -> Self {
        let (file, text) = preset::builtin()
            .into_iter()
            .find(|(f, _)| *f == DEFAULT_PRESET)
            .expect("the default preset is compiled in");
        let p = Preset::from_ron(text, Path::new(file)).expect("the default preset parses");
        Self {
            preset_name: p.name,
            description: p.description,
            setup: p.config,
            plots: PlotToggles::default(),
            smoothing: 0.0,
            log_loss: true,
            step_n: 10,
            sweep: sweep::SweepEditor::default(),
            threads: 1,
        }
    }
}

/// Where a run is in its life.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    /// Created, waiting for Start or Step.
    Ready,
    Running,
    Paused,
    /// Ran all its steps, or was stopped.
    Finished {
        stopped: bool,
    },
    /// A non-finite loss or gradient ended it.
    Diverged {
        step: u64,
        reason: String,
    },
    /// It could not start or its thread panicked.
    Failed(String),
}

impl RunStatus {
    /// Whether the run can take no more commands.
    pub fn ended(&self) -> bool {
        matches!(
            self,
            Self::Finished { .. } | Self::Diverged { .. } | Self::Failed(_)
        )
    }

    /// Short text for the status bar and the runs list.
    pub fn label(&self) -> String {
        match self {
            Self::Ready => "ready".into(),
            Self::Running => "running".into(),
            Self::Paused => "paused".into(),
            Self::Finished { stopped: false } => "finished".into(),
            Self::Finished { stopped: true } => "stopped".into(),
            Self::Diverged { step, reason } => format!("diverged at step {step}: {reason}"),
            Self::Failed(e) => format!("failed: {e}"),
        }
    }
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

/// What requested weights are for.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsUse {
    Export(PathBuf),
    Sample,
}

impl RunView {
    /// A short description: cell, size, task, truncation, clipping, optimizer.
    pub fn summary(&self) -> String {
        summary(&self.config)
    }

    /// Takes the run's end; returns whether requested weights are now there.
    fn finish(&mut self, result: Result<Box<crate::train::RunOutcome>, RunError>) -> bool {
        match result {
            Ok(outcome) => {
                // One line per run on stderr, as `bptt-lab train` prints it, so training speed
                // with the window open can be compared with headless runs.
                let train_secs = self.last_step.as_ref().map_or(0.0, |m| m.elapsed_secs);
                let rate = if train_secs > 0.0 {
                    outcome.steps as f64 / train_secs
                } else {
                    0.0
                };
                eprintln!(
                    "{}: {} steps in {train_secs:.2} s ({rate:.1} steps/s), held-out loss {:.6}",
                    self.name, outcome.steps, outcome.eval_loss
                );
                self.status = RunStatus::Finished {
                    stopped: outcome.stopped,
                };
                self.final_eval = Some((outcome.eval_loss, outcome.eval_metric));
                let outcome = *outcome;
                self.weights = Some((outcome.steps, outcome.params));
                !self.pending_weights.is_empty()
            }
            Err(RunError::Diverged { step, source }) => {
                self.status = RunStatus::Diverged {
                    step,
                    reason: source.to_string(),
                };
                false
            }
            Err(e) => {
                self.status = RunStatus::Failed(e.to_string());
                false
            }
        }
    }

    fn send(&self, command: Command) {
        if let Some(w) = &self.worker {
            w.send(command);
        }
    }
}

/// A one-line description of a config.
pub fn summary(c: &TrainConfig) -> String {
    let bptt = match c.bptt {
        crate::nn::Bptt::Full => "full BPTT".to_owned(),
        crate::nn::Bptt::Truncated { k1, k2, .. } => format!("BPTT({k1}, {k2})"),
    };
    let clip = match c.clip {
        crate::nn::Clip::None => "no clip".to_owned(),
        crate::nn::Clip::GlobalNorm { max_norm } => format!("clip ‖g‖ ≤ {max_norm}"),
        crate::nn::Clip::PerTensorNorm { max_norm } => format!("clip each ‖g‖ ≤ {max_norm}"),
        crate::nn::Clip::Value { max_value } => format!("clip |g| ≤ {max_value}"),
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
    Arc<dyn Fn(&TrainConfig) -> Result<Box<dyn RunTrait>, RunError> + Send + Sync>;

/// The real trainer as a [`RunFactory`].
pub fn trainer_factory() -> RunFactory {
    Arc::new(|config: &TrainConfig| Ok(Box::new(AnyTrainer::new(config)?) as Box<dyn RunTrait>))
}

/// What the user asked for in this frame; applied after the panels are drawn.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub enum UiCommand {
    /// Start (or resume) the current run; makes a new one from the panel if there is none
    /// to continue.
    Start,
    /// Start a new run from the panel's setup, keeping the others.
    StartNew,
    TogglePause,
    Step(u64),
    Stop,
    /// Replace the current run by a fresh one with the same setup (same seed, same initial
    /// weights), not started.
    Reset,
    /// Load a built-in preset by file name.
    LoadBuiltin(String),
    /// Load a preset file.
    LoadFile(PathBuf),
    /// Save the panel's setup as a preset file.
    SaveFile(PathBuf),
    /// Ask for a path, then load or save (dialogs run on their own thread).
    OpenDialog(DialogKind),
    Select(u64),
    Delete(u64),
    SetVisible(u64, bool),
    Rename(u64, String),
    /// A new run from run `id`'s setup with one `key=value` changed, started at once.
    DuplicateWithChange(u64, String),
    /// Export the selected run's metrics (CSV) or weights (NPZ).
    ExportMetrics(PathBuf),
    ExportWeights(PathBuf),
    /// Export a plot as PNG (by its title) to a path.
    ExportPlot(String, PathBuf),
    /// Ask for weights to sample text from the selected run.
    SampleText,
    DismissMessage,
    /// Show the training plots or the Sweep tab.
    ShowView(View),
    /// Expand the Sweep tab's sweep over the panel's setup and start its runs (stopping the
    /// runs of a sweep still going).
    RunSweep,
    /// Open the Sweep tab with this setting (a RON path) as the first one, with the values
    /// the tab suggests for it.
    SweepSetting(String),
    /// Start no more runs of the sweep and stop those training.
    StopSweep,
    /// Select a run, show it in the training plots and switch to them (a click on a sweep
    /// result).
    OpenRun(u64),
    /// Save the Sweep tab's sweep as a sweep file for `bptt-lab sweep`.
    SaveSweep(PathBuf),
    /// Load a sweep file into the Sweep tab (its base into the experiment panel).
    LoadSweep(PathBuf),
    /// Write the sweep's result rows as `results.csv` does.
    ExportSweepResults(PathBuf),
}

/// What the central area shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Training,
    Sweep,
}

/// The file dialogs the app can open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    OpenPreset,
    SavePreset,
    ExportMetrics,
    ExportWeights,
    ExportPlot,
    SaveSweep,
    OpenSweep,
    ExportSweepResults,
}

/// Text-sampling panel state.
#[derive(Clone, Debug)]
pub struct TextSampler {
    pub temperature: f64,
    pub length: usize,
    pub seed_text: String,
    pub output: String,
}

impl Default for TextSampler {
    fn default() -> Self {
        Self {
            temperature: 0.8,
            length: 300,
            seed_text: "Shall I compare thee".into(),
            output: String::new(),
        }
    }
}

/// The app.
pub struct BpttApp {
    pub settings: Settings,
    pub runs: Vec<RunView>,
    /// The run the controls act on (the latest started from the panel, or clicked).
    pub selected: Option<u64>,
    /// Validation of the panel's setup, redone only when the setup changes.
    validated: Option<(Setup, Result<TrainConfig, ConfigError>)>,
    /// An error or notice shown above the plots until dismissed.
    pub message: Option<String>,
    pub sampler: TextSampler,
    /// The plot to export once the next screenshot arrives: (title, path).
    pub pending_plot_export: Option<(String, PathBuf)>,
    /// Where each plot was drawn last frame, by title (for PNG export).
    pub plot_rects: Vec<(String, egui::Rect)>,
    /// Screenshot delivered by the viewport.
    screenshot: Arc<std::sync::Mutex<Option<Arc<egui::ColorImage>>>>,
    /// Results of file dialogs running on their own thread.
    dialog_tx: Sender<(DialogKind, Option<PathBuf>, Option<String>)>,
    dialog_rx: Receiver<(DialogKind, Option<PathBuf>, Option<String>)>,
    /// Which plot a pending `ExportPlot` dialog is for.
    pub plot_to_export: String,
    /// Duplicate-with-change text per run.
    pub duplicate_edit: String,
    next_id: u64,
    factory: RunFactory,
    /// Last frame's drawing time, for the status bar.
    pub frame_ms: f64,
    /// How many runs of the panel's setup to start on the first frame (seeds seed, seed+1, …).
    autostart: u64,
    /// Commands from outside the panels (keys, dialogs), applied in `logic`.
    pub deferred: Vec<UiCommand>,
    /// To wake the window from worker threads.
    egui_ctx: Option<egui::Context>,
    /// The selected run's heatmap texture.
    pub heatmap: Option<crate::ui::heatmap::HeatmapTexture>,
    /// What the central area shows.
    pub view: View,
    /// The latest sweep started from the Sweep tab.
    pub sweep: Option<sweep::ActiveSweep>,
    /// Sweeps started so far (to number them).
    sweeps_started: u64,
    /// The Sweep tab's sweep expanded over the panel's setup, redone only when either changes.
    sweep_preview: Option<SweepPreview>,
    /// Where last frame's result plot drew each run's marker, with the run's id (clicks, tests).
    pub sweep_markers: Vec<(egui::Pos2, u64)>,
}

/// The tab's editor and base setup, and what they expand to.
type SweepPreview = (
    (sweep::SweepEditor, Setup),
    Result<crate::sweep::Sweep, String>,
);

impl BpttApp {
    /// The app with `settings`, training through `factory`, in the window (or test harness)
    /// of `cc`.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        settings: Settings,
        factory: RunFactory,
        autostart: u64,
    ) -> Self {
        ui::style::install_fonts(&cc.egui_ctx);
        let (dialog_tx, dialog_rx) = bounded(4);
        Self {
            settings,
            runs: Vec::new(),
            selected: None,
            validated: None,
            message: None,
            sampler: TextSampler::default(),
            pending_plot_export: None,
            plot_rects: Vec::new(),
            screenshot: Arc::default(),
            dialog_tx,
            dialog_rx,
            plot_to_export: String::new(),
            duplicate_edit: "optimizer.lr=0.01".into(),
            next_id: 1,
            factory,
            frame_ms: 0.0,
            autostart,
            deferred: Vec::new(),
            egui_ctx: Some(cc.egui_ctx.clone()),
            heatmap: None,
            view: View::Training,
            sweep: None,
            sweeps_started: 0,
            sweep_preview: None,
            sweep_markers: Vec::new(),
        }
    }

    /// The app as eframe creates it: settings restored from storage, or `preset` if given;
    /// with `sweep`, that sweep file in the Sweep tab, run at once if `autostart` > 0.
    pub fn from_creation_context(
        cc: &eframe::CreationContext<'_>,
        preset: Option<Preset>,
        sweep: Option<PathBuf>,
        autostart: u64,
    ) -> Self {
        let settings = match preset {
            Some(p) => Settings {
                preset_name: p.name,
                description: p.description,
                setup: p.config,
                ..cc.storage
                    .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
                    .unwrap_or_default()
            },
            None => cc
                .storage
                .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
                .unwrap_or_default(),
        };
        match sweep {
            None => Self::new(cc, settings, trainer_factory(), autostart),
            Some(path) => {
                let mut app = Self::new(cc, settings, trainer_factory(), 0);
                app.deferred.push(UiCommand::LoadSweep(path));
                if autostart > 0 {
                    app.deferred.push(UiCommand::RunSweep);
                }
                app
            }
        }
    }

    /// The panel's setup validated (cached until it changes).
    pub fn validation(&mut self) -> &Result<TrainConfig, ConfigError> {
        let stale = self
            .validated
            .as_ref()
            .is_none_or(|(s, _)| *s != self.settings.setup);
        if stale {
            let result = self.settings.setup.validate();
            self.validated = Some((self.settings.setup.clone(), result));
        }
        &self.validated.as_ref().expect("just set").1
    }

    /// The Sweep tab's sweep expanded over the panel's setup (cached until either changes).
    pub fn sweep_preview(&mut self) -> &Result<crate::sweep::Sweep, String> {
        let key = (self.settings.sweep.clone(), self.settings.setup.clone());
        if self.sweep_preview.as_ref().is_none_or(|(k, _)| *k != key) {
            let result = key.0.expand(
                &self.settings.preset_name,
                &self.settings.description,
                &key.1,
            );
            self.sweep_preview = Some((key, result));
        }
        &self.sweep_preview.as_ref().expect("just set").1
    }

    /// Starts the sweep's next runs while fewer than its `jobs` are training.
    fn schedule_sweep(&mut self) {
        let Some(mut active) = self.sweep.take() else {
            return;
        };
        if !active.stopped {
            let training = active
                .run_ids
                .iter()
                .flatten()
                .filter(|id| self.runs.iter().any(|r| r.id == **id && !r.status.ended()))
                .count();
            let mut free = active.jobs.saturating_sub(training);
            while free > 0
                && let Some(next) = active.run_ids.iter().position(Option::is_none)
            {
                let run = &active.sweep.runs[next];
                let (config, name) = (run.config.clone(), active.run_name(next));
                let kept = self.selected;
                let id = self.create_run(config, name, active.sweep.description.clone());
                self.selected = kept.or(Some(id));
                if let Some(r) = self.runs.iter_mut().find(|r| r.id == id) {
                    r.visible = false;
                }
                self.start(id);
                active.run_ids[next] = Some(id);
                free -= 1;
            }
        }
        self.sweep = Some(active);
    }

    /// Whether a sweep has runs left to start.
    pub fn sweep_pending(&self) -> bool {
        self.sweep
            .as_ref()
            .is_some_and(|s| !s.stopped && s.run_ids.iter().any(Option::is_none))
    }

    /// The selected run.
    pub fn current(&self) -> Option<&RunView> {
        let id = self.selected?;
        self.runs.iter().find(|r| r.id == id)
    }

    fn current_mut(&mut self) -> Option<&mut RunView> {
        let id = self.selected?;
        self.runs.iter_mut().find(|r| r.id == id)
    }

    /// Creates a run (not started) from a validated config; it becomes the selected run.
    fn create_run(&mut self, config: TrainConfig, name: String, description: String) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let color = ui::style::RUN_COLORS[(id as usize - 1) % ui::style::RUN_COLORS.len()];
        let history = History::new(config.model.cell.gate_names());
        let factory = Arc::clone(&self.factory);
        let cfg = config.clone();
        let ctx = self.egui_ctx.clone();
        let worker = Worker::spawn(
            &format!("run-{id}"),
            move || factory(&cfg),
            config.eval.every,
            // Workers flush every 15 ms; repainting on each would draw ~70 frames a second
            // (with software GL that is CPU the training threads need): at most one frame per
            // FRAME_INTERVAL.
            Box::new(move || {
                if let Some(c) = &ctx {
                    c.request_repaint_after(FRAME_INTERVAL);
                }
            }),
        );
        let (worker, status) = match worker {
            Ok(w) => (Some(w), RunStatus::Ready),
            Err(e) => (
                None,
                RunStatus::Failed(format!("cannot start a thread: {e}")),
            ),
        };
        self.runs.push(RunView {
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

    /// A run from the panel's setup, or the validation message.
    fn run_from_panel(&mut self) -> Option<u64> {
        match self.validation().clone() {
            Ok(config) => {
                let name = format!("{} #{}", config.model.cell.short_name(), self.next_id);
                let description = self.settings.description.clone();
                let config = config.with_threads(self.settings.threads);
                Some(self.create_run(config, name, description))
            }
            Err(e) => {
                self.message = Some(format!("Cannot start: {e}"));
                None
            }
        }
    }

    /// Applies one command.
    #[expect(
        clippy::too_many_lines,
        reason = "one match over every command, read as the app's behaviour table"
    )]
    pub fn apply(&mut self, command: UiCommand, ctx: &egui::Context) {
        match command {
            UiCommand::Start => {
                let panel = self.settings.setup.clone();
                let reusable = self.current().is_some_and(|r| {
                    !r.status.ended()
                        && (r.status != RunStatus::Ready || *r.config.setup() == panel)
                });
                if reusable {
                    if let Some(r) = self.current_mut() {
                        r.send(Command::Start);
                        r.status = RunStatus::Running;
                    }
                } else {
                    // A never-started current run with another setup is replaced.
                    if let Some(id) = self.selected
                        && self.current().is_some_and(|r| r.status == RunStatus::Ready)
                    {
                        self.runs.retain(|r| r.id != id);
                    }
                    if let Some(id) = self.run_from_panel() {
                        self.start(id);
                    }
                }
            }
            UiCommand::StartNew => {
                if let Some(id) = self.run_from_panel() {
                    self.start(id);
                }
            }
            UiCommand::TogglePause => {
                if let Some(r) = self.current_mut() {
                    match r.status {
                        RunStatus::Running => r.send(Command::Pause),
                        RunStatus::Paused | RunStatus::Ready => {
                            r.send(Command::Resume);
                            r.status = RunStatus::Running;
                        }
                        _ => {}
                    }
                }
            }
            UiCommand::Step(n) => {
                let need_new = self.current().is_none_or(|r| r.status.ended());
                if need_new && self.run_from_panel().is_none() {
                    return;
                }
                if let Some(r) = self.current_mut()
                    && !r.status.ended()
                {
                    r.send(Command::Step(n.max(1)));
                    r.status = RunStatus::Running;
                }
            }
            UiCommand::Stop => {
                if let Some(r) = self.current_mut() {
                    r.send(Command::Stop);
                }
            }
            UiCommand::Reset => {
                if let Some(r) = self.current() {
                    let (config, name, description) =
                        (r.config.clone(), r.name.clone(), r.description.clone());
                    let id = r.id;
                    self.runs.retain(|r| r.id != id);
                    self.create_run(config, name, description);
                }
            }
            UiCommand::LoadBuiltin(file) => {
                if let Some((f, text)) = preset::builtin().into_iter().find(|(f, _)| *f == file) {
                    let path = PathBuf::from(format!("presets/{f}"));
                    self.load_preset_text(text, &path);
                }
            }
            UiCommand::LoadFile(path) => match std::fs::read_to_string(&path) {
                Ok(text) => self.load_preset_text(&text, &path),
                Err(e) => {
                    self.message = Some(format!("Cannot open {}: {e}", path.display()));
                }
            },
            UiCommand::SaveFile(path) => {
                let p = Preset {
                    version: preset::PRESET_VERSION,
                    name: self.settings.preset_name.clone(),
                    description: self.settings.description.clone(),
                    config: self.settings.setup.clone(),
                    expect: None,
                };
                self.message = Some(match p.save(&path) {
                    Ok(()) => format!("Saved {}", path.display()),
                    Err(e) => format!("Cannot save {}: {e}", path.display()),
                });
            }
            UiCommand::OpenDialog(kind) => self.open_dialog(kind, ctx),
            UiCommand::Select(id) => self.selected = Some(id),
            UiCommand::Delete(id) => {
                self.runs.retain(|r| r.id != id);
                if self.selected == Some(id) {
                    self.selected = self.runs.last().map(|r| r.id);
                }
            }
            UiCommand::SetVisible(id, v) => {
                if let Some(r) = self.runs.iter_mut().find(|r| r.id == id) {
                    r.visible = v;
                }
            }
            UiCommand::Rename(id, name) => {
                if let Some(r) = self.runs.iter_mut().find(|r| r.id == id) {
                    r.name = name;
                }
            }
            UiCommand::DuplicateWithChange(id, assignment) => {
                let Some(r) = self.runs.iter().find(|r| r.id == id) else {
                    return;
                };
                let mut setup = r.config.setup().clone();
                let (base_name, description) = (r.name.clone(), r.description.clone());
                let threads = r.config.threads();
                let result = preset::apply_set(&mut setup, &assignment)
                    .map_err(|e| e.to_string())
                    .and_then(|()| setup.validate().map_err(|e| e.to_string()));
                match result {
                    Ok(config) => {
                        let name = format!("{base_name} · {}", assignment.trim());
                        let config = config.with_threads(threads);
                        let new_id = self.create_run(config, name, description);
                        self.start(new_id);
                        self.message = None;
                    }
                    Err(e) => self.message = Some(format!("Duplicate with change: {e}")),
                }
            }
            UiCommand::ExportMetrics(path) => {
                if let Some(r) = self.current() {
                    let result = crate::export::write_series_csv(&path, &r.history.steps);
                    self.message = Some(match result {
                        Ok(()) => format!("Wrote {}", path.display()),
                        Err(e) => format!("Cannot write {}: {e}", path.display()),
                    });
                }
            }
            UiCommand::ExportWeights(path) => self.request_weights(WeightsUse::Export(path)),
            UiCommand::ExportPlot(title, path) => {
                self.pending_plot_export = Some((title, path));
                let slot = Arc::clone(&self.screenshot);
                let c = ctx.clone();
                ctx.request_screenshot(move |img| {
                    *slot.lock().expect("no poisoning") = Some(img);
                    c.request_repaint();
                });
            }
            UiCommand::SampleText => self.request_weights(WeightsUse::Sample),
            UiCommand::DismissMessage => self.message = None,
            UiCommand::ShowView(view) => self.view = view,
            UiCommand::RunSweep => self.run_sweep(),
            UiCommand::StopSweep => self.stop_sweep(),
            UiCommand::SweepSetting(key) => {
                let base = &self.settings.setup;
                if self.settings.sweep.axes.is_empty() {
                    self.settings.sweep.axes.push(sweep::AxisEdit::default());
                }
                let axis = &mut self.settings.sweep.axes[0];
                match sweep::SETTINGS.iter().find(|s| s.key == key) {
                    Some(setting) => axis.pick(setting, base),
                    None => axis.key = key,
                }
                self.view = View::Sweep;
            }
            UiCommand::OpenRun(id) => {
                if let Some(r) = self.runs.iter_mut().find(|r| r.id == id) {
                    r.visible = true;
                    self.selected = Some(id);
                    self.view = View::Training;
                }
            }
            UiCommand::SaveSweep(path) => {
                let text = self.settings.sweep.to_ron(
                    &self.settings.preset_name,
                    &self.settings.description,
                    &self.settings.setup,
                );
                self.message = Some(match crate::fsutil::write_atomic(&path, text.as_bytes()) {
                    Ok(()) => format!(
                        "Wrote {}: run it with `bptt-lab sweep {}`",
                        path.display(),
                        path.display()
                    ),
                    Err(e) => format!("Cannot write {}: {e}", path.display()),
                });
            }
            UiCommand::LoadSweep(path) => match sweep::SweepEditor::load(&path) {
                Ok((editor, base)) => {
                    self.settings.sweep = editor;
                    self.settings.preset_name = base.name;
                    self.settings.description = base.description;
                    self.settings.setup = base.config;
                    self.view = View::Sweep;
                    self.message = None;
                }
                Err(e) => self.message = Some(format!("Cannot load the sweep: {e}")),
            },
            UiCommand::ExportSweepResults(path) => {
                let Some(active) = &self.sweep else {
                    self.message = Some("No sweep has run yet.".into());
                    return;
                };
                let text = crate::sweep::results::results_csv(
                    &active.sweep.keys(),
                    &active.rows(&self.runs),
                );
                self.message = Some(match crate::fsutil::write_atomic(&path, text.as_bytes()) {
                    Ok(()) => format!("Wrote {}", path.display()),
                    Err(e) => format!("Cannot write {}: {e}", path.display()),
                });
            }
        }
    }

    /// Expands the tab's sweep and queues its runs; they start in `logic`.
    fn run_sweep(&mut self) {
        let sweep = match self.sweep_preview().clone() {
            Ok(s) => s,
            Err(e) => {
                self.message = Some(format!("Cannot run the sweep: {e}"));
                return;
            }
        };
        self.stop_sweep();
        self.sweeps_started += 1;
        let editor = &self.settings.sweep;
        let base = &self.settings.setup;
        self.sweep = Some(sweep::ActiveSweep::new(
            self.sweeps_started,
            sweep,
            editor.expect(base),
            editor.jobs,
        ));
        self.message = None;
        self.schedule_sweep();
    }

    fn stop_sweep(&mut self) {
        let Some(active) = &mut self.sweep else {
            return;
        };
        active.stopped = true;
        for id in active.run_ids.iter().flatten() {
            if let Some(r) = self.runs.iter().find(|r| r.id == *id)
                && !r.status.ended()
            {
                r.send(Command::Stop);
            }
        }
    }

    fn start(&mut self, id: u64) {
        if let Some(r) = self.runs.iter_mut().find(|r| r.id == id) {
            r.send(Command::Start);
            r.status = RunStatus::Running;
        }
    }

    /// Loads preset text into the panel; errors go to the message line, never a crash.
    pub fn load_preset_text(&mut self, text: &str, path: &Path) {
        match Preset::from_ron(text, path).and_then(|p| p.validate(path).map(|_| p)) {
            Ok(p) => {
                self.settings.preset_name = p.name;
                self.settings.description = p.description;
                self.settings.setup = p.config;
                self.message = None;
            }
            Err(e) => self.message = Some(format!("Cannot load preset: {e}")),
        }
    }

    /// Uses the current weights of the selected run: at once if it has ended (or is paused
    /// with fresh weights), otherwise when the worker answers.
    fn request_weights(&mut self, usage: WeightsUse) {
        let Some(r) = self.current_mut() else {
            self.message = Some("No run selected.".into());
            return;
        };
        let done = r.last_step.as_ref().map_or(0, |m| m.step);
        let fresh = r.weights.as_ref().is_some_and(|(s, _)| *s == done);
        if fresh || r.status.ended() {
            let id = r.id;
            self.use_weights(id, usage);
        } else {
            r.pending_weights.push(usage);
            r.send(Command::SendWeights);
        }
    }

    fn use_weights(&mut self, id: u64, usage: WeightsUse) {
        let Some(r) = self.runs.iter().find(|r| r.id == id) else {
            return;
        };
        let Some((_, params)) = &r.weights else {
            self.message = Some("This run has no weights to use.".into());
            return;
        };
        match usage {
            WeightsUse::Export(path) => {
                let result = crate::export::write_weights_npz(&path, params, r.config.precision);
                self.message = Some(match result {
                    Ok(()) => format!("Wrote {}", path.display()),
                    Err(e) => format!("Cannot write {}: {e}", path.display()),
                });
            }
            WeightsUse::Sample => {
                let result = sample_text(&r.config, params, &self.sampler);
                match result {
                    Ok(text) => self.sampler.output = text,
                    Err(e) => self.message = Some(format!("Cannot sample: {e}")),
                }
            }
        }
    }

    fn open_dialog(&mut self, kind: DialogKind, ctx: &egui::Context) {
        let tx = self.dialog_tx.clone();
        let ctx = ctx.clone();
        let plot = self.plot_to_export.clone();
        let spawned = std::thread::Builder::new()
            .name("file-dialog".into())
            .spawn(move || {
                // (filter, extension, file name to save as; none: a file to open)
                let (filter, ext, save_as) = match kind {
                    DialogKind::OpenPreset => ("RON preset", "ron", None),
                    DialogKind::SavePreset => ("RON preset", "ron", Some("preset.ron")),
                    DialogKind::ExportMetrics => ("CSV", "csv", Some("metrics.csv")),
                    DialogKind::ExportWeights => ("NPZ", "npz", Some("weights.npz")),
                    DialogKind::ExportPlot => ("PNG", "png", Some("plot.png")),
                    DialogKind::OpenSweep => ("RON sweep", "ron", None),
                    DialogKind::SaveSweep => ("RON sweep", "ron", Some("sweep.ron")),
                    DialogKind::ExportSweepResults => ("CSV", "csv", Some("results.csv")),
                };
                let d = rfd::FileDialog::new().add_filter(filter, &[ext]);
                let picked = match save_as {
                    None => d.pick_file(),
                    Some(name) => d.set_file_name(name).save_file(),
                };
                let _ = tx.send((kind, picked, Some(plot)));
                ctx.request_repaint();
            });
        if let Err(e) = spawned {
            self.message = Some(format!("Cannot open a file dialog: {e}"));
        }
    }

    /// Drains worker events into the runs' histories, for at most a few milliseconds.
    pub fn drain_events(&mut self) {
        let deadline = Instant::now() + DRAIN_BUDGET;
        let mut weights_ready = Vec::new();
        for r in &mut self.runs {
            let Some(worker) = &r.worker else { continue };
            let mut finished = false;
            while Instant::now() < deadline {
                let Ok(ev) = worker.events().try_recv() else {
                    break;
                };
                match ev {
                    Event::Progress(steps) => {
                        for m in &steps {
                            r.history.push_step(m);
                        }
                        if let (Some(first), Some(last)) = (steps.first(), steps.last()) {
                            let prev = r.last_step.as_ref().map_or(0.0, |m| m.elapsed_secs);
                            let dt = last.elapsed_secs - prev;
                            let n = (last.step + 1 - first.step) as f64;
                            if dt > 0.0 {
                                let rate = n / dt;
                                r.steps_per_sec = if r.steps_per_sec == 0.0 {
                                    rate
                                } else {
                                    0.8 * r.steps_per_sec + 0.2 * rate
                                };
                            }
                            r.last_step = Some(last.clone());
                        }
                    }
                    Event::Profile(p) => r.history.push_profile(*p),
                    Event::Paused(_) => r.status = RunStatus::Paused,
                    Event::Weights(step, params) => {
                        r.weights = Some((step, *params));
                        weights_ready.push(r.id);
                    }
                    Event::Finished(result) => {
                        if r.finish(result) {
                            weights_ready.push(r.id);
                        }
                        finished = true;
                        break;
                    }
                }
            }
            if finished {
                r.worker = None; // joins the finished thread
            }
        }
        for id in weights_ready {
            let uses = self
                .runs
                .iter_mut()
                .find(|r| r.id == id)
                .map(|r| std::mem::take(&mut r.pending_weights))
                .unwrap_or_default();
            for u in uses {
                self.use_weights(id, u);
            }
        }
        while let Ok((kind, path, plot)) = self.dialog_rx.try_recv() {
            let Some(path) = path else { continue };
            let cmd = match kind {
                DialogKind::OpenPreset => UiCommand::LoadFile(path),
                DialogKind::SavePreset => UiCommand::SaveFile(path),
                DialogKind::ExportMetrics => UiCommand::ExportMetrics(path),
                DialogKind::ExportWeights => UiCommand::ExportWeights(path),
                DialogKind::ExportPlot => UiCommand::ExportPlot(plot.unwrap_or_default(), path),
                DialogKind::SaveSweep => UiCommand::SaveSweep(path),
                DialogKind::OpenSweep => UiCommand::LoadSweep(path),
                DialogKind::ExportSweepResults => UiCommand::ExportSweepResults(path),
            };
            self.deferred.push(cmd);
        }
    }

    /// Whether any run is training (the UI keeps repainting).
    pub fn any_running(&self) -> bool {
        self.runs.iter().any(|r| r.status == RunStatus::Running) || self.sweep_pending()
    }

    /// Hands over a window screenshot, as the viewport's callback does (tests use this: the
    /// test harness does not render).
    pub fn deliver_screenshot(&self, image: Arc<egui::ColorImage>) {
        *self.screenshot.lock().expect("no poisoning") = Some(image);
    }

    /// Saves the pending plot screenshot, cropped to the plot, if it has arrived.
    fn finish_plot_export(&mut self, pixels_per_point: f32) {
        let Some(shot) = self.screenshot.lock().expect("no poisoning").take() else {
            return;
        };
        let Some((title, path)) = self.pending_plot_export.take() else {
            return;
        };
        let Some((_, rect)) = self.plot_rects.iter().find(|(t, _)| *t == title) else {
            self.message = Some(format!("The plot {title} is not shown."));
            return;
        };
        // A plot scrolled partly out of the window is cut to what the screenshot holds
        // (`region` panics on a rect outside the image).
        let [w, h] = shot.size;
        let window = egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(w as f32, h as f32) / pixels_per_point,
        );
        let visible = rect.intersect(window);
        if visible.width() < 1.0 || visible.height() < 1.0 {
            self.message = Some(format!("The plot {title} is scrolled out of the window."));
            return;
        }
        let cropped = shot.region(&visible, Some(pixels_per_point));
        self.message = Some(match crate::export::write_png(&path, &cropped) {
            Ok(()) => format!("Wrote {}", path.display()),
            Err(e) => format!("Cannot write {}: {e}", path.display()),
        });
    }
}

/// Samples text from a text-task run's weights.
fn sample_text(
    config: &TrainConfig,
    params: &Params<f64>,
    sampler: &TextSampler,
) -> Result<String, String> {
    let crate::tasks::TaskConfig::Text { seq_len, path } = &config.task else {
        return Err("text sampling needs a run on the text task".into());
    };
    let text = match path {
        Some(p) => crate::tasks::text::Text::from_file(p, *seq_len),
        None => crate::tasks::text::Text::sonnets(*seq_len),
    }
    .map_err(|e| e.to_string())?;
    let model = crate::nn::Model::new(config.model.cell, config.dims(), params.clone());
    let seed_text: String = sampler
        .seed_text
        .chars()
        .filter(|c| text.index_of(*c).is_some())
        .collect();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(config.seed);
    let body = text
        .sample(
            &model,
            &seed_text,
            sampler.length,
            sampler.temperature,
            &mut rng,
        )
        .map_err(|e| e.to_string())?;
    Ok(format!("{seed_text}{body}"))
}

impl eframe::App for BpttApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.egui_ctx.is_none() {
            self.egui_ctx = Some(ctx.clone());
        }
        if self.autostart > 0 {
            let base = self.settings.setup.seed;
            for i in 0..std::mem::take(&mut self.autostart) {
                self.settings.setup.seed = base + i;
                self.apply(
                    if i == 0 {
                        UiCommand::Start
                    } else {
                        UiCommand::StartNew
                    },
                    ctx,
                );
            }
            self.settings.setup.seed = base;
        }
        self.drain_events();
        self.schedule_sweep();
        let typing = ctx.egui_wants_keyboard_input();
        if !typing && ctx.input(|i| i.key_pressed(egui::Key::Space)) {
            self.deferred.push(UiCommand::TogglePause);
        }
        for cmd in std::mem::take(&mut self.deferred) {
            self.apply(cmd, ctx);
        }
        if self.any_running() {
            ctx.request_repaint_after(FRAME_INTERVAL);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let start = Instant::now();
        let ppp = ui.pixels_per_point();
        self.finish_plot_export(ppp);
        let commands = ui::draw(self, ui);
        let ctx = ui.ctx().clone();
        for cmd in commands {
            self.apply(cmd, &ctx);
        }
        self.frame_ms = start.elapsed().as_secs_f64() * 1e3;
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }
}

/// Opens the window: with `preset`, or the setup of last time; starts `autostart` runs of it
/// at once (seeds seed, seed+1, …). With `sweep`, opens that sweep file in the Sweep tab (and
/// runs it if `autostart` > 0).
pub fn run_gui(preset: Option<Preset>, sweep: Option<PathBuf>, autostart: u64) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("bptt-lab")
            .with_app_id("bptt-lab")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([900.0, 600.0]),
        ..Default::default()
    };
    eframe::run_native(
        "bptt-lab",
        options,
        Box::new(move |cc| {
            Ok(Box::new(BpttApp::from_creation_context(
                cc, preset, sweep, autostart,
            )))
        }),
    )
}
