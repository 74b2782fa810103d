//! Gated recurrent unit, as `torch.nn.GRU`: gate blocks r, z, n, with the reset gate applied
//! *after* the recurrent matmul (PyTorch; Keras `reset_after=True`).
//!
//! Forward, per time step, batch-major (`x_t [B, I]`, `h_t [B, H]`):
//!
//! ```text
//! gi = x_t W_ihᵀ + b_ih = [gi_r | gi_z | gi_n]          [B, 3H]
//! gh = h_{t-1} W_hhᵀ + b_hh = [gh_r | gh_z | gh_n]      [B, 3H]
//! r = σ(gi_r + gh_r)     z = σ(gi_z + gh_z)     n = tanh(gi_n + r ⊙ gh_n)
//! h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
//! ```
//!
//! Backward, given the total `dh = ∂L/∂h_t`:
//!
//! ```text
//! dn = dh ⊙ (1 − z)          dz = dh ⊙ (h_{t-1} − n)
//! da_n = dn ⊙ (1 − n²)       dr = da_n ⊙ gh_n
//! da_r = dr ⊙ r(1 − r)       da_z = dz ⊙ z(1 − z)
//! dgi = [da_r | da_z | da_n]                 dgh = [da_r | da_z | da_n ⊙ r]
//! dh_{t-1} = dh ⊙ z + dgh W_hh               (the GEMM, in the driver)
//! ```
//!
//! Because the reset gate multiplies `gh_n` (bias included), `b_ih` and `b_hh` are not
//! redundant for the n block: both are kept, as in PyTorch.

use super::{Scalar, flush};

/// Inputs of one forward step: `gx [B, 3H]` (= `x_t W_ihᵀ + b_ih`), `hh [B, 3H]`
/// (= `h_{t-1} W_hhᵀ`, no bias), `b_hh [3H]`, `h_prev [B, H]`.
/// Outputs: `gates [B, 3H]` (r, z, n after their non-linearity), `gh_n [B, H]`
/// (`h_{t-1} W_hnᵀ + b_hn`, kept for the backward pass), `h [B, H]`.
pub(crate) struct Forward<'a, F> {
    pub gx: &'a [F],
    pub hh: &'a [F],
    pub b_hh: &'a [F],
    pub h_prev: &'a [F],
    pub gates: &'a mut [F],
    pub gh_n: &'a mut [F],
    pub h: &'a mut [F],
}

/// One forward step, per row in passes that allocate nothing: the r and z pre-activations
/// with one [`Scalar::sigmoid_in_place`] over both blocks, then `gh_n` and the n
/// pre-activation with one [`Scalar::tanh_in_place`], then `h` (vectorised activations in
/// f32).
#[expect(
    clippy::needless_pass_by_value,
    reason = "a bundle of borrowed slices, built for this one call"
)]
pub(crate) fn forward_step<F: Scalar>(s: Forward<'_, F>) {
    let hidden = s.b_hh.len() / 3;
    let g3 = 3 * hidden;
    let rows = s.h_prev.len() / hidden.max(1);
    let one = F::one();
    let (b_rz, b_n) = s.b_hh.split_at(2 * hidden);
    for r in 0..rows {
        let (gx_rz, gx_n) = s.gx[r * g3..(r + 1) * g3].split_at(2 * hidden);
        let (hh_rz, hh_n) = s.hh[r * g3..(r + 1) * g3].split_at(2 * hidden);
        let (rz, ng) = s.gates[r * g3..(r + 1) * g3].split_at_mut(2 * hidden);
        for (((o, &a), &b), &bias) in rz.iter_mut().zip(gx_rz).zip(hh_rz).zip(b_rz) {
            *o = a + b + bias;
        }
        F::sigmoid_in_place(rz);
        let (rg, zg) = rz.split_at(hidden);
        let row = r * hidden..(r + 1) * hidden;
        let gh_n = &mut s.gh_n[row.clone()];
        for j in 0..hidden {
            let ghn = hh_n[j] + b_n[j];
            gh_n[j] = ghn;
            ng[j] = gx_n[j] + rg[j] * ghn;
        }
        F::tanh_in_place(ng);
        let h_prev = &s.h_prev[row.clone()];
        for (((h, &z), &n), &hp) in s.h[row].iter_mut().zip(zg).zip(&*ng).zip(h_prev) {
            *h = (one - z) * n + z * hp;
        }
    }
}

/// Outputs of one backward step: `dgi [B, 3H]` and `dgh [B, 3H]` (pre-activation gradients
/// of the input and hidden projections), and `dh_prev [B, H]` set to the direct part
/// `dh ⊙ z` (the driver adds `dgh W_hh`). `dgi` and `dgh` values below `tiny` in magnitude are
/// written as 0 ([`super::flush`]).
pub(crate) struct Backward<'a, F> {
    pub hidden: usize,
    pub gates: &'a [F],
    pub gh_n: &'a [F],
    pub h_prev: &'a [F],
    pub dh: &'a [F],
    pub dgi: &'a mut [F],
    pub dgh: &'a mut [F],
    pub dh_prev: &'a mut [F],
    pub tiny: F,
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "a bundle of borrowed slices, built for this one call"
)]
pub(crate) fn backward_step<F: Scalar>(s: Backward<'_, F>) {
    let hidden = s.hidden;
    let rows = s.dh.len() / hidden;
    let g3 = 3 * hidden;
    let one = F::one();
    for r in 0..rows {
        let gates = &s.gates[r * g3..(r + 1) * g3];
        let dgi = &mut s.dgi[r * g3..(r + 1) * g3];
        let dgh = &mut s.dgh[r * g3..(r + 1) * g3];
        let base = r * hidden;
        for j in 0..hidden {
            let rg = gates[j];
            let zg = gates[hidden + j];
            let ng = gates[2 * hidden + j];
            let dh = s.dh[base + j];
            let dn = dh * (one - zg);
            let dz = dh * (s.h_prev[base + j] - ng);
            let dan = dn * (one - ng * ng);
            let dr = dan * s.gh_n[base + j];
            let dar = dr * rg * (one - rg);
            let daz = dz * zg * (one - zg);
            let (dar, daz) = (flush(dar, s.tiny), flush(daz, s.tiny));
            dgi[j] = dar;
            dgi[hidden + j] = daz;
            dgi[2 * hidden + j] = flush(dan, s.tiny);
            dgh[j] = dar;
            dgh[hidden + j] = daz;
            dgh[2 * hidden + j] = flush(dan * rg, s.tiny);
            s.dh_prev[base + j] = dh * zg;
        }
    }
}
