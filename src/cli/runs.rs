//! `bptt-lab runs list|show|rm`: the workspace's run folders from the command line.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::store::{FolderStatus, RunFolder, Workspace};

fn workspace(dir: Option<PathBuf>) -> Result<Workspace, CliError> {
    let root = dir.unwrap_or_else(Workspace::default_root);
    Workspace::open(&root).map_err(|source| CliError::Write { path: root, source })
}

fn status_word(s: &FolderStatus) -> String {
    match s {
        FolderStatus::Finished => "finished".into(),
        FolderStatus::Stopped => "stopped".into(),
        FolderStatus::Diverged(_) => "diverged".into(),
        FolderStatus::Running => "running".into(),
        FolderStatus::Interrupted => "interrupted".into(),
    }
}

fn figure(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |x| format!("{x:.5}"))
}

/// A run folder by path, or by its folder name in the workspace.
fn find(ws: &Workspace, run: &str) -> PathBuf {
    let p = Path::new(run);
    if p.join(crate::store::PRESET).is_file() {
        p.to_owned()
    } else {
        ws.runs_dir().join(run)
    }
}

/// `runs list`: a line per run folder of the workspace.
pub(super) fn list(dir: Option<PathBuf>) -> Result<(), CliError> {
    let ws = workspace(dir)?;
    println!("workspace {}", ws.root().display());
    let folders = ws.list().map_err(|source| CliError::Write {
        path: ws.runs_dir(),
        source,
    })?;
    println!(
        "{:<32} {:<12} {:>8} {:>10}  name",
        "folder", "status", "steps", "eval_loss"
    );
    for f in folders {
        match f {
            Ok(f) => {
                let folder = f.dir.file_name().map(|n| n.to_string_lossy().into_owned());
                let tags = if f.meta.tags.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", f.meta.tags.join(", "))
                };
                println!(
                    "{:<32} {:<12} {:>8} {:>10}  {}{tags}",
                    folder.unwrap_or_default(),
                    status_word(&f.status),
                    f.figure("steps")
                        .map_or_else(|| "-".into(), |s| format!("{s}")),
                    figure(f.figure("eval_loss")),
                    f.name()
                );
            }
            Err(e) => println!("damaged: {e}"),
        }
    }
    Ok(())
}

/// `runs show RUN`: what a run folder holds.
pub(super) fn show(dir: Option<PathBuf>, run: &str) -> Result<(), CliError> {
    let ws = workspace(dir)?;
    let f = RunFolder::open(&find(&ws, run))?;
    println!("{}", f.name());
    println!("  folder       {}", f.dir.display());
    println!("  status       {}", status_word(&f.status));
    if let FolderStatus::Diverged(why) = &f.status {
        println!("  diverged     {why}");
    }
    println!(
        "  steps        {} of {}",
        f.figure("steps")
            .map_or_else(|| "-".into(), |s| format!("{s}")),
        f.preset.config.steps
    );
    println!("  eval_loss    {}", figure(f.figure("eval_loss")));
    println!("  eval_metric  {}", figure(f.figure("eval_metric")));
    println!("  tags         {}", f.meta.tags.join(", "));
    println!(
        "  resumable    {}",
        if f.resumable() {
            format!("yes: bptt-lab train --resume {}", f.dir.display())
        } else {
            "no".into()
        }
    );
    Ok(())
}

/// `runs rm RUN…`: moves run folders to the workspace's trash.
pub(super) fn remove(dir: Option<PathBuf>, runs: &[String]) -> Result<(), CliError> {
    let ws = workspace(dir)?;
    for run in runs {
        let path = find(&ws, run);
        if !path.starts_with(ws.runs_dir()) {
            return Err(CliError::Usage(format!(
                "{}: not a run of the workspace {}; `runs rm` only moves the workspace's runs to its trash",
                path.display(),
                ws.root().display()
            )));
        }
        RunFolder::open(&path)?;
        let to = ws.trash(&path).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
        println!("moved {} to {}", path.display(), to.display());
    }
    Ok(())
}
