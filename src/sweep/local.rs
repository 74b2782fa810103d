//! Running a sweep on this machine: a pool of named worker threads takes runs from a shared
//! counter; each run trains headless ([`crate::headless`]) and writes its files into
//! `runs/NNNN/` as `bptt-lab train` would; `results.csv` is rewritten (atomically) after
//! finished runs (at most once a second, see [`RESULTS_WRITE_INTERVAL`]) and at the end, so an
//! interrupted sweep keeps what finished. Run again into the same
//! directory, a sweep resumes: a run whose `summary.json` holds an outcome is not run again,
//! its row is read back from its files.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::results::{self, Row};
use super::{Sweep, SweepError, SweepRun, run_name};
use crate::headless;
use crate::pool::Panicked;

/// What a local sweep reports while it goes, from its worker threads.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// Before any run starts: how many runs had already finished in the output directory.
    Resumed { finished: usize, total: usize },
    /// A worker started a run.
    Started { run: &'a SweepRun },
    /// A run finished (or diverged, which is a result too); `done` counts every finished
    /// run, resumed ones included.
    Finished {
        run: &'a SweepRun,
        row: &'a Row,
        done: usize,
        total: usize,
    },
    /// A run failed without a result (it could not start, or it panicked); it is retried
    /// when the sweep is run again.
    Failed {
        run: &'a SweepRun,
        failure: &'a RunFailure,
    },
}

/// How a local sweep went.
#[derive(Debug)]
pub struct Outcome {
    /// Every finished run's row, in run order (resumed ones included).
    pub rows: Vec<Row>,
    /// Runs found finished in the output directory and not run again.
    pub resumed: usize,
    /// Runs trained now.
    pub ran: usize,
    /// Runs that failed without a result: (index, why).
    pub failed: Vec<(usize, RunFailure)>,
    /// Wall time of the whole sweep, in seconds.
    pub wall_secs: f64,
    /// Worker threads used.
    pub jobs: usize,
}

