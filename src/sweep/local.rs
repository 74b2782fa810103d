//! Running a sweep on this machine: a pool of named worker threads takes runs from a shared
//! counter; each run trains headless ([`crate::headless`]) and writes its files into
//! `runs/NNNN/` as `bptt-lab train` would; `results.csv` is rewritten (atomically) after
//! finished runs (at most once a second, see [`RESULTS_WRITE_INTERVAL`]) and at the end, so an
//! interrupted sweep keeps what finished. Run again into the same
//! directory, a sweep resumes: a run whose `summary.json` holds an outcome is not run again,
//! its row is read back from its files.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use super::results::{self, Row};
use super::{Sweep, SweepError, SweepRun, run_name};
use crate::headless;

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
    Failed { run: &'a SweepRun, message: &'a str },
}

/// How a local sweep went.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Every finished run's row, in run order (resumed ones included).
    pub rows: Vec<Row>,
    /// Runs found finished in the output directory and not run again.
    pub resumed: usize,
    /// Runs trained now.
    pub ran: usize,
    /// Runs that failed without a result: (index, message).
    pub failed: Vec<(usize, String)>,
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
    let start = Instant::now();
    sweep.write_layout(out)?;
    let keys = sweep.keys();
    let results_path = out.join("results.csv");
    let run_dir = |run: &SweepRun| out.join("runs").join(run_name(run.index));
    let points = sweep.points();

    let (rows, pending) = finished_runs(sweep, out, &points)?;
    let resumed = rows.len();
    let total = sweep.runs.len();
    results::write_results_csv(
        &results_path,
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
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for j in 0..jobs.min(pending.len()) {
            std::thread::Builder::new()
                .name(format!("sweep-{j}"))
                .spawn_scoped(scope, || {
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&run) = pending.get(i) else {
                            break;
                        };
                        on_event(Event::Started { run });
                        let point = &points[run.index];
                        let dir = run_dir(run);
                        let result = catch_unwind(AssertUnwindSafe(|| train(run, &dir, point)))
                            .unwrap_or_else(|panic| {
                                Err(format!("panicked: {}", panic_text(&*panic)))
                            });
                        record(&state, &stop, run, result, &|rows| {
                            results::write_results_csv(&results_path, &keys, rows)
                        });
                    }
                })
                .expect("spawn a sweep worker thread");
        }
    });
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
    results::write_results_csv(&results_path, &keys, &rows)?;
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
    result: Result<Row, String>,
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
        Err(message) => {
            (st.on_event)(Event::Failed {
                run,
                message: &message,
            });
            st.failed.push((run.index, message));
        }
    }
}

/// The rows of the runs already finished in `out` and the runs still to do.
fn finished_runs<'s>(
    sweep: &'s Sweep,
    out: &Path,
    points: &[results::Point],
) -> Result<(BTreeMap<usize, Row>, Vec<&'s SweepRun>), SweepError> {
    let mut rows = BTreeMap::new();
    let mut pending = Vec::new();
    for run in &sweep.runs {
        let dir = out.join("runs").join(run_name(run.index));
        let point = &points[run.index];
        match results::read_run(&dir, point, &setup_json(run), run.preset.expect.as_ref())? {
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
    failed: Vec<(usize, String)>,
    write_error: Option<SweepError>,
    last_write: Instant,
}

/// The JSON of a run's setup, as `summary.json` records it.
pub(crate) fn setup_json(run: &SweepRun) -> serde_json::Value {
    serde_json::to_value(run.setup()).expect("a setup always serializes")
}

/// Trains one run into `dir` and reads its row back from the files.
fn train(run: &SweepRun, dir: &Path, point: &results::Point) -> Result<Row, String> {
    let report =
        headless::run(&run.config, run.config.steps, &mut |_| {}).map_err(|e| e.to_string())?;
    headless::write_run_files(dir, &run.preset, &run.config, &report)
        .map_err(|e| format!("writing {}: {e}", dir.display()))?;
    results::read_run(dir, point, &setup_json(run), run.preset.expect.as_ref())
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{} has no summary.json after the run", dir.display()))
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}
