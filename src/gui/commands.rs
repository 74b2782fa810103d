//! What each [`UiCommand`] does: the app's behaviour table, in three groups (the runs, files
//! and exports, the views and sweeps). Errors go to the message line, never a crash.

use std::path::{Path, PathBuf};

use super::app::BpttApp;
use super::dialogs::{DATA_EXTENSIONS, TEXT_EXTENSION};
use super::i18n::data::Data;
use super::i18n::texts::Texts;
use super::i18n::{tr, trf};
use super::runs::{RunStatus, WeightsUse};
use super::state::{SidePanel, UiCommand, View};
use super::sweep::{ActiveSweep, AxisEdit, SWEEPABLE, SweepEditor, Sweeps};
use crate::preset::{self, Preset};
use crate::tasks::TaskConfig;
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
            | C::SetPace(_)
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
            | C::SampleText
            | C::UseData(_) => self.apply_file(command),
            C::DismissMessage
            | C::ShowView(_)
            | C::ShowPanel(..)
            | C::RunSweep
            | C::SweepSetting(_)
            | C::StopSweep
            | C::OpenRun(_)
            | C::SaveSweep(_)
            | C::LoadSweep(_)
            | C::ExportSweepResults(_) => self.apply_view(command),
            C::OpenRuns(_)
            | C::Continue(_)
            | C::TrainMore(..)
            | C::UndoDelete
            | C::SetTags(..)
            | C::ExportRuns(_) => self.apply_notebook(command),
            C::Tour(m) => self.tour_move(m),
            C::ExportScript(framework, dir) => self.export_script(framework, dir),
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
            UiCommand::SetPace(pace) => {
                self.runs.pace = pace;
                if let Some(r) = self.runs.selected_mut() {
                    r.send(Command::SetPace(pace));
                    r.pace = pace;
                }
            }
            UiCommand::Reset => {
                if let Some(r) = self.runs.selected() {
                    let (id, config, name, description, color) = (
                        r.id,
                        r.config.clone(),
                        r.name.clone(),
                        r.description.clone(),
                        r.color,
                    );
                    self.runs.remove(id);
                    let new_id = self.runs.create(config, name, description);
                    // The same run again: the same colour in the plots.
                    if let Some(r) = self.runs.get_mut(new_id) {
                        r.color = color;
                    }
                }
            }
            UiCommand::Select(id) => {
                // A selected run is shown: the controls and plots act on what is seen.
                if let Some(r) = self.runs.get_mut(id) {
                    r.visible = true;
                }
                self.runs.selected = Some(id);
            }
            UiCommand::Delete(id) => self.delete(id),
            UiCommand::SetVisible(id, v) => {
                if let Some(r) = self.runs.get_mut(id) {
                    r.visible = v;
                }
            }
            UiCommand::Rename(id, name) => {
                if let Some(r) = self.runs.get_mut(id) {
                    r.name.clone_from(&name);
                }
                self.save_meta(id);
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
                    let path = PathBuf::from(format!("presets/{f}")); // i18n-exempt: a folder name
                    self.load_preset_text(text, &path);
                }
            }
            UiCommand::LoadFile(path) => {
                match crate::fsutil::read_text_capped(&path, crate::fsutil::TEXT_FILE_CAP) {
                    Ok(text) => self.load_preset_text(&text, &path),
                    Err(e) => {
                        self.ui.message =
                            Some(trf(Texts::CannotOpen, &[("p", &path.display()), ("e", &e)]));
                    }
                }
            }
            UiCommand::SaveFile(path) => {
                self.ui.message = Some(match self.state.as_preset().save(&path) {
                    Ok(()) => trf(Texts::Saved, &[("p", &path.display())]),
                    Err(e) => trf(Texts::CannotSave, &[("p", &path.display()), ("e", &e)]),
                });
            }
            UiCommand::OpenDialog(kind) => {
                let ctx = self.egui_ctx.clone();
                let system = self.state.window.system_dialogs;
                if let Err(e) = self
                    .dialogs
                    .open(kind, system, move || ctx.request_repaint())
                {
                    self.ui.message = Some(trf(Texts::SystemDialogFailed, &[("e", &e)]));
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
            UiCommand::UseData(path) => self.use_data(&path),
            _ => unreachable!("not a file command: {command:?}"),
        }
    }

    /// The views, the message line and the Sweep tab.
    fn apply_view(&mut self, command: UiCommand) {
        match command {
            UiCommand::DismissMessage => self.ui.message = None,
            UiCommand::ShowView(view) => self.ui.view = view,
            UiCommand::ShowPanel(panel, open) => {
                let w = &mut self.state.window;
                match panel {
                    SidePanel::Setup => w.setup_panel_open = open,
                    SidePanel::Runs => w.runs_panel_open = open,
                }
            }
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
                    Err(e) => trf(Texts::CannotSaveSweep, &[("e", &e)]),
                    Ok(file) => {
                        match crate::fsutil::write_atomic(&path, file.to_ron().as_bytes()) {
                            Ok(()) => trf(Texts::WroteSweep, &[("p", &path.display())]),
                            Err(e) => trf(Texts::CannotWrite, &[("p", &path.display()), ("e", &e)]),
                        }
                    }
                });
            }
            UiCommand::LoadSweep(path) => match SweepEditor::load(&path) {
                Ok((editor, base)) => {
                    // The base first: the sweep file's own "solved" clause wins over its claim.
                    self.state.take_preset(base);
                    self.state.sweep = editor;
                    self.ui.view = View::Sweep;
                    self.ui.message = None;
                }
                Err(e) => self.ui.message = Some(trf(Texts::CannotLoadSweep, &[("e", &e)])),
            },
            UiCommand::ExportSweepResults(path) => {
                let Some(active) = &self.sweeps.active else {
                    self.ui.message = Some(tr(Texts::NoSweepYet).into());
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

    /// The notebook: run folders opened, runs carried on, deleted runs brought back, tags,
    /// the long CSV.
    fn apply_notebook(&mut self, command: UiCommand) {
        match command {
            UiCommand::OpenRuns(path) => self.open_runs(&path),
            UiCommand::Continue(id) => {
                let steps = self.runs.get(id).map_or(0, |r| r.config.steps);
                self.carry_on(id, steps);
            }
            UiCommand::TrainMore(id, n) => {
                let done = self
                    .runs
                    .get(id)
                    .map_or(0, super::runs::RunView::steps_done);
                self.carry_on(id, done + n.max(1));
            }
            UiCommand::UndoDelete => self.undo_delete(),
            UiCommand::SetTags(id, tags) => {
                if let Some(r) = self.runs.get_mut(id) {
                    r.tags = tags
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                self.save_meta(id);
            }
            UiCommand::ExportRuns(path) => {
                let shown: Vec<(String, &crate::train::TrainConfig, &crate::train::History)> = self
                    .runs
                    .iter()
                    .filter(|r| r.visible)
                    .map(|r| (r.name.clone(), &r.config, &r.history))
                    .collect();
                let text = crate::export::long_csv(&shown);
                let result = crate::fsutil::write_atomic(&path, text.as_bytes());
                self.ui.message = Some(wrote(&path, result));
            }
            _ => unreachable!("not a notebook command: {command:?}"),
        }
    }

    /// Adds the run folders at `path`; a sweep's output is one group named after it.
    pub fn open_runs(&mut self, path: &Path) {
        let group = if path.join("points.csv").is_file() {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let (mut added, mut errors) = (0, Vec::new());
        for folder in super::notebook::folders_at(path) {
            match folder.map_err(|e| e.to_string()).and_then(|f| {
                self.runs
                    .add_folder(&f, &group)
                    .map_err(|e| format!("{}: {e}", f.dir.display()))
            }) {
                Ok(Some(id)) => {
                    added += 1;
                    if let Some(r) = self.runs.get_mut(id) {
                        r.visible = true;
                    }
                }
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        self.ui.message = Some(if errors.is_empty() {
            trf(Texts::OpenedRuns, &[("n", &added), ("p", &path.display())])
        } else {
            trf(
                Texts::OpenedRunsSomeBad,
                &[
                    ("n", &added),
                    ("p", &path.display()),
                    ("m", &errors.len()),
                    ("es", &errors.join("; ")),
                ],
            )
        });
        self.ui.view = View::Training;
    }

    fn carry_on(&mut self, id: u64, steps: u64) {
        match self.runs.carry_on(id, steps) {
            Ok(()) => {
                self.ui.message = None;
                if let Some(r) = self.runs.get_mut(id) {
                    r.visible = true;
                    r.start();
                }
            }
            Err(e) => self.ui.message = Some(trf(Texts::CannotCarryOn, &[("e", &e)])),
        }
    }

    /// Removes run `id`; its folder, if it is in the workspace, goes to the trash (Undo
    /// brings it back). A folder from elsewhere is only removed from the list.
    fn delete(&mut self, id: u64) {
        let Some(r) = self.runs.get(id) else { return };
        let (name, folder) = (r.name.clone(), r.folder.clone());
        self.runs.remove(id); // a live run stops and finishes its record first
        let in_workspace = self
            .runs
            .workspace
            .as_ref()
            .zip(folder.as_ref())
            .filter(|(ws, f)| f.starts_with(ws.runs_dir()));
        self.ui.message = Some(match in_workspace {
            Some((ws, dir)) => match ws.trash(dir) {
                Ok(to) => {
                    self.ui.trashed.push((to, dir.clone()));
                    trf(Texts::DeletedToTrash, &[("r", &name)])
                }
                Err(e) => trf(Texts::DeletedFolderStays, &[("r", &name), ("e", &e)]),
            },
            None => trf(Texts::RemovedFromList, &[("r", &name)]),
        });
    }

    fn undo_delete(&mut self) {
        let Some((trashed, original)) = self.ui.trashed.pop() else {
            return;
        };
        let result = self
            .runs
            .workspace
            .as_ref()
            .ok_or_else(|| tr(Texts::NoWorkspace).to_owned())
            .and_then(|ws| ws.restore(&trashed, &original).map_err(|e| e.to_string()))
            .and_then(|()| crate::store::RunFolder::open(&original).map_err(|e| e.to_string()))
            .and_then(|f| self.runs.add_folder(&f, ""));
        self.ui.message = Some(match result {
            Ok(Some(id)) => {
                if let Some(r) = self.runs.get_mut(id) {
                    r.visible = true;
                }
                self.runs.selected = Some(id);
                trf(Texts::BroughtBack, &[("p", &original.display())])
            }
            Ok(None) => trf(Texts::ListedAlready, &[("p", &original.display())]),
            Err(e) => trf(Texts::CannotBringBack, &[("e", &e)]),
        });
    }

    /// Writes run `id`'s name and tags to its folder's `meta.json`.
    fn save_meta(&mut self, id: u64) {
        let Some(r) = self.runs.get(id) else { return };
        let Some(dir) = &r.folder else { return };
        let meta = crate::store::Meta {
            name: r.name.clone(),
            tags: r.tags.clone(),
        };
        let text = serde_json::to_string_pretty(&meta).unwrap_or_default();
        if let Err(e) = crate::fsutil::write_atomic(&dir.join(crate::store::META), text.as_bytes())
        {
            self.ui.message = Some(trf(Texts::CannotWrite, &[("p", &dir.display()), ("e", &e)]));
        }
    }

    /// A run from the panel's setup (selected), or the validation message.
    fn run_from_panel(&mut self) -> Option<u64> {
        match self.validation().clone() {
            Ok(config) => {
                // Named by what differs from the run it follows (the selected one, else the
                // newest), so that a legend says which line is which.
                let previous = self
                    .runs
                    .selected()
                    .or_else(|| self.runs.iter().last())
                    .map(|r| r.config.setup());
                let name = super::naming::run_name(
                    config.model.cell.short_name(),
                    self.runs.next_id(),
                    previous,
                    config.setup(),
                );
                let description = self.state.description.clone();
                let config = config.with_threads(self.state.threads);
                Some(self.runs.create(config, name, description))
            }
            Err(e) => {
                self.ui.message = Some(trf(Texts::CannotStart, &[("e", &e)]));
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
            Err(e) => self.ui.message = Some(trf(Texts::DuplicateFailed, &[("e", &e)])),
        }
    }

    /// Loads preset text into the panel; errors go to the message line.
    pub fn load_preset_text(&mut self, text: &str, path: &Path) {
        match Preset::from_ron(text, path).and_then(|p| p.validate(path).map(|_| p)) {
            Ok(p) => {
                self.state.take_preset(p);
                self.ui.message = None;
            }
            Err(e) => self.ui.message = Some(trf(Texts::CannotLoadPreset, &[("e", &e)])),
        }
    }

    /// Uses the current weights of the selected run: at once if it has ended (or is paused
    /// with fresh weights), otherwise when the worker answers.
    fn request_weights(&mut self, usage: WeightsUse) {
        let Some(r) = self.runs.selected_mut() else {
            self.ui.message = Some(tr(Texts::NoRunSelected).into());
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

    /// Sets the panel's task up on a data file: the csv task (its other settings as they were
    /// if the task was already csv) on a `.csv` or `.tsv`, the text task on a `.txt`.
    fn use_data(&mut self, path: &Path) {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let task = &mut self.state.setup.task;
        let is_text = ext == TEXT_EXTENSION;
        let is_series = !is_text && DATA_EXTENSIONS.contains(&ext.as_str());
        if is_series {
            let mut settings = task.csv_settings().unwrap_or_default();
            if settings.path.as_deref() != Some(path) {
                settings = settings.on_file(Some(path.to_owned()));
            }
            *task = TaskConfig::from_csv_settings(settings);
            self.ui.message = Some(trf(Data::UsingCsv, &[("path", &path.display())]));
        } else if is_text {
            let seq_len = match task {
                TaskConfig::Text { seq_len, .. } => *seq_len,
                _ => TaskConfig::DEFAULT_TEXT_SEQ_LEN,
            };
            *task = TaskConfig::Text {
                seq_len,
                path: Some(path.to_owned()),
            };
            self.ui.message = Some(trf(Data::UsingText, &[("path", &path.display())]));
        } else {
            self.ui.message = Some(trf(Data::NotData, &[("path", &path.display())]));
        }
        self.ui.view = View::Training;
    }

    /// Asks the selected run for weights to compute its views from, when they are missing
    /// or older than its weights (see [`RunViews::wants`]); `true` while one is under way.
    pub(super) fn refresh_views(&mut self, now: std::time::Instant) -> bool {
        let busy = self.ui.views.poll();
        let Some(r) = self.runs.selected() else {
            return busy;
        };
        let (id, step, running) = (r.id, r.steps_done(), r.status.is_running());
        if self.ui.views.wants(id, step, running, now) {
            self.ui.views.ask(id, now);
            self.request_weights(WeightsUse::Views);
        }
        busy || running
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
            if matches!(usage, WeightsUse::Views) {
                // Said in the plot, not the message line (asked without the user's click).
                let step = r.steps_done();
                self.ui.views.no_weights(id, step, tr(Texts::NoWeights));
            } else {
                self.ui.message = Some(tr(Texts::NoWeights).into());
            }
            return;
        };
        match usage {
            WeightsUse::Export(path) => {
                let result = crate::export::write_weights_npz(&path, params, r.config.precision);
                self.ui.message = Some(wrote(&path, result));
            }
            WeightsUse::Views => {
                let step = r.weights.as_ref().map_or(0, |(s, _)| *s);
                self.ui.views.start(id, &r.config, step, params);
            }
            WeightsUse::Sample => {
                match crate::train::sample::sample_text(&r.config, params, &self.ui.sampler.request)
                {
                    Ok(text) => self.ui.sampler.output = text,
                    Err(e) => self.ui.message = Some(trf(Texts::CannotSample, &[("e", &e)])),
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
                self.ui.message = Some(trf(Texts::CannotRunSweep, &[("e", &e)]));
                return;
            }
        };
        let (expect, jobs) = (s.sweep.expect(&s.setup), s.sweep.jobs);
        self.stop_sweep();
        self.sweeps.started += 1;
        let mut active = ActiveSweep::new(self.sweeps.started, sweep, expect, jobs);
        // Successive halving runs through the sweep library, into a sweep folder.
        let workspace = self
            .runs
            .workspace
            .as_ref()
            .map(super::super::store::workspace::Workspace::root);
        active.start_halving(&Sweeps::halving_dir(workspace, self.sweeps.started));
        self.sweeps.active = Some(active);
        self.ui.message = None;
        self.schedule_sweep();
    }

    fn stop_sweep(&mut self) {
        let Some(active) = &mut self.sweeps.active else {
            return;
        };
        active.stopped = true;
        if let Some(h) = &active.halving {
            h.request_stop();
        }
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
        if active.poll_halving() || active.stopped {
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
            let id = runs.create_paced(
                config,
                name,
                active.sweep.description.clone(),
                crate::train::Pace::default(),
            );
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
        Ok(()) => trf(Texts::Wrote, &[("p", &path.display())]),
        Err(e) => trf(Texts::CannotWrite, &[("p", &path.display()), ("e", &e)]),
    }
}
