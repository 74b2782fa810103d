//! Weight and bias initializations, each the named scheme from the literature, applied per
//! gate block where the scheme is defined on square matrices.
//!
//! Draws come from stream [`INIT_STREAM`] of a ChaCha8 generator seeded by the run's seed, in a
//! fixed order
//! (`weight_ih`, `weight_hh`, biases, readout), so the same seed gives the same weights.

use ndarray::{Array2, s};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::linalg::{largest_singular_value, orthonormal_columns, spectral_radius};
use super::{CellKind, Dims, Params, Scalar};

/// How a weight matrix (`weight_ih_l0` or `weight_hh_l0`) is initialized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WeightInit {
    /// PyTorch's default for recurrent layers: every entry `U(−1/√H, 1/√H)`.
    #[default]
    PytorchDefault,
    /// Glorot & Bengio 2010: `U(±gain·√(6/(fan_in+fan_out)))` over the whole tensor
    /// (`fan_in` = columns, `fan_out` = rows), as `torch.nn.init.xavier_uniform_`.
    XavierUniform { gain: f64 },
    /// `N(0, gain²·2/(fan_in+fan_out))`, as `torch.nn.init.xavier_normal_`.
    XavierNormal { gain: f64 },
    /// Saxe et al. 2014: each gate block a random orthogonal matrix (QR of a Gaussian with
    /// the sign fix) times `gain`; non-square blocks get orthonormal rows or columns.
    Orthogonal { gain: f64 },
    /// Le, Jaitly & Hinton 2015 (IRNN): each gate block `gain · I` (non-square: ones on the
    /// main diagonal, as `torch.nn.init.eye_`).
    Identity { gain: f64 },
    /// Each gate block `N(0, 1)` rescaled so that its spectral radius is `radius`
    /// (non-square blocks: its largest singular value).
    SpectralRadius { radius: f64 },
    /// Martens 2010 / Sutskever et al. 2013 / Pascanu et al. 2013's "smart" init: each row of a
    /// gate block has `nonzeros` non-zero `N(0, 1)` entries, then the block is rescaled to
    /// spectral radius `radius` (non-square: largest singular value).
    Sparse { nonzeros: usize, radius: f64 },
    /// All zeros.
    Zero,
}

/// How the biases are initialized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BiasInit {
    /// PyTorch's default: `U(−1/√H, 1/√H)` for both bias vectors.
    #[default]
    PytorchDefault,
    /// All zeros.
    Zero,
    /// LSTM only (Gers et al. 2000, Jozefowicz et al. 2015): all zero except the forget
    /// block of `bias_ih_l0`, set to `value`. Only one of the two bias vectors gets it, so the
    /// effective forget bias is `value`, not `2·value`.
    ForgetBias { value: f64 },
    /// LSTM only (Tallec & Ollivier 2018, chrono initialization): per unit
    /// `b_f = ln(u)`, `u ~ U[1, t_max − 1]`, and `b_i = −b_f`, in `bias_ih_l0`; all else zero.
    Chrono { t_max: f64 },
}

/// The initialization of a model: its two weight matrices and its biases. The readout always
/// uses `torch.nn.Linear`'s default, `U(±1/√H)` for its weight and bias.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Init {
    pub weight_ih: WeightInit,
    pub weight_hh: WeightInit,
    pub bias: BiasInit,
}

/// An initialization that does not fit the model.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InitError {
    #[error("init.bias: {scheme} applies to the LSTM only, not to {cell}")]
    LstmOnly {
        scheme: &'static str,
        cell: &'static str,
    },
    #[error("init.bias.chrono: t_max must be > 2, got {0}")]
    ChronoTmax(f64),
    #[error("init.{tensor}.sparse: nonzeros must be in 1..={max}, got {got}")]
    SparseNonzeros {
        tensor: &'static str,
        max: usize,
        got: usize,
    },
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// Rescales `block` so that its spectral radius (square) or largest singular value (otherwise)
/// becomes `target`.
fn rescale(block: &mut Array2<f64>, target: f64) {
    let current = if block.nrows() == block.ncols() {
        spectral_radius(block, 40)
    } else {
        largest_singular_value(block, 500)
    };
    if current > 0.0 && current.is_finite() {
        block.mapv_inplace(|v| v * target / current);
    }
}

