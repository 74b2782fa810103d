//! The worker's protocol, driven with scripted runs: start, pause, step, resume, stop, drop;
//! a diverging run, a panicking run; a slow receiver never blocks the trainer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bptt_lab::nn::{Params, StepError};
use bptt_lab::train::Trainable;
use bptt_lab::train::{
    Command, Diagnostics, DiagnosticsClock, Event, Pace, RunError, RunOutcome, StepMetrics, Worker,
};

#[derive(Default)]
struct Shared {
    steps: AtomicU64,
    dropped: AtomicBool,
    lr_bits: AtomicU64,
}

enum Failure {
    None,
    Diverge(u64),
    Panic(u64),
}

struct Scripted {
    total: u64,
    step: u64,
    failure: Failure,
    delay: Duration,
    shared: Arc<Shared>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.shared.dropped.store(true, Ordering::SeqCst);
    }
}

impl Trainable for Scripted {
    fn step(&mut self) -> Result<StepMetrics, RunError> {
        let next = self.step + 1;
        match self.failure {
            Failure::Diverge(at) if at == next => {
                return Err(RunError::Diverged {
                    step: next,
                    source: StepError::NonFinite {
                        quantity: "loss",
                        value: f64::NAN,
                        segment_end: 10,
                    },
                });
            }
            Failure::Panic(at) if at == next => panic!("boom at step {next}"),
            _ => {}
        }
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        self.step = next;
        self.shared.steps.store(next, Ordering::SeqCst);
        Ok(StepMetrics {
            step: next,
            loss: 1.0 / next as f64,
            lr: f64::from_bits(self.shared.lr_bits.load(Ordering::SeqCst)),
            ..StepMetrics::default()
        })
    }
    fn diagnostics(&mut self) -> Diagnostics {
        Diagnostics {
            step: self.step,
            ..Diagnostics::default()
        }
    }
    fn is_done(&self) -> bool {
        self.step >= self.total
    }
    fn set_lr(&mut self, lr: f64) {
        self.shared.lr_bits.store(lr.to_bits(), Ordering::SeqCst);
    }
    fn weights(&self) -> Params<f64> {
        let mut p = empty_params();
        p.readout_bias = ndarray::Array1::from_elem(1, self.step as f64);
        p
    }
    fn outcome(&mut self, stopped: bool, elapsed_secs: f64) -> RunOutcome {
        RunOutcome {
            steps: self.step,
            stopped,
            eval_loss: 0.0,
            eval_metric: 0.0,
            params: empty_params(),
            elapsed_secs,
        }
    }
}

fn empty_params() -> Params<f64> {
    Params {
        weight_ih: ndarray::Array2::zeros((0, 0)),
        weight_hh: ndarray::Array2::zeros((0, 0)),
        bias_ih: ndarray::Array1::zeros(0),
        bias_hh: ndarray::Array1::zeros(0),
        readout_weight: ndarray::Array2::zeros((0, 0)),
        readout_bias: ndarray::Array1::zeros(0),
    }
}

