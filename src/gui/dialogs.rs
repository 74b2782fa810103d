//! File dialogs: each opens on its own named thread (a native dialog blocks), and the path it
//! returns comes back as the command that uses it, in a later frame.

use std::path::PathBuf;

use crossbeam_channel::{Receiver, Sender, bounded};

use super::state::{DialogKind, UiCommand};

/// Dialogs open or answered; their answers wait here until [`Dialogs::answers`].
pub struct Dialogs {
    tx: Sender<(DialogKind, Option<PathBuf>)>,
    rx: Receiver<(DialogKind, Option<PathBuf>)>,
}

impl Default for Dialogs {
    fn default() -> Self {
        let (tx, rx) = bounded(4);
        Self { tx, rx }
    }
}

/// The dialog's file-type filter, extension and file name to save as (`None`: a file to
/// open).
fn spec(kind: &DialogKind) -> (&'static str, &'static str, Option<&'static str>) {
    match kind {
        DialogKind::OpenRuns => ("run folder", "", None),
        DialogKind::ExportRuns => ("CSV", "csv", Some("runs.csv")),
        DialogKind::OpenPreset => ("RON preset", "ron", None),
        DialogKind::SavePreset => ("RON preset", "ron", Some("preset.ron")),
        DialogKind::ExportMetrics => ("CSV", "csv", Some("metrics.csv")),
        DialogKind::ExportWeights => ("NPZ", "npz", Some("weights.npz")),
        DialogKind::ExportPlot(_) => ("PNG", "png", Some("plot.png")),
        DialogKind::OpenSweep => ("RON sweep", "ron", None),
        DialogKind::SaveSweep => ("RON sweep", "ron", Some("sweep.ron")),
        DialogKind::ExportSweepResults => ("CSV", "csv", Some("results.csv")),
    }
}

/// The command that uses the path a dialog of `kind` returned.
fn command(kind: DialogKind, path: PathBuf) -> UiCommand {
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
        DialogKind::ExportRuns => UiCommand::ExportRuns(path),
    }
}

impl Dialogs {
    /// Opens a dialog of `kind` on its own thread; `wake` repaints the window when it is
    /// answered.
    pub fn open(&self, kind: DialogKind, wake: impl Fn() + Send + 'static) -> std::io::Result<()> {
        let tx = self.tx.clone();
        std::thread::Builder::new()
            .name("file-dialog".into())
            .spawn(move || {
                let (filter, ext, save_as) = spec(&kind);
                let picked = if kind == DialogKind::OpenRuns {
                    rfd::FileDialog::new().pick_folder()
                } else {
                    let d = rfd::FileDialog::new().add_filter(filter, &[ext]);
                    match save_as {
                        None => d.pick_file(),
                        Some(name) => d.set_file_name(name).save_file(),
                    }
                };
                let _ = tx.send((kind, picked));
                wake();
            })
            .map(|_| ())
    }

    /// The commands of the dialogs answered since the last call (a cancelled dialog gives
    /// none).
    pub fn answers(&self) -> Vec<UiCommand> {
        self.rx
            .try_iter()
            .filter_map(|(kind, path)| Some(command(kind, path?)))
            .collect()
    }
}
