//! The app: what eframe runs. `logic` drains the workers' events (a few milliseconds at most
//! per frame), starts a sweep's next runs and applies the commands that came from outside the
//! panels (keys, dialogs); `ui` lends the panels the pieces of state they draw and applies the
//! commands they return after the frame, so no widget changes the world mid-frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::dialogs::Dialogs;
use super::heatmap::Heatmaps;
use super::i18n::shell::Shell;
use super::i18n::{self, Lang, trf};
use super::panels::{self, Frame};
use super::plot_export::PlotExport;
use super::runs::{RunFactory, Runs, Wake, trainer_factory};
use super::state::{SAVED_STATE_KEY, SavedState, UiCommand, UiState};
use super::sweep::{Preview, SweepEditor, Sweeps};
use super::validated::{self, Validated};
use crate::preset::Preset;
use crate::store::Workspace;
use crate::sweep::SweepError;
use crate::train::{ConfigError, TrainConfig};

/// Time between frames while runs train: 20 frames a second. Measured under Xvfb with
/// software GL (2 cores): at 30 a second the renderer took ~0.75 of a core and an LSTM run
/// trained at 0.88 of its headless speed; at 20, 0.98.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(50);
/// The workspace's runs shown when the window opens: the newest ones.
const SHOWN_AT_START: usize = 4;
/// Longest time `logic` spends draining events per frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// Why the window could not be shown.
#[derive(Debug, thiserror::Error)]
#[error("the window could not open: {0}")] // i18n-exempt: printed on the terminal (there is no window)
pub struct GuiError(#[source] eframe::Error);

/// The app.
pub struct BpttApp {
    /// What is saved between sessions.
    pub state: SavedState,
    /// The runs of this session.
    pub runs: Runs,
    /// The window's state of this session.
    pub ui: UiState,
    /// The latest sweep started from the Sweep tab.
    pub sweeps: Sweeps,
    /// The Sweep tab's sweep expanded over the panel's setup.
    pub(super) sweep_preview: Preview,
    /// Commands from outside the panels (keys, dialogs, tests), applied in `logic`.
    pub deferred: Vec<UiCommand>,
    validated: Validated,
    pub(super) dialogs: Dialogs,
    pub(super) plot_export: PlotExport,
    heatmaps: Heatmaps,
    /// How many runs of the panel's setup to start on the first frame (seeds seed, seed+1, …).
    autostart: u64,
    pub(super) egui_ctx: egui::Context,
    /// The state as last saved: while the state differs, a frame is asked for after
    /// [`AUTO_SAVE`] so that eframe saves it even if the window then sits idle (eframe saves
    /// only at the end of a frame).
    last_saved: Option<SavedState>,
}

/// How soon a changed setting is on disk (eframe's auto-save interval).
const AUTO_SAVE: Duration = Duration::from_secs(5);

impl BpttApp {
    /// The app with `state`, training through `factory`, in the window (or test harness) of
    /// `cc`.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        state: SavedState,
        factory: RunFactory,
        autostart: u64,
    ) -> Self {
        super::style::install_fonts(&cc.egui_ctx);
        i18n::set_lang(state.window.lang());
        let ctx = cc.egui_ctx.clone();
        // Workers flush every 15 ms; repainting on each would draw ~70 frames a second (with
        // software GL that is CPU the training threads need): one frame per FRAME_INTERVAL.
        let wake: Wake = Arc::new(move || ctx.request_repaint_after(FRAME_INTERVAL));
        Self {
            state,
            runs: Runs::new(factory, wake),
            ui: UiState::default(),
            sweeps: Sweeps::default(),
            sweep_preview: Preview::default(),
            deferred: Vec::new(),
            validated: Validated::default(),
            dialogs: Dialogs::default(),
            plot_export: PlotExport::default(),
            heatmaps: Heatmaps::default(),
            autostart,
            egui_ctx: cc.egui_ctx.clone(),
            last_saved: None,
        }
    }

    /// The app as eframe creates it: the state saved last time, with `preset`'s setup if
    /// given; with `sweep`, that sweep file in the Sweep tab, run at once if `autostart` > 0.
    pub fn from_creation_context(cc: &eframe::CreationContext<'_>, options: GuiOptions) -> Self {
        let GuiOptions {
            preset,
            sweep,
            autostart,
            workspace,
        } = options;
        let stored = cc.storage.and_then(|s| s.get_string(SAVED_STATE_KEY));
        // The note on unreadable settings is written before they are read: in the system's
        // language (the settings' own choice is what could not be read).
        i18n::set_lang(Lang::system());
        let (mut state, restore_note) = SavedState::restore(stored.as_deref());
        // The first start follows the system's locale; from then on the window's choice.
        state.window.language.get_or_insert_with(Lang::system);
        if let Some(p) = preset {
            state.take_preset(p);
        }
        let mut app = match sweep {
            None => Self::new(cc, state, trainer_factory(), autostart),
            Some(path) => {
                let mut app = Self::new(cc, state, trainer_factory(), 0);
                app.deferred.push(UiCommand::LoadSweep(path));
                if autostart > 0 {
                    app.deferred.push(UiCommand::RunSweep);
                }
                app
            }
        };
        app.open_workspace(&workspace.unwrap_or_else(Workspace::default_root));
        if let Some(note) = restore_note {
            app.ui.message = Some(match app.ui.message.take() {
                Some(m) => trf(Shell::NoteThenMessage, &[("note", &note), ("message", &m)]),
                None => note,
            });
        }
        app
    }

    /// Opens the workspace at `root`: runs started from now on are recorded in it, and the
    /// runs it holds are listed (their small files only; curves are read when a run is shown).
    /// Damaged folders are named in the message line; the others load.
    pub fn open_workspace(&mut self, root: &Path) {
        let ws = match Workspace::open(root) {
            Ok(ws) => ws,
            Err(e) => {
                self.ui.message = Some(trf(
                    Shell::WorkspaceCannotOpen,
                    &[("dir", &root.display()), ("error", &e)],
                ));
                return;
            }
        };
        let listed = ws.list().unwrap_or_default();
        self.runs.workspace = Some(ws);
        let mut errors = Vec::new();
        for folder in listed {
            match folder.map_err(|e| e.to_string()).and_then(|f| {
                self.runs
                    .add_folder(&f, "")
                    .map_err(|e| format!("{}: {e}", f.dir.display()))
            }) {
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        // The newest few are shown; the others are a click away (their curves are read then).
        let ids: Vec<u64> = self
            .runs
            .iter()
            .rev()
            .take(SHOWN_AT_START)
            .map(|r| r.id)
            .collect();
        for id in ids {
            if let Some(r) = self.runs.get_mut(id) {
                r.visible = true;
            }
        }
        if !errors.is_empty() {
            self.ui.message = Some(trf(
                Shell::WorkspaceUnreadable,
                &[("count", &errors.len()), ("errors", &errors.join("; "))],
            ));
        }
    }

    /// The panel's setup validated (cached until it changes), waiting for the check: what a
    /// run starts from. Checks are bounded (a corpus is read up to its size cap), so this ends.
    pub fn validation(&mut self) -> &Result<TrainConfig, ConfigError> {
        self.validated
            .of(&self.state.setup, Duration::from_mins(10))
    }

    /// Hands over a window screenshot, as the viewport's callback does (tests use this: the
    /// test harness does not render).
    pub fn deliver_screenshot(&self, image: Arc<egui::ColorImage>) {
        self.plot_export.deliver(image);
    }

    /// Whether the window should keep repainting: a run trains, a sweep has runs to start or
    /// the setup is being checked.
    pub fn any_running(&self) -> bool {
        self.runs.any_running()
            || self.sweeps.pending()
            || self.validated.pending()
            || !self.ui.script_exports.is_empty()
    }

    /// Starts the first frame's runs: `autostart` runs of the panel's setup, seeds seed,
    /// seed + 1, …
    fn autostart(&mut self) {
        let base = self.state.setup.seed;
        for i in 0..std::mem::take(&mut self.autostart) {
            self.state.setup.seed = base + i;
            self.apply(if i == 0 {
                UiCommand::Start
            } else {
                UiCommand::StartNew
            });
        }
        self.state.setup.seed = base;
    }
}

impl eframe::App for BpttApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        i18n::set_lang(self.state.window.lang());
        if self.autostart > 0 {
            self.autostart();
        }
        if TERMINATE.load(Ordering::Relaxed) {
            // SIGTERM or Ctrl-C: close as the window's button does (runs stop and finish
            // their records, the state is saved).
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_owned())
                .collect()
        });
        for path in dropped {
            self.deferred.push(dropped_command(path));
        }
        self.load_shown_runs();
        for id in self.runs.drain_events(DRAIN_BUDGET) {
            self.use_pending_weights(id);
        }
        let answers = self.dialogs.answers();
        self.deferred.extend(answers.commands);
        if answers.message.is_some() {
            self.ui.message = answers.message;
        }
        self.schedule_sweep();
        self.finish_script_exports();
        if !ctx.egui_wants_keyboard_input() && ctx.input(|i| i.key_pressed(egui::Key::Space)) {
            self.deferred.push(UiCommand::TogglePause);
        }
        for cmd in std::mem::take(&mut self.deferred) {
            self.apply(cmd);
        }
        let computing = self.refresh_views(Instant::now());
        if self.any_running() || computing {
            ctx.request_repaint_after(FRAME_INTERVAL);
        }
        if self.last_saved.as_ref() != Some(&self.state) {
            ctx.request_repaint_after(AUTO_SAVE);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let start = Instant::now();
        i18n::set_lang(self.state.window.lang());
        if let Some(msg) = self
            .plot_export
            .finish(&self.ui.plot_rects, ui.pixels_per_point())
        {
            self.ui.message = Some(msg);
        }
        self.heatmaps.update(self.runs.selected(), ui.ctx());
        let validation = self.validated.of(&self.state.setup, validated::FRAME_WAIT);
        let preview = self.sweep_preview.of(
            &self.state.sweep,
            &self.state.preset_name,
            &self.state.description,
            &self.state.setup,
        );
        let states = self
            .sweeps
            .active
            .as_ref()
            .map(|s| s.states(&self.runs))
            .unwrap_or_default();
        let frame = Frame {
            state: &mut self.state,
            runs: &self.runs,
            validation,
            message: self.ui.message.as_deref(),
            view: self.ui.view,
            sampler: &mut self.ui.sampler,
            duplicate_edit: &mut self.ui.duplicate_edit,
            heatmaps: &self.heatmaps,
            sweep_preview: preview,
            sweep: self.sweeps.active.as_ref().map(|s| (s, states.as_slice())),
            can_undo: !self.ui.trashed.is_empty(),
            frame_ms: self.ui.frame_ms,
            tour: self.ui.tour.as_ref(),
            plot_rects: &self.ui.plot_rects,
            views: &self.ui.views,
        };
        let drawn = panels::draw(frame, ui);
        if let Some(cmd) = self.dialogs.show(ui.ctx()) {
            self.apply(cmd);
        }
        self.ui.plot_rects = drawn.plot_rects;
        if let Some(tour) = &mut self.ui.tour {
            // Scrolled to once it was drawn; the user may scroll away after.
            let plot = tour.step().plot;
            if self.ui.plot_rects.iter().any(|(t, _)| plot.is_titled(t)) {
                tour.scroll_pending = false;
            }
        }
        self.ui.sweep_markers = drawn.sweep_markers;
        for cmd in drawn.commands {
            self.apply(cmd);
        }
        self.ui.frame_ms = start.elapsed().as_secs_f64() * 1e3;
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SAVED_STATE_KEY, &self.state);
        self.last_saved = Some(self.state.clone());
    }

    fn auto_save_interval(&self) -> Duration {
        AUTO_SAVE
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }
}

