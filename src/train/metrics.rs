//! What a run reports: per-step metrics, and the rarer diagnostics (gradient profile,
//! spectra of `W_hh`, saturation, held-out evaluation).

use ndarray::{ArrayRef2, s};
use serde::{Deserialize, Serialize};

use crate::nn::linalg::{largest_singular_value, spectral_radius};
use crate::nn::{BpttTerms, Profile, Saturation};

/// Metrics of one training step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepMetrics {
    /// Steps completed, counting this one (1 for the first step).
    pub step: u64,
    /// Training loss of the step's batch.
    pub loss: f64,
    /// The task metric on the step's batch.
    pub metric: f64,
    /// Global gradient norm before clipping (the largest over the step's updates).
    pub grad_norm_pre_clip: f64,
    /// Global gradient norm after clipping, of that update.
    pub grad_norm_post_clip: f64,
    /// Fraction of the step's updates where clipping engaged (0 or 1 unless truncated BPTT
    /// updates per segment).
    pub clip_fraction: f64,
    /// Parameter updates in this step.
    pub updates: u32,
    /// Per-tensor gradient norms before clipping, in `nn::PARAM_NAMES` order.
    pub tensor_grad_norms: [f64; 6],
    /// Learning rate used.
    pub lr: f64,
    /// Training wall time so far (pauses excluded), in seconds.
    pub elapsed_secs: f64,
}

/// The column names of [`StepMetrics`] in CSV order.
pub const STEP_COLUMNS: [&str; 15] = [
    "step",
    "loss",
    "metric",
    "grad_norm_pre_clip",
    "grad_norm_post_clip",
    "clip_fraction",
    "updates",
    "grad_norm_weight_ih",
    "grad_norm_weight_hh",
    "grad_norm_bias_ih",
    "grad_norm_bias_hh",
    "grad_norm_readout_weight",
    "grad_norm_readout_bias",
    "lr",
    "elapsed_secs",
];

impl StepMetrics {
    /// The metrics from their values in [`STEP_COLUMNS`] order (as `metrics.csv` holds them).
    pub fn from_values(v: &[f64; 15]) -> Self {
        Self {
            step: v[0] as u64,
            loss: v[1],
            metric: v[2],
            grad_norm_pre_clip: v[3],
            grad_norm_post_clip: v[4],
            clip_fraction: v[5],
            updates: v[6] as u32,
            tensor_grad_norms: [v[7], v[8], v[9], v[10], v[11], v[12]],
            lr: v[13],
            elapsed_secs: v[14],
        }
    }

    /// The values in [`STEP_COLUMNS`] order.
    pub fn values(&self) -> [f64; 15] {
        let n = self.tensor_grad_norms;
        [
            self.step as f64,
            self.loss,
            self.metric,
            self.grad_norm_pre_clip,
            self.grad_norm_post_clip,
            self.clip_fraction,
            f64::from(self.updates),
            n[0],
            n[1],
            n[2],
            n[3],
            n[4],
            n[5],
            self.lr,
            self.elapsed_secs,
        ]
    }
}

/// Spectral diagnostics of `weight_hh_l0`, per gate block (one block for the RNN).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[expect(
    clippy::unsafe_derive_deserialize,
    reason = "the only unsafe is inside ndarray's s! macro; the type has no invariant"
)]
pub struct Spectral {
    /// The step at which these were computed (they may be older than the profile they come
    /// with: spectra are skipped when they would cost more than 5 % of training time).
    pub step: u64,
    /// Spectral radius ρ of each gate block.
    pub rho: Vec<f64>,
    /// Largest singular value `σ_max` of each gate block.
    pub sigma_max: Vec<f64>,
}

impl Spectral {
    /// Computes ρ and `σ_max` of every `[H, H]` gate block of `w_hh [G·H, H]`.
    pub fn of(step: u64, w_hh: &ArrayRef2<f64>, gates: usize) -> Self {
        let hidden = w_hh.ncols();
        let blocks = (0..gates).map(|g| w_hh.slice(s![g * hidden..(g + 1) * hidden, ..]));
        let (rho, sigma_max) = blocks
            .map(|b| (spectral_radius(&b, 16), largest_singular_value(&b, 40)))
            .unzip();
        Self {
            step,
            rho,
            sigma_max,
        }
    }
}

