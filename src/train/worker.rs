//! One named thread per run, driven by [`Command`]s and streaming [`Event`]s over bounded
//! channels.
//!
//! - Progress is sent with `try_send` and coalesced while the receiver is behind: the trainer
//!   never waits for the UI (up to [`PENDING_STEPS_MAX`] unsent steps; past that it waits, so
//!   memory stays bounded). The final [`Event::Finished`] is sent with a blocking `send`.
//! - A dropped [`Worker`] handle stops the thread and joins it. A dropped event receiver
//!   means the UI is gone: the worker stops.
//! - A panic inside the run is caught and becomes that run's [`RunError::Panicked`].
//! - The worker wakes its reader through a plain closure, never through a GUI handle.
//! - A [`Pace`] caps the steps per second and pauses at a given step: the worker waits for
//!   the next step on the command channel (with a timeout), so a command is taken at once
//!   however slow the run goes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError, bounded};

use super::metrics::{Diagnostics, DiagnosticsClock, StepMetrics};
use super::trainer::{AnyTrainState, AnyTrainer, RunError};
use crate::nn::Params;

/// What the owner of a run can ask of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Command {
    /// Start training (a new worker waits for this).
    Start,
    /// Stop stepping until `Resume`, `Start` or `Step`.
    Pause,
    /// Continue after a pause.
    Resume,
    /// Run this many steps, then pause.
    Step(u64),
    /// End the run now; it finishes with the steps done so far.
    Stop,
    /// Use this learning rate from the next update on.
    SetLearningRate(f64),
    /// Send the current weights ([`Event::Weights`]), for export or text sampling.
    SendWeights,
    /// Train at this pace from now on (a setting of the session, not of the run's setup).
    SetPace(Pace),
}

/// How fast a run goes and where it pauses by itself: what the window's speed control sets.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pace {
    /// At most this many training steps per second of wall time; `None` = as fast as it
    /// trains. Values that are not positive and finite count as `None`.
    pub max_steps_per_sec: Option<f64>,
    /// Pause when this step is done (as `Step(n)` does; Resume goes on past it); `None` =
    /// never.
    pub stop_at: Option<u64>,
}

impl Pace {
    /// The least time from one step's start to the next one's, if capped.
    pub fn step_interval(&self) -> Option<Duration> {
        self.max_steps_per_sec
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r))
    }
}

/// What a run reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// Metrics of one or more consecutive steps, oldest first.
    Progress(Vec<StepMetrics>),
    /// Diagnostics taken after a step.
    Profile(Box<Diagnostics>),
    /// The run paused (after `Pause` or a `Step(n)` budget), having done this many steps.
    Paused(u64),
    /// The current weights in f64, after [`Command::SendWeights`], with the steps done.
    Weights(u64, Box<Params<f64>>),
    /// The run's record could not be written (the message says why); it trains on without.
    RecordFailed(String),
    /// The run ended: finished its steps, was stopped, or failed. Always the last event.
    Finished(Result<Box<RunOutcome>, RunError>),
}

/// How a run that did not fail ended.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub steps: u64,
    /// Whether `Stop` ended it before its configured steps.
    pub stopped: bool,
    /// Loss and task metric on the held-out set at the end.
    pub eval_loss: f64,
    pub eval_metric: f64,
    /// Final weights in f64.
    pub params: Params<f64>,
    /// Training wall time, pauses excluded.
    pub elapsed_secs: f64,
}

/// A run the worker can drive: the real [`AnyTrainer`], or a scripted stand-in in tests.
pub trait Trainable: Send {
    fn step(&mut self) -> Result<StepMetrics, RunError>;
    fn diagnostics(&mut self) -> Diagnostics;
    fn is_done(&self) -> bool;
    fn set_lr(&mut self, lr: f64);
    /// The current weights in f64.
    fn weights(&self) -> Params<f64>;
    /// Steps done and the held-out evaluation and weights at the end.
    fn outcome(&mut self, stopped: bool, elapsed_secs: f64) -> RunOutcome;
    /// Steps done so far (a run carried on from a checkpoint starts at its step).
    fn steps_done(&self) -> u64 {
        0
    }
    /// The state to carry the run on from, for its checkpoint; `None` where it has none.
    fn state(&self) -> Option<AnyTrainState> {
        None
    }
    /// The run waited `waited` for a speed cap: time its diagnostics' budgets may count as
    /// training time (a run in slow motion can afford every diagnostic).
    fn idle(&mut self, waited: Duration) {
        let _ = waited;
    }
}

