//! Long short-term memory, as `torch.nn.LSTM`, gate blocks in PyTorch's order i, f, g, o.
//!
//! Forward, per time step, batch-major (`x_t [B, I]`, `h_t, c_t [B, H]`, `a [B, 4H]`):
//!
//! ```text
//! a   = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh  = [a_i | a_f | a_g | a_o]
//! i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
//! c_t = f ⊙ c_{t-1} + i ⊙ g
//! h_t = o ⊙ tanh(c_t)
//! ```
//!
//! Backward, given `dh = ∂L/∂h_t` (total) and the carried `dc = ∂L/∂c_t` from step t+1:
//!
//! ```text
//! dc   += dh ⊙ o ⊙ (1 − tanh²(c_t))
//! da_i  = dc ⊙ g ⊙ i(1 − i)          da_f = dc ⊙ c_{t-1} ⊙ f(1 − f)
//! da_g  = dc ⊙ i ⊙ (1 − g²)          da_o = dh ⊙ tanh(c_t) ⊙ o(1 − o)
//! dc_{t-1} = dc ⊙ f                  dh_{t-1} = da W_hh   (GEMM, in the driver)
//! ```

use super::{Scalar, flush};

/// Inputs of one forward step: `gx [B, 4H]` (= `x_t W_ihᵀ + b_ih`), `hh [B, 4H]`
/// (= `h_{t-1} W_hhᵀ`), `b_hh [4H]`, `c_prev [B, H]`.
/// Outputs: `gates [B, 4H]` (i, f, g, o after their non-linearity), `c [B, H]`,
/// `tanh_c [B, H]`, `h [B, H]`.
pub(crate) struct Forward<'a, F> {
    pub gx: &'a [F],
    pub hh: &'a [F],
    pub b_hh: &'a [F],
    pub c_prev: &'a [F],
    pub gates: &'a mut [F],
    pub c: &'a mut [F],
    pub tanh_c: &'a mut [F],
    pub h: &'a mut [F],
}

/// One forward step in three passes over the step's block, none allocating: per row, the
/// pre-activations into `gates` with the gate non-linearities as slice passes
/// ([`Scalar::sigmoid_in_place`] over i, f and o, [`Scalar::tanh_in_place`] over g) and `c`;
/// then `tanh(c)` over the whole `[B, H]` block; then `h` (vectorised activations in f32).
#[expect(
    clippy::needless_pass_by_value,
    reason = "a bundle of borrowed slices, built for this one call"
)]
pub(crate) fn forward_step<F: Scalar>(s: Forward<'_, F>) {
    let hidden = s.b_hh.len() / 4;
    let g4 = 4 * hidden;
    let rows = s.c_prev.len() / hidden;
    for r in 0..rows {
        let gx = &s.gx[r * g4..(r + 1) * g4];
        let hh = &s.hh[r * g4..(r + 1) * g4];
        let gates = &mut s.gates[r * g4..(r + 1) * g4];
        for ((o, (&a, &b)), &bias) in gates.iter_mut().zip(gx.iter().zip(hh)).zip(s.b_hh) {
            *o = a + b + bias;
        }
        let (gif, rest) = gates.split_at_mut(2 * hidden);
        let (gg, go) = rest.split_at_mut(hidden);
        F::sigmoid_in_place(gif);
        F::tanh_in_place(gg);
        F::sigmoid_in_place(go);
        let (gi, gf) = gif.split_at(hidden);
        let row = r * hidden..(r + 1) * hidden;
        let c_prev = &s.c_prev[row.clone()];
        let c = &mut s.c[row.clone()];
        let tanh_c = &mut s.tanh_c[row];
        for j in 0..hidden {
            let cj = gf[j] * c_prev[j] + gi[j] * gg[j];
            c[j] = cj;
            tanh_c[j] = cj;
        }
    }
    F::tanh_in_place(s.tanh_c);
    for r in 0..rows {
        let go = &s.gates[r * g4 + 3 * hidden..(r + 1) * g4];
        let row = r * hidden..(r + 1) * hidden;
        for ((h, &o), &tc) in s.h[row.clone()].iter_mut().zip(go).zip(&s.tanh_c[row]) {
            *h = o * tc;
        }
    }
}

/// One backward step (`hidden` = H), one pass. `dc` comes in as `∂L/∂c_t` carried from step
/// t+1 and leaves as `∂L/∂c_{t-1}`; `da [B, 4H]` receives the pre-activation gradients. Values
/// below `tiny` in magnitude are written as 0 ([`super::flush`]), in `da` and in the carried
/// `dc`, which decays through the forget gates as `dh` does through `W_hh`.
#[expect(
    clippy::too_many_arguments,
    reason = "the slices of one step's equations, named as in them"
)]
pub(crate) fn backward_step<F: Scalar>(
    hidden: usize,
    gates: &[F],
    c_prev: &[F],
    tanh_c: &[F],
    dh: &[F],
    dc: &mut [F],
    da: &mut [F],
    tiny: F,
) {
    let rows = dh.len() / hidden;
    let one = F::one();
    for r in 0..rows {
        let g4 = &gates[r * 4 * hidden..(r + 1) * 4 * hidden];
        let d4 = &mut da[r * 4 * hidden..(r + 1) * 4 * hidden];
        let (dai, rest) = d4.split_at_mut(hidden);
        let (daf, rest) = rest.split_at_mut(hidden);
        let (dag, dao) = rest.split_at_mut(hidden);
        let base = r * hidden;
        for j in 0..hidden {
            let i = g4[j];
            let f = g4[hidden + j];
            let g = g4[2 * hidden + j];
            let o = g4[3 * hidden + j];
            let tc = tanh_c[base + j];
            let dhj = dh[base + j];
            let dcj = dc[base + j] + dhj * o * (one - tc * tc);
            dai[j] = flush(dcj * g * i * (one - i), tiny);
            daf[j] = flush(dcj * c_prev[base + j] * f * (one - f), tiny);
            dag[j] = flush(dcj * i * (one - g * g), tiny);
            dao[j] = flush(dhj * tc * o * (one - o), tiny);
            dc[base + j] = flush(dcj * f, tiny);
        }
    }
}
