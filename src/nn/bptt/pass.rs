//! One pass of the engine: forward over a range of steps (the input projection of the range
//! as one GEMM, then `h_{t-1} W_hhᵀ` per step), the readout and its loss, and the backward
//! pass of one window (`da_t W_hh` per step, then the weight gradients as one GEMM each).

use ndarray::{Array3, ArrayView2, ArrayViewMut2, s};

use super::super::loss::Batch;
use super::super::{CellKind, Dims, Params, Scalar, breakdown, gru, lstm, rnn};
use super::engine::{add_bias_rows, add_col_sums, gemm, rows, rows_mut};
use super::{Engine, Profile, Window};

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
pub(super) fn tiny<F: Scalar>() -> F {
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
                    *d = super::super::flush(n + l, tiny);
                }
            }
            None => {
                for (d, &n) in d.iter_mut().zip(n) {
                    *d = super::super::flush(n, tiny);
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

impl<F: Scalar> Engine<F> {
    /// Runs the cell forward over steps `t0..t1` of `x [T, B, I]` with the current parameters.
    /// At `t0 = 0` the state starts from `h0` / `c0` (zero when `None`); otherwise it continues
    /// from the stored state after step `t0 − 1`.
    pub(super) fn forward_range(
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
            let t_elem = breakdown::start();
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
            breakdown::elementwise_done(t_elem);
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
    pub(super) fn backward_window(
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
            let t_elem = breakdown::start();
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
            breakdown::elementwise_done(t_elem);
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

    /// The readout `out = h W_oᵀ + b_o` of steps `t0..t1` into `self.out`, and their loss
    /// (divided by `divisor`) with its gradient into `self.dout`.
    pub(super) fn readout_loss(
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
                .map(super::super::super::cell::l2_norm)
                .sum();
            assert!((got - want).abs() <= 1e-12 * want, "{got} vs {want}");
        }
    }
}
