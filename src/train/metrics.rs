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
    /// ([`crate::diagnostics::analyze`]), only on the rows it was taken at (it is taken
    /// while it costs at most 3 % of the training time (and at the first and last steps), and never when `eval.analysis` is
    /// off).
    pub analysis: Option<Box<crate::diagnostics::Analysis>>,
}

/// Decides when to take diagnostics: every `every` steps, or (with `every = 0`) about four
/// times a second of wall time but never more often than every 10 steps.
#[derive(Clone, Debug)]
pub struct DiagnosticsClock {
    every: u64,
    last_step: u64,
    last_time: Option<std::time::Instant>,
}

impl DiagnosticsClock {
    pub const AUTO_MIN_STEPS: u64 = 10;
    pub const AUTO_PERIOD: std::time::Duration = std::time::Duration::from_millis(250);

    pub fn new(every: u64) -> Self {
        Self {
            every,
            last_step: 0,
            last_time: None,
        }
    }

    /// Whether diagnostics are due after `step`; if so, records them as taken.
    pub fn due(&mut self, step: u64) -> bool {
        let due = if self.every > 0 {
            step.is_multiple_of(self.every)
        } else {
            step == 1
                || (step >= self.last_step + Self::AUTO_MIN_STEPS
                    && self
                        .last_time
                        .is_none_or(|t| t.elapsed() >= Self::AUTO_PERIOD))
        };
        if due {
            self.last_step = step;
            self.last_time = Some(std::time::Instant::now());
        }
        due
    }
}
