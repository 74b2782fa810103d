//! Writing a run folder while the run trains. The CSV files grow by whole lines only: rows
//! wait in memory and go to the file in one write each about once a second
//! ([`FLUSH_PERIOD`]), so a `kill -9` loses at most that second and never leaves a torn
//! line; the files that are replaced (`summary.json`, `weights.npz`, `checkpoint.npz`) are
//! written to a temporary file and renamed.
//!
//! ## Disk bound
//!
//! `metrics.csv` has a row for every step up to [`FULL_STEPS`], then for every 4th step for
//! the next `4 · FULL_STEPS` steps, every 16th for the `16 · FULL_STEPS` after, and so on:
//! [`FULL_STEPS`] rows per level, so the file grows with the logarithm of the run's length.
//! `diagnostics.csv`, `profile.csv` and `terms.csv` are thinned the same way by diagnostics count with
//! [`FULL_DIAGNOSTICS`]. The last step is always written.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{
    ANALYSIS, CHECKPOINT, DIAGNOSTICS, EIGENVALUES, LYAPUNOV, MEMORY, METRICS, PRESET, PROFILE,
    SUMMARY, TERMS, WEIGHTS, checkpoint,
};
use crate::diagnostics::csv as analysis_csv;
use crate::export;
use crate::nn::Params;
use crate::preset::Preset;
use crate::train::{AnyTrainState, Diagnostics, Precision, StepMetrics};

/// How often pending rows go to the files.
pub const FLUSH_PERIOD: Duration = Duration::from_secs(1);
/// Steps with a row each before `metrics.csv` is thinned.
pub const FULL_STEPS: u64 = 65_536;
/// Diagnostics with a row each before `diagnostics.csv` and `profile.csv` are thinned.
pub const FULL_DIAGNOSTICS: u64 = 4_096;

/// Whether the `n`-th item (from 1) is kept when the first `full` are kept, then every 4th of
/// the next `4·full`, every 16th of the `16·full` after, …
pub fn kept(n: u64, full: u64) -> bool {
    let (mut start, mut every) = (0u64, 1u64);
    loop {
        let span = full.saturating_mul(every);
        if n <= start.saturating_add(span) {
            return (n - start).is_multiple_of(every);
        }
        start = start.saturating_add(span);
        every = every.saturating_mul(4);
    }
}

/// A CSV file that grows by whole lines.
struct Lines {
    path: PathBuf,
    file: File,
    pending: String,
}

impl Lines {
    fn create(path: PathBuf, header: &str) -> io::Result<Self> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.write_all(format!("{header}\n").as_bytes())?;
        Ok(Self {
            path,
            file,
            pending: String::new(),
        })
    }

    /// Opens `path` to append after the rows whose first field (the step) is at most `step`;
    /// the rows after it (written after the checkpoint) and a torn last line are cut off.
    fn reopen(path: PathBuf, step: u64) -> io::Result<Self> {
        let keep = {
            let mut reader = BufReader::new(File::open(&path)?);
            let mut line = String::new();
            let mut keep: u64 = 0;
            let mut first = true;
            loop {
                line.clear();
                let n = reader.read_line(&mut line)?;
                if n == 0 || !line.ends_with('\n') {
                    break;
                }
                let row_step = line
                    .split(',')
                    .next()
                    .and_then(|f| f.trim().parse::<u64>().ok());
                if !first && row_step.is_none_or(|s| s > step) {
                    break;
                }
                first = false;
                keep += n as u64;
            }
            keep
        };
        let mut file = OpenOptions::new().write(true).open(&path)?;
        file.set_len(keep)?;
        file.seek(io::SeekFrom::End(0))?;
        Ok(Self {
            path,
            file,
            pending: String::new(),
        })
    }

    /// [`Lines::reopen`] if `path` exists; otherwise a new file with `header` (a folder written
    /// before the file was part of the format).
    fn reopen_or_create(path: PathBuf, step: u64, header: &str) -> io::Result<Self> {
        if path.exists() {
            Self::reopen(path, step)
        } else {
            Self::create(path, header)
        }
    }

    fn push(&mut self, line: &str) {
        self.pending.push_str(line);
        self.pending.push('\n');
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.file
                .write_all(self.pending.as_bytes())
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))?;
            self.pending.clear();
        }
        Ok(())
    }
}

/// Cuts the CSV files of the run folder `dir` after `step` (and a torn last line), as carrying
/// the run on from a checkpoint at `step` does.
pub fn cut_after(dir: &Path, step: u64) -> io::Result<()> {
    for file in [METRICS, DIAGNOSTICS, PROFILE] {
        Lines::reopen(dir.join(file), step)?;
    }
    for file in [TERMS, ANALYSIS, EIGENVALUES, LYAPUNOV, MEMORY] {
        if dir.join(file).exists() {
            Lines::reopen(dir.join(file), step)?;
        }
    }
    Ok(())
}

