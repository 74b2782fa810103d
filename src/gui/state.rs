//! What the window remembers and what the user can ask of it: the saved state (restored at
//! start, written back on save), the commands the panels return, the views and dialogs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::i18n::texts::Texts;
use super::i18n::{self, Lang, trf};
use super::sweep::SweepEditor;
use super::tour::{Tour, TourMove};
use crate::frameworks::Framework;
use crate::preset::{self, Preset, PresetText};
use crate::train::Setup;
use crate::train::sample::SampleRequest;

/// Key of the saved state in eframe's storage.
pub const SAVED_STATE_KEY: &str = "bptt-lab-settings"; // i18n-exempt: a storage key
/// The preset the app opens with the first time.
pub const DEFAULT_PRESET: &str = "adding_lstm_t100.ron";

/// Which plots are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one checkbox per plot, saved as such"
)]
pub struct PlotToggles {
    pub loss: bool,
    pub grad_norm: bool,
    pub profile: bool,
    pub heatmap: bool,
    pub tensors: bool,
    pub spectral: bool,
    pub saturation: bool,
    pub example: bool,
    pub eigen: bool,
    pub terms: bool,
    pub decay: bool,
    pub memory: bool,
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
            example: true,
            eigen: true,
            terms: true,
            decay: true,
            memory: true,
        }
    }
}

/// What the app remembers between sessions (eframe storage). The live runs, channels and
/// caches sit beside it in the app, never inside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedState {
    /// Name and description of the preset the setup came from.
    pub preset_name: String,
    pub description: String,
    /// Their Chinese, when the preset has it.
    pub preset_zh: Option<PresetText>,
    /// The setup in the experiment panel: what the next run trains.
    pub setup: Setup,
    /// The preset's own setup, to say what the panel has changed of it (`None` for a state
    /// saved before this was kept).
    pub preset_setup: Option<Setup>,
    pub plots: PlotToggles,
    /// Exponential smoothing of the loss curves, 0 = none.
    pub smoothing: f32,
    /// Log-scale y for the loss plot.
    pub log_loss: bool,
    /// Whether the loss plot draws runs that differ only by seed as one (mean and band).
    pub group_seeds: bool,
    /// The training step the gradient profile is shown at (the latest profile taken at or
    /// before it; the heatmap's cursor); `None` follows the latest. Not remembered.
    #[serde(skip)]
    pub profile_step: Option<u64>,
    /// N of "Step N".
    pub step_n: u64,
    /// The Sweep tab's editor.
    pub sweep: SweepEditor,
    /// Threads per training step of runs started from the panel (sweep runs use one each and
    /// run side by side instead).
    pub threads: usize,
    /// How the window is laid out and which dialogs it uses.
    pub window: WindowPrefs,
}

/// The window's own preferences.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowPrefs {
    /// Use the desktop's file dialog (through its file-chooser portal) instead of the app's
    /// own. Off by default: the app's own works on every machine.
    pub system_dialogs: bool,
    /// Whether the setup panel (left) and the runs panel (right) are open; closed, each is
    /// a narrow strip with a button that opens it, and the plots get the width.
    pub setup_panel_open: bool,
    pub runs_panel_open: bool,
    /// The window's language; `None` until the user picks one (the system locale decides).
    pub language: Option<Lang>,
}

impl WindowPrefs {
    /// The language the window shows: the one picked, else the system's.
    pub fn lang(&self) -> Lang {
        self.language.unwrap_or_else(Lang::system)
    }
}

impl Default for WindowPrefs {
    fn default() -> Self {
        Self {
            system_dialogs: false,
            setup_panel_open: true,
            runs_panel_open: true,
            language: None,
        }
    }
}

impl Default for SavedState {
    fn default() -> Self {
        let (file, text) = preset::builtin()
            .into_iter()
            .find(|(f, _)| *f == DEFAULT_PRESET)
            .expect("the default preset is compiled in");
        let p = Preset::from_ron(text, Path::new(file)).expect("the default preset parses");
        Self::from_preset(p)
    }
}

