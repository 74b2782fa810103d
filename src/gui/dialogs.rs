//! File dialogs. The app's own dialog (a window inside the app, with a path field and a file
//! name field one can type into) works everywhere and is the default. The system's dialog
//! (through rfd and the desktop's file-chooser portal) is a setting; it opens on its own
//! thread (a native dialog blocks) and its path comes back as the command that uses it, in a
//! later frame. Where no portal runs (a plain X session, many tiling window managers, WSL)
//! rfd returns at once with nothing: an answer that quick is taken as "could not open", said
//! in the message line, and the app's own dialog opens instead.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};

use super::i18n::data::Data;
use super::i18n::shell::Shell;
use super::i18n::{tr, trf};
use super::plot_export;
use super::state::{DialogKind, UiCommand};

/// A system dialog answered sooner than this did not open: no person cancels that fast.
const OPENED_AT_LEAST: Duration = Duration::from_millis(400);

/// A system dialog's answer: what it was for, the path (`None`: cancelled or failed) and how
/// long it was open.
type Answer = (DialogKind, Option<PathBuf>, Duration);

/// Dialogs open or answered; their answers wait here until [`Dialogs::answers`].
pub struct Dialogs {
    tx: Sender<Answer>,
    rx: Receiver<Answer>,
    /// The app's own dialog, while open, and what it is for.
    in_window: Option<(DialogKind, egui_file::FileDialog)>,
    /// Where the next dialog starts: the folder of the last path picked this session.
    folder: Option<PathBuf>,
}

impl Default for Dialogs {
    fn default() -> Self {
        let (tx, rx) = bounded(4);
        Self {
            tx,
            rx,
            in_window: None,
            folder: None,
        }
    }
}

/// The dialog's file-type filter (in the window's language: call it on the UI thread),
/// extension and file name to save as (`None`: a file to open).
/// A plot is saved under an ASCII name made from its English title (`gradient-norm.png`),
/// whatever the window's language.
fn spec(kind: &DialogKind) -> (&'static str, &'static str, Option<Cow<'static, str>>) {
    let name = |n: &'static str| Some(Cow::Borrowed(n));
    match kind {
        DialogKind::OpenRuns | DialogKind::ExportScript(_) => {
            (tr(Shell::FilterRunFolder), "", None)
        }
        DialogKind::ExportRuns => ("CSV", "csv", name("runs.csv")), // i18n-exempt: extension, file name
        DialogKind::OpenPreset => (tr(Shell::FilterPreset), "ron", None), // i18n-exempt: extension
        DialogKind::SavePreset => (tr(Shell::FilterPreset), "ron", name("preset.ron")), // i18n-exempt: extension, file name
        DialogKind::ExportMetrics => ("CSV", "csv", name("metrics.csv")), // i18n-exempt: extension, file name
        DialogKind::ExportWeights => ("NPZ", "npz", name("weights.npz")), // i18n-exempt: extension, file name
        DialogKind::ExportPlot(t) => ("PNG", "png", Some(plot_export::file_name(t).into())), // i18n-exempt: extension
        DialogKind::OpenSweep => (tr(Shell::FilterSweep), "ron", None), // i18n-exempt: extension
        DialogKind::SaveSweep => (tr(Shell::FilterSweep), "ron", name("sweep.ron")), // i18n-exempt: extension, file name
        DialogKind::ExportSweepResults => ("CSV", "csv", name("results.csv")), // i18n-exempt: extension, file name
        DialogKind::OpenData => (tr(Data::FilterData), "csv", None), // i18n-exempt: extension (with tsv and txt: `extensions`)
    }
}

/// The extensions a dialog of `kind` shows: its one, or the data files' three.
fn extensions(kind: &DialogKind) -> Vec<&'static str> {
    match kind {
        DialogKind::OpenData => DATA_EXTENSIONS.to_vec(),
        _ => vec![spec(kind).1],
    }
}

/// What a data file may be: a CSV series (comma or tab) or a text.
pub const DATA_EXTENSIONS: [&str; 3] = ["csv", "tsv", TEXT_EXTENSION]; // i18n-exempt: extensions

/// The data files that are texts (for the text task); the others are CSV series.
pub const TEXT_EXTENSION: &str = "txt"; // i18n-exempt: an extension

