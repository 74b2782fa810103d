//! Vanilla (Elman) RNN, as `torch.nn.RNN(nonlinearity="tanh" | "relu")`.
//!
//! Forward, per time step, batch-major (`x_t [B, I]`, `h_t [B, H]`):
//!
//! ```text
//! a_t = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh        [B, H]
//! h_t = act(a_t)                                       act ∈ {tanh, relu}
//! ```
//!
//! Backward, given the total `dh_t = ∂L/∂h_t`:
//!
//! ```text
//! da_t      = dh_t ⊙ act'(a_t)       tanh' = 1 − h_t²;  relu' = [h_t > 0]
//! dh_{t-1}  = da_t W_hh               (the GEMM, done by the driver)
//! ```
//!
//! The kernels here do the element-wise part on row-major slices; the driver in
//! [`super::bptt`] does the GEMMs. `gx` already holds `x_t W_ihᵀ + b_ih`; `hh` holds
//! `h_{t-1} W_hhᵀ` (without bias).

use super::{Activation, Scalar, flush};

/// `h = act(gx + hh + b_hh)`: the sums row by row, then tanh over the whole block in one
/// [`Scalar::tanh_in_place`] pass (vectorised in f32); all slices are `[B, H]` except
/// `b_hh [H]`.
pub(crate) fn forward_step<F: Scalar>(
    act: Activation,
    gx: &[F],
    hh: &[F],
    b_hh: &[F],
    h_out: &mut [F],
) {
    let hidden = b_hh.len();
    for ((h_row, gx_row), hh_row) in h_out
        .chunks_exact_mut(hidden)
        .zip(gx.chunks_exact(hidden))
        .zip(hh.chunks_exact(hidden))
    {
        for (((h, &g), &r), &b) in h_row.iter_mut().zip(gx_row).zip(hh_row).zip(b_hh) {
            let a = g + r + b;
            *h = match act {
                Activation::Tanh => a,
                Activation::Relu => a.max(F::zero()),
            };
        }
    }
    if act == Activation::Tanh {
        F::tanh_in_place(h_out);
    }
}

/// `da = dh ⊙ act'(a)`, with the derivative read off the stored output `h_t`; values below
/// `tiny` in magnitude are written as 0 ([`super::flush`]).
pub(crate) fn backward_step<F: Scalar>(
    act: Activation,
    h_t: &[F],
    dh: &[F],
    da: &mut [F],
    tiny: F,
) {
    for ((d, &h), &g) in da.iter_mut().zip(h_t).zip(dh) {
        *d = flush(
            match act {
                Activation::Tanh => g * (F::one() - h * h),
                Activation::Relu => {
                    if h > F::zero() {
                        g
                    } else {
                        F::zero()
                    }
                }
            },
            tiny,
        );
    }
}
