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
//! through at most k2 steps (k2 ≥ k1), detaching the state at the start of that window. The
//! windows are [`Window`]s: loss terms in `loss_start..end`, backward through `start..end` with
//! `start = loss_start − (k2 − k1)` (clamped at 0). Overlapping windows reuse the stored forward
//! activations (Williams & Peng). Two update modes:
//!
//! - [`UpdateMode::PerSegment`]: clip and update after every window that holds loss terms; each
//!   window's loss is the mean over its own terms. Later segments run forward with the updated
//!   weights; the part of a window before `loss_start` uses activations stored earlier.
//! - [`UpdateMode::Accumulate`]: all windows share the same parameters and keep the global
//!   divisor; their gradients are summed and applied once. This is the gradient of one
//!   fixed-parameter pass, what `bptt-lab grad --tbptt K` computes (k1 = k2 = K).
//!
//! k1 = k2 = T is full BPTT.

use ndarray::{Array2, Array3, ArrayView2, ArrayViewMut2, Axis, s};
use serde::{Deserialize, Serialize};

use super::clip::{Clip, ClipReport};
use super::gemm::PackedB;
use super::loss::{Batch, Reduction};
use super::optim::Optimizer;
use super::{CellKind, Dims, Model, Params, Scalar, gru, lstm, rnn};

/// How gradients are propagated back through time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Bptt {
    /// Back through the whole sequence, one update per batch.
    Full,
    /// BPTT(k1, k2), `1 ≤ k1 ≤ k2`.
    Truncated {
        k1: usize,
        k2: usize,
        mode: UpdateMode,
    },
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

impl Bptt {
    /// The backward windows for a sequence of length `seq_len`.
    ///
    /// Panics if `k1` is 0 or `k1 > k2` (a validated config never has that).
    #[track_caller]
    pub fn windows(&self, seq_len: usize) -> Vec<Window> {
        match *self {
            Self::Full => vec![Window {
                start: 0,
                loss_start: 0,
                end: seq_len,
            }],
            Self::Truncated { k1, k2, .. } => {
                assert!(1 <= k1 && k1 <= k2, "BPTT({k1}, {k2}) needs 1 ≤ k1 ≤ k2");
                let mut windows = Vec::with_capacity(seq_len.div_ceil(k1));
                let mut loss_start = 0;
                while loss_start < seq_len {
                    let end = (loss_start + k1).min(seq_len);
                    windows.push(Window {
                        start: loss_start.saturating_sub(k2 - k1),
                        loss_start,
                        end,
                    });
                    loss_start = end;
                }
                windows
            }
        }
    }

