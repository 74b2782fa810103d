//! What each [`UiCommand`] does: the app's behaviour table, in three groups (the runs, files
//! and exports, the views and sweeps). Errors go to the message line, never a crash.

use std::path::{Path, PathBuf};

use super::app::BpttApp;
use super::runs::{RunStatus, WeightsUse};
use super::state::{UiCommand, View};
use super::sweep::{ActiveSweep, AxisEdit, SWEEPABLE, SweepEditor};
use crate::preset::{self, Preset};
use crate::train::Command;

impl BpttApp {
    /// Applies one command.
    pub fn apply(&mut self, command: UiCommand) {
        use UiCommand as C;
        match command {
            C::Start
            | C::StartNew
            | C::TogglePause
            | C::Step(_)
            | C::Stop
            | C::Reset
            | C::Select(_)
            | C::Delete(_)
            | C::SetVisible(..)
            | C::Rename(..)
            | C::DuplicateWithChange(..) => self.apply_run(command),
            C::LoadBuiltin(_)
            | C::LoadFile(_)
            | C::SaveFile(_)
            | C::OpenDialog(_)
            | C::ExportMetrics(_)
            | C::ExportWeights(_)
            | C::ExportPlot(..)
            | C::SampleText => self.apply_file(command),
            C::DismissMessage
            | C::ShowView(_)
            | C::RunSweep
            | C::SweepSetting(_)
            | C::StopSweep
            | C::OpenRun(_)
            | C::SaveSweep(_)
            | C::LoadSweep(_)
            | C::ExportSweepResults(_) => self.apply_view(command),
        }
    }

