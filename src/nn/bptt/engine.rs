//! The engine's working memory: stored activations and gradient buffers for one cell and
//! size, allocated once and reused; the row-slice helpers the passes use; and what can be read
//! back after a pass (states, outputs, saturation).

use ndarray::{Array2, Array3, ArrayView2, ArrayViewMut2, Axis, s};

use super::super::gemm::PackedB;
use super::super::loss::Batch;
use super::super::{CellKind, Dims, Params, Scalar};
use super::split::Helper;
use super::{MIN_SPLIT_HIDDEN, Saturation};

/// The working memory of BPTT for one cell and size: stored activations and gradient buffers,
/// allocated on first use and reused for every batch of at most the same `T·B` rows.
#[derive(Debug)]
pub struct Engine<F: Scalar> {
    pub(super) cell: CellKind,
    pub(super) dims: Dims,
    /// Rows of `[T·B, ·]` buffers and batch size currently allocated for.
    pub(super) cap_rows: usize,
    pub(super) cap_batch: usize,
    /// Current sequence length and batch size (set by `prepare`).
    pub(super) seq_len: usize,
    pub(super) batch: usize,
    /// `x W_ihᵀ + b_ih` for all steps, `[T·B, G·H]`.
    pub(super) gx: Array2<F>,
    /// States `h_{-1} = h0, h_0, …, h_{T-1}`: block `t + 1` holds `h_t`, `[(T+1)·B, H]`.
    pub(super) hs: Array2<F>,
    /// LSTM cell states, same layout as `hs` (empty otherwise).
    pub(super) cs: Array2<F>,
    /// Gates after their non-linearity (LSTM i,f,g,o; GRU r,z,n), `[T·B, G·H]` (empty for RNN).
    pub(super) gates: Array2<F>,
    /// LSTM: `tanh(c_t)`; GRU: `gh_n = h_{t-1} W_hnᵀ + b_hn`. `[T·B, H]` (empty for RNN).
    pub(super) aux: Array2<F>,
    /// Pre-activation gradients of the input projection, `[T·B, G·H]`.
    pub(super) dgi: Array2<F>,
    /// GRU only: pre-activation gradients of the hidden projection (equal to `dgi` otherwise).
    pub(super) dgh: Array2<F>,
    /// Readout output and its gradient, `[T·B, O]`.
    pub(super) out: Array2<F>,
    pub(super) dout: Array2<F>,
    /// `dout W_o`: the loss's direct gradient on each `h_t`, `[T·B, H]`.
    pub(super) dh_loss: Array2<F>,
    /// Per-step scratch: `[B, G·H]` and three `[B, H]`.
    pub(super) tmp: Array2<F>,
    pub(super) dh: Array2<F>,
    pub(super) dh_next: Array2<F>,
    pub(super) dc: Array2<F>,
    /// `W_hhᵀ` and `W_hh` packed for the GEMM kernel, once per forward / backward range.
    pub(super) w_hh_t_packed: PackedB<F>,
    pub(super) w_hh_packed: PackedB<F>,
    /// Threads a training step may use ([`Engine::set_threads`]).
    pub(super) threads: usize,
    /// The thread that runs the second half of a split step, started by the first split and
    /// kept for the engine's life.
    pub(super) helper: Option<Helper<F>>,
    /// Whether the last pass was split: this engine holds the first half's rows and the
    /// helper the second's ([`Engine::outputs`] joins them).
    pub(super) last_split: bool,
}

/// Rows `r0..r1` of a row-major buffer as a contiguous slice.
#[inline]
pub(super) fn rows<F>(a: &Array2<F>, r0: usize, r1: usize) -> &[F] {
    let n = a.ncols();
    &a.as_slice().expect("engine buffers are contiguous")[r0 * n..r1 * n]
}

#[inline]
pub(super) fn rows_mut<F>(a: &mut Array2<F>, r0: usize, r1: usize) -> &mut [F] {
    let n = a.ncols();
    &mut a.as_slice_mut().expect("engine buffers are contiguous")[r0 * n..r1 * n]
}

