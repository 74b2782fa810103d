//! The terms of the BPTT sum: how much each time step contributes to the weight gradients.
//!
//! The recurrent weight is shared by every step, so its gradient is a sum over the steps of
//! a backward window (DESIGN.md §2; `da_t` is the pre-activation gradient of step t, `[B, G·H]`,
//! with the batch summed by the product):
//!
//! ```text
//! ∂L/∂W_hh = Σ_t term_t,   term_t = da_tᵀ h_{t−1}   [G·H, H]
//! ∂L/∂W_ih = Σ_t da_tᵀ x_t                         [G·H, I]
//! ```
//!
//! For the GRU, `da_t` of `W_hh` is the gradient of the hidden projection: its n block is
//! `∂L/∂(h_{t−1} W_hnᵀ + b_hn) = da_n ⊙ r` (the reset gate multiplies the projection, PyTorch's
//! `reset_after`), while `W_ih`'s n block has `da_n` itself. Both are exactly what the backward
//! pass stores, so the terms add up to the engine's own gradient of the window.
//!
//! The terms are a diagnostic, computed by a pass of their own ([`Engine::bptt_terms`]): the
//! training step never forms them, and costs nothing extra for them.
//!
//! ## The share of the last k steps
//!
//! `share_last_k[k − 1] = ‖Σ_{t ≥ end − k} term_t‖ / ‖Σ_t term_t‖`: the norm of the part of the
//! gradient that the last k steps of the window give, over the norm of the whole gradient (the
//! one the update applies). It is 1 at k = the window's length. It measures how far back the
//! gradient reaches *as the update sees it*: terms that point in opposite directions cancel in
//! the update, and this ratio counts that, where a share of the summed term norms
//! (`Σ_{last k} ‖term_t‖ / Σ_t ‖term_t‖`) would credit early steps whose contributions the later
//! ones cancel. Because of such cancellation the curve need not rise monotonically and may pass
//! 1 before its end. (The summed norms can be formed from `hh` and `ih` if wanted.)

use ndarray::{Array2, ArrayView2, s};
use serde::{Deserialize, Serialize};

use super::super::cell::l2_norm;
use super::super::loss::Batch;
use super::super::{Params, Scalar};
use super::engine::gemm;
use super::{Engine, GradOptions, InitialState, UpdateMode, Window};

/// The norms of the terms of the BPTT sum over one backward window `start..start + hh.len()`
/// (all steps for full BPTT; the last window that holds loss terms for truncated BPTT, like
/// the gradient [`super::Profile`]). `t` counts from 0 at the first input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BpttTerms {
    /// The window's first step: entry `i` of `hh` and `ih` is step `start + i`.
    pub start: usize,
    /// `hh[i][g]`: Frobenius norm of step `start + i`'s contribution `da_tᵀ h_{t−1}` to
    /// `∂L/∂W_hh`, gate block `g` (rows `g·H..(g+1)·H`, PyTorch's order: LSTM i, f, g, o; GRU
    /// r, z, n; one block for the RNN).
    pub hh: Vec<Vec<f64>>,
    /// `ih[i][g]`: the same for the contribution `da_tᵀ x_t` to `∂L/∂W_ih`.
    pub ih: Vec<Vec<f64>>,
    /// `share_last_k[k − 1]`, k = 1..=window length: `‖Σ_{last k steps} term_t‖ /
    /// ‖Σ_t term_t‖` over the whole `W_hh` (all blocks; see the module doc for why this ratio).
    /// Empty when the window's gradient of `W_hh` is zero.
    pub share_last_k: Vec<f64>,
    /// The same for `W_ih`.
    pub share_last_k_ih: Vec<f64>,
}

impl BpttTerms {
    /// The number of steps of the window.
    pub fn len(&self) -> usize {
        self.hh.len()
    }

    /// Whether there are no terms (no window held loss terms).
    pub fn is_empty(&self) -> bool {
        self.hh.is_empty()
    }
}

/// One step's contributions, as [`Engine::bptt_terms`] hands them to its visitor.
#[derive(Clone, Copy, Debug)]
pub struct Term<'a, F> {
    /// The time step.
    pub t: usize,
    /// The step's contribution to `∂L/∂W_hh`, `[G·H, H]`.
    pub weight_hh: ArrayView2<'a, F>,
    /// The step's contribution to `∂L/∂W_ih`, `[G·H, I]`.
    pub weight_ih: ArrayView2<'a, F>,
}

/// Norms of the `blocks` equal row blocks of a row-major matrix.
fn block_norms<F: Scalar>(m: &[F], blocks: usize) -> Vec<f64> {
    let n = m.len() / blocks.max(1);
    (0..blocks)
        .map(|g| l2_norm(&m[g * n..(g + 1) * n]))
        .collect()
}

/// Adds `term` into `acc` (in f64) and returns the norm of the sum.
fn accumulate<F: Scalar>(acc: &mut [f64], term: &[F]) -> f64 {
    let mut sq = 0.0;
    for (a, &v) in acc.iter_mut().zip(term) {
        *a += v.as_f64();
        sq += *a * *a;
    }
    sq.sqrt()
}

/// `tail_norms[k − 1] / total` for every k (the last entry is the total), or nothing when the
/// total is zero.
fn shares(mut tail_norms: Vec<f64>) -> Vec<f64> {
    let total = tail_norms.last().copied().unwrap_or(0.0);
    if total == 0.0 {
        return Vec::new();
    }
    for v in &mut tail_norms {
        *v /= total;
    }
    tail_norms
}

