//! The lab's weights (PyTorch's names, shapes and gate order) in Keras's layout, and back.
//!
//! | lab / PyTorch | Keras |
//! |---|---|
//! | `weight_ih_l0 [G·H, I]` | `rnn_kernel [I, G·H]` (transposed) |
//! | `weight_hh_l0 [G·H, H]` | `rnn_recurrent_kernel [H, G·H]` (transposed) |
//! | `bias_ih_l0`, `bias_hh_l0 [G·H]` | `rnn_bias [G·H]` = their sum (`SimpleRNN`, `LSTM`); `[2, G·H]`, input then recurrent (`GRU`, `reset_after=True`) |
//! | `readout.weight [O, H]`, `readout.bias [O]` | `readout_kernel [H, O]`, `readout_bias [O]` (`Dense`) |
//!
//! Gate blocks: the LSTM's are in the same order (PyTorch i, f, g, o = Keras i, f, c, o); the
//! GRU's are r, z, n in PyTorch and z, r, h in Keras, so its first two blocks swap.

use ndarray::{Array1, Array2, ArrayD, Axis, concatenate, s};

use crate::nn::{CellKind, Params};

/// Keras's name of each exported tensor, in `set_weights` order (cell, then readout).
pub const KERAS_NAMES: [&str; 5] = [
    "rnn_kernel",
    "rnn_recurrent_kernel",
    "rnn_bias",
    "readout_kernel",
    "readout_bias",
];

/// The gate blocks in Keras's order: the indices of PyTorch's blocks.
fn keras_blocks(cell: CellKind) -> Vec<usize> {
    match cell {
        CellKind::Gru => vec![1, 0, 2],
        _ => (0..cell.gates()).collect(),
    }
}

/// Rows of `a` reordered block by block (`h` rows per block) into Keras's gate order.
fn reorder_rows(a: &Array2<f64>, cell: CellKind, h: usize, to_keras: bool) -> Array2<f64> {
    let order = keras_blocks(cell);
    let mut out = a.clone();
    for (dst, &src) in order.iter().enumerate() {
        let (from, to) = if to_keras { (src, dst) } else { (dst, src) };
        out.slice_mut(s![to * h..(to + 1) * h, ..])
            .assign(&a.slice(s![from * h..(from + 1) * h, ..]));
    }
    out
}

fn reorder(v: &Array1<f64>, cell: CellKind, h: usize, to_keras: bool) -> Array1<f64> {
    let column = v.view().insert_axis(Axis(1)).to_owned();
    reorder_rows(&column, cell, h, to_keras).index_axis_move(Axis(1), 0)
}

/// The lab's weights as Keras's five tensors ([`KERAS_NAMES`]). For `SimpleRNN` and `LSTM`
/// the bias is `b_ih + b_hh` (exactly `b_ih` when `b_hh` is zero, as a Keras export needs).
pub fn to_keras(cell: CellKind, p: &Params<f64>) -> Vec<(&'static str, ArrayD<f64>)> {
    let h = p.weight_hh.ncols();
    let kernel = reorder_rows(&p.weight_ih, cell, h, true).reversed_axes();
    let recurrent = reorder_rows(&p.weight_hh, cell, h, true).reversed_axes();
    let bias: ArrayD<f64> = match cell {
        CellKind::Gru => {
            let rows = [
                reorder(&p.bias_ih, cell, h, true).insert_axis(Axis(0)),
                reorder(&p.bias_hh, cell, h, true).insert_axis(Axis(0)),
            ];
            concatenate(Axis(0), &[rows[0].view(), rows[1].view()])
                .expect("two rows of the same length")
                .into_dyn()
        }
        _ => (&p.bias_ih + &p.bias_hh).into_dyn(),
    };
    vec![
        (
            KERAS_NAMES[0],
            kernel.as_standard_layout().to_owned().into_dyn(),
        ),
        (
            KERAS_NAMES[1],
            recurrent.as_standard_layout().to_owned().into_dyn(),
        ),
        (KERAS_NAMES[2], bias),
        (
            KERAS_NAMES[3],
            p.readout_weight
                .t()
                .as_standard_layout()
                .to_owned()
                .into_dyn(),
        ),
        (KERAS_NAMES[4], p.readout_bias.clone().into_dyn()),
    ]
}