fn spawn(
    total: u64,
    failure: Failure,
    delay: Duration,
    every: u64,
) -> (Worker, Arc<Shared>, Arc<AtomicUsize>) {
    let shared = Arc::new(Shared::default());
    let wakes = Arc::new(AtomicUsize::new(0));
    let s2 = Arc::clone(&shared);
    let w2 = Arc::clone(&wakes);
    let worker = Worker::spawn(
        "test-run",
        move || {
            Ok(Box::new(Scripted {
                total,
                step: 0,
                failure,
                delay,
                shared: s2,
            }) as Box<dyn Trainable>)
        },
        DiagnosticsClock::new(every, total),
        Box::new(move || {
            w2.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .expect("spawn");
    (worker, shared, wakes)
}

/// Collects events until `Finished` or the timeout.
fn drain_until_finished(w: &Worker, timeout: Duration) -> Vec<Event> {
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        match w.events().recv_timeout(Duration::from_millis(50)) {
            Ok(ev) => {
                let done = matches!(ev, Event::Finished(_));
                out.push(ev);
                if done {
                    return out;
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!(
        "no Finished event within {timeout:?}; got {} events",
        out.len()
    );
}

fn step_numbers(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Progress(v) => Some(v.iter().map(|m| m.step).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_started_run_reports_every_step_once_in_order_then_finishes() {
    let (w, _, wakes) = spawn(300, Failure::None, Duration::ZERO, 50);
    assert!(w.send(Command::Start));
    let events = drain_until_finished(&w, Duration::from_secs(20));
    assert_eq!(step_numbers(&events), (1..=300).collect::<Vec<_>>());
    let profiles: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::Profile(p) => Some(p.step),
            _ => None,
        })
        .collect();
    assert_eq!(
        profiles,
        vec![50, 100, 150, 200, 250, 300],
        "diagnostics every 50 steps"
    );
    match events.last() {
        Some(Event::Finished(Ok(o))) => {
            assert_eq!(o.steps, 300);
            assert!(!o.stopped, "ran to the end");
        }
        other => panic!("last event should be Finished(Ok), got {other:?}"),
    }
    assert!(wakes.load(Ordering::SeqCst) >= 2, "wake closure called");
}

#[test]
fn a_new_worker_waits_for_start() {
    let (w, shared, _) = spawn(100, Failure::None, Duration::ZERO, 0);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        shared.steps.load(Ordering::SeqCst),
        0,
        "no step before Start"
    );
    assert!(w.events().try_recv().is_err(), "no event before Start");
}

#[test]
fn step_n_runs_exactly_n_steps_then_pauses_and_resume_continues() {
    let (w, shared, _) = spawn(50, Failure::None, Duration::ZERO, 0);
    w.send(Command::Step(5));
    let mut events = Vec::new();
    loop {
        let ev = w
            .events()
            .recv_timeout(Duration::from_secs(10))
            .expect("event");
        let paused = matches!(ev, Event::Paused(_));
        events.push(ev);
        if paused {
            break;
        }
    }
    assert!(
        matches!(events.last(), Some(Event::Paused(5))),
        "{events:?}"
    );
    assert_eq!(step_numbers(&events), vec![1, 2, 3, 4, 5]);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(shared.steps.load(Ordering::SeqCst), 5, "stays paused");
    w.send(Command::Step(3));
    let ev = loop {
        let ev = w
            .events()
            .recv_timeout(Duration::from_secs(10))
            .expect("event");
        if matches!(ev, Event::Paused(_)) {
            break ev;
        }
    };
    assert!(matches!(ev, Event::Paused(8)), "{ev:?}");
    w.send(Command::Resume);
    let rest = drain_until_finished(&w, Duration::from_secs(10));
    assert_eq!(step_numbers(&rest), (9..=50).collect::<Vec<_>>());
}

#[test]
fn pause_stops_stepping_until_resume() {
    let (w, shared, _) = spawn(1_000_000, Failure::None, Duration::from_micros(200), 0);
    w.send(Command::Start);
    wait_for("some steps", Duration::from_secs(10), || {
        shared.steps.load(Ordering::SeqCst) > 10
    });
    w.send(Command::Pause);
    let paused_at = loop {
        if let Event::Paused(n) = w
            .events()
            .recv_timeout(Duration::from_secs(10))
            .expect("event")
        {
            break n;
        }
    };
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        shared.steps.load(Ordering::SeqCst),
        paused_at,
        "no step while paused"
    );
    w.send(Command::Resume);
    wait_for("steps after resume", Duration::from_secs(10), || {
        shared.steps.load(Ordering::SeqCst) > paused_at + 5
    });
}

#[test]
fn stop_finishes_early_with_the_steps_done() {
    let (w, shared, _) = spawn(1_000_000, Failure::None, Duration::from_micros(100), 0);
    w.send(Command::Start);
    wait_for("some steps", Duration::from_secs(10), || {
        shared.steps.load(Ordering::SeqCst) > 20
    });
    w.send(Command::Stop);
    let events = drain_until_finished(&w, Duration::from_secs(10));
    let steps = step_numbers(&events);
    match events.last() {
        Some(Event::Finished(Ok(o))) => {
            assert!(o.stopped, "stopped early");
            assert_eq!(
                Some(&o.steps),
                steps.last(),
                "outcome counts the reported steps"
            );
        }
        other => panic!("expected Finished(Ok), got {other:?}"),
    }
}

#[test]
fn a_diverging_run_ends_with_an_error_naming_the_step() {
    let (w, _, _) = spawn(100, Failure::Diverge(7), Duration::ZERO, 0);
    w.send(Command::Start);
    let events = drain_until_finished(&w, Duration::from_secs(10));
    assert_eq!(step_numbers(&events), (1..=6).collect::<Vec<_>>());
    match events.last() {
        Some(Event::Finished(Err(e @ RunError::Diverged { step: 7, .. }))) => {
            let msg = e.to_string();
            assert!(msg.contains("step 7") && msg.contains("loss"), "{msg}");
        }
        other => panic!("expected Diverged at step 7, got {other:?}"),
    }
}

#[test]
fn a_panicking_run_becomes_that_runs_error_and_others_go_on() {
    let (bad, _, _) = spawn(100, Failure::Panic(3), Duration::ZERO, 0);
    let (good, _, _) = spawn(200, Failure::None, Duration::ZERO, 0);
    bad.send(Command::Start);
    good.send(Command::Start);
    let bad_events = drain_until_finished(&bad, Duration::from_secs(10));
    match bad_events.last() {
        Some(Event::Finished(Err(RunError::Panicked(msg)))) => {
            assert!(msg.contains("boom at step 3"), "{msg}");
        }
        other => panic!("expected Panicked, got {other:?}"),
    }
    let good_events = drain_until_finished(&good, Duration::from_secs(10));
    assert_eq!(
        step_numbers(&good_events).len(),
        200,
        "the other run finished"
    );
}

#[test]
fn a_slow_receiver_never_blocks_the_trainer() {
    let total = 5_000;
    // 50 µs a step: the run lasts ~20 flush periods, all with nobody reading.
    let (w, shared, _) = spawn(total, Failure::None, Duration::from_micros(50), 100);
    w.send(Command::Start);
    wait_for(
        "all steps without a reader",
        Duration::from_secs(30),
        || shared.steps.load(Ordering::SeqCst) == total,
    );
    let events = drain_until_finished(&w, Duration::from_secs(10));
    assert_eq!(
        step_numbers(&events),
        (1..=total).collect::<Vec<_>>(),
        "nothing lost"
    );
    let progress_events = events
        .iter()
        .filter(|e| matches!(e, Event::Progress(_)))
        .count();
    assert!(
        progress_events < 100,
        "progress was coalesced: {progress_events} progress events for {total} steps"
    );
}

#[test]
fn set_learning_rate_reaches_the_run() {
    let (w, _, _) = spawn(1_000_000, Failure::None, Duration::from_micros(100), 0);
    w.send(Command::SetLearningRate(0.125));
    w.send(Command::Start);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no step reported lr 0.125");
        if let Ok(Event::Progress(v)) = w.events().recv_timeout(Duration::from_millis(100))
            && v.iter().any(|m| (m.lr - 0.125).abs() < 1e-15)
        {
            break;
        }
    }
}

#[test]
fn dropping_the_handle_stops_and_joins_the_thread() {
    let (w, shared, _) = spawn(u64::MAX, Failure::None, Duration::from_micros(100), 0);
    w.send(Command::Start);
    wait_for("some steps", Duration::from_secs(10), || {
        shared.steps.load(Ordering::SeqCst) > 5
    });
    drop(w); // joins
    assert!(
        shared.dropped.load(Ordering::SeqCst),
        "the run was dropped with its thread"
    );
}

#[test]
fn send_weights_answers_with_the_weights_of_the_steps_done() {
    let (w, _, _) = spawn(100, Failure::None, Duration::ZERO, 0);
    w.send(Command::Step(7));
    loop {
        let ev = w
            .events()
            .recv_timeout(Duration::from_secs(10))
            .expect("event");
        if matches!(ev, Event::Paused(7)) {
            break;
        }
    }
    w.send(Command::SendWeights);
    let ev = w
        .events()
        .recv_timeout(Duration::from_secs(10))
        .expect("event");
    match ev {
        Event::Weights(step, p) => {
            assert_eq!(step, 7);
            assert!(
                (p.readout_bias[0] - 7.0).abs() < f64::EPSILON,
                "weights of step 7"
            );
        }
        other => panic!("expected Weights, got {other:?}"),
    }
}

fn profile_steps(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Profile(p) => Some(p.step),
            _ => None,
        })
        .collect()
}

/// Events until `Paused` (returned last) or the timeout.
fn until_paused(w: &Worker, timeout: Duration) -> Vec<Event> {
    let mut events = Vec::new();
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ev = w.events().recv_timeout(left).expect("Paused in time");
        let paused = matches!(ev, Event::Paused(_));
        events.push(ev);
        if paused {
            return events;
        }
    }
}

