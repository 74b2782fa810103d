//! A successive-halving sweep started from the Sweep tab. It runs on a thread of its own
//! through [`crate::sweep::halving::run_until`], the code `bptt-lab sweep` runs, into a sweep
//! directory (its runs train headless, as the command line's do, and stay out of the runs
//! list until opened from there). The tab follows it from the reports the thread sends: which
//! runs entered each rung (the library's `rungs/K.csv`, read as each rung starts), the runs
//! training, each finished row. Which setups carry on is the library's choice, never redone
//! here: a setup was kept at rung k if its runs entered rung k + 1.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, bounded};

use crate::sweep::halving::{self, Schedule};
use crate::sweep::local::Event;
use crate::sweep::{Row, Sweep};

/// What the sweep's thread reports, in the order it happens.
enum Report {
    /// A rung started with these runs (sweep run indices).
    Rung(usize, Vec<usize>),
    Started(usize),
    Finished(Box<Row>),
    Failed(usize, String),
    /// The thread ended: every rung done, stopped, or why not.
    Ended(Result<(), String>),
}

/// One rung as the tab shows it.
#[derive(Clone, Debug, Default)]
pub struct RungState {
    /// The steps its runs reach.
    pub steps: u64,
    /// How many setups train in it (the schedule's).
    pub setups: usize,
    /// The runs that entered it, once it has started.
    pub entered: Option<Vec<usize>>,
    /// Finished runs' rows at this rung, by run index.
    pub rows: BTreeMap<usize, Row>,
    /// Runs training now.
    pub running: BTreeSet<usize>,
    /// Runs that failed without a result, with why.
    pub failed: BTreeMap<usize, String>,
}

/// Where one setup stands after a rung.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Still training in this rung, or waiting for the rung to close.
    Open,
    /// Its runs carry on to the next rung.
    Kept,
    /// Not among the best: it stops here.
    Dropped,
    /// Through the last rung.
    Survivor,
}

/// One setup (point) in one rung: its runs and their mean held-out loss.
#[derive(Clone, Debug, PartialEq)]
pub struct SetupAtRung {
    /// The setup's number (point index, run order).
    pub setup: usize,
    /// One RON value per axis.
    pub values: Vec<String>,
    /// Seeds finished / seeds.
    pub done: usize,
    pub seeds: usize,
    /// The mean held-out loss over its seeds once all have finished, `None` if one diverged
    /// or has none (the library scores it +∞).
    pub loss: Option<f64>,
    pub diverged: bool,
    pub verdict: Verdict,
}

/// A successive-halving sweep running (or run) from the tab.
pub struct HalvingRun {
    /// The sweep directory it writes (as `bptt-lab sweep --out`).
    pub out: PathBuf,
    pub schedule: Schedule,
    pub rungs: Vec<RungState>,
    /// Set when the thread has ended: `Ok` when it did what it was asked (every rung, or up
    /// to a stop), else why not.
    pub ended: Option<Result<(), String>>,
    /// The rung in progress (the last one started).
    pub current: Option<usize>,
    seeds: usize,
    stop: Arc<AtomicBool>,
    reports: Receiver<Report>,
    pub started: Instant,
}

impl HalvingRun {
    /// Starts `sweep` (which has a halving `schedule`) on a thread, `jobs` runs at a time,
    /// into `out`.
    pub fn start(sweep: &Sweep, schedule: &Schedule, out: &Path, jobs: usize) -> Self {
        // Reports are small and the tab takes them every frame; a full channel only holds the
        // sweep back until it does.
        let (tx, reports) = bounded(4096);
        let stop = Arc::new(AtomicBool::new(false));
        let mut run = Self {
            out: out.to_owned(),
            schedule: schedule.clone(),
            rungs: schedule
                .rungs
                .iter()
                .map(|r| RungState {
                    steps: r.steps,
                    setups: r.setups,
                    ..RungState::default()
                })
                .collect(),
            ended: None,
            current: None,
            seeds: sweep.seeds.len().max(1),
            stop: Arc::clone(&stop),
            reports,
            started: Instant::now(),
        };
        let (sweep, schedule, out) = (sweep.clone(), schedule.clone(), out.to_owned());
        let ended = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("sweep-halving".into()) // i18n-exempt: a thread's name
            .spawn(move || {
                let result = run_thread(&sweep, &schedule, &out, jobs, &stop, &tx);
                let _ = tx.send(Report::Ended(result));
            });
        if let Err(e) = spawned {
            let _ = ended.send(Report::Ended(Err(e.to_string())));
        }
        run.poll();
        run
    }

    /// Takes in what the thread has reported since the last call.
    pub fn poll(&mut self) {
        while let Ok(report) = self.reports.try_recv() {
            match report {
                Report::Rung(k, entered) => {
                    if let Some(r) = self.rungs.get_mut(k) {
                        r.entered = Some(entered);
                    }
                    self.current = Some(k);
                }
                Report::Started(i) => {
                    if let Some(r) = self.current_rung() {
                        r.running.insert(i);
                    }
                }
                Report::Finished(row) => {
                    if let Some(r) = self.current_rung() {
                        r.running.remove(&row.point.index);
                        r.rows.insert(row.point.index, *row);
                    }
                }
                Report::Failed(i, why) => {
                    if let Some(r) = self.current_rung() {
                        r.running.remove(&i);
                        r.failed.insert(i, why);
                    }
                }
                Report::Ended(result) => self.ended = Some(result),
            }
        }
    }

    fn current_rung(&mut self) -> Option<&mut RungState> {
        self.rungs.get_mut(self.current?)
    }