/// Keras's five tensors back in the lab's layout, or which one does not fit. For `SimpleRNN`
/// and `LSTM` the single bias becomes `b_ih`, and `b_hh` is zero.
pub fn from_keras(cell: CellKind, tensors: &[(&str, ArrayD<f64>)]) -> Result<Params<f64>, String> {
    let get = |name: &str, ndim: usize| -> Result<&ArrayD<f64>, String> {
        let (_, a) = tensors
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| format!("no `{name}`"))?;
        if a.ndim() == ndim {
            Ok(a)
        } else {
            Err(format!("`{name}` has {} dimensions, not {ndim}", a.ndim()))
        }
    };
    let two = |a: &ArrayD<f64>| -> Array2<f64> {
        a.view()
            .into_dimensionality()
            .expect("checked: two dimensions")
            .to_owned()
    };
    let kernel = two(get(KERAS_NAMES[0], 2)?);
    let recurrent = two(get(KERAS_NAMES[1], 2)?);
    let h = recurrent.nrows();
    let gh = cell.gates() * h;
    if recurrent.ncols() != gh || kernel.ncols() != gh {
        return Err(format!(
            "the kernels have {} and {} columns; a {} of {h} units needs {gh}",
            kernel.ncols(),
            recurrent.ncols(),
            cell.short_name()
        ));
    }
    let weight_ih = reorder_rows(&kernel.reversed_axes(), cell, h, false);
    let weight_hh = reorder_rows(&recurrent.reversed_axes(), cell, h, false);
    let (bias_ih, bias_hh) = if cell == CellKind::Gru {
        let b = two(get(KERAS_NAMES[2], 2)?);
        if b.dim() != (2, gh) {
            return Err(format!(
                "`rnn_bias` is {:?}; a GRU needs [2, {gh}]",
                b.shape()
            ));
        }
        (
            reorder(&b.row(0).to_owned(), cell, h, false),
            reorder(&b.row(1).to_owned(), cell, h, false),
        )
    } else {
        let b = get(KERAS_NAMES[2], 1)?;
        if b.len() != gh {
            return Err(format!("`rnn_bias` has {} values; it needs {gh}", b.len()));
        }
        let b: Array1<f64> = b.view().into_dimensionality().expect("checked").to_owned();
        (b, Array1::zeros(gh))
    };
    let readout_kernel = two(get(KERAS_NAMES[3], 2)?);
    let readout_bias: Array1<f64> = get(KERAS_NAMES[4], 1)?
        .view()
        .into_dimensionality()
        .expect("checked")
        .to_owned();
    if readout_kernel.nrows() != h || readout_kernel.ncols() != readout_bias.len() {
        return Err(format!(
            "the readout kernel is {:?} and its bias has {} values; they need [{h}, O] and O",
            readout_kernel.shape(),
            readout_bias.len()
        ));
    }
    Ok(Params {
        weight_ih,
        weight_hh,
        bias_ih,
        bias_hh,
        readout_weight: readout_kernel
            .reversed_axes()
            .as_standard_layout()
            .to_owned(),
        readout_bias,
    })
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "a layout moves values: they must be equal bit for bit"
)]
mod tests {
    use ndarray::{Array1, Array2};

    use super::{from_keras, to_keras};
    use crate::nn::{CellKind, Params};

