//! The shared description of a single-layer recurrent cell with a linear readout: its kind,
//! its sizes and its parameters under PyTorch's names.

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::Scalar;

/// Non-linearity of the vanilla RNN (`torch.nn.RNN(nonlinearity=...)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Tanh,
    Relu,
}

/// Which recurrent cell. Gate order and equations are PyTorch's (see [`super::rnn`],
/// [`super::lstm`], [`super::gru`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// `h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)`.
    Rnn(Activation),
    /// Gates i, f, g, o.
    Lstm,
    /// Gates r, z, n, reset applied after the matmul.
    Gru,
}

impl CellKind {
    /// Number of gate blocks G: the recurrent weights are `[G·H, H]`.
    pub fn gates(self) -> usize {
        match self {
            Self::Rnn(_) => 1,
            Self::Lstm => 4,
            Self::Gru => 3,
        }
    }

    /// Names of the gate blocks in PyTorch's order.
    pub fn gate_names(self) -> &'static [&'static str] {
        match self {
            Self::Rnn(_) => &["h"],
            Self::Lstm => &["i", "f", "g", "o"],
            Self::Gru => &["r", "z", "n"],
        }
    }

    /// Short lower-case name (`rnn`, `rnn_relu`, `lstm`, `gru`).
    pub fn short_name(self) -> &'static str {
        match self {
            Self::Rnn(Activation::Tanh) => "rnn",
            Self::Rnn(Activation::Relu) => "rnn_relu",
            Self::Lstm => "lstm",
            Self::Gru => "gru",
        }
    }

    /// Whether the cell carries a memory cell `c` beside `h`.
    pub fn has_cell_state(self) -> bool {
        matches!(self, Self::Lstm)
    }
}

/// Sizes of the model: input I, hidden H, output O.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dims {
    pub input: usize,
    pub hidden: usize,
    pub output: usize,
}

/// PyTorch's names of the six parameter tensors, in the order [`Params::slices`] uses.
pub const PARAM_NAMES: [&str; 6] = [
    "weight_ih_l0",
    "weight_hh_l0",
    "bias_ih_l0",
    "bias_hh_l0",
    "readout.weight",
    "readout.bias",
];

/// The parameters of a cell and its readout, with PyTorch's shapes (G gate blocks):
/// `weight_ih_l0 [G·H, I]`, `weight_hh_l0 [G·H, H]`, `bias_ih_l0 [G·H]`, `bias_hh_l0 [G·H]`,
/// `readout.weight [O, H]`, `readout.bias [O]`. Gradients use the same struct.
#[derive(Clone, Debug, PartialEq)]
pub struct Params<F> {
    pub weight_ih: Array2<F>,
    pub weight_hh: Array2<F>,
    pub bias_ih: Array1<F>,
    pub bias_hh: Array1<F>,
    pub readout_weight: Array2<F>,
    pub readout_bias: Array1<F>,
}

impl<F: Scalar> Params<F> {
    /// All-zero parameters of the right shapes.
    pub fn zeros(cell: CellKind, dims: Dims) -> Self {
        let gh = cell.gates() * dims.hidden;
        Self {
            weight_ih: Array2::zeros((gh, dims.input)),
            weight_hh: Array2::zeros((gh, dims.hidden)),
            bias_ih: Array1::zeros(gh),
            bias_hh: Array1::zeros(gh),
            readout_weight: Array2::zeros((dims.output, dims.hidden)),
            readout_bias: Array1::zeros(dims.output),
        }
    }

    /// Whether every tensor has the shape `cell` and `dims` need; if not, which does not.
    pub fn shapes_fit(&self, cell: CellKind, dims: Dims) -> Result<(), String> {
        let expected = Self::zeros(cell, dims);
        for ((name, got), want) in PARAM_NAMES.iter().zip(self.shapes()).zip(expected.shapes()) {
            if got != want {
                return Err(format!(
                    "{name} has shape {got:?}; a {} with I = {}, H = {}, O = {} needs {want:?}",
                    cell.short_name(),
                    dims.input,
                    dims.hidden,
                    dims.output
                ));
            }
        }
        Ok(())
    }

    /// Panics if a tensor's shape is not the one `cell` and `dims` need.
    #[track_caller]
    pub fn check_shapes(&self, cell: CellKind, dims: Dims) {
        let expected = Self::zeros(cell, dims);
        for ((name, got), want) in PARAM_NAMES.iter().zip(self.shapes()).zip(expected.shapes()) {
            assert_eq!(got, want, "shape of {name} for {cell:?} {dims:?}");
        }
    }

