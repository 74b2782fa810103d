//! A plain, obviously correct reference of the forward pass and the loss, in f64, to hold the
//! engine's fast path to.
//!
//! One time step at a time and one batch row at a time; every pre-activation is an explicit dot
//! product, straight from the equations in the doc comments of `src/nn/rnn.rs`, `lstm.rs`,
//! `gru.rs` and `loss.rs`. No GEMMs, no stored gates, no backward pass: gradients are taken
//! from this code by central differences.
//!
//! Everything can start from a given state at any time step, which is what the truncated-BPTT
//! objective needs: each backward window runs from the state at its start, computed with the
//! unperturbed parameters and then held fixed (detached).

use bptt_lab::nn::{Activation, CellKind, Params, Reduction, Target, Window};
use ndarray::{Array2, Array3};

/// `σ(v) = 1 / (1 + e^{−v})`.
pub fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// `Σ_j w[k, j] · v[j]`: row `k` of `w` times the vector `v`.
fn row_dot(w: &Array2<f64>, k: usize, v: &[f64]) -> f64 {
    assert_eq!(w.ncols(), v.len(), "row_dot: columns of w vs length of v");
    let mut sum = 0.0;
    for (j, &vj) in v.iter().enumerate() {
        sum += w[[k, j]] * vj;
    }
    sum
}

/// One cell step for one batch row.
pub struct RowStep {
    /// `h_t [H]`.
    pub h: Vec<f64>,
    /// `c_t [H]` (LSTM; a copy of the incoming `c` for the other cells, which ignore it).
    pub c: Vec<f64>,
    /// Pre-activations `[G·H]`: `x W_ihᵀ + b_ih + h W_hhᵀ + b_hh` (GRU: `gi + gh` for the r and
    /// z blocks, `gi_n + r·gh_n` for the n block).
    pub pre: Vec<f64>,
}

/// One time step of `cell` for one batch row: `x [I]`, `h_prev [H]`, `c_prev [H]`.
pub fn step(cell: CellKind, p: &Params<f64>, x: &[f64], h_prev: &[f64], c_prev: &[f64]) -> RowStep {
    let hidden = p.weight_hh.ncols();
    // gi_k = x W_ihᵀ + b_ih and gh_k = h W_hhᵀ + b_hh for every gate row k.
    let gates = cell.gates() * hidden;
    let gi: Vec<f64> = (0..gates)
        .map(|k| row_dot(&p.weight_ih, k, x) + p.bias_ih[k])
        .collect();
    let gh: Vec<f64> = (0..gates)
        .map(|k| row_dot(&p.weight_hh, k, h_prev) + p.bias_hh[k])
        .collect();
    let mut h = vec![0.0; hidden];
    let mut c = c_prev.to_vec();
    let mut pre = vec![0.0; gates];
    match cell {
        CellKind::Rnn(act) => {
            // h = act(a), a = gi + gh.
            for j in 0..hidden {
                let a = gi[j] + gh[j];
                pre[j] = a;
                h[j] = match act {
                    Activation::Tanh => a.tanh(),
                    Activation::Relu => {
                        if a > 0.0 {
                            a
                        } else {
                            0.0
                        }
                    }
                };
            }
        }
        CellKind::Lstm => {
            // Blocks i, f, g, o; c = f c_prev + i g; h = o tanh(c).
            for k in 0..gates {
                pre[k] = gi[k] + gh[k];
            }
            for j in 0..hidden {
                let i = sigmoid(pre[j]);
                let f = sigmoid(pre[hidden + j]);
                let g = pre[2 * hidden + j].tanh();
                let o = sigmoid(pre[3 * hidden + j]);
                c[j] = f * c_prev[j] + i * g;
                h[j] = o * c[j].tanh();
            }
        }
        CellKind::Gru => {
            // Blocks r, z, n; n = tanh(gi_n + r gh_n) (reset after the matmul);
            // h = (1 − z) n + z h_prev.
            for j in 0..hidden {
                pre[j] = gi[j] + gh[j];
                pre[hidden + j] = gi[hidden + j] + gh[hidden + j];
                let r = sigmoid(pre[j]);
                let z = sigmoid(pre[hidden + j]);
                pre[2 * hidden + j] = gi[2 * hidden + j] + r * gh[2 * hidden + j];
                let n = pre[2 * hidden + j].tanh();
                h[j] = (1.0 - z) * n + z * h_prev[j];
            }
        }
    }
    RowStep { h, c, pre }
}