/// Diagnostics taken every so often during a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Steps completed when these were taken.
    pub step: u64,
    /// Gradient profile `g_t` of the last step's last backward window.
    pub profile: Profile,
    pub spectral: Spectral,
    /// The terms of the BPTT sum on the first `batch_size` held-out sequences
    /// ([`crate::nn::Engine::bptt_terms`]); taken, like the spectra, only while they cost
    /// at most 5 % of the training time, so they may be older than the rest (empty until
    /// first taken).
    pub terms: BpttTerms,
    /// The step at which `terms` were taken.
    pub terms_step: u64,
    pub saturation: Saturation,
    /// Loss and task metric on the held-out evaluation set.
    pub eval_loss: f64,
    pub eval_metric: f64,
    /// The analysis of the network on the first held-out sequences
    /// ([`crate::diagnostics::analyze()`]), only on the rows it was taken at (it is taken
    /// while it costs at most 3 % of the training time (and at the first and last steps), and never when `eval.analysis` is
    /// off).
    pub analysis: Option<Box<crate::diagnostics::Analysis>>,
}

/// Decides when to take diagnostics: every `every` steps, or (with `every = 0`, automatic) at
/// the first step and then whenever [`Self::AUTO_PERIOD`] of running time has passed or
/// [`Self::AUTO_PROFILES`]-th of the planned steps has been done since the last ones
/// (so that a run of a second still gets dense curves), while they have taken at most
/// [`Self::AUTO_BUDGET`] of the running time.
///
/// Time is what the owner reports ([`Self::ran`], [`Self::took`]), not the wall clock: a pause
/// counts for nothing, and the wait a speed cap adds between steps counts as running time, so
/// a run in slow motion gets diagnostics after every step.
#[derive(Clone, Debug)]
pub struct DiagnosticsClock {
    every: u64,
    /// Steps between automatic diagnostics by step count.
    dense_every: u64,
    last_step: Option<u64>,
    /// Running time since the last diagnostics.
    since_last: std::time::Duration,
    /// Running time (steps and the waits of a speed cap) and time spent on diagnostics.
    run_time: std::time::Duration,
    diag_time: std::time::Duration,
    /// The diagnostics just taken were forced (the first ones): their time is not counted.
    forced: bool,
}

impl DiagnosticsClock {
    /// Automatic diagnostics come at least this often in running time (within the budget).
    pub const AUTO_PERIOD: std::time::Duration = std::time::Duration::from_millis(250);
    /// Automatic diagnostics aim at this many over the planned steps (within the budget).
    pub const AUTO_PROFILES: u64 = 100;
    /// The share of the running time automatic diagnostics may take. Measured on
    /// `clip_exploding_rnn` (ReLU RNN H=32, T=50, held-out 256): diagnostics cost about 1.3
    /// training steps, so one every 10 steps is 13 % and fits.
    pub const AUTO_BUDGET: f64 = 0.2;

    /// A clock for a run of `planned_steps` steps in all, diagnostics every `every` steps
    /// (0 = automatic).
    pub fn new(every: u64, planned_steps: u64) -> Self {
        Self {
            every,
            dense_every: planned_steps.div_ceil(Self::AUTO_PROFILES).max(1),
            last_step: None,
            since_last: std::time::Duration::ZERO,
            run_time: std::time::Duration::ZERO,
            diag_time: std::time::Duration::ZERO,
            forced: false,
        }
    }

    /// Steps between automatic diagnostics by step count (with a planned run of N steps,
    /// ⌈N / [`Self::AUTO_PROFILES`]⌉).
    pub fn dense_every(&self) -> u64 {
        self.dense_every
    }

    /// `d` of running time passed: a step, and the wait before it when a speed cap holds
    /// the run back.
    pub fn ran(&mut self, d: std::time::Duration) {
        self.run_time += d;
        self.since_last += d;
    }