/// Fills a `[G·H, cols]` weight in f64.
fn init_weight(
    scheme: WeightInit,
    tensor: &'static str,
    gates: usize,
    hidden: usize,
    cols: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Array2<f64>, InitError> {
    let rows = gates * hidden;
    let mut w = Array2::<f64>::zeros((rows, cols));
    let bound = 1.0 / (hidden as f64).sqrt();
    match scheme {
        WeightInit::PytorchDefault => w.mapv_inplace(|_| uniform(rng, -bound, bound)),
        WeightInit::XavierUniform { gain } => {
            let a = gain * (6.0 / (rows + cols) as f64).sqrt();
            w.mapv_inplace(|_| uniform(rng, -a, a));
        }
        WeightInit::XavierNormal { gain } => {
            let std = gain * (2.0 / (rows + cols) as f64).sqrt();
            w.mapv_inplace(|_| std * normal(rng));
        }
        WeightInit::Zero => {}
        WeightInit::Orthogonal { gain } => {
            for g in 0..gates {
                let tall = hidden >= cols;
                let (m, n) = if tall { (hidden, cols) } else { (cols, hidden) };
                let gauss = Array2::from_shape_simple_fn((m, n), || normal(rng));
                let q = orthonormal_columns(&gauss);
                let q = if tall { q } else { q.reversed_axes() };
                w.slice_mut(s![g * hidden..(g + 1) * hidden, ..])
                    .assign(&(q * gain));
            }
        }
        WeightInit::Identity { gain } => {
            for g in 0..gates {
                for j in 0..hidden.min(cols) {
                    w[[g * hidden + j, j]] = gain;
                }
            }
        }
        WeightInit::SpectralRadius { radius } => {
            for g in 0..gates {
                let mut block = Array2::from_shape_simple_fn((hidden, cols), || normal(rng));
                rescale(&mut block, radius);
                w.slice_mut(s![g * hidden..(g + 1) * hidden, ..])
                    .assign(&block);
            }
        }
        WeightInit::Sparse { nonzeros, radius } => {
            if nonzeros == 0 || nonzeros > cols {
                return Err(InitError::SparseNonzeros {
                    tensor,
                    max: cols,
                    got: nonzeros,
                });
            }
            for g in 0..gates {
                let mut block = Array2::<f64>::zeros((hidden, cols));
                for mut row in block.rows_mut() {
                    // A uniformly random subset of `nonzeros` columns (partial Fisher–Yates).
                    let mut idx: Vec<usize> = (0..cols).collect();
                    for k in 0..nonzeros {
                        let pick = k + rng.random_range(0..cols - k);
                        idx.swap(k, pick);
                        row[idx[k]] = normal(rng);
                    }
                }
                rescale(&mut block, radius);
                w.slice_mut(s![g * hidden..(g + 1) * hidden, ..])
                    .assign(&block);
            }
        }
    }
    Ok(w)
}

/// The `ChaCha8` stream initial weights are drawn from. Training batches use stream 0 and the
/// held-out set stream 1 (`tasks::train_rng`, `tasks::eval_rng`): the three never share
/// draws, so the initial weights are not a function of the first training batch.
pub const INIT_STREAM: u64 = 2;

/// Draws the parameters of `cell` with sizes `dims` as `init` says, from stream
/// [`INIT_STREAM`] of `seed`.
pub fn init_params<F: Scalar>(
    cell: CellKind,
    dims: Dims,
    init: Init,
    seed: u64,
) -> Result<Params<F>, InitError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(INIT_STREAM);
    let Dims {
        input,
        hidden,
        output,
    } = dims;
    let gates = cell.gates();
    let gh = gates * hidden;
    let w_ih = init_weight(init.weight_ih, "weight_ih", gates, hidden, input, &mut rng)?;
    let w_hh = init_weight(init.weight_hh, "weight_hh", gates, hidden, hidden, &mut rng)?;
    let bound = 1.0 / (hidden as f64).sqrt();
    let mut b_ih = ndarray::Array1::<f64>::zeros(gh);
    let mut b_hh = ndarray::Array1::<f64>::zeros(gh);
    let lstm_only = |scheme| {
        if cell == CellKind::Lstm {
            Ok(())
        } else {
            Err(InitError::LstmOnly {
                scheme,
                cell: cell.short_name(),
            })
        }
    };
    match init.bias {
        BiasInit::PytorchDefault => {
            b_ih.mapv_inplace(|_| uniform(&mut rng, -bound, bound));
            b_hh.mapv_inplace(|_| uniform(&mut rng, -bound, bound));
        }
        BiasInit::Zero => {}
        BiasInit::ForgetBias { value } => {
            lstm_only("forget_bias")?;
            b_ih.slice_mut(s![hidden..2 * hidden]).fill(value);
        }
        BiasInit::Chrono { t_max } => {
            lstm_only("chrono")?;
            if t_max.is_nan() || t_max <= 2.0 {
                return Err(InitError::ChronoTmax(t_max));
            }
            for j in 0..hidden {
                let bf = uniform(&mut rng, 1.0, t_max - 1.0).ln();
                b_ih[hidden + j] = bf;
                b_ih[j] = -bf;
            }
        }
    }
    let readout_weight =
        Array2::from_shape_simple_fn((output, hidden), || uniform(&mut rng, -bound, bound));
    let readout_bias =
        ndarray::Array1::from_shape_simple_fn(output, || uniform(&mut rng, -bound, bound));
    let p = Params {
        weight_ih: w_ih,
        weight_hh: w_hh,
        bias_ih: b_ih,
        bias_hh: b_hh,
        readout_weight,
        readout_bias,
    };
    Ok(p.cast())
}