/// The readout `out = h W_oᵀ + b_o` `[O]` of one row `h [H]`.
pub fn readout(p: &Params<f64>, h: &[f64]) -> Vec<f64> {
    (0..p.readout_bias.len())
        .map(|k| row_dot(&p.readout_weight, k, h) + p.readout_bias[k])
        .collect()
}

/// The loss term of step `t`, batch row `b`, before division: the squared error summed over
/// the outputs (`mse_last`: only at the last step `t = seq_len − 1`), or `m · CE(out, label)`
/// with `CE(z, k) = log Σ_j e^{z_j} − z_k`.
pub fn term(target: &Target<f64>, seq_len: usize, t: usize, b: usize, out: &[f64]) -> f64 {
    match target {
        Target::Last(y) => {
            if t + 1 == seq_len {
                (0..out.len()).map(|k| (out[k] - y[[b, k]]).powi(2)).sum()
            } else {
                0.0
            }
        }
        Target::All(y) => (0..out.len())
            .map(|k| (out[k] - y[[t, b, k]]).powi(2))
            .sum(),
        Target::Classes { labels, mask } => {
            let m = mask[[t, b]];
            if m == 0.0 {
                return 0.0;
            }
            let log_sum_exp = out.iter().map(|z| z.exp()).sum::<f64>().ln();
            m * (log_sum_exp - out[labels[[t, b]]])
        }
    }
}

/// The divisor of the whole sequence (`loss.rs`): `B·O` for `mse_last`, `T·B·O` for `mse_all`,
/// the mask sum for xent; 1 with sum reduction.
pub fn divisor(target: &Target<f64>, seq_len: usize, batch: usize, reduction: Reduction) -> f64 {
    if reduction == Reduction::Sum {
        return 1.0;
    }
    match target {
        Target::Last(y) => (batch * y.ncols()) as f64,
        Target::All(y) => (seq_len * batch * y.shape()[2]) as f64,
        Target::Classes { mask, .. } => mask.sum(),
    }
}

/// States of steps `t0..t1`: entry `s` belongs to step `t0 + s`.
pub struct Trace {
    /// `h_t`, `[t1 − t0, B, H]`.
    pub h: Array3<f64>,
    /// `c_t` (LSTM; carried unchanged otherwise), `[t1 − t0, B, H]`.
    pub c: Array3<f64>,
    /// Pre-activations, `[t1 − t0, B, G·H]`.
    pub pre: Array3<f64>,
    /// Readout outputs, `[t1 − t0, B, O]`.
    pub out: Array3<f64>,
}

/// Runs steps `t0..t1` of `x [T, B, I]` from the state `h [B, H]`, `c [B, H]` before step `t0`.
pub fn run(
    cell: CellKind,
    p: &Params<f64>,
    x: &Array3<f64>,
    h_start: &Array2<f64>,
    c_start: &Array2<f64>,
    t0: usize,
    t1: usize,
) -> Trace {
    let (_, batch, _) = x.dim();
    let hidden = p.weight_hh.ncols();
    let output = p.readout_bias.len();
    let gates = cell.gates() * hidden;
    let len = t1 - t0;
    let mut trace = Trace {
        h: Array3::zeros((len, batch, hidden)),
        c: Array3::zeros((len, batch, hidden)),
        pre: Array3::zeros((len, batch, gates)),
        out: Array3::zeros((len, batch, output)),
    };
    for b in 0..batch {
        let mut h: Vec<f64> = h_start.row(b).to_vec();
        let mut c: Vec<f64> = c_start.row(b).to_vec();
        for t in t0..t1 {
            let xt: Vec<f64> = x.slice(ndarray::s![t, b, ..]).to_vec();
            let next = step(cell, p, &xt, &h, &c);
            h = next.h;
            c = next.c;
            let out = readout(p, &h);
            let s = t - t0;
            for j in 0..hidden {
                trace.h[[s, b, j]] = h[j];
                trace.c[[s, b, j]] = c[j];
            }
            for (k, &v) in next.pre.iter().enumerate() {
                trace.pre[[s, b, k]] = v;
            }
            for (k, &v) in out.iter().enumerate() {
                trace.out[[s, b, k]] = v;
            }
        }
    }
    trace
}