impl SavedState {
    /// The state from the text eframe stored under [`SAVED_STATE_KEY`] (`None`: never saved).
    /// Text that cannot be read (corrupt, cut short, or from a version with other settings)
    /// gives the defaults and a message saying so, for the message line.
    pub fn restore(stored: Option<&str>) -> (Self, Option<String>) {
        match stored.map(ron::from_str::<Self>) {
            None => (Self::default(), None),
            Some(Ok(state)) => (state, None),
            Some(Err(e)) => (
                Self::default(),
                Some(trf(Texts::RestoreFailed, &[("e", &e)])),
            ),
        }
    }

    /// The defaults with the setup, name and description of `preset`.
    pub fn from_preset(preset: Preset) -> Self {
        let mut sweep = SweepEditor::default();
        if let Some(e) = &preset.expect {
            sweep.take_claim(e);
        }
        Self {
            preset_name: preset.name,
            description: preset.description,
            preset_zh: preset.zh_cn,
            preset_setup: Some(preset.config.clone()),
            setup: preset.config,
            plots: PlotToggles::default(),
            smoothing: 0.0,
            log_loss: true,
            group_seeds: false,
            profile_step: None,
            step_n: 10,
            sweep,
            threads: 1,
            window: WindowPrefs::default(),
        }
    }

    /// Takes the setup, name and description of `preset` (a loaded preset or sweep base).
    pub fn take_preset(&mut self, preset: Preset) {
        if let Some(e) = &preset.expect {
            self.sweep.take_claim(e);
        }
        self.preset_name = preset.name;
        self.description = preset.description;
        self.preset_zh = preset.zh_cn;
        self.preset_setup = Some(preset.config.clone());
        self.setup = preset.config;
    }

    /// The panel's setup as a preset, without a claim.
    pub fn as_preset(&self) -> Preset {
        Preset {
            version: preset::PRESET_VERSION,
            name: self.preset_name.clone(),
            description: self.description.clone(),
            config: self.setup.clone(),
            expect: None,
            versus: None,
            zh_cn: self.preset_zh.clone(),
        }
    }

    /// The preset's name and description in the window's language.
    pub fn preset_text(&self) -> (&str, &str) {
        i18n::preset_text(
            &self.preset_name,
            &self.description,
            self.preset_zh.as_ref(),
        )
    }
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
    /// The speed control changed: the session's pace, for the selected run and the runs
    /// started from now on.
    SetPace(crate::train::Pace),
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
    /// Set the panel's task up on a data file: the csv task on a `.csv`/`.tsv`, the text task
    /// on a `.txt`.
    UseData(PathBuf),
    DismissMessage,
    /// Show the training plots or the Sweep tab.
    ShowView(View),
    /// Open (`true`) or close a side panel.
    ShowPanel(SidePanel, bool),
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
    /// Add the run folders at a path (a run folder, a sweep's output, a folder of runs).
    OpenRuns(PathBuf),
    /// Carry a stopped or interrupted run on from its checkpoint, to its steps.
    Continue(u64),
    /// Carry a run on from its checkpoint for N more steps.
    TrainMore(u64, u64),
    /// Bring back the run deleted last (from the workspace's trash).
    UndoDelete,
    /// Set a run's tags (comma separated).
    SetTags(u64, String),
    /// Write the visible runs' curves as one long CSV (run, settings, step, metric, value).
    ExportRuns(PathBuf),
    /// Begin, move through or leave the guided tour.
    Tour(TourMove),
    /// Write the selected run's setup (or the panel's) as a training script for a framework
    /// into a folder, on a thread of its own.
    ExportScript(Framework, PathBuf),
}

/// What the central area shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Training,
    Sweep,
}

/// The side panels that close to a strip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SidePanel {
    /// The setup of the next run (left).
    Setup,
    /// The runs (right).
    Runs,
}

/// The file dialogs the app can open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogKind {
    OpenPreset,
    SavePreset,
    ExportMetrics,
    ExportWeights,
    /// A plot, by its title, as PNG.
    ExportPlot(String),
    SaveSweep,
    OpenSweep,
    ExportSweepResults,
    /// A folder of runs to open.
    OpenRuns,
    ExportRuns,
    /// A folder to write a training script for a framework into.
    ExportScript(Framework),
    /// A data file: a CSV series or a text.
    OpenData,
}

/// The text sampler's settings and its latest output.
#[derive(Clone, Debug)]
pub struct TextSampler {
    pub request: SampleRequest,
    pub output: String,
}