    /// The update mode; full BPTT is a single segment.
    pub fn mode(&self) -> UpdateMode {
        match *self {
            Self::Full => UpdateMode::Accumulate,
            Self::Truncated { mode, .. } => mode,
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

/// The working memory of BPTT for one cell and size: stored activations and gradient buffers,
/// allocated on first use and reused for every batch of at most the same `T·B` rows.
#[derive(Clone, Debug)]
pub struct Engine<F> {
    cell: CellKind,
    dims: Dims,
    /// Rows of `[T·B, ·]` buffers and batch size currently allocated for.
    cap_rows: usize,
    cap_batch: usize,
    /// Current sequence length and batch size (set by `prepare`).
    seq_len: usize,
    batch: usize,
    /// `x W_ihᵀ + b_ih` for all steps, `[T·B, G·H]`.
    gx: Array2<F>,
    /// States `h_{-1} = h0, h_0, …, h_{T-1}`: block `t + 1` holds `h_t`, `[(T+1)·B, H]`.
    hs: Array2<F>,
    /// LSTM cell states, same layout as `hs` (empty otherwise).
    cs: Array2<F>,
    /// Gates after their non-linearity (LSTM i,f,g,o; GRU r,z,n), `[T·B, G·H]` (empty for RNN).
    gates: Array2<F>,
    /// LSTM: `tanh(c_t)`; GRU: `gh_n = h_{t-1} W_hnᵀ + b_hn`. `[T·B, H]` (empty for RNN).
    aux: Array2<F>,
    /// Pre-activation gradients of the input projection, `[T·B, G·H]`.
    dgi: Array2<F>,
    /// GRU only: pre-activation gradients of the hidden projection (equal to `dgi` otherwise).
    dgh: Array2<F>,
    /// Readout output and its gradient, `[T·B, O]`.
    out: Array2<F>,
    dout: Array2<F>,
    /// `dout W_o`: the loss's direct gradient on each `h_t`, `[T·B, H]`.
    dh_loss: Array2<F>,
    /// Per-step scratch: `[B, G·H]` and three `[B, H]`.
    tmp: Array2<F>,
    dh: Array2<F>,
    dh_next: Array2<F>,
    dc: Array2<F>,
    /// `W_hhᵀ` and `W_hh` packed for the GEMM kernel, once per forward / backward range.
    w_hh_t_packed: PackedB<F>,
    w_hh_packed: PackedB<F>,
    /// Threads a training step may use ([`Engine::set_threads`]).
    threads: usize,
    /// The second half of the batch's engine and gradients, when a step is split.
    helper: Option<Box<(Engine<F>, Params<F>)>>,
    /// Whether the last pass was split: this engine holds the first half's rows and the
    /// helper the second's ([`Engine::outputs`] joins them).
    last_split: bool,
}

/// Rows `r0..r1` of a row-major buffer as a contiguous slice.
#[inline]
fn rows<F>(a: &Array2<F>, r0: usize, r1: usize) -> &[F] {
    let n = a.ncols();
    &a.as_slice().expect("engine buffers are contiguous")[r0 * n..r1 * n]
}

#[inline]
fn rows_mut<F>(a: &mut Array2<F>, r0: usize, r1: usize) -> &mut [F] {
    let n = a.ncols();
    &mut a.as_slice_mut().expect("engine buffers are contiguous")[r0 * n..r1 * n]
}

/// `c = alpha · a b + beta · c`.
#[inline]
fn gemm<F: Scalar>(
    alpha: F,
    a: &ArrayView2<'_, F>,
    b: &ArrayView2<'_, F>,
    beta: F,
    c: &mut ArrayViewMut2<'_, F>,
) {
    F::gemm(alpha, a, b, beta, c);
}

/// The threshold below which backward values are flushed to zero ([`super::flush`]).
///
/// A vanishing gradient decays geometrically through time; in f32 it reaches the subnormal
/// range (below 1.2e-38) within a few hundred steps of a tanh RNN, where every multiply is
/// ~100× slower on x86. Values below `2^24` times the smallest normal number (2e-31 in f32,
/// 4e-301 in f64) are 24 orders of magnitude below any gradient that moves a weight, so
/// flushing them changes no update, and keeps the backward pass at full speed (what
/// flush-to-zero CPU modes do, without touching the thread's floating-point state). The cell
/// kernels flush the pre-activation gradients as they write them; [`gather_dh`] flushes `dh`.
#[inline]
fn tiny<F: Scalar>() -> F {
    F::min_positive_value() * F::of_f64(16_777_216.0)
}

/// `dh = flush(dh_next + dh_loss)` (`dh_loss` only where the step has loss terms), in one pass
/// that also returns `Σ_rows ‖dh_row‖₂` for the gradient profile (squares summed in f64, eight
/// partial sums per row so that the loop vectorizes).
fn gather_dh<F: Scalar>(dh: &mut [F], next: &[F], loss: Option<&[F]>, hidden: usize) -> f64 {
    let tiny = tiny::<F>();
    let mut total = 0.0;
    for (r, (d, n)) in dh
        .chunks_exact_mut(hidden)
        .zip(next.chunks_exact(hidden))
        .enumerate()
    {
        match loss {
            Some(l) => {
                for ((d, &n), &l) in d.iter_mut().zip(n).zip(&l[r * hidden..(r + 1) * hidden]) {
                    *d = super::flush(n + l, tiny);
                }
            }
            None => {
                for (d, &n) in d.iter_mut().zip(n) {
                    *d = super::flush(n, tiny);
                }
            }
        }
        let mut lanes = [0.0f64; 8];
        let chunks = d.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for (acc, v) in lanes.iter_mut().zip(c) {
                let v = v.as_f64();
                *acc += v * v;
            }
        }
        for (acc, v) in lanes.iter_mut().zip(rest) {
            let v = v.as_f64();
            *acc += v * v;
        }
        total += lanes.iter().sum::<f64>().sqrt();
    }
    total
}

/// Adds the column sums of `a [n, m]` to `acc [m]`.
fn add_col_sums<F: Scalar>(a: &[F], acc: &mut [F]) {
    for row in a.chunks_exact(acc.len()) {
        for (s, &v) in acc.iter_mut().zip(row) {
            *s += v;
        }
    }
}

/// Adds the row vector `bias [m]` to every row of `a [n, m]`.
fn add_bias_rows<F: Scalar>(a: &mut [F], bias: &[F]) {
    for row in a.chunks_exact_mut(bias.len()) {
        for (v, &b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

impl<F: Scalar> Engine<F> {
    /// An engine for one cell and size; buffers are allocated on the first batch.
    pub fn new(cell: CellKind, dims: Dims) -> Self {
        let empty = || Array2::zeros((0, 0));
        Self {
            cell,
            dims,
            cap_rows: 0,
            cap_batch: 0,
            seq_len: 0,
            batch: 0,
            gx: empty(),
            hs: empty(),
            cs: empty(),
            gates: empty(),
            aux: empty(),
            dgi: empty(),
            dgh: empty(),
            out: empty(),
            dout: empty(),
            dh_loss: empty(),
            tmp: empty(),
            dh: empty(),
            dh_next: empty(),
            dc: empty(),
            w_hh_t_packed: PackedB::new(),
            w_hh_packed: PackedB::new(),
            threads: 1,
            helper: None,
            last_split: false,
        }
    }

    /// Lets [`Engine::train_step`] use up to `threads` threads (1 or 2; more count as 2): with
    /// 2, a step in [`UpdateMode::Accumulate`] (full BPTT included) runs the forward and
    /// backward pass of each half of the batch on its own thread, where that pays
    /// ([`Engine::splits`]), then sums the two gradients and clips and updates once.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Whether a training step on `batch_size` sequences is split over two threads: only with
    /// 2 threads allowed, at least [`MIN_SPLIT_HIDDEN`] hidden units, and at least 2 sequences.
    pub fn splits(&self, batch_size: usize) -> bool {
        self.threads >= 2 && self.dims.hidden >= MIN_SPLIT_HIDDEN && batch_size >= 2
    }

    /// The cell this engine runs.
    pub fn cell(&self) -> CellKind {
        self.cell
    }

    /// The sizes this engine runs.
    pub fn dims(&self) -> Dims {
        self.dims
    }

    /// Makes room for `seq_len · batch` rows; allocates only when that grows.
    fn prepare(&mut self, seq_len: usize, batch: usize) {
        self.seq_len = seq_len;
        self.batch = batch;
        self.last_split = false;
        let need = seq_len * batch;
        if need <= self.cap_rows && batch <= self.cap_batch {
            return;
        }
        let rows = need.max(self.cap_rows);
        let b = batch.max(self.cap_batch);
        let Dims { hidden, output, .. } = self.dims;
        let gh = self.cell.gates() * hidden;
        let gated = !matches!(self.cell, CellKind::Rnn(_));
        let z = |r: usize, c: usize| Array2::zeros((r, c));
        let if_ = |cond: bool, r: usize, c: usize| if cond { z(r, c) } else { z(0, c) };
        self.gx = z(rows, gh);
        self.hs = z(rows + b, hidden);
        self.cs = if_(self.cell.has_cell_state(), rows + b, hidden);
        self.gates = if_(gated, rows, gh);
        self.aux = if_(gated, rows, hidden);
        self.dgi = z(rows, gh);
        self.dgh = if_(self.cell == CellKind::Gru, rows, gh);
        self.out = z(rows, output);
        self.dout = z(rows, output);
        self.dh_loss = z(rows, hidden);
        self.tmp = z(b, gh);
        self.dh = z(b, hidden);
        self.dh_next = z(b, hidden);
        self.dc = z(b, hidden);
        self.cap_rows = rows;
        self.cap_batch = b;
    }

    /// Runs the cell forward over steps `t0..t1` of `x [T, B, I]` with the current parameters.
    /// At `t0 = 0` the state starts from `h0` / `c0` (zero when `None`); otherwise it continues
    /// from the stored state after step `t0 − 1`.
    fn forward_range(
        &mut self,
        params: &Params<F>,
        x: &Array3<F>,
        h0: Option<ArrayView2<'_, F>>,
        c0: Option<ArrayView2<'_, F>>,
        t0: usize,
        t1: usize,
    ) {
        let b = self.batch;
        let Dims { input, hidden, .. } = self.dims;
        let gh = self.cell.gates() * hidden;
        if t0 == 0 {
            let init = |dst: &mut [F], src: Option<ArrayView2<'_, F>>| match src {
                Some(v) => {
                    assert_eq!(v.dim(), (b, hidden), "initial state [B, H]");
                    for (d, s) in dst.iter_mut().zip(v.iter()) {
                        *d = *s;
                    }
                }
                None => dst.fill(F::zero()),
            };
            init(rows_mut(&mut self.hs, 0, b), h0);
            if self.cell.has_cell_state() {
                init(rows_mut(&mut self.cs, 0, b), c0);
            }
        }
        // Input projection of every step in the range: one GEMM.
        let xs = x.as_slice().expect("x is in standard layout");
        let x_rows =
            ArrayView2::from_shape(((t1 - t0) * b, input), &xs[t0 * b * input..t1 * b * input])
                .expect("x rows");
        {
            let mut gx = self.gx.slice_mut(s![t0 * b..t1 * b, ..]);
            gemm(F::one(), &x_rows, &params.weight_ih.t(), F::zero(), &mut gx);
        }
        add_bias_rows(
            rows_mut(&mut self.gx, t0 * b, t1 * b),
            params.bias_ih.as_slice().expect("bias"),
        );
        let b_hh = params.bias_hh.as_slice().expect("bias");
        let w_hh_t = params.weight_hh.t();
        F::pack_b(&w_hh_t, &mut self.w_hh_t_packed);
        for t in t0..t1 {
            // tmp = h_{t-1} W_hhᵀ
            {
                let h_prev = self.hs.slice(s![t * b..(t + 1) * b, ..]);
                let mut tmp = self.tmp.slice_mut(s![0..b, ..]);
                F::gemm_packed(
                    F::one(),
                    &h_prev,
                    &w_hh_t,
                    &self.w_hh_t_packed,
                    F::zero(),
                    &mut tmp,
                );
            }
            let gx = rows(&self.gx, t * b, (t + 1) * b);
            let hh = rows(&self.tmp, 0, b);
            let (h_prev_rows, h_rows) = self
                .hs
                .as_slice_mut()
                .expect("contiguous")
                .split_at_mut((t + 1) * b * hidden);
            let h_prev = &h_prev_rows[t * b * hidden..];
            let h_out = &mut h_rows[..b * hidden];
            match self.cell {
                CellKind::Rnn(act) => rnn::forward_step(act, gx, hh, b_hh, h_out),
                CellKind::Lstm => {
                    let (c_prev_rows, c_rows) = self
                        .cs
                        .as_slice_mut()
                        .expect("contiguous")
                        .split_at_mut((t + 1) * b * hidden);
                    lstm::forward_step(lstm::Forward {
                        gx,
                        hh,
                        b_hh,
                        c_prev: &c_prev_rows[t * b * hidden..],
                        gates: &mut self.gates.as_slice_mut().expect("contiguous")
                            [t * b * gh..(t + 1) * b * gh],
                        c: &mut c_rows[..b * hidden],
                        tanh_c: rows_mut(&mut self.aux, t * b, (t + 1) * b),
                        h: h_out,
                    });
                }
                CellKind::Gru => gru::forward_step(gru::Forward {
                    gx,
                    hh,
                    b_hh,
                    h_prev,
                    gates: &mut self.gates.as_slice_mut().expect("contiguous")
                        [t * b * gh..(t + 1) * b * gh],
                    gh_n: rows_mut(&mut self.aux, t * b, (t + 1) * b),
                    h: h_out,
                }),
            }
        }
    }

    /// Back-propagates the losses of `w.loss_start..w.end` through `w.start..w.end` and adds the
    /// parameter gradients into `grads` (and `∂L/∂x` into `grad_x` when given). Returns the
    /// loss of the window (divided by `divisor`), its gradient profile, and the gradient that
    /// reached the window's incoming state (`∂/∂h`, `∂/∂c`), which is `∂L/∂h0` when
    /// `w.start = 0`.
    #[expect(
        clippy::too_many_lines,
        reason = "one pass, kept in one place to read against the equations"
    )]
    fn backward_window(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        w: Window,
        divisor: f64,
        grads: &mut Params<F>,
        grad_x: Option<&mut Array3<F>>,
    ) -> (f64, Profile) {
        let b = self.batch;
        let Dims {
            input,
            hidden,
            output,
        } = self.dims;
        let gh = self.cell.gates() * hidden;
        let Window {
            start,
            loss_start,
            end,
        } = w;

        // Readout and loss of the loss range; then dh_loss = dout W_o.
        let loss = self.readout_loss(params, batch, loss_start, end, divisor);
        {
            let dout = self.dout.slice(s![loss_start * b..end * b, ..]);
            let mut dh_loss = self.dh_loss.slice_mut(s![loss_start * b..end * b, ..]);
            gemm(
                F::one(),
                &dout,
                &params.readout_weight.view(),
                F::zero(),
                &mut dh_loss,
            );
            let h_rows = self.hs.slice(s![(loss_start + 1) * b..(end + 1) * b, ..]);
            gemm(
                F::one(),
                &dout.t(),
                &h_rows,
                F::one(),
                &mut grads.readout_weight.view_mut(),
            );
            add_col_sums(
                rows(&self.dout, loss_start * b, end * b),
                grads.readout_bias.as_slice_mut().expect("bias"),
            );
        }
        debug_assert_eq!(self.out.ncols(), output);

        // The sequential part: from `end − 1` down to `start`.
        rows_mut(&mut self.dh_next, 0, b).fill(F::zero());
        if self.cell.has_cell_state() {
            rows_mut(&mut self.dc, 0, b).fill(F::zero());
        }
        let mut profile = vec![0.0; end - start];
        let tiny = tiny::<F>();
        let w_hh = params.weight_hh.view();
        F::pack_b(&w_hh, &mut self.w_hh_packed);
        for t in (start..end).rev() {
            let loss_rows = (t >= loss_start).then(|| rows(&self.dh_loss, t * b, (t + 1) * b));
            profile[t - start] = gather_dh(
                rows_mut(&mut self.dh, 0, b),
                rows(&self.dh_next, 0, b),
                loss_rows,
                hidden.max(1),
            ) / b as f64;
            let dh = rows(&self.dh, 0, b);
            match self.cell {
                CellKind::Rnn(act) => rnn::backward_step(
                    act,
                    rows(&self.hs, (t + 1) * b, (t + 2) * b),
                    dh,
                    rows_mut(&mut self.dgi, t * b, (t + 1) * b),
                    tiny,
                ),
                CellKind::Lstm => lstm::backward_step(
                    hidden,
                    rows(&self.gates, t * b, (t + 1) * b),
                    rows(&self.cs, t * b, (t + 1) * b),
                    rows(&self.aux, t * b, (t + 1) * b),
                    dh,
                    rows_mut(&mut self.dc, 0, b),
                    rows_mut(&mut self.dgi, t * b, (t + 1) * b),
                    tiny,
                ),
                CellKind::Gru => gru::backward_step(gru::Backward {
                    hidden,
                    gates: rows(&self.gates, t * b, (t + 1) * b),
                    gh_n: rows(&self.aux, t * b, (t + 1) * b),
                    h_prev: rows(&self.hs, t * b, (t + 1) * b),
                    dh,
                    dgi: rows_mut(&mut self.dgi, t * b, (t + 1) * b),
                    dgh: rows_mut(&mut self.dgh, t * b, (t + 1) * b),
                    dh_prev: rows_mut(&mut self.dh_next, 0, b),
                    tiny,
                }),
            }
            // dh_{t-1} = (GRU: dh ⊙ z) + dgh_t W_hh
            let (dgh, beta) = if self.cell == CellKind::Gru {
                (&self.dgh, F::one())
            } else {
                (&self.dgi, F::zero())
            };
            let da = dgh.slice(s![t * b..(t + 1) * b, ..]);
            let mut dh_next = self.dh_next.slice_mut(s![0..b, ..]);
            F::gemm_packed(F::one(), &da, &w_hh, &self.w_hh_packed, beta, &mut dh_next);
        }

        // Weight gradients of the window: one GEMM each over the stacked rows.
        let xs = batch.x.as_slice().expect("x is in standard layout");
        let x_rows = ArrayView2::from_shape(
            ((end - start) * b, input),
            &xs[start * b * input..end * b * input],
        )
        .expect("x rows");
        let dgi = self.dgi.slice(s![start * b..end * b, ..]);
        gemm(
            F::one(),
            &dgi.t(),
            &x_rows,
            F::one(),
            &mut grads.weight_ih.view_mut(),
        );
        add_col_sums(
            rows(&self.dgi, start * b, end * b),
            grads.bias_ih.as_slice_mut().expect("bias"),
        );
        let dgh_buf = if self.cell == CellKind::Gru {
            &self.dgh
        } else {
            &self.dgi
        };
        let h_prev = self.hs.slice(s![start * b..end * b, ..]);
        gemm(
            F::one(),
            &dgh_buf.slice(s![start * b..end * b, ..]).t(),
            &h_prev,
            F::one(),
            &mut grads.weight_hh.view_mut(),
        );
        add_col_sums(
            rows(dgh_buf, start * b, end * b),
            grads.bias_hh.as_slice_mut().expect("bias"),
        );
        if let Some(gx) = grad_x {
            let n = (end - start) * b;
            let gxs = gx.as_slice_mut().expect("grad_x is in standard layout");
            let mut gx_rows =
                ArrayViewMut2::from_shape((n, input), &mut gxs[start * b * input..end * b * input])
                    .expect("grad_x rows");
            gemm(
                F::one(),
                &dgi,
                &params.weight_ih.view(),
                F::one(),
                &mut gx_rows,
            );
        }
        debug_assert_eq!(self.gx.ncols(), gh);
        (
            loss,
            Profile {
                start,
                values: profile,
            },
        )
    }

    /// Loss and gradient of one fixed-parameter pass over `batch`: forward over the whole
    /// sequence from `h0`/`c0` (zero when `None`), then every window of `bptt` backward, with the
    /// global divisor, gradients summed into `grads` (which is zeroed first). This is
    /// [`UpdateMode::Accumulate`]; with [`Bptt::Full`] it is the exact gradient.
    #[track_caller]
    pub fn loss_and_grad(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        init: InitialState<'_, F>,
        options: GradOptions,
        grads: &mut Params<F>,
    ) -> GradOutput<F> {
        let GradOptions {
            bptt,
            reduction,
            grad_x: want_grad_x,
        } = options;
        self.check(params, batch);
        let divisor = batch.divisor(0, batch.seq_len(), reduction);
        self.loss_and_grad_with(params, batch, init, (bptt, want_grad_x), divisor, grads)
    }

    /// [`Engine::loss_and_grad`] with the loss divided by `divisor` (that of a larger batch
    /// when `batch` is part of one).
    fn loss_and_grad_with(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        init: InitialState<'_, F>,
        (bptt, want_grad_x): (Bptt, bool),
        divisor: f64,
        grads: &mut Params<F>,
    ) -> GradOutput<F> {
        let (t_len, b) = (batch.seq_len(), batch.batch_size());
        self.prepare(t_len, b);
        self.forward_range(params, &batch.x, init.h0, init.c0, 0, t_len);
        grads.fill_zero();
        let mut grad_x = want_grad_x.then(|| Array3::zeros(batch.x.dim()));
        let hidden = self.dims.hidden;
        let mut grad_h0 = Array2::zeros((b, hidden));
        let mut grad_c0 = self
            .cell
            .has_cell_state()
            .then(|| Array2::zeros((b, hidden)));
        let mut loss = 0.0;
        let mut profile = Profile::default();
        for w in bptt.windows(t_len) {
            if !batch.has_terms(w.loss_start, w.end) {
                continue;
            }
            let (l, p) = self.backward_window(params, batch, w, divisor, grads, grad_x.as_mut());
            loss += l;
            profile = p;
            if w.start == 0 {
                grad_h0 += &self.dh_next.slice(s![0..b, ..]);
                if let Some(gc) = grad_c0.as_mut() {
                    *gc += &self.dc.slice(s![0..b, ..]);
                }
            }
        }
        GradOutput {
            loss,
            profile,
            grad_h0,
            grad_c0,
            grad_x,
        }
    }

    /// One training step on `batch` from a zero initial state: forward, BPTT as `config` says,
    /// clip, and update the model through `optimizer`. `grads` is scratch space of the model's
    /// shapes. A non-finite loss or gradient stops the step before that update is applied.
    #[track_caller]
    pub fn train_step(
        &mut self,
        model: &mut Model<F>,
        optimizer: &mut Optimizer<F>,
        config: StepConfig,
        batch: &Batch<F>,
        grads: &mut Params<F>,
    ) -> Result<StepStats, StepError> {
        let StepConfig {
            bptt,
            clip,
            reduction,
        } = config;
        let mut stats = StepStats::default();
        let mut apply = |params: &mut Params<F>,
                         grads: &mut Params<F>,
                         loss: f64,
                         segment_end: usize,
                         stats: &mut StepStats|
         -> Result<(), StepError> {
            if !loss.is_finite() {
                return Err(StepError::NonFinite {
                    quantity: "loss",
                    value: loss,
                    segment_end,
                });
            }
            let tensor_norms = grads.norms();
            let report: ClipReport = clip.apply(grads);
            if !report.finite {
                return Err(StepError::NonFinite {
                    quantity: "gradient norm",
                    value: report.norm_pre,
                    segment_end,
                });
            }
            optimizer.step(params, grads);
            stats.updates += 1;
            stats.clipped_updates += usize::from(report.engaged);
            if stats.updates == 1 || report.norm_pre > stats.grad_norm_pre_clip {
                stats.grad_norm_pre_clip = report.norm_pre;
                stats.grad_norm_post_clip = report.norm_post;
                stats.tensor_grad_norms = tensor_norms;
            }
            Ok(())
        };

        let t_len = batch.seq_len();
        match bptt.mode() {
            UpdateMode::Accumulate => {
                let options = GradOptions {
                    bptt,
                    reduction,
                    grad_x: false,
                };
                let (loss, profile) = if self.splits(batch.batch_size()) {
                    self.loss_and_grad_split(&model.params, batch, options, grads)
                } else {
                    let out = self.loss_and_grad(
                        &model.params,
                        batch,
                        InitialState::default(),
                        options,
                        grads,
                    );
                    (out.loss, out.profile)
                };
                stats.loss = loss;
                stats.profile = profile;
                apply(&mut model.params, grads, loss, t_len, &mut stats)?;
            }
            UpdateMode::PerSegment => {
                self.check(&model.params, batch);
                self.prepare(t_len, batch.batch_size());
                let total_divisor = batch.divisor(0, t_len, reduction);
                let mut done = 0;
                for w in bptt.windows(t_len) {
                    self.forward_range(&model.params, &batch.x, None, None, done, w.end);
                    done = w.end;
                    if !batch.has_terms(w.loss_start, w.end) {
                        continue;
                    }
                    let divisor = batch.divisor(w.loss_start, w.end, reduction);
                    grads.fill_zero();
                    let (loss, profile) =
                        self.backward_window(&model.params, batch, w, divisor, grads, None);
                    if total_divisor > 0.0 {
                        stats.loss += loss * divisor / total_divisor;
                    }
                    stats.profile = profile;
                    apply(&mut model.params, grads, loss, w.end, &mut stats)?;
                }
            }
        }
        Ok(stats)
    }

    /// [`Engine::loss_and_grad`] from a zero state with the batch split in two halves of rows,
    /// the second half on a scoped helper thread with its own engine: each half's loss and
    /// gradient are divided by the whole batch's divisor, so their sums are the whole batch's
    /// (to rounding). Returns the loss and the gradient profile (mean over all rows); `∂L/∂x`
    /// and `∂L/∂h0` are not computed (`options.grad_x` is ignored).
    #[track_caller]
    pub fn loss_and_grad_split(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        options: GradOptions,
        grads: &mut Params<F>,
    ) -> (f64, Profile) {
        self.check(params, batch);
        let GradOptions {
            bptt,
            reduction,
            grad_x: _,
        } = options;
        let b = batch.batch_size();
        let b1 = b / 2;
        let (first, second) = (batch.rows(0..b1), batch.rows(b1..b));
        let divisor = batch.divisor(0, batch.seq_len(), reduction);
        let mut helper = self.helper.take().unwrap_or_else(|| {
            Box::new((
                Engine::new(self.cell, self.dims),
                Params::zeros(self.cell, self.dims),
            ))
        });
        let run = (bptt, false);
        let (out_a, out_b) = std::thread::scope(|scope| {
            let (engine_b, grads_b) = &mut *helper;
            let handle = std::thread::Builder::new()
                .name("bptt-half".into())
                .spawn_scoped(scope, || {
                    engine_b.loss_and_grad_with(
                        params,
                        &second,
                        InitialState::default(),
                        run,
                        divisor,
                        grads_b,
                    )
                })
                .expect("spawn the second half's thread");
            let out_a = self.loss_and_grad_with(
                params,
                &first,
                InitialState::default(),
                run,
                divisor,
                grads,
            );
            let out_b = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (out_a, out_b)
        });
        for (g, h) in grads.slices_mut().into_iter().zip(helper.1.slices()) {
            for (a, &v) in g.iter_mut().zip(h) {
                *a += v;
            }
        }
        self.helper = Some(helper);
        self.last_split = true;
        // The profile of the last window with loss terms in the whole batch: a half without
        // terms there reported an earlier window (or none), and its rows' gradient in the last
        // one is zero.
        let halves = [(out_a.profile, b1), (out_b.profile, b - b1)];
        let last = halves
            .iter()
            .filter(|(p, _)| !p.values.is_empty())
            .map(|(p, _)| p.start)
            .max();
        let mut profile = Profile::default();
        if let Some(start) = last {
            for (p, rows) in &halves {
                if p.start == start && !p.values.is_empty() {
                    let w = *rows as f64 / b as f64;
                    profile.values.resize(p.values.len(), 0.0);
                    for (acc, v) in profile.values.iter_mut().zip(&p.values) {
                        *acc += w * v;
                    }
                }
            }
            profile.start = start;
        }
        (out_a.loss + out_b.loss, profile)
    }

    /// Forward only: the loss of `batch` (global divisor) from the state `init`, without
    /// gradients. The readout outputs of the loss steps are left in [`Engine::outputs`].
    #[track_caller]
    pub fn evaluate(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        init: InitialState<'_, F>,
        reduction: Reduction,
    ) -> f64 {
        self.check(params, batch);
        let (t_len, b) = (batch.seq_len(), batch.batch_size());
        self.prepare(t_len, b);
        self.forward_range(params, &batch.x, init.h0, init.c0, 0, t_len);
        let divisor = batch.divisor(0, t_len, reduction);
        // The loss steps: the last for mse_last, all otherwise (xent masks the rest).
        let t0 = if matches!(batch.target, super::Target::Last(_)) {
            t_len - 1
        } else {
            0
        };
        self.readout_loss(params, batch, t0, t_len, divisor)
    }

    /// The readout `out = h W_oᵀ + b_o` of steps `t0..t1` into `self.out`, and their loss
    /// (divided by `divisor`) with its gradient into `self.dout`.
    fn readout_loss(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        t0: usize,
        t1: usize,
        divisor: f64,
    ) -> f64 {
        let b = self.batch;
        {
            let h_rows = self.hs.slice(s![(t0 + 1) * b..(t1 + 1) * b, ..]);
            let mut out = self.out.slice_mut(s![t0 * b..t1 * b, ..]);
            gemm(
                F::one(),
                &h_rows,
                &params.readout_weight.t(),
                F::zero(),
                &mut out,
            );
        }
        add_bias_rows(
            rows_mut(&mut self.out, t0 * b, t1 * b),
            params.readout_bias.as_slice().expect("bias"),
        );
        batch.loss_and_dout(
            &self.out.slice(s![t0 * b..t1 * b, ..]),
            t0,
            t1,
            divisor,
            self.dout.slice_mut(s![t0 * b..t1 * b, ..]),
        )
    }

    /// Saturation of the last forward pass: the fraction of hidden units with `|h| > 0.99`
    /// (tanh RNN; for the ReLU RNN the fraction of units at exactly 0, i.e. dead), and for the
    /// LSTM / GRU the fraction of sigmoid gate values below 0.01 or above 0.99.
    pub fn saturation(&self) -> Saturation {
        let (t, b, hidden) = (self.seq_len, self.batch, self.dims.hidden);
        let n = t * b * hidden;
        if n == 0 {
            return Saturation::default();
        }
        let thr = F::of_f64(0.99);
        let lo = F::of_f64(0.01);
        let hs = rows(&self.hs, b, (t + 1) * b);
        let hidden_frac = match self.cell {
            CellKind::Rnn(super::Activation::Relu) => {
                hs.iter().filter(|&&h| h == F::zero()).count() as f64 / n as f64
            }
            CellKind::Rnn(super::Activation::Tanh) | CellKind::Lstm | CellKind::Gru => {
                hs.iter().filter(|&&h| h.abs() > thr).count() as f64 / n as f64
            }
        };
        // Sigmoid gates: LSTM i, f, o (blocks 0, 1, 3); GRU r, z (blocks 0, 1).
        let sig_blocks: &[usize] = match self.cell {
            CellKind::Rnn(_) => &[],
            CellKind::Lstm => &[0, 1, 3],
            CellKind::Gru => &[0, 1],
        };
        let gh = self.cell.gates() * hidden;
        let mut saturated = 0usize;
        let mut total = 0usize;
        if !sig_blocks.is_empty() {
            for row in rows(&self.gates, 0, t * b).chunks_exact(gh) {
                for &blk in sig_blocks {
                    for &g in &row[blk * hidden..(blk + 1) * hidden] {
                        saturated += usize::from(g < lo || g > thr);
                    }
                    total += hidden;
                }
            }
        }
        Saturation {
            hidden: hidden_frac,
            gates: (total > 0).then(|| saturated as f64 / total as f64),
        }
    }

    /// The hidden states of the last forward pass, `[T, B, H]` (`h[t]` follows input `x[t]`).
    pub fn hidden_states(&self) -> Array3<F> {
        self.states(&self.hs)
    }

    /// The LSTM cell states of the last forward pass, `[T, B, H]`.
    pub fn cell_states(&self) -> Option<Array3<F>> {
        self.cell.has_cell_state().then(|| self.states(&self.cs))
    }

    fn states(&self, buf: &Array2<F>) -> Array3<F> {
        let (t, b, h) = (self.seq_len, self.batch, self.dims.hidden);
        let v = buf.slice(s![b..(t + 1) * b, ..]).to_owned();
        v.into_shape_with_order((t, b, h)).expect("state rows")
    }

    /// The readout outputs of the steps whose loss was computed in the last pass,
    /// `[T, B, O]` (other steps hold stale values).
    pub fn outputs(&self) -> Array3<F> {
        let (t, b, o) = (self.seq_len, self.batch, self.dims.output);
        let own = self
            .out
            .slice(s![0..t * b, ..])
            .to_owned()
            .into_shape_with_order((t, b, o))
            .expect("output rows");
        match &self.helper {
            // A split pass: the second half's rows follow the first's along the batch axis.
            Some(helper) if self.last_split => {
                ndarray::concatenate(Axis(1), &[own.view(), helper.0.outputs().view()])
                    .expect("both halves have T steps and O outputs")
                    .as_standard_layout()
                    .into_owned()
            }
            _ => own,
        }
    }

    #[track_caller]
    fn check(&self, params: &Params<F>, batch: &Batch<F>) {
        params.check_shapes(self.cell, self.dims);
        assert_eq!(
            batch.input_size(),
            self.dims.input,
            "x [T, B, I]: input size"
        );
        batch.check_shapes(self.dims.output);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `dh = flush(next + loss)` and the sum of the row norms, against the plain two-pass
    /// computation; rows of 10 cover the 8-lane chunks and their remainder.
    #[test]
    fn gather_dh_adds_flushes_and_sums_row_norms() {
        let hidden = 10;
        let mut next: Vec<f32> = (0..20).map(|i| (i as f32 - 7.5) * 0.25).collect();
        let mut loss: Vec<f32> = (0..20).map(|i| (i % 3) as f32 * 0.5).collect();
        // A value below the threshold, with and without a loss term, and a sum of exactly 0.
        next[5] = 1e-32;
        loss[5] = 0.0;
        next[13] = -3e-32;
        loss[12] = -next[12];
        let tiny = tiny::<f32>();
        assert!(tiny > 1e-33 && tiny < 1e-30);
        for with_loss in [true, false] {
            let mut dh = vec![f32::NAN; 20];
            let got = gather_dh(&mut dh, &next, with_loss.then_some(&loss[..]), hidden);
            let want_dh: Vec<f32> = next
                .iter()
                .zip(&loss)
                .map(|(&n, &l)| {
                    let v = if with_loss { n + l } else { n };
                    if v.abs() < tiny { 0.0 } else { v }
                })
                .collect();
            assert_eq!(dh, want_dh);
            assert!(dh[5] == 0.0 && (!with_loss || dh[12] == 0.0) && (with_loss || dh[13] == 0.0));
            let want: f64 = want_dh
                .chunks_exact(hidden)
                .map(super::super::cell::l2_norm)
                .sum();
            assert!((got - want).abs() <= 1e-12 * want, "{got} vs {want}");
        }
    }
}