    /// Parameters whose every value says where it is: `weight_ih[r, c] = 1000 + 10·r + c` …
    fn numbered(cell: CellKind, h: usize, i: usize) -> Params<f64> {
        let gh = cell.gates() * h;
        let m = |base: f64, rows: usize, cols: usize| {
            Array2::from_shape_fn((rows, cols), |(r, c)| base + 10.0 * r as f64 + c as f64)
        };
        Params {
            weight_ih: m(1000.0, gh, i),
            weight_hh: m(2000.0, gh, h),
            bias_ih: Array1::from_shape_fn(gh, |r| 3000.0 + r as f64),
            bias_hh: Array1::from_shape_fn(gh, |r| 4000.0 + r as f64),
            readout_weight: m(5000.0, 1, h),
            readout_bias: Array1::from_elem(1, 6000.0),
        }
    }

    #[test]
    fn the_gru_s_keras_blocks_are_z_r_h_and_its_two_biases_stay_apart() {
        let (h, i) = (2, 3);
        let p = numbered(CellKind::Gru, h, i);
        let k = to_keras(CellKind::Gru, &p);
        let kernel = &k[0].1;
        // Keras column j of block 0 (z) is PyTorch row h + j (block 1, z), transposed.
        assert_eq!(kernel.shape(), [i, 3 * h]);
        assert_eq!(kernel[[0, 0]], p.weight_ih[[h, 0]]);
        assert_eq!(kernel[[2, 1]], p.weight_ih[[h + 1, 2]]);
        // Block 1 (r) is PyTorch's block 0 (r); block 2 (h) is n.
        assert_eq!(kernel[[1, h]], p.weight_ih[[0, 1]]);
        assert_eq!(kernel[[0, 2 * h + 1]], p.weight_ih[[2 * h + 1, 0]]);
        let bias = &k[2].1;
        assert_eq!(bias.shape(), [2, 3 * h]);
        assert_eq!(bias[[0, 0]], p.bias_ih[h], "input bias of z");
        assert_eq!(bias[[1, h]], p.bias_hh[0], "recurrent bias of r");
        let named: Vec<(&str, _)> = k.iter().map(|(n, a)| (*n, a.clone())).collect();
        assert_eq!(from_keras(CellKind::Gru, &named).expect("fits"), p);
    }

    #[test]
    fn the_lstm_keeps_its_gate_order_and_sums_its_biases() {
        let (h, i) = (2, 1);
        let p = numbered(CellKind::Lstm, h, i);
        let k = to_keras(CellKind::Lstm, &p);
        for col in 0..4 * h {
            assert_eq!(
                k[0].1[[0, col]],
                p.weight_ih[[col, 0]],
                "i, f, c, o = i, f, g, o"
            );
            assert_eq!(k[1].1[[1, col]], p.weight_hh[[col, 1]]);
            assert_eq!(k[2].1[[col]], p.bias_ih[col] + p.bias_hh[col]);
        }
        assert_eq!(k[3].1.shape(), [h, 1], "Dense kernel [H, O]");
        // Back: the one bias becomes b_ih, b_hh is zero.
        let named: Vec<(&str, _)> = k.iter().map(|(n, a)| (*n, a.clone())).collect();
        let back = from_keras(CellKind::Lstm, &named).expect("fits");
        assert_eq!(back.weight_hh, p.weight_hh);
        assert!(back.bias_hh.iter().all(|&b| b == 0.0));
        assert_eq!(back.bias_ih, &p.bias_ih + &p.bias_hh);
    }

    #[test]
    fn a_keras_tensor_of_the_wrong_shape_is_named() {
        let p = numbered(CellKind::Gru, 2, 3);
        let mut k = to_keras(CellKind::Gru, &p);
        k[2].1 = ndarray::ArrayD::zeros(ndarray::IxDyn(&[12]));
        let named: Vec<(&str, _)> = k.iter().map(|(n, a)| (*n, a.clone())).collect();
        let e = from_keras(CellKind::Gru, &named).expect_err("a GRU's bias is [2, 3H]");
        assert!(e.contains("rnn_bias"), "{e}");
    }
}