/// Runs every run of `sweep` that has not finished in `out` on `jobs` worker threads (at
/// least 1, at most the number of runs left), writing `out/points.csv`, `out/presets/`,
/// `out/runs/NNNN/` and `out/results.csv`.
pub fn run(
    sweep: &Sweep,
    out: &Path,
    jobs: usize,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Outcome, SweepError> {
    sweep.write_layout(out)?;
    run_runs(
        sweep,
        &sweep.runs,
        out,
        &out.join("results.csv"),
        jobs,
        &AtomicBool::new(false),
        on_event,
    )
}

/// Runs those of `runs` (runs of `sweep`, perhaps with other steps: a rung of successive
/// halving) that have not finished in `out`, writing their rows into `results_path`. Once
/// `stop` is set no more runs start (those training finish); it is also set when writing
/// the results fails.
pub(crate) fn run_runs(
    sweep: &Sweep,
    runs: &[SweepRun],
    out: &Path,
    results_path: &Path,
    jobs: usize,
    stop: &AtomicBool,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Outcome, SweepError> {
    let start = Instant::now();
    let keys = sweep.keys();
    let run_dir = |run: &SweepRun| out.join("runs").join(run_name(run.index));
    let points = sweep.points();

    let (rows, pending) = finished_runs(runs, out, &points)?;
    let resumed = rows.len();
    let total = runs.len();
    results::write_results_csv(
        results_path,
        &keys,
        &rows.values().cloned().collect::<Vec<_>>(),
    )?;
    on_event(Event::Resumed {
        finished: resumed,
        total,
    });

    let jobs = jobs.clamp(1, pending.len().max(1));
    let state = Mutex::new(State {
        on_event,
        total,
        rows,
        failed: Vec::new(),
        write_error: None,
        last_write: Instant::now(),
    });
    let train_one = |_: usize, run: &&SweepRun| {
        on_event(Event::Started { run });
        train(run, &run_dir(run), &points[run.index])
    };
    let finished = |i: usize, result: Result<Result<Row, RunFailure>, Panicked>| {
        let result = result.unwrap_or_else(|p| Err(RunFailure::Panicked(p)));
        record(&state, stop, pending[i], result, &|rows| {
            results::write_results_csv(results_path, &keys, rows)
        });
    };
    crate::pool::run("sweep", &pending, jobs, stop, train_one, finished)
        .map_err(SweepError::io(out))?;
    let State {
        on_event: _,
        total: _,
        rows,
        mut failed,
        write_error,
        last_write: _,
    } = state
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(e) = write_error {
        return Err(e);
    }
    failed.sort_by_key(|(i, _)| *i);
    let rows: Vec<Row> = rows.into_values().collect();
    results::write_results_csv(results_path, &keys, &rows)?;
    Ok(Outcome {
        ran: rows.len() - resumed,
        rows,
        resumed,
        failed,
        wall_secs: start.elapsed().as_secs_f64(),
        jobs,
    })
}

/// Records a run's result in `state`, rewrites `results.csv` with `write` (at most every
/// [`RESULTS_WRITE_INTERVAL`]; a failure stops the sweep), and reports the run.
fn record(
    state: &Mutex<State<'_>>,
    stop: &AtomicBool,
    run: &SweepRun,
    result: Result<Row, RunFailure>,
    write: &dyn Fn(&[Row]) -> Result<(), SweepError>,
) {
    let mut st = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match result {
        Ok(row) => {
            st.rows.insert(run.index, row);
            if st.last_write.elapsed() >= RESULTS_WRITE_INTERVAL {
                let all: Vec<Row> = st.rows.values().cloned().collect();
                match write(&all) {
                    Ok(()) => st.last_write = Instant::now(),
                    Err(e) => {
                        st.write_error = Some(e);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
            (st.on_event)(Event::Finished {
                run,
                row: &st.rows[&run.index],
                done: st.rows.len(),
                total: st.total,
            });
        }
        Err(failure) => {
            (st.on_event)(Event::Failed {
                run,
                failure: &failure,
            });
            st.failed.push((run.index, failure));
        }
    }
}

/// The rows of the runs already finished in `out` and the runs still to do.
fn finished_runs<'s>(
    runs: &'s [SweepRun],
    out: &Path,
    points: &[results::Point],
) -> Result<(BTreeMap<usize, Row>, Vec<&'s SweepRun>), SweepError> {
    let mut rows = BTreeMap::new();
    let mut pending = Vec::new();
    for run in runs {
        let dir = out.join("runs").join(run_name(run.index));
        match super::task::finished_row(&dir, &points[run.index], &run.preset)? {
            Some(row) => {
                rows.insert(run.index, row);
            }
            None => pending.push(run),
        }
    }
    Ok((rows, pending))
}

/// `results.csv` is rewritten after a finished run at most this often (and always at the
/// end): rewriting the whole table after each of thousands of short runs would cost more than
/// the runs. What an interrupt loses from it is still in `runs/`, where a rerun or
/// `--collect` reads it back.
pub const RESULTS_WRITE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

struct State<'e> {
    on_event: &'e (dyn Fn(Event<'_>) + Sync),
    total: usize,
    rows: BTreeMap<usize, Row>,
    failed: Vec<(usize, RunFailure)>,
    write_error: Option<SweepError>,
    last_write: Instant,
}

/// Why a run of a sweep has no result; it is retried when the sweep is run again.
#[derive(Debug, thiserror::Error)]
pub enum RunFailure {
    #[error(transparent)]
    Train(#[from] headless::HeadlessError),
    #[error(transparent)]
    Restart(#[from] headless::RestartError),
    #[error(transparent)]
    Read(#[from] SweepError),
    #[error("no summary.json after the run (in {})", .0.display())]
    NoSummary(std::path::PathBuf),
    #[error(transparent)]
    Panicked(#[from] Panicked),
}

/// Trains one run into `dir` (carrying on a run an earlier sweep or rung left there, from
/// its checkpoint) and reads its row back from the files.
fn train(run: &SweepRun, dir: &Path, point: &results::Point) -> Result<Row, RunFailure> {
    super::task::train_run(dir, &run.preset, &run.config, point).map(|(row, _)| row)
}