    /// The commands that create, drive and edit runs.
    fn apply_run(&mut self, command: UiCommand) {
        match command {
            UiCommand::Start => {
                let panel = &self.state.setup;
                let reusable = self.runs.selected().is_some_and(|r| {
                    !r.status.ended()
                        && (!matches!(r.status, RunStatus::Ready) || r.config.setup() == panel)
                });
                if reusable {
                    if let Some(r) = self.runs.selected_mut() {
                        r.start();
                    }
                } else {
                    // A never-started current run with another setup is replaced.
                    if let Some(r) = self.runs.selected()
                        && matches!(r.status, RunStatus::Ready)
                    {
                        let id = r.id;
                        self.runs.remove(id);
                    }
                    self.start_from_panel();
                }
            }
            UiCommand::StartNew => self.start_from_panel(),
            UiCommand::TogglePause => {
                if let Some(r) = self.runs.selected_mut() {
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
                let need_new = self.runs.selected().is_none_or(|r| r.status.ended());
                if need_new && self.run_from_panel().is_none() {
                    return;
                }
                if let Some(r) = self.runs.selected_mut()
                    && !r.status.ended()
                {
                    r.send(Command::Step(n.max(1)));
                    r.status = RunStatus::Running;
                }
            }
            UiCommand::Stop => {
                if let Some(r) = self.runs.selected() {
                    r.send(Command::Stop);
                }
            }
            UiCommand::Reset => {
                if let Some(r) = self.runs.selected() {
                    let (id, config, name, description) = (
                        r.id,
                        r.config.clone(),
                        r.name.clone(),
                        r.description.clone(),
                    );
                    self.runs.remove(id);
                    self.runs.create(config, name, description);
                }
            }
            UiCommand::Select(id) => self.runs.selected = Some(id),
            UiCommand::Delete(id) => self.runs.remove(id),
            UiCommand::SetVisible(id, v) => {
                if let Some(r) = self.runs.get_mut(id) {
                    r.visible = v;
                }
            }
            UiCommand::Rename(id, name) => {
                if let Some(r) = self.runs.get_mut(id) {
                    r.name = name;
                }
            }
            UiCommand::DuplicateWithChange(id, assignment) => {
                self.duplicate_with_change(id, &assignment);
            }
            _ => unreachable!("not a run command: {command:?}"),
        }
    }

    /// Presets, dialogs, exports and text samples.
    fn apply_file(&mut self, command: UiCommand) {
        match command {
            UiCommand::LoadBuiltin(file) => {
                if let Some((f, text)) = preset::builtin().into_iter().find(|(f, _)| *f == file) {
                    let path = PathBuf::from(format!("presets/{f}"));
                    self.load_preset_text(text, &path);
                }
            }
            UiCommand::LoadFile(path) => match std::fs::read_to_string(&path) {
                Ok(text) => self.load_preset_text(&text, &path),
                Err(e) => {
                    self.ui.message = Some(format!("Cannot open {}: {e}", path.display()));
                }
            },
            UiCommand::SaveFile(path) => {
                self.ui.message = Some(match self.state.as_preset().save(&path) {
                    Ok(()) => format!("Saved {}", path.display()),
                    Err(e) => format!("Cannot save {}: {e}", path.display()),
                });
            }
            UiCommand::OpenDialog(kind) => {
                let ctx = self.egui_ctx.clone();
                if let Err(e) = self.dialogs.open(kind, move || ctx.request_repaint()) {
                    self.ui.message = Some(format!("Cannot open a file dialog: {e}"));
                }
            }
            UiCommand::ExportMetrics(path) => {
                if let Some(r) = self.runs.selected() {
                    let result = crate::export::write_series_csv(&path, &r.history.steps);
                    self.ui.message = Some(wrote(&path, result));
                }
            }
            UiCommand::ExportWeights(path) => self.request_weights(WeightsUse::Export(path)),
            UiCommand::ExportPlot(title, path) => {
                self.plot_export.request(title, path, &self.egui_ctx);
            }
            UiCommand::SampleText => self.request_weights(WeightsUse::Sample),
            _ => unreachable!("not a file command: {command:?}"),
        }
    }

    /// The views, the message line and the Sweep tab.
    fn apply_view(&mut self, command: UiCommand) {
        match command {
            UiCommand::DismissMessage => self.ui.message = None,
            UiCommand::ShowView(view) => self.ui.view = view,
            UiCommand::RunSweep => self.run_sweep(),
            UiCommand::StopSweep => self.stop_sweep(),
            UiCommand::SweepSetting(key) => {
                let base = &self.state.setup;
                let editor = &mut self.state.sweep;
                if editor.axes.is_empty() {
                    editor.axes.push(AxisEdit::default());
                }
                let axis = &mut editor.axes[0];
                match SWEEPABLE.iter().find(|s| s.key == key) {
                    Some(setting) => axis.pick(setting, base),
                    None => axis.key = key,
                }
                self.ui.view = View::Sweep;
            }
            UiCommand::OpenRun(id) => {
                if let Some(r) = self.runs.get_mut(id) {
                    r.visible = true;
                    self.runs.selected = Some(id);
                    self.ui.view = View::Training;
                }
            }
            UiCommand::SaveSweep(path) => {
                let s = &self.state;
                let file = s.sweep.to_file(&s.preset_name, &s.description, &s.setup);
                self.ui.message = Some(match file {
                    Err(e) => format!("Cannot save the sweep: {e}"),
                    Ok(file) => {
                        match crate::fsutil::write_atomic(&path, file.to_ron().as_bytes()) {
                            Ok(()) => format!(
                                "Wrote {}: run it with `bptt-lab sweep {}`",
                                path.display(),
                                path.display()
                            ),
                            Err(e) => format!("Cannot write {}: {e}", path.display()),
                        }
                    }
                });
            }
            UiCommand::LoadSweep(path) => match SweepEditor::load(&path) {
                Ok((editor, base)) => {
                    self.state.sweep = editor;
                    self.state.take_preset(base);
                    self.ui.view = View::Sweep;
                    self.ui.message = None;
                }
                Err(e) => self.ui.message = Some(format!("Cannot load the sweep: {e}")),
            },
            UiCommand::ExportSweepResults(path) => {
                let Some(active) = &self.sweeps.active else {
                    self.ui.message = Some("No sweep has run yet.".into());
                    return;
                };
                let text = crate::sweep::results::results_csv(
                    &active.sweep.keys(),
                    &active.rows(&self.runs),
                );
                let result = crate::fsutil::write_atomic(&path, text.as_bytes());
                self.ui.message = Some(wrote(&path, result));
            }
            _ => unreachable!("not a view command: {command:?}"),
        }
    }

    /// A run from the panel's setup (selected), or the validation message.
    fn run_from_panel(&mut self) -> Option<u64> {
        match self.validation().clone() {
            Ok(config) => {
                let name = format!(
                    "{} #{}",
                    config.model.cell.short_name(),
                    self.runs.next_id()
                );
                let description = self.state.description.clone();
                let config = config.with_threads(self.state.threads);
                Some(self.runs.create(config, name, description))
            }
            Err(e) => {
                self.ui.message = Some(format!("Cannot start: {e}"));
                None
            }
        }
    }

    fn start_from_panel(&mut self) {
        if let Some(id) = self.run_from_panel()
            && let Some(r) = self.runs.get_mut(id)
        {
            r.start();
        }
    }

    /// A new run from run `id`'s setup with `assignment` (`key=value`) applied, started.
    fn duplicate_with_change(&mut self, id: u64, assignment: &str) {
        let Some(r) = self.runs.get(id) else {
            return;
        };
        let mut setup = r.config.setup().clone();
        let (base_name, description) = (r.name.clone(), r.description.clone());
        let threads = r.config.threads();
        let result = preset::apply_set(&mut setup, assignment)
            .map_err(|e| e.to_string())
            .and_then(|()| setup.validate().map_err(|e| e.to_string()));
        match result {
            Ok(config) => {
                let name = format!("{base_name} · {}", assignment.trim());
                let new_id = self
                    .runs
                    .create(config.with_threads(threads), name, description);
                if let Some(r) = self.runs.get_mut(new_id) {
                    r.start();
                }
                self.ui.message = None;
            }
            Err(e) => self.ui.message = Some(format!("Duplicate with change: {e}")),
        }
    }

    /// Loads preset text into the panel; errors go to the message line.
    pub fn load_preset_text(&mut self, text: &str, path: &Path) {
        match Preset::from_ron(text, path).and_then(|p| p.validate(path).map(|_| p)) {
            Ok(p) => {
                self.state.take_preset(p);
                self.ui.message = None;
            }
            Err(e) => self.ui.message = Some(format!("Cannot load preset: {e}")),
        }
    }

    /// Uses the current weights of the selected run: at once if it has ended (or is paused
    /// with fresh weights), otherwise when the worker answers.
    fn request_weights(&mut self, usage: WeightsUse) {
        let Some(r) = self.runs.selected_mut() else {
            self.ui.message = Some("No run selected.".into());
            return;
        };
        if r.has_fresh_weights() {
            let id = r.id;
            self.use_weights(id, usage);
        } else {
            r.pending_weights.push(usage);
            r.send(Command::SendWeights);
        }
    }

    /// Does what was waiting for run `id`'s weights.
    pub(super) fn use_pending_weights(&mut self, id: u64) {
        let uses = self
            .runs
            .get_mut(id)
            .map(|r| std::mem::take(&mut r.pending_weights))
            .unwrap_or_default();
        for u in uses {
            self.use_weights(id, u);
        }
    }

    fn use_weights(&mut self, id: u64, usage: WeightsUse) {
        let Some(r) = self.runs.get(id) else {
            return;
        };
        let Some((_, params)) = &r.weights else {
            self.ui.message = Some("This run has no weights to use.".into());
            return;
        };
        match usage {
            WeightsUse::Export(path) => {
                let result = crate::export::write_weights_npz(&path, params, r.config.precision);
                self.ui.message = Some(wrote(&path, result));
            }
            WeightsUse::Sample => {
                match crate::train::sample::sample_text(&r.config, params, &self.ui.sampler.request)
                {
                    Ok(text) => self.ui.sampler.output = text,
                    Err(e) => self.ui.message = Some(format!("Cannot sample: {e}")),
                }
            }
        }
    }

    /// Expands the tab's sweep and queues its runs; they start in `logic`.
    fn run_sweep(&mut self) {
        let s = &self.state;
        let sweep = match s.sweep.expand(&s.preset_name, &s.description, &s.setup) {
            Ok(sweep) => sweep,
            Err(e) => {
                self.ui.message = Some(format!("Cannot run the sweep: {e}"));
                return;
            }
        };
        let (expect, jobs) = (s.sweep.expect(&s.setup), s.sweep.jobs);
        self.stop_sweep();
        self.sweeps.started += 1;
        self.sweeps.active = Some(ActiveSweep::new(self.sweeps.started, sweep, expect, jobs));
        self.ui.message = None;
        self.schedule_sweep();
    }

    fn stop_sweep(&mut self) {
        let Some(active) = &mut self.sweeps.active else {
            return;
        };
        active.stopped = true;
        for id in active.run_ids.iter().flatten() {
            if let Some(r) = self.runs.get(*id)
                && !r.status.ended()
            {
                r.send(Command::Stop);
            }
        }
    }

    /// Starts the sweep's next runs while fewer than its `jobs` are training.
    pub(super) fn schedule_sweep(&mut self) {
        let Some(active) = &mut self.sweeps.active else {
            return;
        };
        if active.stopped {
            return;
        }
        let runs = &mut self.runs;
        let training = active
            .run_ids
            .iter()
            .flatten()
            .filter(|id| runs.get(**id).is_some_and(|r| !r.status.ended()))
            .count();
        let mut free = active.jobs.saturating_sub(training);
        while free > 0
            && let Some(next) = active.run_ids.iter().position(Option::is_none)
        {
            let run = &active.sweep.runs[next];
            let (config, name) = (run.config.clone(), active.run_name(next));
            let kept = runs.selected;
            let id = runs.create(config, name, active.sweep.description.clone());
            runs.selected = kept.or(Some(id));
            if let Some(r) = runs.get_mut(id) {
                r.visible = false;
                r.start();
            }
            active.run_ids[next] = Some(id);
            free -= 1;
        }
    }
}

/// "Wrote PATH", or why not.
fn wrote(path: &Path, result: std::io::Result<()>) -> String {
    match result {
        Ok(()) => format!("Wrote {}", path.display()),
        Err(e) => format!("Cannot write {}: {e}", path.display()),
    }
}