/// The sum of the loss terms of steps `l0..l1` (a sub-range of the trace's steps `t0..`), before
/// division.
pub fn sum_terms(
    target: &Target<f64>,
    seq_len: usize,
    trace: &Trace,
    t0: usize,
    l0: usize,
    l1: usize,
) -> f64 {
    let batch = trace.out.shape()[1];
    let mut total = 0.0;
    for t in l0..l1 {
        for b in 0..batch {
            let out = trace.out.slice(ndarray::s![t - t0, b, ..]).to_vec();
            total += term(target, seq_len, t, b, &out);
        }
    }
    total
}

/// The full forward pass from `h0`, `c0` (all steps).
pub fn forward(
    cell: CellKind,
    p: &Params<f64>,
    x: &Array3<f64>,
    h0: &Array2<f64>,
    c0: &Array2<f64>,
) -> Trace {
    run(cell, p, x, h0, c0, 0, x.shape()[0])
}

/// The loss of the whole sequence with the given reduction.
pub fn loss(
    cell: CellKind,
    p: &Params<f64>,
    x: &Array3<f64>,
    target: &Target<f64>,
    h0: &Array2<f64>,
    c0: &Array2<f64>,
    reduction: Reduction,
) -> f64 {
    let (seq_len, batch, _) = x.dim();
    let trace = forward(cell, p, x, h0, c0);
    sum_terms(target, seq_len, &trace, 0, 0, seq_len) / divisor(target, seq_len, batch, reduction)
}

/// A point at which the objective is evaluated: parameters, inputs and initial state.
#[derive(Clone, Debug)]
pub struct Point {
    pub params: Params<f64>,
    /// `x [T, B, I]`.
    pub x: Array3<f64>,
    /// `h0 [B, H]`.
    pub h0: Array2<f64>,
    /// `c0 [B, H]` (ignored except by the LSTM).
    pub c0: Array2<f64>,
}

/// The objective whose gradient truncated BPTT with accumulated windows computes:
///
/// ```text
/// F(θ', x', h0', c0') = Σ_w L_w / D
/// L_w = Σ_{t ∈ w.loss_start..w.end} terms of the run over w.start..w.end with θ', x',
///       starting from s_w = (h0', c0')                         if w.start = 0,
///                         = the state after step w.start − 1 of `frozen` otherwise
/// ```
///
/// `frozen` is the full forward pass at the unperturbed point (the detached state), `D` the
/// global divisor. With the single window `0..T` (full BPTT) this is the loss itself.
pub fn windowed_loss(
    cell: CellKind,
    at: &Point,
    target: &Target<f64>,
    frozen: &Trace,
    windows: &[Window],
    divisor: f64,
) -> f64 {
    let seq_len = at.x.shape()[0];
    let mut total = 0.0;
    for w in windows {
        let (h_start, c_start) = if w.start == 0 {
            (at.h0.clone(), at.c0.clone())
        } else {
            let s = w.start - 1;
            (
                frozen.h.slice(ndarray::s![s, .., ..]).to_owned(),
                frozen.c.slice(ndarray::s![s, .., ..]).to_owned(),
            )
        };
        let trace = run(cell, &at.params, &at.x, &h_start, &c_start, w.start, w.end);
        total += sum_terms(target, seq_len, &trace, w.start, w.loss_start, w.end);
    }
    total / divisor
}

/// The loss of the steps `loss_start.max(t)..end` as a function of the hidden state `h_t`
/// after step `t` (holding `c_t` fixed): the readout term of step `t` itself plus the run over
/// `t + 1..end`. Its gradient in `h_t` is the `∂L/∂h_t` of the gradient profile.
#[expect(
    clippy::too_many_arguments,
    reason = "the objective's fixed inputs, spelled out"
)]
pub fn loss_from_state(
    cell: CellKind,
    p: &Params<f64>,
    x: &Array3<f64>,
    target: &Target<f64>,
    h_t: &Array2<f64>,
    c_t: &Array2<f64>,
    t: usize,
    loss_start: usize,
    end: usize,
    divisor: f64,
) -> f64 {
    let (seq_len, batch, _) = x.dim();
    let mut total = 0.0;
    if t >= loss_start {
        for b in 0..batch {
            total += term(target, seq_len, t, b, &readout(p, &h_t.row(b).to_vec()));
        }
    }
    let trace = run(cell, p, x, h_t, c_t, t + 1, end);
    total += sum_terms(target, seq_len, &trace, t + 1, loss_start.max(t + 1), end);
    total / divisor
}