    /// Shapes of the six tensors, in [`PARAM_NAMES`] order.
    pub fn shapes(&self) -> [Vec<usize>; 6] {
        [
            self.weight_ih.shape().to_vec(),
            self.weight_hh.shape().to_vec(),
            self.bias_ih.shape().to_vec(),
            self.bias_hh.shape().to_vec(),
            self.readout_weight.shape().to_vec(),
            self.readout_bias.shape().to_vec(),
        ]
    }

    /// The six tensors as flat row-major slices, in [`PARAM_NAMES`] order.
    pub fn slices(&self) -> [&[F]; 6] {
        [
            flat(self.weight_ih.as_slice()),
            flat(self.weight_hh.as_slice()),
            flat(self.bias_ih.as_slice()),
            flat(self.bias_hh.as_slice()),
            flat(self.readout_weight.as_slice()),
            flat(self.readout_bias.as_slice()),
        ]
    }

    /// The six tensors as mutable flat row-major slices, in [`PARAM_NAMES`] order.
    pub fn slices_mut(&mut self) -> [&mut [F]; 6] {
        [
            flat_mut(self.weight_ih.as_slice_mut()),
            flat_mut(self.weight_hh.as_slice_mut()),
            flat_mut(self.bias_ih.as_slice_mut()),
            flat_mut(self.bias_hh.as_slice_mut()),
            flat_mut(self.readout_weight.as_slice_mut()),
            flat_mut(self.readout_bias.as_slice_mut()),
        ]
    }

    /// Sets every entry to zero, keeping the allocations.
    pub fn fill_zero(&mut self) {
        for s in self.slices_mut() {
            s.fill(F::zero());
        }
    }

    /// Total number of scalars.
    pub fn len(&self) -> usize {
        self.slices().iter().map(|s| s.len()).sum()
    }

    /// Whether there are no scalars at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// L2 norm of each tensor, in f64, in [`PARAM_NAMES`] order.
    pub fn norms(&self) -> [f64; 6] {
        self.slices().map(|s| l2_norm(s))
    }

    /// Global L2 norm over all six tensors, in f64.
    pub fn global_norm(&self) -> f64 {
        self.norms().iter().map(|n| n * n).sum::<f64>().sqrt()
    }

    /// Converts every tensor to another float type.
    pub fn cast<G: Scalar>(&self) -> Params<G> {
        let cv2 = |a: &Array2<F>| a.mapv(|v| G::of_f64(v.as_f64()));
        let cv1 = |a: &Array1<F>| a.mapv(|v| G::of_f64(v.as_f64()));
        Params {
            weight_ih: cv2(&self.weight_ih),
            weight_hh: cv2(&self.weight_hh),
            bias_ih: cv1(&self.bias_ih),
            bias_hh: cv1(&self.bias_hh),
            readout_weight: cv2(&self.readout_weight),
            readout_bias: cv1(&self.readout_bias),
        }
    }

    /// Whether every entry is finite.
    pub fn all_finite(&self) -> bool {
        self.slices()
            .iter()
            .all(|s| s.iter().all(|v| v.is_finite()))
    }
}

/// L2 norm of a slice, accumulated in f64.
pub fn l2_norm<F: Scalar>(s: &[F]) -> f64 {
    s.iter()
        .map(|v| {
            let v = v.as_f64();
            v * v
        })
        .sum::<f64>()
        .sqrt()
}

#[track_caller]
fn flat<F>(s: Option<&[F]>) -> &[F] {
    s.expect("parameter tensors are always in standard layout")
}

#[track_caller]
fn flat_mut<F>(s: Option<&mut [F]>) -> &mut [F] {
    s.expect("parameter tensors are always in standard layout")
}

/// A cell of a given kind and size with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Model<F> {
    pub cell: CellKind,
    pub dims: Dims,
    pub params: Params<F>,
}

impl<F: Scalar> Model<F> {
    /// Wraps parameters, checking that their shapes fit `cell` and `dims`.
    #[track_caller]
    pub fn new(cell: CellKind, dims: Dims, params: Params<F>) -> Self {
        params.check_shapes(cell, dims);
        Self { cell, dims, params }
    }

    /// Converts the parameters to another float type.
    pub fn cast<G: Scalar>(&self) -> Model<G> {
        Model {
            cell: self.cell,
            dims: self.dims,
            params: self.params.cast(),
        }
    }
}
