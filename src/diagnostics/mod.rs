//! Diagnostics of a trained network that explain its gradient profile: the eigenvalues of
//! `W_hh` per gate block ([`eigen`]), the Lyapunov exponents of the state map along held-out
//! sequences ([`lyapunov`]), Pascanu et al.'s Ω and "steps in the past" ([`mod@omega`]) and the
//! LSTM's per-unit memory horizons ([`memory`]); [`analyze()`] computes all of them for a
//! config's held-out sequences.
//!
//! Everything here runs in f64, one sequence at a time, beside the engine rather than inside
//! it (the forward pass is recomputed per sequence, [`jacobian::Trajectory`]), and uses
//! nalgebra for the Schur, SVD and QR factorizations. The step Jacobians `∂s_t/∂s_{t−1}` are derived by hand
//! per cell ([`jacobian`]); the state `s` is `h` for the RNN and GRU and `(h, c)` (2H values,
//! `h` first) for the LSTM, because `h_t` alone does not determine the next step of an LSTM.
//!
//! The trainer takes [`analyze()`] at the diagnostics cadence within a time budget
//! ([`crate::train::Diagnostics::analysis`]); runs write it as [`csv`] files;
//! `bptt-lab analyze` computes it for saved weights.

pub mod analyze;
pub mod csv;
pub mod eigen;
pub mod jacobian;
pub mod lyapunov;
pub mod memory;
pub mod omega;

pub use analyze::{Analysis, AnalysisOptions, Costs, analyze, analyze_with};
pub use eigen::{BlockSpectrum, block_spectra, eigenvalues, reference_radius, sigma_max};
pub use jacobian::{Net, Step, Trajectory};
pub use lyapunov::{
    Benettin, Decay, LogSlope, Lyapunov, default_count, fit_log_slope, lyapunov_exponents,
};
pub use memory::memory_horizons;
pub use omega::{Backward, Omega, STEPS_FLOOR_SQUARED, omega, profile_steps_in_the_past};

/// Why a diagnostic could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DiagnosticsError {
    /// The parameters do not fit the cell and sizes.
    #[error("parameters do not fit the model: {0}")]
    Shape(String),
    /// An input sequence does not fit the model.
    #[error("sequence {sequence}: {what}")]
    Sequence { sequence: usize, what: String },
    /// A matrix holds NaN or infinite values.
    #[error("{what} holds a value that is not finite")]
    NonFinite { what: String },
    /// An iterative factorization did not converge.
    #[error("the {what} of {of} did not converge")]
    NoConvergence { what: &'static str, of: String },
    /// A setting is out of its range.
    #[error("{field} = {value}: {allowed}")]
    Setting {
        field: &'static str,
        value: String,
        allowed: String,
    },
}