/// Raised by SIGTERM or Ctrl-C while the window is open.
static TERMINATE: AtomicBool = AtomicBool::new(false);

impl BpttApp {
    /// Reads the curves of the runs that are shown (or selected) and not loaded yet.
    fn load_shown_runs(&mut self) {
        let wanted: Vec<u64> = self
            .runs
            .iter()
            .filter(|r| !r.loaded && (r.visible || Some(r.id) == self.runs.selected))
            .map(|r| r.id)
            .collect();
        for id in wanted {
            if let Err(e) = self.runs.ensure_loaded(id) {
                self.ui.message = Some(trf(Shell::CurvesUnreadable, &[("error", &e)]));
            }
        }
    }
}

/// What the window opens with.
#[derive(Clone, Debug, Default)]
pub struct GuiOptions {
    /// A preset for the panel (default: the setup of last time).
    pub preset: Option<Preset>,
    /// A sweep file for the Sweep tab.
    pub sweep: Option<PathBuf>,
    /// Runs of the panel's setup (or the sweep) to start at once.
    pub autostart: u64,
    /// The workspace folder (default: [`Workspace::default_root`]).
    pub workspace: Option<PathBuf>,
}

/// What a file dropped on the window asks for: a data file sets the task up on it (a
/// `.csv`/`.tsv` series, a `.txt` text); anything else is opened as runs (a run folder, or a
/// folder of runs), which says what it found.
pub fn dropped_command(path: PathBuf) -> UiCommand {
    let data = !path.is_dir()
        && path.extension().is_some_and(|e| {
            super::dialogs::DATA_EXTENSIONS
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        });
    if data {
        UiCommand::UseData(path)
    } else {
        UiCommand::OpenRuns(path)
    }
}

/// Checks a sweep file as the Sweep tab would load it (before any window opens).
pub fn check_sweep_file(path: &Path) -> Result<(), SweepError> {
    SweepEditor::load(path).map(|_| ())
}

/// Opens the window: with `options.preset`, or the setup of last time; starts `autostart`
/// runs of it at once (seeds seed, seed+1, …). With a sweep, opens that sweep file in the
/// Sweep tab (and runs it if `autostart` > 0). SIGTERM and Ctrl-C close it cleanly.
pub fn run_gui(options: GuiOptions) -> Result<(), GuiError> {
    if let Err(e) = ctrlc::set_handler(|| TERMINATE.store(true, Ordering::Relaxed)) {
        eprintln!("note: SIGTERM will not close the window cleanly: {e}");
    }
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("bptt-lab")
            .with_app_id("bptt-lab")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([900.0, 600.0]),
        ..Default::default()
    };
    eframe::run_native(
        "bptt-lab",
        native,
        Box::new(move |cc| Ok(Box::new(BpttApp::from_creation_context(cc, options)))),
    )
    .map_err(GuiError)
}
