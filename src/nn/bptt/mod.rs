//! Backpropagation through time: the full and truncated BPTT(k1, k2) driver.
//!
//! The work is shaped for speed (DESIGN.md §2): the input projection of all steps of a range is
//! one GEMM before the loop (`gx = X W_ihᵀ + b_ih` over stacked `[T·B, I]` rows); inside the
//! loop only `h_{t-1} W_hhᵀ` (forward) and `da_t W_hh` (backward) stay sequential; the weight
//! gradients are one GEMM each after the loop (`dW_hh += Σ_t da_tᵀ h_{t-1}` over stacked
//! `[T·B, ·]` buffers). Buffers live in [`Engine`] and are allocated once, then reused.
//!
//! ## Truncation
//!
//! BPTT(k1, k2): run forward; every k1 steps, back-propagate the losses of the last k1 steps
//! through k2 steps (k2 ≥ k1), detaching the state at the start of that window. The windows
//! are [`Window`]s: loss terms in `loss_start..end`, backward through `start..end` with
//! `start = end − k2` (clamped at 0), so every window reaches back k2 steps from its segment's
//! end, the last one too when T is not a multiple of k1: a loss term at t gets
//! `min(t + 1, k2 − (end − 1 − t))` steps, never fewer than `min(t + 1, k2 − k1 + 1)`, and a
//! loss at the last step the full k2. Overlapping windows reuse the stored forward activations
//! (Williams & Peng).
//!
//! [`Bptt::Chunked`] is what PyTorch and Keras users write (detach every k steps from t = 0):
//! chunks of k from the start, each back-propagated within itself, so the last chunk is short
//! when T is not a multiple of k (a loss only at the last step of T = 100 with k = 30 gets 10
//! steps). `bptt-lab grad --tbptt K` computes that schedule, as the PyTorch oracle does.
//!
//! Two update modes:
//!
//! - [`UpdateMode::PerSegment`]: clip and update after every window that holds loss terms; each
//!   window's loss is the mean over its own terms. Later segments run forward with the updated
//!   weights; the part of a window before `loss_start` uses activations stored earlier.
//! - [`UpdateMode::Accumulate`]: all windows share the same parameters and keep the global
//!   divisor; their gradients are summed and applied once. This is the gradient of one
//!   fixed-parameter pass, what `bptt-lab grad --tbptt K` computes (`chunked(k: K)`).
//!
//! k1 = k2 = T is full BPTT.

mod engine;
mod pass;
mod split;
mod step;
mod terms;

use ndarray::{Array2, Array3, ArrayView2};
use serde::{Deserialize, Serialize};

pub use engine::Engine;
pub use terms::{BpttTerms, Term};

use super::clip::Clip;
use super::loss::Reduction;

/// How gradients are propagated back through time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Bptt {
    /// Back through the whole sequence, one update per batch.
    Full,
    /// BPTT(k1, k2), `1 ≤ k1 ≤ k2`: every k1 steps, the last k1 losses back through k2 steps.
    Truncated {
        k1: usize,
        k2: usize,
        mode: UpdateMode,
    },
    /// PyTorch's and Keras's chunks: the sequence cut into chunks of k from t = 0, each
    /// back-propagated within itself (the last may be shorter).
    Chunked { k: usize, mode: UpdateMode },
}

/// When truncated BPTT applies its gradients.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateMode {
    /// Clip and update after every segment of k1 steps.
    #[default]
    PerSegment,
    /// Sum the segments' gradients with fixed parameters and update once per batch.
    Accumulate,
}

/// One backward window: loss terms of steps `loss_start..end`, propagated back to `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub loss_start: usize,
    pub end: usize,
}

/// How far back the windows of a schedule reach, in steps (what the panel and
/// `summary.json` show).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Depths {
    /// The shortest and longest window (steps from its start to its end).
    pub window_min: usize,
    pub window_max: usize,
    /// The fewest steps any loss term is back-propagated through (the first term of a window:
    /// `loss_start − start + 1`).
    pub term_min: usize,
    /// The steps a loss at the last time step is back-propagated through.
    pub last_step: usize,
}

impl Bptt {
    /// The backward windows for a sequence of length `seq_len`.
    ///
    /// Panics if `k1` (or `k`) is 0 or `k1 > k2` (a validated config never has that).
    #[track_caller]
    pub fn windows(&self, seq_len: usize) -> Vec<Window> {
        let segments = |k1: usize| {
            (0..seq_len)
                .step_by(k1)
                .map(move |loss_start| (loss_start, (loss_start + k1).min(seq_len)))
        };
        match *self {
            Self::Full => vec![Window {
                start: 0,
                loss_start: 0,
                end: seq_len,
            }],
            Self::Truncated { k1, k2, .. } => {
                assert!(1 <= k1 && k1 <= k2, "BPTT({k1}, {k2}) needs 1 ≤ k1 ≤ k2");
                segments(k1)
                    .map(|(loss_start, end)| Window {
                        start: end.saturating_sub(k2),
                        loss_start,
                        end,
                    })
                    .collect()
            }
            Self::Chunked { k, .. } => {
                assert!(k >= 1, "chunks of k = {k} steps need k ≥ 1");
                segments(k)
                    .map(|(loss_start, end)| Window {
                        start: loss_start,
                        loss_start,
                        end,
                    })
                    .collect()
            }
        }
    }