/// The files of the analysis of the network ([`crate::diagnostics::csv`]), thinned by
/// analysis count like the diagnostics.
struct AnalysisFiles {
    analysis: Lines,
    eigenvalues: Lines,
    lyapunov: Lines,
    memory: Lines,
    /// Analyses seen so far (for thinning).
    seen: u64,
}

impl AnalysisFiles {
    const FILES: [(&str, &str); 4] = [
        (ANALYSIS, analysis_csv::ANALYSIS_HEADER),
        (EIGENVALUES, analysis_csv::EIGENVALUES_HEADER),
        (LYAPUNOV, analysis_csv::LYAPUNOV_HEADER),
        (MEMORY, analysis_csv::MEMORY_HEADER),
    ];

    fn of(
        mut open: impl FnMut(PathBuf, &str) -> io::Result<Lines>,
        dir: &Path,
    ) -> io::Result<Self> {
        let [a, e, l, m] = Self::FILES;
        Ok(Self {
            analysis: open(dir.join(a.0), a.1)?,
            eigenvalues: open(dir.join(e.0), e.1)?,
            lyapunov: open(dir.join(l.0), l.1)?,
            memory: open(dir.join(m.0), m.1)?,
            seen: 0,
        })
    }

    fn create(dir: &Path) -> io::Result<Self> {
        Self::of(Lines::create, dir)
    }

    /// The files of a run carried on after `step` (created if the folder predates them),
    /// counting the analyses kept.
    fn resume(dir: &Path, step: u64) -> io::Result<Self> {
        let mut files = Self::of(
            |path, header| Lines::reopen_or_create(path, step, header),
            dir,
        )?;
        let text = std::fs::read_to_string(dir.join(ANALYSIS))?;
        files.seen = text.lines().skip(1).count() as u64;
        Ok(files)
    }