impl Default for TextSampler {
    fn default() -> Self {
        Self {
            request: SampleRequest {
                seed_text: "Shall I compare thee".into(), // i18n-exempt: a prompt for the model of the English sonnets
                length: 300,
                temperature: 0.8,
            },
            output: String::new(),
        }
    }
}

/// The window's own state of this session (not saved): the notice line, the sampler, the
/// duplicate-with-change text, the view, and what the last frame drew where.
#[derive(Debug)]
pub struct UiState {
    /// An error or notice shown above the plots until dismissed.
    pub message: Option<String>,
    pub sampler: TextSampler,
    /// Duplicate-with-change text.
    pub duplicate_edit: String,
    /// What the central area shows.
    pub view: View,
    /// Last frame's drawing time, for the status bar.
    pub frame_ms: f64,
    /// Where each plot was drawn last frame, by title (for PNG export and its menu).
    pub plot_rects: Vec<(String, egui::Rect)>,
    /// Where last frame's sweep result plot drew each run's marker, with the run's id.
    pub sweep_markers: Vec<(egui::Pos2, u64)>,
    /// Runs deleted this session: (where the folder went in the trash, where it was), the
    /// last one first to come back with Undo.
    pub trashed: Vec<(std::path::PathBuf, std::path::PathBuf)>,
    /// The guided tour, while it is shown.
    pub tour: Option<Tour>,
    /// Script exports under way: each says on its channel what it wrote or why it could not.
    pub script_exports: Vec<crossbeam_channel::Receiver<ScriptExport>>,
    /// What the plots show of the selected run's weights (an example sequence, a csv run's
    /// forecast).
    pub views: super::views::RunViews,
}

/// How a script export ended: the folder and the steps exported, or the error's text.
pub type ScriptExport = (Framework, PathBuf, Result<usize, String>);

impl Default for UiState {
    fn default() -> Self {
        Self {
            message: None,
            sampler: TextSampler::default(),
            duplicate_edit: "optimizer.lr=0.01".into(),
            view: View::Training,
            frame_ms: 0.0,
            plot_rects: Vec::new(),
            sweep_markers: Vec::new(),
            trashed: Vec::new(),
            tour: None,
            script_exports: Vec::new(),
            views: super::views::RunViews::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SavedState;

    #[test]
    fn saved_settings_that_cannot_be_read_give_the_defaults_and_a_message() {
        let mut changed = SavedState {
            step_n: 77,
            ..SavedState::default()
        };
        changed.setup.model.hidden = 5;
        // As eframe writes them.
        let text = ron::ser::to_string(&changed).expect("serialize");
        assert_eq!(SavedState::restore(Some(&text)), (changed, None));
        assert_eq!(SavedState::restore(None), (SavedState::default(), None));
        let cut = &text[..text.len() / 2];
        let other_version = text.replace("cell:lstm", "cell:transformer");
        assert_ne!(other_version, text, "the saved setup names its cell");
        for bad in [
            cut,
            "(((((",
            "\u{0}\u{1}garbage",
            other_version.as_str(),
            "",
        ] {
            let (state, message) = SavedState::restore(Some(bad));
            assert_eq!(state, SavedState::default(), "{bad:?}");
            let message = message.expect("a message");
            assert!(message.contains("could not be read"), "{message}");
        }
        // Deeply nested text is an error, not a stack overflow.
        let deep = "(".repeat(100_000);
        assert!(SavedState::restore(Some(&deep)).1.is_some());
    }

    #[test]
    fn a_presets_claim_becomes_the_sweeps_solved_clause() {
        let text = crate::preset::builtin()
            .into_iter()
            .find(|(f, _)| *f == "text_sonnets_lstm.ron")
            .expect("the text preset")
            .1;
        let preset =
            crate::preset::Preset::from_ron(text, std::path::Path::new("t.ron")).expect("parses");
        let claim = preset.expect.expect("it has a claim");
        let mut state = SavedState::default();
        state.take_preset(preset);
        assert_eq!(
            (state.sweep.solved_metric, state.sweep.solved_compare),
            (claim.metric, claim.compare)
        );
        assert!((state.sweep.solved_threshold - claim.threshold).abs() < 1e-12);
    }
}