/// What the app's own dialog says in its title bar.
fn title(kind: &DialogKind) -> String {
    match kind {
        DialogKind::OpenRuns => tr(Shell::TitleOpenRuns).into(),
        DialogKind::ExportScript(f) => trf(Shell::TitleExportScript, &[("framework", &f.name())]),
        DialogKind::ExportRuns => tr(Shell::TitleExportRuns).into(),
        DialogKind::OpenPreset => tr(Shell::TitleOpenPreset).into(),
        DialogKind::SavePreset => tr(Shell::TitleSavePreset).into(),
        DialogKind::ExportMetrics => tr(Shell::TitleExportMetrics).into(),
        DialogKind::ExportWeights => tr(Shell::TitleExportWeights).into(),
        DialogKind::ExportPlot(t) => trf(Shell::TitleExportPlot, &[("plot", t)]),
        DialogKind::OpenSweep => tr(Shell::TitleOpenSweep).into(),
        DialogKind::SaveSweep => tr(Shell::TitleSaveSweep).into(),
        DialogKind::ExportSweepResults => tr(Shell::TitleExportSweepResults).into(),
        DialogKind::OpenData => tr(Data::TitleOpenData).into(),
    }
}

/// The command that uses the path a dialog of `kind` returned. A file saved without an
/// extension gets the kind's.
fn command(kind: DialogKind, path: PathBuf) -> UiCommand {
    let (_, ext, save_as) = spec(&kind);
    let path = if save_as.is_some() && path.extension().is_none() {
        path.with_extension(ext)
    } else {
        path
    };
    match kind {
        DialogKind::OpenPreset => UiCommand::LoadFile(path),
        DialogKind::SavePreset => UiCommand::SaveFile(path),
        DialogKind::ExportMetrics => UiCommand::ExportMetrics(path),
        DialogKind::ExportWeights => UiCommand::ExportWeights(path),
        DialogKind::ExportPlot(title) => UiCommand::ExportPlot(title, path),
        DialogKind::SaveSweep => UiCommand::SaveSweep(path),
        DialogKind::OpenSweep => UiCommand::LoadSweep(path),
        DialogKind::ExportSweepResults => UiCommand::ExportSweepResults(path),
        DialogKind::OpenRuns => UiCommand::OpenRuns(path),
        DialogKind::ExportScript(f) => UiCommand::ExportScript(f, path),
        DialogKind::ExportRuns => UiCommand::ExportRuns(path),
        DialogKind::OpenData => UiCommand::UseData(path),
    }
}

/// What came back from the dialogs since the last frame.
#[derive(Default)]
pub struct Answers {
    /// The commands of the paths picked.
    pub commands: Vec<UiCommand>,
    /// Set when a system dialog could not open (the app's own opened instead).
    pub message: Option<String>,
}

impl Dialogs {
    /// Opens a dialog of `kind`: the system's when `system` (on its own thread; `wake`
    /// repaints the window when it is answered), the app's own otherwise. An error means the
    /// system dialog's thread could not start; the app's own dialog is open then.
    pub fn open(
        &mut self,
        kind: DialogKind,
        system: bool,
        wake: impl Fn() + Send + 'static,
    ) -> std::io::Result<()> {
        if !system {
            self.open_in_window(kind);
            return Ok(());
        }
        let tx = self.tx.clone();
        let folder = self.folder.clone();
        let thread_kind = kind.clone();
        // Here, not on the dialog's thread: the language of the texts is the UI thread's.
        let (filter, _, save_as) = spec(&kind);
        let exts = extensions(&kind);
        let spawned = std::thread::Builder::new()
            .name("file-dialog".into()) // i18n-exempt: thread name
            .spawn(move || {
                let kind = thread_kind;
                let start = Instant::now();
                let mut d = rfd::FileDialog::new();
                if let Some(folder) = folder {
                    d = d.set_directory(folder);
                }
                let picked = if matches!(kind, DialogKind::OpenRuns | DialogKind::ExportScript(_)) {
                    d.pick_folder()
                } else {
                    let d = d.add_filter(filter, &exts);
                    match save_as {
                        None => d.pick_file(),
                        Some(name) => d.set_file_name(name.as_ref()).save_file(),
                    }
                };
                let _ = tx.send((kind, picked, start.elapsed()));
                wake();
            });
        match spawned {
            Ok(_) => Ok(()),
            Err(e) => {
                self.open_in_window(kind);
                Err(e)
            }
        }
    }