    fn push(&mut self, d: &Diagnostics) {
        let Some(a) = &d.analysis else {
            return;
        };
        self.seen += 1;
        if !kept(self.seen, FULL_DIAGNOSTICS) {
            return;
        }
        self.analysis.push(&analysis_csv::analysis_line(d.step, a));
        for line in analysis_csv::eigenvalue_lines(d.step, a) {
            self.eigenvalues.push(&line);
        }
        for line in analysis_csv::lyapunov_lines(d.step, a) {
            self.lyapunov.push(&line);
        }
        for line in analysis_csv::memory_lines(d.step, a) {
            self.memory.push(&line);
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.analysis.flush()?;
        self.eigenvalues.flush()?;
        self.lyapunov.flush()?;
        self.memory.flush()
    }
}

/// A run folder being written.
pub struct RunWriter {
    dir: PathBuf,
    metrics: Lines,
    diagnostics: Lines,
    profile: Lines,
    terms: Lines,
    analysis: AnalysisFiles,
    gate_names: Vec<String>,
    /// Diagnostics seen so far (for thinning).
    diagnostics_seen: u64,
    /// The latest step's row if thinning left it out (written at the end).
    unwritten_step: Option<String>,
    last_flush: Instant,
}

impl RunWriter {
    /// Starts the run folder `dir` for `preset`: `dir` must not hold files yet (a run folder is
    /// never written over). Writes `preset.ron` and the CSV headers for a cell with
    /// `gate_names`.
    pub fn create(dir: &Path, preset: &Preset, gate_names: &[&str]) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        if std::fs::read_dir(dir)?.next().is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} already holds files: a run folder is never written over (choose \
                     another folder, or carry that run on with --resume)",
                    dir.display()
                ),
            ));
        }
        preset.save(&dir.join(PRESET))?;
        Ok(Self {
            dir: dir.to_owned(),
            metrics: Lines::create(dir.join(METRICS), &export::metrics_header())?,
            diagnostics: Lines::create(
                dir.join(DIAGNOSTICS),
                &export::diagnostics_header(gate_names),
            )?,
            profile: Lines::create(dir.join(PROFILE), export::PROFILE_HEADER)?,
            terms: Lines::create(dir.join(TERMS), export::TERMS_HEADER)?,
            analysis: AnalysisFiles::create(dir)?,
            gate_names: gate_names.iter().map(|g| (*g).to_owned()).collect(),
            diagnostics_seen: 0,
            unwritten_step: None,
            last_flush: Instant::now(),
        })
    }

    /// Opens the run folder `dir` to carry its run on after `step` (its checkpoint's), with
    /// `diagnostics_seen` diagnostics taken by then: rows written after the checkpoint are cut
    /// off, so the files stay the record of one uninterrupted run.
    pub fn resume(
        dir: &Path,
        step: u64,
        diagnostics_seen: u64,
        gate_names: &[&str],
    ) -> io::Result<Self> {
        Ok(Self {
            dir: dir.to_owned(),
            metrics: Lines::reopen(dir.join(METRICS), step)?,
            diagnostics: Lines::reopen(dir.join(DIAGNOSTICS), step)?,
            profile: Lines::reopen(dir.join(PROFILE), step)?,
            terms: Lines::reopen_or_create(dir.join(TERMS), step, export::TERMS_HEADER)?,
            analysis: AnalysisFiles::resume(dir, step)?,
            gate_names: gate_names.iter().map(|g| (*g).to_owned()).collect(),
            diagnostics_seen,
            unwritten_step: None,
            last_flush: Instant::now(),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Diagnostics seen so far.
    pub fn diagnostics_seen(&self) -> u64 {
        self.diagnostics_seen
    }

    /// Records a step (thinned, see the module docs).
    pub fn step(&mut self, m: &StepMetrics) {
        let line = export::metrics_line(m);
        if kept(m.step, FULL_STEPS) {
            self.metrics.push(&line);
            self.unwritten_step = None;
        } else {
            self.unwritten_step = Some(line);
        }
    }

    /// Records a diagnostics row, its gradient profile and its terms of the BPTT sum if they
    /// were taken at its step (thinned).
    pub fn diagnostics(&mut self, d: &Diagnostics) {
        self.diagnostics_seen += 1;
        if kept(self.diagnostics_seen, FULL_DIAGNOSTICS) {
            self.diagnostics
                .push(&export::diagnostics_line(d, self.gate_names.len()));
            for line in export::profile_lines(d) {
                self.profile.push(&line);
            }
            let names: Vec<&str> = self.gate_names.iter().map(String::as_str).collect();
            for line in export::terms_lines(d, &names) {
                self.terms.push(&line);
            }
        }
        self.analysis.push(d);
    }

    /// Writes the pending rows if the last write is [`FLUSH_PERIOD`] old.
    pub fn flush_if_due(&mut self) -> io::Result<()> {
        if self.last_flush.elapsed() >= FLUSH_PERIOD {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the pending rows (metrics last, so that a diagnostics row is never ahead of the
    /// steps it follows).
    pub fn flush(&mut self) -> io::Result<()> {
        self.last_flush = Instant::now();
        self.diagnostics.flush()?;
        self.profile.flush()?;
        self.terms.flush()?;
        self.analysis.flush()?;
        self.metrics.flush()
    }

    /// Writes the pending rows, then `checkpoint.npz` (atomically).
    pub fn checkpoint(&mut self, state: &AnyTrainState) -> io::Result<()> {
        self.flush()?;
        checkpoint::save(&self.dir.join(CHECKPOINT), state, self.diagnostics_seen)
    }

    /// Writes `summary.json` (atomically).
    pub fn summary(&self, summary: &serde_json::Value) -> io::Result<()> {
        export::write_json(&self.dir.join(SUMMARY), summary)
    }

    /// Ends the record: the last step's row if thinning left it out, the pending rows, the
    /// final weights (`weights.npz`, in `precision`) and the checkpoint (if there is a state),
    /// then `summary.json`.
    pub fn finish(
        &mut self,
        params: &Params<f64>,
        precision: Precision,
        state: Option<&AnyTrainState>,
        summary: &serde_json::Value,
    ) -> io::Result<()> {
        if let Some(line) = self.unwritten_step.take() {
            self.metrics.push(&line);
        }
        match state {
            Some(s) => self.checkpoint(s)?,
            None => self.flush()?,
        }
        export::write_weights_npz(&self.dir.join(WEIGHTS), params, precision)?;
        self.summary(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::kept;

    #[test]
    fn every_row_then_every_fourth_then_every_sixteenth() {
        let full = 8;
        let rows: Vec<u64> = (1..=200).filter(|&n| kept(n, full)).collect();
        // 1..=8 all, then 12, 16, … 40 (8 rows), then 56, 72, … 168 (8 rows), then by 64.
        assert_eq!(&rows[..8], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&rows[8..16], &[12, 16, 20, 24, 28, 32, 36, 40]);
        assert_eq!(&rows[16..24], &[56, 72, 88, 104, 120, 136, 152, 168]);
        assert_eq!(rows.len(), 24);
        // The rows grow with the logarithm of the length: 8 per level.
        let n = (1..=1_000_000).filter(|&n| kept(n, full)).count();
        assert!(n < 8 * 12, "{n} rows for a million");
    }
}
