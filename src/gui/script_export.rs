//! Training scripts for PyTorch and Keras, written from the window: the export runs on a
//! thread of its own (the lab trains the exported steps for their losses) and the message
//! line says how it ended.

use std::path::PathBuf;

use super::app::BpttApp;
use super::i18n::texts::Texts;
use super::i18n::{tr, trf};
use crate::frameworks::Framework;
use crate::preset::Preset;

impl BpttApp {
    /// Exports the selected run's setup (or the panel's, with no run selected) for
    /// `framework` into `dir`, with the default number of batches. The lab trains those steps
    /// to write its losses, so this runs on a thread; [`BpttApp::finish_script_exports`] shows
    /// how it ended.
    pub(super) fn export_script(&mut self, framework: Framework, dir: PathBuf) {
        let preset = match self.runs.selected() {
            Some(r) => Preset {
                name: r.name.clone(),
                description: r.description.clone(),
                config: r.config.setup().clone(),
                ..self.state.as_preset()
            },
            None => self.state.as_preset(),
        };
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new()
            .name("export-script".into()) // i18n-exempt: thread name
            .spawn(move || {
                let result = crate::frameworks::export(
                    &preset,
                    framework,
                    crate::frameworks::DEFAULT_BATCHES,
                    &dir,
                )
                .map(|e| e.lab_losses.len())
                .map_err(|e| e.to_string());
                let _ = tx.send((framework, dir, result));
            });
        match spawned {
            Ok(_) => {
                self.ui.script_exports.push(rx);
                self.ui.message = Some(trf(
                    Texts::ExportingScript,
                    &[("framework", &framework.name())],
                ));
            }
            Err(e) => self.ui.message = Some(trf(Texts::CannotStartExport, &[("e", &e)])),
        }
    }

    /// Shows how the script exports that ended did (the message line).
    pub(super) fn finish_script_exports(&mut self) {
        let mut still = Vec::new();
        for rx in std::mem::take(&mut self.ui.script_exports) {
            match rx.try_recv() {
                Ok((framework, dir, Ok(steps))) => {
                    self.ui.message = Some(trf(
                        Texts::ExportedScript,
                        &[
                            ("framework", &framework.name()),
                            ("dir", &dir.display()),
                            ("steps", &steps),
                        ],
                    ));
                }
                Ok((framework, _, Err(e))) => {
                    self.ui.message = Some(trf(
                        Texts::CannotExportScript,
                        &[("framework", &framework.name()), ("e", &e)],
                    ));
                }
                Err(crossbeam_channel::TryRecvError::Empty) => still.push(rx),
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.ui.message = Some(tr(Texts::ExportStopped).to_owned());
                }
            }
        }
        self.ui.script_exports = still;
    }
}