    /// Opens the app's own dialog for `kind` (replacing one that is open).
    pub fn open_in_window(&mut self, kind: DialogKind) {
        let (_, _, save_as) = spec(&kind);
        let exts = extensions(&kind);
        let mut dialog = match (&kind, &save_as) {
            (DialogKind::OpenRuns | DialogKind::ExportScript(_), _) => {
                egui_file::FileDialog::select_folder()
            }
            (_, None) => egui_file::FileDialog::open_file(),
            (_, Some(name)) => egui_file::FileDialog::save_file().default_filename(name.as_ref()),
        }
        .title(&title(&kind))
        .open_button_text(tr(Shell::DialogOpen).into())
        .save_button_text(tr(Shell::DialogSave).into())
        .cancel_button_text(tr(Shell::DialogCancel).into())
        .new_folder_button_text(tr(Shell::DialogNewFolder).into())
        .new_folder_name_text(tr(Shell::DialogNewFolderName).into())
        .rename_button_text(tr(Shell::DialogRename).into())
        .refresh_button_hover_text(tr(Shell::DialogRefresh).into())
        .parent_folder_button_hover_text(tr(Shell::DialogParentFolder).into())
        .file_label_text(tr(Shell::DialogFile).into())
        .show_hidden_checkbox_text(tr(Shell::DialogShowHidden).into())
        .default_size(egui::vec2(560.0, 420.0))
        .show_rename(false)
        .show_new_folder(save_as.is_some());
        if exts.iter().all(|e| !e.is_empty()) {
            dialog = dialog.show_files_filter(Box::new(move |p: &Path| {
                p.is_dir()
                    || p.extension()
                        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
            }));
        }
        let start = self
            .folder
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        dialog = dialog.initial_path(start);
        dialog.open();
        self.in_window = Some((kind, dialog));
    }

    /// Whether the app's own dialog is open.
    pub fn in_window_open(&self) -> bool {
        self.in_window.is_some()
    }

    /// Draws the app's own dialog if it is open; a path picked in it becomes a command.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<UiCommand> {
        let (_, dialog) = self.in_window.as_mut()?;
        dialog.show(ctx);
        match dialog.state() {
            egui_file::State::Open => None,
            egui_file::State::Selected => {
                let (kind, dialog) = self.in_window.take()?;
                let path = dialog.path()?.to_owned();
                self.remember_folder(&path);
                Some(command(kind, path))
            }
            egui_file::State::Cancelled | egui_file::State::Closed => {
                self.in_window = None;
                None
            }
        }
    }

    fn remember_folder(&mut self, path: &Path) {
        let folder = if path.is_dir() {
            Some(path)
        } else {
            path.parent()
        };
        self.folder = folder.map(Path::to_owned);
    }

    /// The commands of the system dialogs answered since the last call (a cancelled dialog
    /// gives none; one that could not open opens the app's own and says so).
    pub fn answers(&mut self) -> Answers {
        let mut out = Answers::default();
        let answered: Vec<Answer> = self.rx.try_iter().collect();
        for (kind, path, open_for) in answered {
            match path {
                Some(path) => {
                    self.remember_folder(&path);
                    out.commands.push(command(kind, path));
                }
                None if open_for < OPENED_AT_LEAST => {
                    out.message = Some(tr(Shell::SystemDialogFailed).into());
                    self.open_in_window(kind);
                }
                None => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::{DialogKind, Dialogs, UiCommand, command, extensions};

    #[test]
    fn a_saved_file_without_an_extension_gets_the_kinds() {
        assert_eq!(
            command(DialogKind::ExportMetrics, PathBuf::from("/tmp/run7")),
            UiCommand::ExportMetrics(PathBuf::from("/tmp/run7.csv"))
        );
        assert_eq!(
            command(DialogKind::OpenPreset, PathBuf::from("/tmp/mine")),
            UiCommand::LoadFile(PathBuf::from("/tmp/mine"))
        );
    }

    #[test]
    fn a_data_file_sets_the_task_up_and_the_dialog_shows_csv_tsv_and_text() {
        assert_eq!(
            command(DialogKind::OpenData, PathBuf::from("/data/temps")),
            UiCommand::UseData(PathBuf::from("/data/temps")),
            "an opened file keeps its name"
        );
        assert_eq!(extensions(&DialogKind::OpenData), ["csv", "tsv", "txt"]);
        assert_eq!(extensions(&DialogKind::OpenPreset), ["ron"]);
    }

    #[test]
    fn a_system_dialog_that_returns_at_once_opens_the_apps_own_with_a_message() {
        let mut d = Dialogs::default();
        d.tx.send((DialogKind::OpenPreset, None, Duration::from_millis(3)))
            .expect("room");
        let answers = d.answers();
        assert!(answers.commands.is_empty());
        assert!(answers.message.is_some_and(|m| m.contains("did not open")));
        assert!(d.in_window_open());
    }

    #[test]
    fn a_cancelled_system_dialog_is_quiet() {
        let mut d = Dialogs::default();
        d.tx.send((DialogKind::OpenPreset, None, Duration::from_secs(5)))
            .expect("room");
        let answers = d.answers();
        assert!(answers.commands.is_empty() && answers.message.is_none());
        assert!(!d.in_window_open());
    }
}