/// `c = alpha · a b + beta · c`.
#[inline]
pub(super) fn gemm<F: Scalar>(
    alpha: F,
    a: &ArrayView2<'_, F>,
    b: &ArrayView2<'_, F>,
    beta: F,
    c: &mut ArrayViewMut2<'_, F>,
) {
    F::gemm(alpha, a, b, beta, c);
}

/// Adds the column sums of `a [n, m]` to `acc [m]`.
pub(super) fn add_col_sums<F: Scalar>(a: &[F], acc: &mut [F]) {
    for row in a.chunks_exact(acc.len()) {
        for (s, &v) in acc.iter_mut().zip(row) {
            *s += v;
        }
    }
}

/// Adds the row vector `bias [m]` to every row of `a [n, m]`.
pub(super) fn add_bias_rows<F: Scalar>(a: &mut [F], bias: &[F]) {
    for row in a.chunks_exact_mut(bias.len()) {
        for (v, &b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

impl<F: Scalar> Engine<F> {
    /// An engine for one cell and size; buffers are allocated on the first batch.
    pub fn new(cell: CellKind, dims: Dims) -> Self {
        let empty = || Array2::zeros((0, 0));
        Self {
            cell,
            dims,
            cap_rows: 0,
            cap_batch: 0,
            seq_len: 0,
            batch: 0,
            gx: empty(),
            hs: empty(),
            cs: empty(),
            gates: empty(),
            aux: empty(),
            dgi: empty(),
            dgh: empty(),
            out: empty(),
            dout: empty(),
            dh_loss: empty(),
            tmp: empty(),
            dh: empty(),
            dh_next: empty(),
            dc: empty(),
            w_hh_t_packed: PackedB::new(),
            w_hh_packed: PackedB::new(),
            threads: 1,
            helper: None,
            last_split: false,
        }
    }

    /// Lets [`Engine::train_step`] use up to `threads` threads (1 or 2; more count as 2): with
    /// 2, a step in [`UpdateMode::Accumulate`](super::UpdateMode::Accumulate) (full BPTT included) runs the forward and
    /// backward pass of each half of the batch on its own thread, where that pays
    /// ([`Engine::splits`]), then sums the two gradients and clips and updates once.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Whether a training step on `batch_size` sequences is split over two threads: only with
    /// 2 threads allowed, at least [`MIN_SPLIT_HIDDEN`] hidden units, and at least 2 sequences.
    pub fn splits(&self, batch_size: usize) -> bool {
        self.threads >= 2 && self.dims.hidden >= MIN_SPLIT_HIDDEN && batch_size >= 2
    }

    /// The cell this engine runs.
    pub fn cell(&self) -> CellKind {
        self.cell
    }

    /// The sizes this engine runs.
    pub fn dims(&self) -> Dims {
        self.dims
    }

    /// Makes room for `seq_len · batch` rows; allocates only when that grows.
    pub(super) fn prepare(&mut self, seq_len: usize, batch: usize) {
        self.seq_len = seq_len;
        self.batch = batch;
        self.last_split = false;
        let need = seq_len * batch;
        if need <= self.cap_rows && batch <= self.cap_batch {
            return;
        }
        let rows = need.max(self.cap_rows);
        let b = batch.max(self.cap_batch);
        let Dims { hidden, output, .. } = self.dims;
        let gh = self.cell.gates() * hidden;
        let gated = !matches!(self.cell, CellKind::Rnn(_));
        let z = |r: usize, c: usize| Array2::zeros((r, c));
        let if_ = |cond: bool, r: usize, c: usize| if cond { z(r, c) } else { z(0, c) };
        self.gx = z(rows, gh);
        self.hs = z(rows + b, hidden);
        self.cs = if_(self.cell.has_cell_state(), rows + b, hidden);
        self.gates = if_(gated, rows, gh);
        self.aux = if_(gated, rows, hidden);
        self.dgi = z(rows, gh);
        self.dgh = if_(self.cell == CellKind::Gru, rows, gh);
        self.out = z(rows, output);
        self.dout = z(rows, output);
        self.dh_loss = z(rows, hidden);
        self.tmp = z(b, gh);
        self.dh = z(b, hidden);
        self.dh_next = z(b, hidden);
        self.dc = z(b, hidden);
        self.cap_rows = rows;
        self.cap_batch = b;
    }

    /// Saturation of the last forward pass: the fraction of hidden units with `|h| > 0.99`
    /// (tanh RNN; for the ReLU RNN the fraction of units at exactly 0, i.e. dead), and for the
    /// LSTM / GRU the fraction of sigmoid gate values below 0.01 or above 0.99.
    pub fn saturation(&self) -> Saturation {
        let (t, b, hidden) = (self.seq_len, self.batch, self.dims.hidden);
        let n = t * b * hidden;
        if n == 0 {
            return Saturation::default();
        }
        let thr = F::of_f64(0.99);
        let lo = F::of_f64(0.01);
        let hs = rows(&self.hs, b, (t + 1) * b);
        let hidden_frac = match self.cell {
            CellKind::Rnn(super::super::Activation::Relu) => {
                hs.iter().filter(|&&h| h == F::zero()).count() as f64 / n as f64
            }
            CellKind::Rnn(super::super::Activation::Tanh) | CellKind::Lstm | CellKind::Gru => {
                hs.iter().filter(|&&h| h.abs() > thr).count() as f64 / n as f64
            }
        };
        // Sigmoid gates: LSTM i, f, o (blocks 0, 1, 3); GRU r, z (blocks 0, 1).
        let sig_blocks: &[usize] = match self.cell {
            CellKind::Rnn(_) => &[],
            CellKind::Lstm => &[0, 1, 3],
            CellKind::Gru => &[0, 1],
        };
        let gh = self.cell.gates() * hidden;
        let mut saturated = 0usize;
        let mut total = 0usize;
        if !sig_blocks.is_empty() {
            for row in rows(&self.gates, 0, t * b).chunks_exact(gh) {
                for &blk in sig_blocks {
                    for &g in &row[blk * hidden..(blk + 1) * hidden] {
                        saturated += usize::from(g < lo || g > thr);
                    }
                    total += hidden;
                }
            }
        }
        Saturation {
            hidden: hidden_frac,
            gates: (total > 0).then(|| saturated as f64 / total as f64),
        }
    }

    /// The hidden states of the last forward pass, `[T, B, H]` (`h[t]` follows input `x[t]`).
    pub fn hidden_states(&self) -> Array3<F> {
        self.states(&self.hs)
    }

    /// The LSTM cell states of the last forward pass, `[T, B, H]`.
    pub fn cell_states(&self) -> Option<Array3<F>> {
        self.cell.has_cell_state().then(|| self.states(&self.cs))
    }

    fn states(&self, buf: &Array2<F>) -> Array3<F> {
        let (t, b, h) = (self.seq_len, self.batch, self.dims.hidden);
        let v = buf.slice(s![b..(t + 1) * b, ..]).to_owned();
        v.into_shape_with_order((t, b, h)).expect("state rows")
    }

    /// The readout outputs of the steps whose loss was computed in the last pass,
    /// `[T, B, O]` (other steps hold stale values).
    pub fn outputs(&self) -> Array3<F> {
        let (t, b, o) = (self.seq_len, self.batch, self.dims.output);
        let own = self
            .out
            .slice(s![0..t * b, ..])
            .to_owned()
            .into_shape_with_order((t, b, o))
            .expect("output rows");
        match &self.helper {
            // A split pass: the second half's rows follow the first's along the batch axis.
            Some(helper) if self.last_split => {
                ndarray::concatenate(Axis(1), &[own.view(), helper.outputs.view()])
                    .expect("both halves have T steps and O outputs")
                    .as_standard_layout()
                    .into_owned()
            }
            _ => own,
        }
    }

    #[track_caller]
    pub(super) fn check(&self, params: &Params<F>, batch: &Batch<F>) {
        params.check_shapes(self.cell, self.dims);
        assert_eq!(
            batch.input_size(),
            self.dims.input,
            "x [T, B, I]: input size"
        );
        batch.check_shapes(self.dims.output);
    }
}