#[test]
fn a_diverging_run_keeps_the_profile_of_its_last_finite_step() {
    // Automatic diagnostics over 1000 planned steps come every 10 steps: by the clock alone
    // the run diverging at step 7 would have only step 1's.
    let (w, _, _) = spawn(1000, Failure::Diverge(7), Duration::ZERO, 0);
    w.send(Command::Start);
    let events = drain_until_finished(&w, Duration::from_secs(10));
    assert_eq!(profile_steps(&events), vec![1, 6], "{events:?}");
    assert!(matches!(
        events.last(),
        Some(Event::Finished(Err(RunError::Diverged { step: 7, .. })))
    ));
}

#[test]
fn a_fast_run_gets_diagnostics_every_hundredth_of_its_steps() {
    // 1000 steps of about 1 ms with instant diagnostics: within their budget, so the step
    // count decides: every ⌈1000 / 100⌉ = 10 steps, and the last step.
    let (w, _, _) = spawn(1000, Failure::None, Duration::from_millis(1), 0);
    w.send(Command::Start);
    let events = drain_until_finished(&w, Duration::from_mins(1));
    let profiles = profile_steps(&events);
    assert!(
        profiles.len() >= 101,
        "{} profiles: {profiles:?}",
        profiles.len()
    );
    assert_eq!(profiles[..3], [1, 11, 21], "{profiles:?}");
    assert_eq!(profiles.last(), Some(&1000));
}

