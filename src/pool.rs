//! One pool of named worker threads for independent jobs: a sweep's runs, `reproduce`'s
//! presets. Each thread takes the next job from a shared counter until none is left; a job
//! that panics is caught and reported as that job's [`Panicked`] error while the others go
//! on; raising `stop` lets the running jobs finish and starts no more.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A job that panicked, with the panic's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("panicked: {0}")]
pub struct Panicked(pub String);

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

/// Runs `work(i, &jobs[i])` for every job on up to `threads` threads named `<name>-<k>`
/// (at least one, at most one per job), calling `done(i, result)` as each job ends, from the
/// thread that ran it. Returns when every started job has ended. Fails only if no thread at
/// all could be started (then no job ran); if some could, the others' share is taken by them.
pub fn run<J: Sync, R>(
    name: &str,
    jobs: &[J],
    threads: usize,
    stop: &AtomicBool,
    work: impl Fn(usize, &J) -> R + Sync,
    done: impl Fn(usize, Result<R, Panicked>) + Sync,
) -> std::io::Result<()> {
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, jobs.len().max(1));
    let worker = || {
        while !stop.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(i) else {
                break;
            };
            let result = catch_unwind(AssertUnwindSafe(|| work(i, job)))
                .map_err(|payload| Panicked(panic_message(payload.as_ref())));
            done(i, result);
        }
    };
    std::thread::scope(|scope| {
        let mut started = 0;
        let mut first_error = None;
        for k in 0..threads {
            match std::thread::Builder::new()
                .name(format!("{name}-{k}"))
                .spawn_scoped(scope, worker)
            {
                Ok(_) => started += 1,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if started == 0 => Err(e),
            _ => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_job_runs_once_and_a_panic_is_that_jobs_error() {
        let jobs: Vec<u32> = (0..20).collect();
        let results = Mutex::new(vec![None; jobs.len()]);
        run(
            "test-pool",
            &jobs,
            3,
            &AtomicBool::new(false),
            |_, &j| {
                assert!(j != 7, "job seven fails");
                j * 2
            },
            |i, r| results.lock().unwrap()[i] = Some(r),
        )
        .unwrap();
        let results = results.into_inner().unwrap();
        for (i, r) in results.iter().enumerate() {
            match r.as_ref().expect("every job ended") {
                Ok(v) => assert_eq!(*v, 2 * i as u32),
                Err(Panicked(msg)) => {
                    assert_eq!(i, 7);
                    assert!(msg.contains("job seven fails"), "{msg}");
                }
            }
        }
    }

    #[test]
    fn stop_starts_no_more_jobs() {
        let jobs: Vec<u32> = (0..100).collect();
        let stop = AtomicBool::new(false);
        let ran = AtomicUsize::new(0);
        run(
            "test-stop",
            &jobs,
            1,
            &stop,
            |i, _| {
                ran.fetch_add(1, Ordering::Relaxed);
                if i == 4 {
                    stop.store(true, Ordering::Relaxed);
                }
            },
            |_, _| {},
        )
        .unwrap();
        assert_eq!(ran.load(Ordering::Relaxed), 5);
    }
}