    /// How far back the windows reach for a sequence of length `seq_len` (≥ 1).
    pub fn depths(&self, seq_len: usize) -> Depths {
        let windows = self.windows(seq_len.max(1));
        let len = |w: &Window| w.end - w.start;
        Depths {
            window_min: windows.iter().map(len).min().unwrap_or(0),
            window_max: windows.iter().map(len).max().unwrap_or(0),
            term_min: windows
                .iter()
                .map(|w| w.loss_start - w.start + 1)
                .min()
                .unwrap_or(0),
            last_step: windows.last().map_or(0, len),
        }
    }

    /// The update mode; full BPTT is a single segment.
    pub fn mode(&self) -> UpdateMode {
        match *self {
            Self::Full => UpdateMode::Accumulate,
            Self::Truncated { mode, .. } | Self::Chunked { mode, .. } => mode,
        }
    }
}

/// The gradient profile `g_t = mean_b ‖∂L/∂h_t‖₂` over the steps `start..start + values.len()`
/// of the last backward window (all steps for full BPTT). `t` counts from 0 at the first input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub start: usize,
    pub values: Vec<f64>,
}

/// The state a pass starts from: `h0`, `c0` `[B, H]`, zero when `None`.
#[derive(Clone, Copy, Debug, Default)]
pub struct InitialState<'a, F> {
    pub h0: Option<ArrayView2<'a, F>>,
    pub c0: Option<ArrayView2<'a, F>>,
}

/// How [`Engine::loss_and_grad`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GradOptions {
    pub bptt: Bptt,
    pub reduction: Reduction,
    /// Also compute `∂L/∂x`.
    pub grad_x: bool,
}

/// How [`Engine::train_step`] turns a gradient into an update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepConfig {
    pub bptt: Bptt,
    pub clip: Clip,
    pub reduction: Reduction,
    /// Whether `b_hh` learns. `false`: its gradient is set to zero before clipping and the
    /// update, so it keeps its value (zero from the initialization): one bias per gate, as
    /// Keras's `SimpleRNN` and `LSTM` have (their `bias` is PyTorch's `b_ih + b_hh`).
    pub train_bias_hh: bool,
}

/// What [`Engine::loss_and_grad`] returns beside the parameter gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct GradOutput<F> {
    /// The loss (global divisor over the whole sequence).
    pub loss: f64,
    /// The gradient profile of the last window.
    pub profile: Profile,
    /// `∂L/∂h0 [B, H]` (from the first window only).
    pub grad_h0: Array2<F>,
    /// `∂L/∂c0 [B, H]` for the LSTM.
    pub grad_c0: Option<Array2<F>>,
    /// `∂L/∂x [T, B, I]`, when asked for.
    pub grad_x: Option<Array3<F>>,
}

/// Statistics of one training step (one batch).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepStats {
    /// Loss of the batch (mean over all its terms), measured during the step.
    pub loss: f64,
    /// Largest global gradient norm before clipping over the updates of this step.
    pub grad_norm_pre_clip: f64,
    /// Global norm after clipping, of that same update.
    pub grad_norm_post_clip: f64,
    /// Per-tensor gradient norms before clipping, of that same update ([`super::PARAM_NAMES`]).
    pub tensor_grad_norms: [f64; 6],
    /// Number of parameter updates applied (1 unless truncated per segment).
    pub updates: usize,
    /// Of those, how many were clipped.
    pub clipped_updates: usize,
    /// Gradient profile of the last window.
    pub profile: Profile,
}

/// How saturated the non-linearities were in the last forward pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Saturation {
    /// Fraction of hidden values with `|h| > 0.99` (ReLU RNN: fraction exactly 0).
    pub hidden: f64,
    /// Fraction of sigmoid gate values outside `[0.01, 0.99]` (LSTM, GRU).
    pub gates: Option<f64>,
}

/// A step that could not be applied.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StepError {
    /// A loss or gradient was NaN or infinite; nothing of that update was applied.
    #[error("{quantity} is not finite ({value}) in the segment ending at time step {segment_end}")]
    NonFinite {
        quantity: &'static str,
        value: f64,
        segment_end: usize,
    },
}

/// Smallest hidden size at which [`Engine::splits`] runs a step on two threads. Measured on
/// workload W (B = 32, T = 50, 2 cores): 2 threads gave 1.1× (rnn) to 1.9× (lstm) the steps/s
/// of 1 at H = 32 and 1.6–2.0× at H ≥ 128, but nothing or less at H ≤ 16 (rnn H = 16: 0.99×,
/// H = 8: 0.86×; lstm H = 8: 1.0×), where a step is too short for the thread hand-off.
pub const MIN_SPLIT_HIDDEN: usize = 32;
