//! Sweeps in the app: the Sweep tab's [`editor`], the [`live`] sweep its runs make (a grid or
//! a random search), and the successive-halving sweep the sweep library runs for it
//! ([`rungs`]). [`Sweeps`] holds the latest sweep started; [`Preview`] the editor's expansion,
//! redone only when the editor or the panel's setup change.

pub mod editor;
pub mod live;
pub mod rungs;

pub use editor::{
    AxisEdit, MAX_TAB_RUNS, SWEEPABLE, Spacing, Suggest, SweepEditor, SweepY, Sweepable, max_axes,
    sweepable_for, tab_path,
};
pub use live::{ActiveSweep, ResultLine, ResultPoint, RunState, result_lines, x_positions};
pub use rungs::{HalvingRun, RungState, SetupAtRung, Verdict};

use std::path::{Path, PathBuf};

use crate::gui::i18n::{Lang, lang};
use crate::sweep::{Sweep, SweepError};
use crate::train::Setup;

/// What a preview was expanded from: the editor, the base setup and the language (its
/// errors are in it).
type PreviewOf = (SweepEditor, Setup, Lang);

/// The tab's editor and base setup, and what they expand to.
#[derive(Default)]
pub struct Preview(Option<(PreviewOf, Result<Sweep, SweepError>)>);

impl Preview {
    /// The editor's sweep expanded over `base` (cached until either, or the language, changes).
    pub fn of(
        &mut self,
        editor: &SweepEditor,
        name: &str,
        description: &str,
        base: &Setup,
    ) -> &Result<Sweep, SweepError> {
        let lang = lang();
        let stale = self
            .0
            .as_ref()
            .is_none_or(|((e, b, l), _)| e != editor || b != base || *l != lang);
        if stale {
            let result = editor.expand(name, description, base);
            self.0 = Some(((editor.clone(), base.clone(), lang), result));
        }
        &self.0.as_ref().expect("just set").1
    }
}

/// The app's sweeps: the latest one started, and how many were started.
#[derive(Default)]
pub struct Sweeps {
    /// The latest sweep started from the tab.
    pub active: Option<ActiveSweep>,
    /// Sweeps started so far (to number them).
    pub started: u64,
}

impl Sweeps {
    /// Whether a sweep has runs left to start (or, for successive halving, is running).
    pub fn pending(&self) -> bool {
        self.active.as_ref().is_some_and(ActiveSweep::going)
    }

    /// Where a successive-halving sweep started from the tab writes: a new folder of
    /// `sweeps/` in the workspace (without one, in the system's temporary folder), named by
    /// the sweep's number and the time.
    pub fn halving_dir(workspace: Option<&Path>, number: u64) -> PathBuf {
        let root = workspace.map_or_else(
            || std::env::temp_dir().join("bptt-lab"), // i18n-exempt: a folder name
            Path::to_owned,
        );
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        root.join("sweeps").join(format!("S{number}-{secs}")) // i18n-exempt: folder names
    }
}

/// The default setup with zero biases, the base the tests sweep (its forget bias is the
/// LSTM's only, which a sweep over the cell type rejects for the other cells).
#[cfg(test)]
fn test_base() -> Setup {
    let mut b = super::state::SavedState::default().setup;
    crate::preset::apply_set(&mut b, "init.bias=zero").unwrap();
    b
}
