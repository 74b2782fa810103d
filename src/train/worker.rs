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

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError, bounded};

use super::metrics::{Diagnostics, DiagnosticsClock, StepMetrics};
use super::trainer::{AnyTrainer, RunError};
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
    /// [`Command::Start`] (or `Step`). `profile_every` is the diagnostics cadence in steps
    /// (0 = automatic). `wake` is called after every event sent.
    pub fn spawn(
        name: &str,
        make: impl FnOnce() -> Result<Box<dyn Trainable>, RunError> + Send + 'static,
        profile_every: u64,
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
                    run_loop(make, profile_every, &cmd_rx, &mut out)
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
        let every = config.eval.every;
        Self::spawn(
            name,
            move || Ok(Box::new(AnyTrainer::new(&config)?) as Box<dyn Trainable>),
            every,
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

/// Runs until finished, stopped or failed; `None` when the receiver went away.
fn run_loop(
    make: impl FnOnce() -> Result<Box<dyn Trainable>, RunError>,
    profile_every: u64,
    commands: &Receiver<Command>,
    out: &mut Outbox,
) -> Option<Result<Box<RunOutcome>, RunError>> {
    let mut run = match make() {
        Ok(r) => r,
        Err(e) => return Some(Err(e)),
    };
    let mut clock = DiagnosticsClock::new(profile_every);
    // `None` = paused; `Some(n)` = n more steps (u64::MAX = until done).
    let mut budget: Option<u64> = None;
    let mut stopped = false;
    let mut train_time = Duration::ZERO;
    let mut done: u64 = 0;
    let mut profiled: u64 = 0;
    loop {
        // Commands: wait for one while paused, otherwise take what is there.
        let next = if budget.is_none() {
            out.flush_blocking().ok()?;
            match commands.recv() {
                Ok(c) => Some(c),
                Err(_) => return None, // the handle is gone
            }
        } else {
            match commands.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return None,
            }
        };
        if let Some(cmd) = next {
            match cmd {
                Command::Start | Command::Resume => budget = Some(u64::MAX),
                Command::Pause => {
                    if budget.is_some() {
                        budget = None;
                        out.flush_blocking().ok()?;
                        out.send_blocking(Event::Paused(done));
                    }
                }
                Command::Step(n) => budget = Some(n),
                Command::Stop => {
                    stopped = true;
                    break;
                }
                Command::SetLearningRate(lr) => run.set_lr(lr),
                Command::SendWeights => {
                    out.flush_blocking().ok()?;
                    if !out.send_blocking(Event::Weights(done, Box::new(run.weights()))) {
                        return None;
                    }
                }
            }
            continue;
        }
        if run.is_done() {
            break;
        }
        let t0 = Instant::now();
        let metrics = match run.step() {
            Ok(m) => m,
            Err(e) => {
                out.flush_blocking().ok()?;
                return Some(Err(e));
            }
        };
        done = metrics.step;
        out.steps.push(metrics);
        if clock.due(done) || run.is_done() {
            out.profiles.push(run.diagnostics());
            profiled = done;
        }
        train_time += t0.elapsed();
        if out.last_flush.elapsed() >= FLUSH_PERIOD && out.flush().is_err() {
            return None;
        }
        if let Some(n) = budget.as_mut()
            && *n != u64::MAX
        {
            *n -= 1;
            if *n == 0 {
                budget = None;
                out.flush_blocking().ok()?;
                out.send_blocking(Event::Paused(done));
            }
        }
    }
    if done > profiled {
        out.profiles.push(run.diagnostics());
    }
    let outcome = run.outcome(stopped && !run.is_done(), train_time.as_secs_f64());
    Some(Ok(Box::new(outcome)))
}