    /// Asks the thread to start no more runs (those training finish).
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether a stop was asked for.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Whether the thread is still going.
    pub fn running(&self) -> bool {
        self.ended.is_none()
    }

    /// Runs finished so far over every rung, and the runs the schedule trains in all.
    pub fn progress(&self) -> (usize, usize) {
        let done = self.rungs.iter().map(|r| r.rows.len()).sum();
        let total = self.rungs.iter().map(|r| r.setups * self.seeds).sum();
        (done, total)
    }

    /// Every run's row at the last rung it trained in (as the library's `results.csv`).
    pub fn latest_rows(&self) -> BTreeMap<usize, Row> {
        let mut latest = BTreeMap::new();
        for r in &self.rungs {
            for (i, row) in &r.rows {
                latest.insert(*i, row.clone());
            }
        }
        latest
    }

    /// The setups of rung `k` (empty until it starts), with their losses and verdicts; best
    /// first once the rung is complete, else in setup order.
    pub fn setups_at(&self, sweep: &Sweep, k: usize) -> Vec<SetupAtRung> {
        let Some(rung) = self.rungs.get(k) else {
            return Vec::new();
        };
        let Some(entered) = &rung.entered else {
            return Vec::new();
        };
        let seeds = self.seeds;
        let next: Option<BTreeSet<usize>> = self
            .rungs
            .get(k + 1)
            .and_then(|r| r.entered.as_ref())
            .map(|runs| runs.iter().map(|i| i / seeds).collect());
        let complete = entered.iter().all(|i| rung.rows.contains_key(i));
        let last = k + 1 == self.rungs.len();
        let mut setups: Vec<usize> = entered.iter().map(|i| i / seeds).collect();
        setups.dedup();
        let mut out: Vec<SetupAtRung> = setups
            .into_iter()
            .map(|setup| {
                let runs = setup * seeds..(setup + 1) * seeds;
                let rows: Vec<&Row> = runs.clone().filter_map(|i| rung.rows.get(&i)).collect();
                let diverged = rows.iter().any(|r| r.diverged);
                let losses: Option<Vec<f64>> = rows
                    .iter()
                    .map(|r| r.eval_loss.filter(|l| l.is_finite() && !r.diverged))
                    .collect();
                let loss = losses
                    .filter(|l| l.len() == seeds)
                    .map(|l| l.iter().sum::<f64>() / seeds as f64);
                let verdict = match &next {
                    Some(kept) if kept.contains(&setup) => Verdict::Kept,
                    Some(_) => Verdict::Dropped,
                    None if last && complete && self.ended == Some(Ok(())) => Verdict::Survivor,
                    None => Verdict::Open,
                };
                SetupAtRung {
                    setup,
                    values: sweep
                        .runs
                        .get(setup * seeds)
                        .map(|r| r.values.clone())
                        .unwrap_or_default(),
                    done: rows.len(),
                    seeds,
                    loss,
                    diverged,
                    verdict,
                }
            })
            .collect();
        if complete {
            // Stable: ties keep the earlier setup first, as the library ranks them.
            out.sort_by(|a, b| {
                let score = |s: &SetupAtRung| s.loss.unwrap_or(f64::INFINITY);
                score(a).total_cmp(&score(b))
            });
        }
        out
    }

    /// The setups through the last rung, best first, once the sweep has finished.
    pub fn survivors(&self, sweep: &Sweep) -> Vec<SetupAtRung> {
        let last = self.rungs.len().saturating_sub(1);
        self.setups_at(sweep, last)
            .into_iter()
            .filter(|s| s.verdict == Verdict::Survivor)
            .collect()
    }

    /// The rung at which a setup was dropped, if it was.
    pub fn dropped_at(&self, sweep: &Sweep, setup: usize) -> Option<usize> {
        (0..self.rungs.len()).find(|&k| {
            self.setups_at(sweep, k)
                .iter()
                .any(|s| s.setup == setup && s.verdict == Verdict::Dropped)
        })
    }
}

/// The thread's work: the library's successive halving, its progress sent as reports.
fn run_thread(
    sweep: &Sweep,
    schedule: &Schedule,
    out: &Path,
    jobs: usize,
    stop: &AtomicBool,
    tx: &Sender<Report>,
) -> Result<(), String> {
    let on_rung = |k: usize, _runs: usize, _steps: u64| {
        // The library has written the rung's runs (`rungs/K.csv`) before it says so.
        let entered = halving::read_rung_runs(out, k)
            .ok()
            .flatten()
            .unwrap_or_default();
        let _ = tx.send(Report::Rung(k, entered));
    };
    let on_event = |event: Event<'_>| {
        let report = match event {
            Event::Resumed { .. } => return,
            Event::Started { run } => Report::Started(run.index),
            Event::Finished { row, .. } => Report::Finished(Box::new(row.clone())),
            Event::Failed { run, failure } => Report::Failed(run.index, failure.to_string()),
        };
        let _ = tx.send(report);
    };
    let outcome = halving::run_until(sweep, schedule, out, jobs, stop, &on_rung, &on_event)
        .map_err(|e| e.to_string())?;
    let failed: usize = outcome.rungs.iter().map(|o| o.failed.len()).sum();
    if failed > 0 {
        let list: Vec<String> = outcome
            .rungs
            .iter()
            .flat_map(|o| o.failed.iter())
            .map(|(i, why)| format!("{}: {why}", crate::sweep::run_name(*i)))
            .collect();
        return Err(list.join("; "));
    }
    Ok(())
}
