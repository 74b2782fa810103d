//! The app's workspace: a folder of run folders (`runs/`) and a trash (`trash/`) that deleted
//! runs go to, so that a delete can be undone. By default it is in the platform's data
//! directory (`~/.local/share/bptt-lab/workspace` on Linux); `--workspace DIR` or the
//! environment variable [`WORKSPACE_ENV`] choose another.

use std::path::{Path, PathBuf};

use super::folder::{FolderError, RunFolder};

/// The environment variable that names the workspace folder.
pub const WORKSPACE_ENV: &str = "BPTT_LAB_WORKSPACE";

/// A workspace folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// Where the workspace is when none is given: [`WORKSPACE_ENV`] if set, else the
    /// platform's data directory, else `./bptt-lab-workspace`.
    pub fn default_root() -> PathBuf {
        if let Some(dir) = std::env::var_os(WORKSPACE_ENV).filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        dirs::data_dir().map_or_else(
            || PathBuf::from("bptt-lab-workspace"),
            |d| d.join("bptt-lab").join("workspace"),
        )
    }

    /// Opens (creating if needed) the workspace at `root`.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        let ws = Self {
            root: root.to_owned(),
        };
        std::fs::create_dir_all(ws.runs_dir())?;
        std::fs::create_dir_all(ws.trash_dir())?;
        Ok(ws)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    pub fn trash_dir(&self) -> PathBuf {
        self.root.join("trash")
    }

    /// The run folders of the workspace, sorted by name (which starts with their number).
    pub fn run_dirs(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.runs_dir())?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        Ok(dirs)
    }

    /// Every run folder read (its small files), or the error of a damaged one.
    pub fn list(&self) -> std::io::Result<Vec<Result<RunFolder, FolderError>>> {
        Ok(self
            .run_dirs()?
            .iter()
            .map(|d| RunFolder::open(d))
            .collect())
    }

    /// A new, unused run folder path: `runs/NNNN-<name>` with the next number and `name`
    /// reduced to letters, digits and dashes.
    pub fn new_run_dir(&self, name: &str) -> std::io::Result<PathBuf> {
        let next = self
            .run_dirs()?
            .iter()
            .filter_map(|d| {
                let n = d
                    .file_name()?
                    .to_str()?
                    .split('-')
                    .next()?
                    .parse::<u64>()
                    .ok()?;
                Some(n)
            })
            .max()
            .map_or(1, |n| n + 1);
        let slug: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .take(6)
            .collect::<Vec<_>>()
            .join("-");
        let mut dir = self.runs_dir().join(format!("{next:04}-{slug}"));
        let mut k = 1;
        while dir.exists() {
            k += 1;
            dir = self.runs_dir().join(format!("{next:04}-{slug}-{k}"));
        }
        Ok(dir)
    }

    /// Moves a run folder to the trash; returns where it went (for [`Workspace::restore`]).
    pub fn trash(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let name = dir
            .file_name()
            .ok_or_else(|| std::io::Error::other(format!("{} has no name", dir.display())))?;
        let mut to = self.trash_dir().join(name);
        let mut k = 1;
        while to.exists() {
            k += 1;
            to = self
                .trash_dir()
                .join(format!("{}-{k}", name.to_string_lossy()));
        }
        std::fs::rename(dir, &to)?;
        Ok(to)
    }

    /// Moves a trashed run folder back to where it was.
    pub fn restore(&self, trashed: &Path, to: &Path) -> std::io::Result<()> {
        if to.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists", to.display()),
            ));
        }
        std::fs::rename(trashed, to)
    }

    /// Deletes what is in the trash.
    pub fn empty_trash(&self) -> std::io::Result<()> {
        for entry in std::fs::read_dir(self.trash_dir())? {
            let path = entry?.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
        Ok(())
    }
}
