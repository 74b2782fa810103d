//! The app as a lab notebook: the workspace's runs listed at start (their small files only),
//! run folders opened from anywhere (a `train --out` folder, a sweep's output, a collected
//! Slurm array), curves read from a folder when its run is shown, runs carried on from their
//! checkpoints, and folders moved to the workspace's trash and back.

use std::path::{Path, PathBuf};

use super::i18n::texts::Texts;
use super::i18n::{tr, trf};
use super::runs::{RecordTo, RunStatus, RunView, Runs};
use crate::headless::Start;
use crate::store::{FolderError, FolderStatus, RunFolder, checkpoint, writer};
use crate::train::{History, Pace};

/// The run folders at `path`: the folder itself if it is a run folder; else the run folders
/// in it (a sweep's output has them in `runs/`, a workspace too). Damaged ones give their
/// error; a path with none gives one error.
pub fn folders_at(path: &Path) -> Vec<Result<RunFolder, FolderError>> {
    if path.join(crate::store::PRESET).is_file() {
        return vec![RunFolder::open(path)];
    }
    let runs = path.join("runs"); // i18n-exempt: a folder name
    let inner = if runs.is_dir() { runs } else { path.to_owned() };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&inner)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join(crate::store::PRESET).is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    if dirs.is_empty() {
        return vec![Err(FolderError {
            path: path.to_owned(),
            message: tr(Texts::NoRunFolderHere).into(),
        })];
    }
    dirs.iter().map(|d| RunFolder::open(d)).collect()
}

impl Runs {
    /// Lists a run folder as a run (no worker, hidden, curves not loaded yet); `None` if it
    /// is listed already. The error says why its preset does not give a run.
    pub fn add_folder(&mut self, folder: &RunFolder, group: &str) -> Result<Option<u64>, String> {
        if self.by_folder(&folder.dir).is_some() {
            return Ok(None);
        }
        let config = folder
            .preset
            .validate(&folder.dir.join(crate::store::PRESET))
            .map_err(|e| e.to_string())?;
        let status = match &folder.status {
            FolderStatus::Finished => RunStatus::Finished { stopped: false },
            FolderStatus::Stopped => RunStatus::Finished { stopped: true },
            FolderStatus::Diverged(why) => RunStatus::DivergedOnRecord(why.clone()),
            FolderStatus::Running | FolderStatus::Interrupted => RunStatus::Interrupted,
        };
        let name = if group.is_empty() {
            folder.name().to_owned()
        } else {
            format!("{group} · {}", folder.name())
        };
        let final_eval = folder
            .figure("eval_loss")
            .map(|l| (l, folder.figure("eval_metric").unwrap_or(f64::NAN)));
        let view = RunView {
            id: 0,
            name,
            color: egui::Color32::GRAY,
            visible: false,
            history: History::new(config.model.cell.gate_names()),
            description: folder.preset.description.clone(),
            config,
            status,
            last_step: None,
            steps_per_sec: folder.figure("steps_per_sec").unwrap_or(0.0),
            final_eval,
            weights: None,
            pending_weights: Vec::new(),
            folder: Some(folder.dir.clone()),
            record_error: None,
            loaded: false,
            saved_steps: folder.figure("steps").map_or(0, |s| s as u64), // i18n-exempt: a key of the summary
            tags: folder.meta.tags.clone(),
            pace: Pace::default(),
            worker: None,
        };
        Ok(Some(self.push_view(view)))
    }

    /// Reads run `id`'s curves from its folder if they are not loaded yet.
    pub fn ensure_loaded(&mut self, id: u64) -> Result<(), String> {
        let Some(r) = self.get_mut(id) else {
            return Ok(());
        };
        if r.loaded {
            return Ok(());
        }
        r.loaded = true;
        let Some(dir) = r.folder.clone() else {
            return Ok(());
        };
        let history = crate::store::folder::read_history(&dir, r.config.model.cell.gate_names())
            .map_err(|e| e.to_string())?;
        r.last_step = last_step_of(&history);
        r.history = history;
        Ok(())
    }

    /// Carries run `id` on from its folder's checkpoint until `steps` steps in all (its
    /// `preset.ron` is rewritten when that changes its steps), recording into the same folder.
    /// It starts paused; `Start` trains it.
    pub fn carry_on(&mut self, id: u64, steps: u64) -> Result<(), String> {
        let r = self.get(id).ok_or_else(|| tr(Texts::NoSuchRun))?;
        if r.is_live() {
            return Err(tr(Texts::AlreadyTraining).into());
        }
        let dir = r
            .folder
            .clone()
            .ok_or_else(|| tr(Texts::NoFolderToCarryOn))?;
        let cp = checkpoint::load(&dir.join(crate::store::CHECKPOINT))
            .map_err(|e| trf(Texts::NoCheckpoint, &[("e", &e)]))?;
        let done = cp.state.step();
        if steps <= done {
            return Err(trf(Texts::AlreadyDone, &[("d", &done)]));
        }
        let mut preset = crate::store::RunFolder::open(&dir)
            .map_err(|e| e.to_string())?
            .preset;
        if preset.config.steps != steps {
            preset.config.steps = steps;
            preset.cap_claims(steps);
            preset
                .save(&dir.join(crate::store::PRESET))
                .map_err(|e| trf(Texts::WriteFailed, &[("p", &dir.display()), ("e", &e)]))?;
        }
        let config = preset
            .validate(&dir.join(crate::store::PRESET))
            .map_err(|e| e.to_string())?
            .with_threads(r.config.threads());
        // The rows after the checkpoint go: the folder stays the record of one run.
        writer::cut_after(&dir, done)
            .map_err(|e| trf(Texts::CutFailed, &[("p", &dir.display()), ("e", &e)]))?;
        let history = crate::store::folder::read_history(&dir, config.model.cell.gate_names())
            .map_err(|e| e.to_string())?;
        let seen = cp.diagnostics_seen;
        let r = self.get_mut(id).ok_or_else(|| tr(Texts::NoSuchRun))?;
        r.last_step = last_step_of(&history);
        r.history = history;
        r.loaded = true;
        r.config = config;
        r.final_eval = None;
        r.record_error = None;
        let record = RecordTo {
            dir,
            preset,
            resume: Some((done, seen)),
        };
        let pace = self.pace;
        self.spawn(id, Start::Resume(Box::new(cp)), Some(record), pace);
        self.selected = Some(id);
        Ok(())
    }
}

/// The last step of a history, as metrics (from each column's last value).
fn last_step_of(history: &History) -> Option<crate::train::StepMetrics> {
    let s = &history.steps;
    let mut v = [0.0; 15];
    for (i, slot) in v.iter_mut().enumerate() {
        *slot = s.last(i)?;
    }
    Some(crate::train::StepMetrics::from_values(&v))
}