impl Trainable for AnyTrainer {
    fn step(&mut self) -> Result<StepMetrics, RunError> {
        AnyTrainer::step(self)
    }
    fn diagnostics(&mut self) -> Diagnostics {
        AnyTrainer::diagnostics(self)
    }
    fn is_done(&self) -> bool {
        AnyTrainer::is_done(self)
    }
    fn set_lr(&mut self, lr: f64) {
        AnyTrainer::set_lr(self, lr);
    }
    fn weights(&self) -> Params<f64> {
        self.params_f64()
    }
    fn steps_done(&self) -> u64 {
        AnyTrainer::steps_done(self)
    }
    fn state(&self) -> Option<AnyTrainState> {
        Some(AnyTrainer::state(self))
    }
    fn idle(&mut self, waited: Duration) {
        AnyTrainer::idle(self, waited);
    }
    fn outcome(&mut self, stopped: bool, elapsed_secs: f64) -> RunOutcome {
        let (eval_loss, eval_metric) = self.evaluate();
        RunOutcome {
            steps: self.steps_done(),
            stopped,
            eval_loss,
            eval_metric,
            params: self.params_f64(),
            elapsed_secs,
        }
    }
}

/// Capacity of the event channel.
pub const EVENT_CAPACITY: usize = 64;
/// Capacity of the command channel.
pub const COMMAND_CAPACITY: usize = 64;
/// Unsent step metrics kept while the receiver is behind; past this the worker waits.
pub const PENDING_STEPS_MAX: usize = 100_000;
/// Unsent diagnostics kept while the receiver is behind; past this the worker waits.
pub const PENDING_PROFILES_MAX: usize = 256;
/// How often pending progress is offered to the receiver while running.
const FLUSH_PERIOD: Duration = Duration::from_millis(15);

/// The handle of a run's thread. Dropping it stops the run and joins the thread.
pub struct Worker {
    commands: Sender<Command>,
    events: Option<Receiver<Event>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").finish_non_exhaustive()
    }
}

impl Worker {
    /// Starts a thread named `name` that builds its run with `make` (on the worker thread,
    /// so that a slow initialization never blocks the caller) and waits for
    /// [`Command::Start`] (or `Step`). `clock` says when to take diagnostics. `wake` is
    /// called after every event sent.
    pub fn spawn(
        name: &str,
        make: impl FnOnce() -> Result<Box<dyn Trainable>, RunError> + Send + 'static,
        clock: DiagnosticsClock,
        wake: Box<dyn Fn() + Send>,
    ) -> std::io::Result<Self> {
        Self::spawn_recorded(name, make, None, clock, wake)
    }