    /// The diagnostics taken last took `d`.
    pub fn took(&mut self, d: std::time::Duration) {
        if !std::mem::take(&mut self.forced) {
            self.diag_time += d;
        }
    }

    /// Whether diagnostics are due after `step`; if so, records them as taken.
    pub fn due(&mut self, step: u64) -> bool {
        let due = if self.every > 0 {
            step.is_multiple_of(self.every)
        } else if let Some(last) = self.last_step {
            let within =
                self.diag_time.as_secs_f64() <= Self::AUTO_BUDGET * self.run_time.as_secs_f64();
            within
                && step > last
                && (step >= last + self.dense_every || self.since_last >= Self::AUTO_PERIOD)
        } else {
            self.forced = true;
            true
        };
        if due {
            self.last_step = Some(step);
            self.since_last = std::time::Duration::ZERO;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::DiagnosticsClock;

    /// Steps of `step_ms` with diagnostics of `diag_ms`, as the worker drives the clock;
    /// returns the steps that got diagnostics.
    fn drive(clock: &mut DiagnosticsClock, steps: u64, step_ms: f64, diag_ms: f64) -> Vec<u64> {
        let mut taken = Vec::new();
        for step in 1..=steps {
            clock.ran(Duration::from_secs_f64(step_ms / 1e3));
            if clock.due(step) {
                clock.took(Duration::from_secs_f64(diag_ms / 1e3));
                taken.push(step);
            }
        }
        taken
    }

    #[test]
    fn a_fast_run_gets_diagnostics_every_hundredth_of_its_steps() {
        // 1000 steps of 0.5 ms (half a second in all, as the clipped ReLU run in the window):
        // time alone would give 2 or 3; by step count, every ⌈1000 / 100⌉ = 10 steps. The
        // diagnostics (1 ms) cost 2 steps: every 10 steps is 1 ms per 5 ms, 20 %, the budget.
        let mut clock = DiagnosticsClock::new(0, 1000);
        assert_eq!(clock.dense_every(), 10);
        let taken = drive(&mut clock, 1000, 0.5, 1.0);
        assert_eq!(taken[..4], [1, 11, 21, 31], "{taken:?}");
        assert!(taken.len() >= 100, "{} diagnostics: {taken:?}", taken.len());
    }

    #[test]
    fn diagnostics_stay_within_their_budget() {
        // Diagnostics of 10 ms after steps of 0.5 ms: within 20 %, one per 100 ms of steps
        // (200 steps) at most, whatever the step count asks.
        let mut clock = DiagnosticsClock::new(0, 1000);
        let taken = drive(&mut clock, 2000, 0.5, 10.0);
        let run_ms = 2000.0 * 0.5;
        let diag_ms = (taken.len() - 1) as f64 * 10.0;
        assert!(
            diag_ms <= 0.2 * run_ms + 10.0,
            "{diag_ms} ms of diagnostics in {run_ms} ms: {taken:?}"
        );
        assert!(taken.len() >= 8, "{taken:?}");
    }

    #[test]
    fn a_slow_run_gets_diagnostics_after_every_step_and_a_long_run_by_time() {
        // Slow motion: 2 steps a second (the wait counts as running time).
        let mut slow = DiagnosticsClock::new(0, 1000);
        assert_eq!(
            drive(&mut slow, 20, 500.0, 1.0),
            (1..=20).collect::<Vec<_>>()
        );
        // A long run (a million steps of 1 ms): every 250 ms, not every 10 000 steps.
        let mut long = DiagnosticsClock::new(0, 1_000_000);
        let taken = drive(&mut long, 2000, 1.0, 1.0);
        assert_eq!(taken[..3], [1, 251, 501], "{taken:?}");
    }

    #[test]
    fn a_fixed_interval_is_kept_whatever_the_time() {
        let mut clock = DiagnosticsClock::new(50, 1000);
        assert_eq!(drive(&mut clock, 200, 100.0, 1.0), vec![50, 100, 150, 200]);
    }
}