impl<F: Scalar> Engine<F> {
    /// The terms of the BPTT sum of `batch` with `params`, in a pass of its own: forward over
    /// the whole sequence from `init`, then the backward pass of the last window of
    /// `options.bptt` that holds loss terms, which leaves that window's gradient in `grads`
    /// (zeroed first). Then, for each step t of the window from its end back, the step's
    /// contributions to `∂L/∂W_hh` and `∂L/∂W_ih` are formed (one small GEMM each), handed to
    /// `visit`, and their norms per gate block and the share of the last k steps recorded.
    ///
    /// The loss is divided as the update that uses this window divides it: by the window's own
    /// divisor in [`UpdateMode::PerSegment`], by the whole sequence's otherwise (where the
    /// update sums every window's gradient, and this is the last window's part of it). The
    /// terms add up to `grads.weight_hh` and `grads.weight_ih` (to rounding). With fixed
    /// parameters, the window's activations are those of the training step's.
    /// `options.grad_x` is ignored.
    ///
    /// Cost: about one training step on `batch` plus, per step, two GEMMs of the size of the
    /// weight gradients (`B·G·H·(H + I)` multiply-adds).
    #[track_caller]
    pub fn bptt_terms(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        init: InitialState<'_, F>,
        options: GradOptions,
        grads: &mut Params<F>,
        mut visit: impl FnMut(Term<'_, F>),
    ) -> BpttTerms {
        self.check(params, batch);
        let GradOptions {
            bptt, reduction, ..
        } = options;
        let (t_len, b) = (batch.seq_len(), batch.batch_size());
        self.prepare(t_len, b);
        grads.fill_zero();
        let Some(w) = bptt
            .windows(t_len)
            .into_iter()
            .rev()
            .find(|w| batch.has_terms(w.loss_start, w.end))
        else {
            return BpttTerms::default();
        };
        self.forward_range(params, &batch.x, init.h0, init.c0, 0, t_len);
        let divisor = match bptt.mode() {
            UpdateMode::PerSegment => batch.divisor(w.loss_start, w.end, reduction),
            UpdateMode::Accumulate => batch.divisor(0, t_len, reduction),
        };
        self.backward_window(params, batch, w, divisor, grads, None);
        self.window_terms(batch, w, &mut visit)
    }

    /// The terms of window `w` from the buffers its backward pass left: `da_t` (`dgh` for the
    /// GRU's `W_hh`), `h_{t−1}` and `x_t`.
    fn window_terms(
        &self,
        batch: &Batch<F>,
        w: Window,
        visit: &mut impl FnMut(Term<'_, F>),
    ) -> BpttTerms {
        let b = self.batch;
        let input = self.dims.input;
        let hidden = self.dims.hidden;
        let blocks = self.cell.gates();
        let gh = blocks * hidden;
        let n = w.end - w.start;
        let mut term_hh = Array2::<F>::zeros((gh, hidden));
        let mut term_ih = Array2::<F>::zeros((gh, input));
        let mut sum_hh = vec![0.0; gh * hidden];
        let mut sum_ih = vec![0.0; gh * input];
        let mut terms = BpttTerms {
            start: w.start,
            hh: vec![Vec::new(); n],
            ih: vec![Vec::new(); n],
            share_last_k: Vec::with_capacity(n),
            share_last_k_ih: Vec::with_capacity(n),
        };
        let da_hh = if self.cell == super::super::CellKind::Gru {
            &self.dgh
        } else {
            &self.dgi
        };
        let xs = batch.x.as_slice().expect("x is in standard layout");
        for t in (w.start..w.end).rev() {
            let rows = t * b..(t + 1) * b;
            let x_t = ArrayView2::from_shape((b, input), &xs[t * b * input..(t + 1) * b * input])
                .expect("x rows");
            // hs block t holds h_{t−1}.
            let h_prev = self.hs.slice(s![rows.clone(), ..]);
            gemm(
                F::one(),
                &da_hh.slice(s![rows.clone(), ..]).t(),
                &h_prev,
                F::zero(),
                &mut term_hh.view_mut(),
            );
            gemm(
                F::one(),
                &self.dgi.slice(s![rows, ..]).t(),
                &x_t,
                F::zero(),
                &mut term_ih.view_mut(),
            );
            let hh = term_hh.as_slice().expect("contiguous");
            let ih = term_ih.as_slice().expect("contiguous");
            terms.hh[t - w.start] = block_norms(hh, blocks);
            terms.ih[t - w.start] = block_norms(ih, blocks);
            terms.share_last_k.push(accumulate(&mut sum_hh, hh));
            terms.share_last_k_ih.push(accumulate(&mut sum_ih, ih));
            visit(Term {
                t,
                weight_hh: term_hh.view(),
                weight_ih: term_ih.view(),
            });
        }
        terms.share_last_k = shares(terms.share_last_k);
        terms.share_last_k_ih = shares(terms.share_last_k_ih);
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_divide_by_the_total_and_vanish_with_it() {
        assert_eq!(shares(vec![1.0, 4.0, 2.0]), vec![0.5, 2.0, 1.0]);
        assert!(shares(vec![0.0, 0.0]).is_empty());
        assert!(shares(Vec::new()).is_empty());
    }

    #[test]
    #[expect(
        clippy::float_cmp,
        reason = "small integers and their squares, exact in f64"
    )]
    fn block_norms_split_the_rows_in_equal_blocks() {
        // Two blocks of [2, 2]: (3, 4, 0, 0) and (1, 1, 1, 1).
        let m = [3.0, 4.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        assert_eq!(block_norms(&m, 2), vec![5.0, 2.0]);
        let mut acc = vec![1.0, 0.0];
        assert_eq!(accumulate(&mut acc, &[2.0f32, 4.0]), 5.0);
        assert_eq!(acc, vec![3.0, 4.0]);
    }
}