    /// [`Worker::spawn`] with a record that `make_record` makes on the worker thread: the run
    /// is recorded as it trains, and its record finished however it ends (also when the
    /// handle is dropped, as a stop).
    pub fn spawn_recorded(
        name: &str,
        make: impl FnOnce() -> Result<Box<dyn Trainable>, RunError> + Send + 'static,
        make_record: Option<MakeRecord>,
        clock: DiagnosticsClock,
        wake: Box<dyn Fn() + Send>,
    ) -> std::io::Result<Self> {
        let (cmd_tx, cmd_rx) = bounded(COMMAND_CAPACITY);
        let (ev_tx, ev_rx) = bounded(EVENT_CAPACITY);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let mut out = Outbox {
                    tx: ev_tx,
                    wake,
                    steps: Vec::new(),
                    profiles: Vec::new(),
                    last_flush: Instant::now(),
                };
                let result = catch_unwind(AssertUnwindSafe(|| {
                    run_loop(make, make_record, clock, &cmd_rx, &mut out)
                }));
                let finished = match result {
                    Ok(Some(r)) => r,
                    Ok(None) => return, // the receiver is gone
                    Err(payload) => Err(RunError::Panicked(crate::pool::panic_message(
                        payload.as_ref(),
                    ))),
                };
                if out.flush_blocking().is_ok() {
                    out.send_blocking(Event::Finished(finished));
                }
            })?;
        Ok(Self {
            commands: cmd_tx,
            events: Some(ev_rx),
            thread: Some(thread),
        })
    }

    /// Spawns a worker for a real training run.
    pub fn spawn_trainer(
        name: &str,
        config: &super::TrainConfig,
        wake: Box<dyn Fn() + Send>,
    ) -> std::io::Result<Self> {
        let config = config.clone();
        let clock = DiagnosticsClock::new(config.eval.every, config.steps);
        Self::spawn(
            name,
            move || Ok(Box::new(AnyTrainer::new(&config)?) as Box<dyn Trainable>),
            clock,
            wake,
        )
    }

    /// Sends a command; `false` if the run has already ended.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command).is_ok()
    }

    /// The events of this run.
    pub fn events(&self) -> &Receiver<Event> {
        self.events.as_ref().expect("present until drop")
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.commands.try_send(Command::Stop);
        // Dropping the receiver unblocks a worker waiting to send.
        drop(self.events.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Pending events and the channel they go to.
struct Outbox {
    tx: Sender<Event>,
    wake: Box<dyn Fn() + Send>,
    steps: Vec<StepMetrics>,
    profiles: Vec<Diagnostics>,
    last_flush: Instant,
}

/// The receiver is gone.
struct Gone;

impl Outbox {
    fn send_blocking(&self, ev: Event) -> bool {
        let ok = self.tx.send(ev).is_ok();
        if ok {
            (self.wake)();
        }
        ok
    }

    /// Offers pending events without waiting; keeps what does not fit. Waits only when more
    /// than the pending limits are queued.
    fn flush(&mut self) -> Result<(), Gone> {
        self.last_flush = Instant::now();
        if self.steps.len() > PENDING_STEPS_MAX || self.profiles.len() > PENDING_PROFILES_MAX {
            return self.flush_blocking();
        }
        let mut sent = false;
        if !self.steps.is_empty() {
            match self
                .tx
                .try_send(Event::Progress(std::mem::take(&mut self.steps)))
            {
                Ok(()) => sent = true,
                Err(TrySendError::Full(Event::Progress(back))) => self.steps = back,
                Err(TrySendError::Full(_)) => unreachable!("we sent progress"),
                Err(TrySendError::Disconnected(_)) => return Err(Gone),
            }
        }
        // Profiles go after the steps they follow.
        while self.steps.is_empty() && !self.profiles.is_empty() {
            let p = self.profiles.remove(0);
            match self.tx.try_send(Event::Profile(Box::new(p))) {
                Ok(()) => sent = true,
                Err(TrySendError::Full(Event::Profile(back))) => {
                    self.profiles.insert(0, *back);
                    break;
                }
                Err(TrySendError::Full(_)) => unreachable!("we sent a profile"),
                Err(TrySendError::Disconnected(_)) => return Err(Gone),
            }
        }
        if sent {
            (self.wake)();
        }
        Ok(())
    }

    fn flush_blocking(&mut self) -> Result<(), Gone> {
        if !self.steps.is_empty() {
            let steps = std::mem::take(&mut self.steps);
            if !self.send_blocking(Event::Progress(steps)) {
                return Err(Gone);
            }
        }
        for p in std::mem::take(&mut self.profiles) {
            if !self.send_blocking(Event::Profile(Box::new(p))) {
                return Err(Gone);
            }
        }
        Ok(())
    }
}

/// Where a run's record goes while it trains (the run folder, in the app): told every step
/// and diagnostics, asked to save now and then and at a pause, and told the end. Errors are
/// messages: the worker reports the first ([`Event::RecordFailed`]) and trains on without a
/// record.
pub trait Record: Send {
    fn step(&mut self, m: &StepMetrics);
    fn diagnostics(&mut self, d: &Diagnostics);
    /// Called after every step: writes about once a second, checkpoints now and then.
    fn tick(
        &mut self,
        steps: u64,
        state: &mut dyn FnMut() -> Option<AnyTrainState>,
    ) -> Result<(), String>;
    /// Saves a checkpoint now (the run paused).
    fn pause(&mut self, steps: u64, state: Option<AnyTrainState>) -> Result<(), String>;
    /// Ends the record.
    fn finish(&mut self, end: &RecordEnd<'_>) -> Result<(), String>;
}

/// How a recorded run ended.
pub struct RecordEnd<'a> {
    pub steps: u64,
    pub last_step: Option<&'a StepMetrics>,
    pub last_diagnostics: Option<&'a Diagnostics>,
    pub eval_loss: f64,
    pub eval_metric: f64,
    pub stopped: bool,
    pub diverged: Option<String>,
    pub steps_per_sec: f64,
    pub params: &'a Params<f64>,
    pub state: Option<AnyTrainState>,
}

/// Makes a run's record, on the worker thread.
pub type MakeRecord = Box<dyn FnOnce() -> Result<Box<dyn Record>, String> + Send>;

/// The record of a worker, dropped at its first error (which is reported).
struct Recording(Option<Box<dyn Record>>);

impl Recording {
    fn fail(&mut self, out: &Outbox, e: &str) {
        self.0 = None;
        out.send_blocking(Event::RecordFailed(e.to_owned()));
    }

    /// The run paused after `done` steps: checkpoints it, sends what is pending and
    /// [`Event::Paused`]; `false` when the receiver is gone.
    fn pause(&mut self, out: &mut Outbox, done: u64, run: &dyn Trainable) -> bool {
        if let Some(r) = self.0.as_mut()
            && let Err(e) = r.pause(done, run.state())
        {
            self.fail(out, &e);
        }
        if out.flush_blocking().is_err() {
            return false;
        }
        out.send_blocking(Event::Paused(done));
        true
    }
}

/// Takes the run's diagnostics now: recorded, queued for the receiver, kept as the last ones.
/// Returns the time they took.
fn take_diagnostics(
    run: &mut dyn Trainable,
    record: &mut Recording,
    out: &mut Outbox,
    last: &mut Option<Diagnostics>,
) -> Duration {
    let t = Instant::now();
    let d = run.diagnostics();
    let took = t.elapsed();
    if let Some(r) = record.0.as_mut() {
        r.diagnostics(&d);
    }
    *last = Some(d.clone());
    out.profiles.push(d);
    took
}

/// Runs until finished, stopped or failed; `None` when the receiver went away (the run is
/// still ended and its record finished, as a stop).
#[expect(
    clippy::too_many_lines,
    reason = "the worker's loop of commands, steps and its record, read top to bottom"
)]
fn run_loop(
    make: impl FnOnce() -> Result<Box<dyn Trainable>, RunError>,
    make_record: Option<MakeRecord>,
    mut clock: DiagnosticsClock,
    commands: &Receiver<Command>,
    out: &mut Outbox,
) -> Option<Result<Box<RunOutcome>, RunError>> {
    let mut run = match make() {
        Ok(r) => r,
        Err(e) => return Some(Err(e)),
    };
    let mut record = Recording(None);
    if let Some(make_record) = make_record {
        match make_record() {
            Ok(r) => record.0 = Some(r),
            Err(e) => record.fail(out, &e),
        }
    }
    // `None` = paused; `Some(n)` = n more steps (u64::MAX = until done).
    let mut budget: Option<u64> = None;
    let mut pace = Pace::default();
    // When the next step may start, while a speed cap holds the run back.
    let mut next_step_at: Option<Instant> = None;
    let mut stopped = false;
    let mut gone = false;
    let mut error = None;
    let mut train_time = Duration::ZERO;
    let first = run.steps_done();
    let mut done: u64 = first;
    let mut profiled: u64 = first;
    let mut last_step: Option<StepMetrics> = None;
    let mut last_diagnostics: Option<Diagnostics> = None;
    'run: loop {
        // Commands: wait for one while paused; while a speed cap holds the next step back,
        // wait for one until the step is due (what is pending is sent first, so that a slow
        // run shows every step as it is done); otherwise take what is there.
        let received = if budget.is_none() {
            if out.flush_blocking().is_err() {
                gone = true;
                break;
            }
            commands.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            let wait = next_step_at.map_or(Duration::ZERO, |t| {
                t.saturating_duration_since(Instant::now())
            });
            if wait.is_zero() {
                commands.try_recv().map_err(|e| {
                    if e.is_empty() {
                        RecvTimeoutError::Timeout
                    } else {
                        RecvTimeoutError::Disconnected
                    }
                })
            } else {
                if out.flush().is_err() {
                    gone = true;
                    break;
                }
                let from = Instant::now();
                let received = commands.recv_timeout(wait);
                // Waiting for the cap is running time: the diagnostics' budgets count it.
                let waited = from.elapsed();
                clock.ran(waited);
                run.idle(waited);
                received
            }
        };
        let next = match received {
            Ok(c) => Some(c),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                gone = true; // the handle is gone
                break;
            }
        };
        if let Some(cmd) = next {
            match cmd {
                Command::Start | Command::Resume => budget = Some(u64::MAX),
                Command::Pause => {
                    if budget.is_some() {
                        budget = None;
                        // The profile plot shows the step it paused at.
                        if done > profiled {
                            take_diagnostics(run.as_mut(), &mut record, out, &mut last_diagnostics);
                            profiled = done;
                        }
                        if !record.pause(out, done, run.as_ref()) {
                            gone = true;
                            break;
                        }
                    }
                }
                Command::Step(n) => budget = Some(n),
                Command::Stop => {
                    stopped = true;
                    break;
                }
                Command::SetLearningRate(lr) => run.set_lr(lr),
                Command::SendWeights => {
                    if out.flush_blocking().is_err()
                        || !out.send_blocking(Event::Weights(done, Box::new(run.weights())))
                    {
                        gone = true;
                        break;
                    }
                }
                Command::SetPace(p) => {
                    pace = p;
                    if pace.step_interval().is_none() {
                        next_step_at = None;
                    }
                }
            }
            continue;
        }
        if run.is_done() {
            break;
        }
        let t0 = Instant::now();
        next_step_at = pace.step_interval().map(|interval| t0 + interval);
        let metrics = match run.step() {
            Ok(m) => m,
            Err(e) => {
                error = Some(e);
                break 'run;
            }
        };
        done = metrics.step;
        if let Some(r) = record.0.as_mut() {
            r.step(&metrics);
        }
        last_step = Some(metrics.clone());
        out.steps.push(metrics);
        clock.ran(t0.elapsed());
        let stop_here = pace.stop_at == Some(done);
        let budget_spent = match budget.as_mut() {
            Some(n) if *n != u64::MAX => {
                *n -= 1;
                *n == 0
            }
            _ => false,
        };
        let pausing = (stop_here || budget_spent) && !run.is_done();
        if clock.due(done) || run.is_done() || pausing {
            let took = take_diagnostics(run.as_mut(), &mut record, out, &mut last_diagnostics);
            clock.took(took);
            profiled = done;
        }
        train_time += t0.elapsed();
        if let Some(r) = record.0.as_mut()
            && let Err(e) = r.tick(done, &mut || run.state())
        {
            record.fail(out, &e);
        }
        if out.last_flush.elapsed() >= FLUSH_PERIOD && out.flush().is_err() {
            gone = true;
            break;
        }
        if pausing {
            budget = None;
            if !record.pause(out, done, run.as_ref()) {
                gone = true;
                break;
            }
        }
    }
    // The diagnostics of the last step, also when the next one diverged: the last finite
    // profile is the one that shows the explosion coming.
    if done > profiled && error.as_ref().is_none_or(RunError::is_divergence) {
        take_diagnostics(run.as_mut(), &mut record, out, &mut last_diagnostics);
    }
    let ended_early = (stopped || gone) && !run.is_done();
    let secs = train_time.as_secs_f64();
    let outcome = match &error {
        None => Some(run.outcome(ended_early, secs)),
        Some(_) => None,
    };
    if let Some(r) = record.0.as_mut() {
        let weights = run.weights();
        let end = RecordEnd {
            steps: done,
            last_step: last_step.as_ref(),
            last_diagnostics: last_diagnostics.as_ref(),
            eval_loss: outcome.as_ref().map_or(f64::NAN, |o| o.eval_loss),
            eval_metric: outcome.as_ref().map_or(f64::NAN, |o| o.eval_metric),
            stopped: ended_early && error.is_none(),
            diverged: error.as_ref().map(ToString::to_string),
            steps_per_sec: if secs > 0.0 {
                (done - first) as f64 / secs
            } else {
                0.0
            },
            params: outcome.as_ref().map_or(&weights, |o| &o.params),
            state: run.state(),
        };
        if let Err(e) = r.finish(&end) {
            record.fail(out, &e);
        }
    }
    if gone {
        return None;
    }
    if out.flush_blocking().is_err() {
        return None;
    }
    Some(match error {
        Some(e) => Err(e),
        None => Ok(Box::new(outcome.expect("no error"))),
    })
}