#[test]
fn a_speed_cap_slows_the_run_and_commands_answer_at_once() {
    let (w, shared, _) = spawn(1_000_000, Failure::None, Duration::ZERO, 0);
    let pace = Pace {
        max_steps_per_sec: Some(20.0),
        stop_at: None,
    };
    w.send(Command::SetPace(pace));
    w.send(Command::Start);
    std::thread::sleep(Duration::from_millis(500));
    let steps = shared.steps.load(Ordering::SeqCst);
    // 20 steps a second: about 10 in half a second (an uncapped run does thousands).
    assert!((2..=20).contains(&steps), "{steps} steps in 0.5 s at 20/s");
    // Half a step a second: the next step is 2 s away, and Pause is taken at once.
    w.send(Command::SetPace(Pace {
        max_steps_per_sec: Some(0.5),
        stop_at: None,
    }));
    std::thread::sleep(Duration::from_millis(100));
    let asked = Instant::now();
    w.send(Command::Pause);
    let events = until_paused(&w, Duration::from_secs(10));
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "Pause took {:?} under a cap of one step per 2 s",
        asked.elapsed()
    );
    let Some(Event::Paused(at)) = events.last() else {
        unreachable!()
    };
    assert!(
        profile_steps(&events).contains(at),
        "a profile at the pause"
    );
    // Full speed again: the rest goes at once.
    w.send(Command::SetPace(Pace::default()));
    w.send(Command::Resume);
    wait_for("full speed", Duration::from_secs(10), || {
        shared.steps.load(Ordering::SeqCst) > at + 1000
    });
}

#[test]
fn stop_at_pauses_exactly_at_that_step_and_resume_goes_past_it() {
    let (w, shared, _) = spawn(100, Failure::None, Duration::ZERO, 0);
    w.send(Command::SetPace(Pace {
        max_steps_per_sec: None,
        stop_at: Some(37),
    }));
    w.send(Command::Start);
    let events = until_paused(&w, Duration::from_secs(10));
    assert!(
        matches!(events.last(), Some(Event::Paused(37))),
        "{events:?}"
    );
    assert_eq!(step_numbers(&events), (1..=37).collect::<Vec<_>>());
    assert_eq!(
        profile_steps(&events).last(),
        Some(&37),
        "the profile at 37"
    );
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(shared.steps.load(Ordering::SeqCst), 37, "stays paused");
    w.send(Command::Resume);
    let rest = drain_until_finished(&w, Duration::from_secs(10));
    assert_eq!(step_numbers(&rest), (38..=100).collect::<Vec<_>>());
}
