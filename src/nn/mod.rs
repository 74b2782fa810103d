//! The BPTT engine: cells, readout, losses, initialization, clipping, optimizers and the
//! full / truncated backpropagation-through-time driver.
//!
//! Everything here is plain `ndarray` and knows nothing of the GUI. Shapes and names follow
//! PyTorch (`torch.nn.RNN/LSTM/GRU` with `batch_first=False` and a `torch.nn.Linear`
//! readout), so weights move between the two and give the same numbers.

pub mod bptt;
pub mod breakdown;
pub mod cell;
pub mod clip;
pub mod fastmath;
pub mod gemm;
pub mod gru;
pub mod init;
pub mod linalg;
pub mod loss;
pub mod lstm;
pub mod optim;
pub mod rnn;

pub use bptt::{
    Bptt, BpttTerms, Depths, Engine, GradOptions, GradOutput, InitialState, Profile, Saturation,
    StepConfig, StepError, StepStats, Term, UpdateMode, Window,
};
pub use cell::{Activation, CellKind, Dims, Model, PARAM_NAMES, Params};
pub use clip::{Clip, ClipReport};
pub use init::{BiasInit, Init, WeightInit};
pub use loss::{Batch, LossKind, Reduction, Target};
pub use optim::{Optimizer, OptimizerConfig, OptimizerState};

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

/// The floating-point types the engine runs in: `f32` for training, `f64` for gradient checks.
pub trait Scalar:
    ndarray::LinalgScalar
    + gemm::Gemm
    + ndarray::ScalarOperand
    + num_traits::Float
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + 'static
{
    /// Converts from `f64` (rounding to nearest for `f32`).
    fn of_f64(v: f64) -> Self;
    /// Converts to `f64` exactly.
    fn as_f64(self) -> f64;
    /// The name used in configs and benchmark output.
    const NAME: &'static str;
    /// `x ← tanh x` for every element: libm for f64, [`fastmath`] for f32 (at most 2 ulp).
    fn tanh_in_place(xs: &mut [Self]);
    /// `x ← σ(x)` for every element: `sigmoid` (libm's `exp`) for f64, [`fastmath`] for
    /// f32 (at most 3 ulp).
    fn sigmoid_in_place(xs: &mut [Self]);
}

impl Scalar for f32 {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "rounding to f32 is the conversion"
    )]
    fn of_f64(v: f64) -> Self {
        v as f32
    }
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
    const NAME: &'static str = "f32";
    fn tanh_in_place(xs: &mut [Self]) {
        fastmath::tanh_in_place(xs);
    }
    fn sigmoid_in_place(xs: &mut [Self]) {
        fastmath::sigmoid_in_place(xs);
    }
}

impl Scalar for f64 {
    fn of_f64(v: f64) -> Self {
        v
    }
    fn as_f64(self) -> f64 {
        self
    }
    const NAME: &'static str = "f64";
    fn tanh_in_place(xs: &mut [Self]) {
        for x in xs {
            *x = x.tanh();
        }
    }
    fn sigmoid_in_place(xs: &mut [Self]) {
        for x in xs {
            *x = sigmoid(*x);
        }
    }
}

/// Logistic sigmoid, `1 / (1 + e^{-x})`; saturates to exactly 0 or 1 without overflow trouble.
#[inline]
pub(crate) fn sigmoid<F: Scalar>(x: F) -> F {
    F::one() / (F::one() + (-x).exp())
}

/// `v`, or zero where `|v| < tiny`: the backward pass's flush of values that would turn
/// subnormal (see `bptt::tiny`).
#[inline]
pub(crate) fn flush<F: Scalar>(v: F, tiny: F) -> F {
    if v.abs() < tiny { F::zero() } else { v }
}
