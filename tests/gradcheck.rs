//! Numerical tests of the BPTT engine against an independent, plain reference
//! (`tests/common/reference.rs`) and against hand arithmetic (STYLE.md, "The numbers").
//!
//! - the fast path (stacked GEMMs) equals the one-step-at-a-time reference: loss, `h_t`, `c_t`
//!   and readout outputs;
//! - central differences in f64 on every parameter entry, on `h0`, `c0` and the inputs `x`, for
//!   every cell × loss × {full BPTT, BPTT(2,2), BPTT(1,3), BPTT(2,3)} × {zero, random state};
//!   the truncated gradient is checked against the windowed objective it is the gradient of;
//! - a hand-computed 1-unit step per cell;
//! - T=1 vs T=2: gradients accumulate over time;
//! - f32 against f64;
//! - the gradient profile `mean_b ‖∂L/∂h_t‖` against central differences on `h_t`.
//!
//! Sizes are tiny (I=2, H=3, T=5, B=2, O=3) and every draw is seeded.

mod common;

use bptt_lab::nn::{
    Activation, Batch, Bptt, CellKind, Dims, Engine, GradOptions, GradOutput, InitialState,
    PARAM_NAMES, Params, Reduction, Scalar, Target, UpdateMode,
};
use common::reference::{self, Point};
use ndarray::{Array1, Array2, Array3, s};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DIMS: Dims = Dims {
    input: 2,
    hidden: 3,
    output: 3,
};
const SEQ_LEN: usize = 5;
const BATCH: usize = 2;

/// Step `h` of the central differences.
///
/// The plain two-point difference `(f(v+h) − f(v−h)) / 2h` at `h = 1e-6` is limited by rounding:
/// the loss (of order 1) carries an error of a few ulps, which becomes about 1e-10 in the
/// quotient, so entries below ~1e-4 cannot reach a relative error of 1e-6 (measured here: up to
/// 1.7e-4 on LSTM and GRU entries of order 1e-6). The fourth-order stencil of
/// [`central_differences`] with `h = 1e-3` has truncation error `O(h⁴)` ≈ 1e-13 and rounding
/// error ≈ 1e-13, which holds every entry to the STYLE.md bound with a margin of ten.
const FD_STEP: f64 = 1e-3;
/// Largest relative error `|a − b| / max(|a|, |b|, 1e-8)` accepted from central differences.
const FD_TOL: f64 = 1e-6;
/// Agreement of the fast path with the reference (the same arithmetic in another order).
const EXACT_TOL: f64 = 1e-12;
/// Smallest distance of a relu pre-activation from 0 in the central-difference cases: ten times
/// the largest perturbation `2h` of the stencil.
const RELU_MARGIN: f64 = 0.02;

const CELLS: [CellKind; 4] = [
    CellKind::Rnn(Activation::Tanh),
    CellKind::Rnn(Activation::Relu),
    CellKind::Lstm,
    CellKind::Gru,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LossCase {
    MseLast,
    MseAll,
    Xent,
}

const LOSSES: [LossCase; 3] = [LossCase::MseLast, LossCase::MseAll, LossCase::Xent];

const fn truncated(k1: usize, k2: usize) -> Bptt {
    Bptt::Truncated {
        k1,
        k2,
        mode: UpdateMode::Accumulate,
    }
}

/// Full BPTT, the three truncations and the chunks under test.
const BPTTS: [Bptt; 5] = [
    Bptt::Full,
    truncated(2, 2),
    truncated(1, 3),
    truncated(2, 3),
    Bptt::Chunked {
        k: 2,
        mode: UpdateMode::Accumulate,
    },
];

// ---------------------------------------------------------------------------------------------
// Seeded data
// ---------------------------------------------------------------------------------------------

fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// Every entry `U(−0.8, 0.8)`: pre-activations of order one, neither saturated nor linear.
fn random_params(cell: CellKind, dims: Dims, rng: &mut ChaCha8Rng) -> Params<f64> {
    let mut p = Params::zeros(cell, dims);
    for tensor in p.slices_mut() {
        for v in tensor {
            *v = uniform(rng, -0.8, 0.8);
        }
    }
    p
}

fn random_array2(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || uniform(rng, -1.0, 1.0))
}

fn random_array3(shape: (usize, usize, usize), rng: &mut ChaCha8Rng) -> Array3<f64> {
    Array3::from_shape_simple_fn(shape, || uniform(rng, -1.0, 1.0))
}

/// Inputs `U(−1, 1)` and targets of the given loss; xent gets random labels and a random 0/1
/// mask (about 60 % ones) that is neither empty nor full.
fn random_batch(
    loss: LossCase,
    seq_len: usize,
    batch: usize,
    dims: Dims,
    rng: &mut ChaCha8Rng,
) -> Batch<f64> {
    let x = random_array3((seq_len, batch, dims.input), rng);
    let target = match loss {
        LossCase::MseLast => Target::Last(random_array2(batch, dims.output, rng)),
        LossCase::MseAll => Target::All(random_array3((seq_len, batch, dims.output), rng)),
        LossCase::Xent => {
            let labels =
                Array2::from_shape_simple_fn((seq_len, batch), || rng.random_range(0..dims.output));
            let mut mask = Array2::from_shape_simple_fn((seq_len, batch), || {
                if rng.random::<f64>() < 0.6 { 1.0 } else { 0.0 }
            });
            // A mask that is all ones would not test the mask; an empty one has no loss.
            let ones = mask.iter().filter(|&&m| m != 0.0).count();
            if ones == 0 {
                mask[[seq_len - 1, 0]] = 1.0;
            } else if ones == seq_len * batch && ones > 1 {
                mask[[0, 0]] = 0.0;
            }
            Target::Classes { labels, mask }
        }
    };
    Batch { x, target }
}

/// A seeded case: parameters, batch and initial state (`h0`, `c0` zero unless `random_state`).
struct Case {
    cell: CellKind,
    params: Params<f64>,
    batch: Batch<f64>,
    h0: Array2<f64>,
    c0: Array2<f64>,
    random_state: bool,
}

impl Case {
    /// Draws a case from the seed. For the relu RNN the draw is repeated (same stream) until
    /// every pre-activation is at least [`RELU_MARGIN`] from the kink, so that central
    /// differences never straddle it, and at least 40 % of the units are active, so that the
    /// check is not dominated by dead units.
    fn new(cell: CellKind, loss: LossCase, random_state: bool, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..10_000 {
            let case = Self::draw(cell, loss, random_state, &mut rng);
            if cell != CellKind::Rnn(Activation::Relu) {
                return case;
            }
            let trace = reference::forward(cell, &case.params, &case.batch.x, &case.h0, &case.c0);
            let margin = trace
                .pre
                .iter()
                .map(|a| a.abs())
                .fold(f64::INFINITY, f64::min);
            let active = trace.h.iter().filter(|&&h| h > 0.0).count();
            if margin >= RELU_MARGIN && active * 5 >= trace.h.len() * 2 {
                return case;
            }
        }
        panic!("no relu case with margin {RELU_MARGIN} in 10 000 draws from seed {seed}");
    }

    fn draw(cell: CellKind, loss: LossCase, random_state: bool, rng: &mut ChaCha8Rng) -> Self {
        let params = random_params(cell, DIMS, rng);
        let batch = random_batch(loss, SEQ_LEN, BATCH, DIMS, rng);
        let (h0, c0) = if random_state {
            (
                random_array2(BATCH, DIMS.hidden, rng),
                random_array2(BATCH, DIMS.hidden, rng),
            )
        } else {
            (
                Array2::zeros((BATCH, DIMS.hidden)),
                Array2::zeros((BATCH, DIMS.hidden)),
            )
        };
        Self {
            cell,
            params,
            batch,
            h0,
            c0,
            random_state,
        }
    }

    /// The state handed to the engine: `None` for the zero state, so that the default path is
    /// the one tested there.
    fn init(&self) -> InitialState<'_, f64> {
        if self.random_state {
            InitialState {
                h0: Some(self.h0.view()),
                c0: self.cell.has_cell_state().then(|| self.c0.view()),
            }
        } else {
            InitialState::default()
        }
    }

    fn point(&self) -> Point {
        Point {
            params: self.params.clone(),
            x: self.batch.x.clone(),
            h0: self.h0.clone(),
            c0: self.c0.clone(),
        }
    }

    fn describe(&self, bptt: Bptt) -> String {
        format!(
            "{} {} {:?} {} state",
            self.cell.short_name(),
            self.batch.loss_kind().name(),
            bptt,
            if self.random_state { "random" } else { "zero" }
        )
    }
}

/// Runs the engine's `loss_and_grad` with `∂L/∂x`; returns the gradients, the output and the
/// engine (for its stored states).
fn engine_grad<F: Scalar>(
    cell: CellKind,
    dims: Dims,
    params: &Params<F>,
    batch: &Batch<F>,
    init: InitialState<'_, F>,
    bptt: Bptt,
    reduction: Reduction,
) -> (Params<F>, GradOutput<F>, Engine<F>) {
    let mut engine = Engine::new(cell, dims);
    let mut grads = Params::zeros(cell, dims);
    let options = GradOptions {
        bptt,
        reduction,
        grad_x: true,
    };
    let out = engine.loss_and_grad(params, batch, init, options, &mut grads);
    (grads, out, engine)
}

// ---------------------------------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------------------------------

/// `|a − b| / max(|a|, |b|, 1e-8)` (STYLE.md).
fn rel_err(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-8)
}

fn max_abs_diff<'a>(
    a: impl IntoIterator<Item = &'a f64>,
    b: impl IntoIterator<Item = &'a f64>,
) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[track_caller]
fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    let err = rel_err(got, want);
    assert!(
        err <= tol,
        "{what}: got {got:.17e}, want {want:.17e}, relative error {err:.3e} > {tol:.0e}"
    );
}

/// Names of the tensors differentiated: the six parameters, then `h0`, `c0` and `x`.
const SLOT_NAMES: [&str; 9] = [
    PARAM_NAMES[0],
    PARAM_NAMES[1],
    PARAM_NAMES[2],
    PARAM_NAMES[3],
    PARAM_NAMES[4],
    PARAM_NAMES[5],
    "h0",
    "c0",
    "x",
];

fn slot_mut(point: &mut Point, slot: usize) -> &mut [f64] {
    match slot {
        0..6 => point
            .params
            .slices_mut()
            .into_iter()
            .nth(slot)
            .expect("six tensors"),
        6 => point.h0.as_slice_mut().expect("standard layout"),
        7 => point.c0.as_slice_mut().expect("standard layout"),
        8 => point.x.as_slice_mut().expect("standard layout"),
        _ => unreachable!("nine slots"),
    }
}

/// The engine's gradient of one slot, flattened row-major (`None` for `c0` without a cell state).
fn engine_slot(grads: &Params<f64>, out: &GradOutput<f64>, slot: usize) -> Option<Vec<f64>> {
    match slot {
        0..6 => Some(grads.slices()[slot].to_vec()),
        6 => Some(out.grad_h0.iter().copied().collect()),
        7 => out.grad_c0.as_ref().map(|g| g.iter().copied().collect()),
        8 => Some(
            out.grad_x
                .as_ref()
                .expect("grad_x was asked for")
                .iter()
                .copied()
                .collect(),
        ),
        _ => unreachable!("nine slots"),
    }
}

/// The fourth-order central difference `f'(0) ≈ (8 (f(h) − f(−h)) − (f(2h) − f(−2h))) / 12h`
/// with `h` = [`FD_STEP`], where `f_at(δ)` is the function at the point shifted by `δ`.
fn central_difference(mut f_at: impl FnMut(f64) -> f64) -> f64 {
    let h = FD_STEP;
    let near = f_at(h) - f_at(-h);
    let far = f_at(2.0 * h) - f_at(-2.0 * h);
    (8.0 * near - far) / (12.0 * h)
}

/// `∂f/∂v` for every entry `v` of one slot of the point, by [`central_difference`].
fn central_differences(point: &Point, slot: usize, f: &impl Fn(&Point) -> f64) -> Vec<f64> {
    let mut at = point.clone();
    let n = slot_mut(&mut at, slot).len();
    (0..n)
        .map(|i| {
            let v = slot_mut(&mut at, slot)[i];
            let d = central_difference(|shift| {
                slot_mut(&mut at, slot)[i] = v + shift;
                f(&at)
            });
            slot_mut(&mut at, slot)[i] = v;
            d
        })
        .collect()
}

/// The largest relative error seen and where.
#[derive(Default)]
struct Worst {
    err: f64,
    at: String,
    checked: usize,
    failures: Vec<String>,
}

impl Worst {
    fn record(&mut self, err: f64, at: impl FnOnce() -> String, tol: f64) {
        self.checked += 1;
        if err > self.err || err > tol || self.at.is_empty() {
            let message = at();
            if err > tol {
                self.failures.push(message.clone());
            }
            if err >= self.err {
                self.err = err;
                self.at = message;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Fast path = reference path
// ---------------------------------------------------------------------------------------------

/// The engine's loss, `h_t`, `c_t` and readout outputs equal the plain reference for every cell
/// and loss, with zero and random initial state and both reductions; a truncated pass gives the
/// same loss (global divisor) and states.
#[test]
fn fast_path_matches_reference_forward_and_loss() {
    let mut seed = 1000;
    for cell in CELLS {
        for loss in LOSSES {
            for random_state in [false, true] {
                seed += 1;
                let case = Case::new(cell, loss, random_state, seed);
                let trace =
                    reference::forward(cell, &case.params, &case.batch.x, &case.h0, &case.c0);
                for reduction in [Reduction::Mean, Reduction::Sum] {
                    let want_divisor =
                        reference::divisor(&case.batch.target, SEQ_LEN, BATCH, reduction);
                    let got_divisor = case.batch.divisor(0, SEQ_LEN, reduction);
                    let what = case.describe(Bptt::Full);
                    assert_rel(
                        &format!("{what} {reduction:?}: divisor"),
                        got_divisor,
                        want_divisor,
                        0.0,
                    );
                    let want_loss = reference::loss(
                        cell,
                        &case.params,
                        &case.batch.x,
                        &case.batch.target,
                        &case.h0,
                        &case.c0,
                        reduction,
                    );
                    for bptt in [Bptt::Full, truncated(2, 3)] {
                        let what = format!("{} {reduction:?}", case.describe(bptt));
                        let (_, out, engine) = engine_grad(
                            cell,
                            DIMS,
                            &case.params,
                            &case.batch,
                            case.init(),
                            bptt,
                            reduction,
                        );
                        assert_rel(&format!("{what}: loss"), out.loss, want_loss, EXACT_TOL);
                        let h = engine.hidden_states();
                        let dh = max_abs_diff(&h, &trace.h);
                        assert!(
                            dh <= EXACT_TOL,
                            "{what}: hidden states differ by {dh:.3e}\nengine {h:?}\nreference {:?}",
                            trace.h
                        );
                        match engine.cell_states() {
                            Some(c) => {
                                assert!(cell.has_cell_state(), "{what}: unexpected cell states");
                                let dc = max_abs_diff(&c, &trace.c);
                                assert!(
                                    dc <= EXACT_TOL,
                                    "{what}: cell states differ by {dc:.3e}\nengine {c:?}\n\
                                     reference {:?}",
                                    trace.c
                                );
                            }
                            None => assert!(!cell.has_cell_state(), "{what}: no cell states"),
                        }
                        if bptt == Bptt::Full {
                            // Full BPTT computes the readout of every step.
                            let o = engine.outputs();
                            let d_out = max_abs_diff(&o, &trace.out);
                            assert!(
                                d_out <= EXACT_TOL,
                                "{what}: readout outputs differ by {d_out:.3e}\nengine {o:?}\n\
                                 reference {:?}",
                                trace.out
                            );
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Central differences on every parameter, the initial state and the inputs
// ---------------------------------------------------------------------------------------------

/// Compares the engine's gradient of one case and BPTT variant, entry by entry, with central
/// differences of the windowed objective on the reference; returns the engine's parameter
/// gradient.
fn check_case(
    case: &Case,
    bptt: Bptt,
    frozen: &reference::Trace,
    worst: &mut Worst,
) -> Params<f64> {
    let what = case.describe(bptt);
    let (grads, out, _) = engine_grad(
        case.cell,
        DIMS,
        &case.params,
        &case.batch,
        case.init(),
        bptt,
        Reduction::Mean,
    );
    let divisor = reference::divisor(&case.batch.target, SEQ_LEN, BATCH, Reduction::Mean);
    let windows = bptt.windows(SEQ_LEN);
    let objective = |at: &Point| {
        reference::windowed_loss(case.cell, at, &case.batch.target, frozen, &windows, divisor)
    };
    let point = case.point();
    // At the unperturbed point the windows add up to the loss itself.
    assert_rel(
        &format!("{what}: loss"),
        out.loss,
        objective(&point),
        EXACT_TOL,
    );
    for (slot, name) in SLOT_NAMES.into_iter().enumerate() {
        let Some(analytic) = engine_slot(&grads, &out, slot) else {
            assert!(
                !case.cell.has_cell_state(),
                "{what}: the LSTM must return ∂L/∂c0"
            );
            continue;
        };
        let numeric = central_differences(&point, slot, &objective);
        assert_eq!(analytic.len(), numeric.len(), "{what}: {name} length");
        for (i, (&a, &n)) in analytic.iter().zip(&numeric).enumerate() {
            let err = rel_err(a, n);
            worst.record(
                err,
                || format!("{what}: {name}[{i}] engine {a:.12e} vs central differences {n:.12e} (relative error {err:.3e})"),
                FD_TOL,
            );
        }
    }
    grads
}

/// Checks one cell over every loss × BPTT variant × initial state and prints the worst relative
/// error seen.
fn gradcheck_cell(cell: CellKind, seed: u64) {
    let mut worst = Worst::default();
    for (li, loss) in LOSSES.into_iter().enumerate() {
        for random_state in [false, true] {
            let case_seed = seed + 10 * li as u64 + u64::from(random_state);
            let case = Case::new(cell, loss, random_state, case_seed);
            let frozen = reference::forward(cell, &case.params, &case.batch.x, &case.h0, &case.c0);
            if cell == CellKind::Rnn(Activation::Relu) {
                // Central differences are only valid away from the kink of relu (see Case::new).
                let margin = frozen
                    .pre
                    .iter()
                    .map(|a| a.abs())
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    margin >= RELU_MARGIN,
                    "{}: a relu pre-activation is {margin:.3e} from the kink",
                    case.describe(Bptt::Full)
                );
            }
            let full = check_case(&case, Bptt::Full, &frozen, &mut worst);
            for bptt in &BPTTS[1..] {
                let grads = check_case(&case, *bptt, &frozen, &mut worst);
                // The windowed objective is not the loss: truncation must change some entry of
                // the gradient by far more than the tolerance, or an engine that ignored the
                // truncation would pass the check above.
                let change = full
                    .slices()
                    .iter()
                    .zip(grads.slices())
                    .flat_map(|(f, t)| f.iter().zip(t.iter()))
                    .map(|(&f, &t)| rel_err(f, t))
                    .fold(0.0, f64::max);
                assert!(
                    change > 100.0 * FD_TOL,
                    "{}: the truncated gradient is the full one (largest relative change \
                     {change:.3e})",
                    case.describe(*bptt)
                );
            }
        }
    }
    assert!(
        worst.failures.is_empty(),
        "{} of {} entries off by more than {FD_TOL:.0e}; worst {:.3e} at {}\n{}",
        worst.failures.len(),
        worst.checked,
        worst.err,
        worst.at,
        worst.failures[..worst.failures.len().min(20)].join("\n")
    );
    println!(
        "{}: {} entries, largest relative error {:.3e} at {}",
        cell.short_name(),
        worst.checked,
        worst.err,
        worst.at
    );
}

/// The windows the reference objective is built from are the documented ones (`nn/bptt`: loss
/// terms in `loss_start..end`, `end − loss_start = k1` but the last; `start = end − k2`
/// clamped at 0, so the last window reaches back k2 too; chunks: `start = loss_start`),
/// written out by hand for T = 5, so that a change in `Bptt::windows` cannot slip through the
/// central-difference check, which uses it.
#[test]
fn truncation_windows_are_as_documented() {
    type Windows<'a> = &'a [(usize, usize, usize)];
    let expected: [(Bptt, Windows); 5] = [
        (Bptt::Full, &[(0, 0, 5)]),
        (truncated(2, 2), &[(0, 0, 2), (2, 2, 4), (3, 4, 5)]),
        (
            truncated(1, 3),
            &[(0, 0, 1), (0, 1, 2), (0, 2, 3), (1, 3, 4), (2, 4, 5)],
        ),
        (truncated(2, 3), &[(0, 0, 2), (1, 2, 4), (2, 4, 5)]),
        (
            Bptt::Chunked {
                k: 2,
                mode: UpdateMode::Accumulate,
            },
            &[(0, 0, 2), (2, 2, 4), (4, 4, 5)],
        ),
    ];
    for (bptt, want) in expected {
        let got: Vec<(usize, usize, usize)> = bptt
            .windows(SEQ_LEN)
            .into_iter()
            .map(|w| (w.start, w.loss_start, w.end))
            .collect();
        assert_eq!(
            got, want,
            "{bptt:?}: windows (start, loss_start, end) for T = {SEQ_LEN}"
        );
    }
}

/// Every window reaches back k2 steps from its end: at T = 100, k1 = k2 = 30 the loss at the
/// last step is back-propagated through 30 steps (chunks of 30 from t = 0: 10), and no loss
/// term gets fewer than min(t + 1, k2 − k1 + 1) steps.
#[test]
fn truncation_reaches_back_k2_from_every_segment_end() {
    let t_len = 100;
    for (k1, k2) in [(30, 30), (10, 25), (7, 7), (1, 4), (40, 100)] {
        let bptt = truncated(k1, k2);
        let windows = bptt.windows(t_len);
        for w in &windows {
            assert_eq!(w.end - w.start, k2.min(w.end), "{bptt:?}: {w:?}");
            for t in w.loss_start..w.end {
                let depth = t - w.start + 1;
                assert!(
                    depth >= (t + 1).min(k2 - k1 + 1),
                    "{bptt:?}: t = {t}, {depth}"
                );
            }
        }
        let d = bptt.depths(t_len);
        assert_eq!(d.last_step, k2.min(t_len), "{bptt:?}: {d:?}");
        assert_eq!(d.window_max, k2.min(t_len));
    }
    let chunks = Bptt::Chunked {
        k: 30,
        mode: UpdateMode::PerSegment,
    };
    assert_eq!(chunks.depths(t_len).last_step, 10);
    assert_eq!(truncated(30, 30).depths(t_len).term_min, 1);
}

#[test]
fn central_differences_rnn_tanh() {
    gradcheck_cell(CellKind::Rnn(Activation::Tanh), 2000);
}

#[test]
fn central_differences_rnn_relu() {
    gradcheck_cell(CellKind::Rnn(Activation::Relu), 3000);
}

#[test]
fn central_differences_lstm() {
    gradcheck_cell(CellKind::Lstm, 4000);
}

#[test]
fn central_differences_gru() {
    gradcheck_cell(CellKind::Gru, 5000);
}

// ---------------------------------------------------------------------------------------------
// 3. Hand-computed 1-unit steps (I = H = O = 1, B = 1)
// ---------------------------------------------------------------------------------------------

const ONE: Dims = Dims {
    input: 1,
    hidden: 1,
    output: 1,
};

/// 1-unit parameters: one entry per gate block, in the gate order of `torch.nn`.
fn unit_params(
    w_ih: &[f64],
    w_hh: &[f64],
    b_ih: &[f64],
    b_hh: &[f64],
    w_o: f64,
    b_o: f64,
) -> Params<f64> {
    let g = w_ih.len();
    Params {
        weight_ih: Array2::from_shape_vec((g, 1), w_ih.to_vec()).expect("[G, 1]"),
        weight_hh: Array2::from_shape_vec((g, 1), w_hh.to_vec()).expect("[G, 1]"),
        bias_ih: Array1::from(b_ih.to_vec()),
        bias_hh: Array1::from(b_hh.to_vec()),
        readout_weight: Array2::from_elem((1, 1), w_o),
        readout_bias: Array1::from_elem(1, b_o),
    }
}

/// A batch of one sequence of scalars `xs`, with `mse_last` target `y` (or `mse_all` targets).
fn unit_batch(xs: &[f64], target: Target<f64>) -> Batch<f64> {
    Batch {
        x: Array3::from_shape_vec((xs.len(), 1, 1), xs.to_vec()).expect("[T, 1, 1]"),
        target,
    }
}

/// Runs the engine on a 1-unit case with full BPTT and mean reduction.
fn unit_grad(
    cell: CellKind,
    p: &Params<f64>,
    batch: &Batch<f64>,
    h0: Option<f64>,
    c0: Option<f64>,
) -> (Params<f64>, GradOutput<f64>) {
    let h0 = h0.map(|v| Array2::from_elem((1, 1), v));
    let c0 = c0.map(|v| Array2::from_elem((1, 1), v));
    let init = InitialState {
        h0: h0.as_ref().map(|a| a.view()),
        c0: c0.as_ref().map(|a| a.view()),
    };
    let (grads, out, _) = engine_grad(cell, ONE, p, batch, init, Bptt::Full, Reduction::Mean);
    (grads, out)
}

/// Hand values are written to 16 digits; the engine must agree to 1e-14.
const HAND_TOL: f64 = 1e-14;

/// Vanilla tanh RNN, T = 2, `h0 = 0`, `mse_all` (D = T·B·O = 2):
///
/// ```text
/// w_ih = 0.5  w_hh = 0.8  b_ih = 0.1  b_hh = −0.3  w_o = 2  b_o = 0.5
/// x = (1, −2)  y = (0.5, −0.25)
/// a_0 = 0.5·1 + 0.1 + 0.8·0 − 0.3            = 0.3
/// h_0 = tanh(0.3)                             = 0.2913126124515909
/// a_1 = 0.5·(−2) + 0.1 + 0.8·h_0 − 0.3        = −0.9669499100387273
/// h_1 = tanh(a_1)                             = −0.7473608860247822
/// out = 2 h + 0.5                             = (1.0826252249031818, −0.9947217720495645)
/// L   = ((1.08262… − 0.5)² + (−0.99472… + 0.25)²) / 2 = 0.4470313352290633
/// dout_t = 2 (out_t − y_t) / 2                = (0.5826252249031818, −0.7447217720495645)
/// ∂L/∂w_o = Σ dout_t h_t                       = 0.7263019997476501
/// ∂L/∂b_o = Σ dout_t                           = −0.16209654714638266
/// dh_1 = dout_1 w_o = −1.489443544099129;     da_1 = dh_1 (1 − h_1²) = −0.6575173935932004
/// dh_0 = dout_0 w_o + da_1 w_hh = 0.6392365349318033;  da_0 = dh_0 (1 − h_0²) = 0.5849889804660724
/// ∂L/∂w_ih = da_0·1 + da_1·(−2)                = 1.9000237676524732
/// ∂L/∂w_hh = da_0·0 + da_1·h_0                 = −0.19154310965999613
/// ∂L/∂b_ih = ∂L/∂b_hh = da_0 + da_1            = −0.07252841312712799
/// ∂L/∂h0 = da_0 w_hh                           = 0.4679911843728579
/// ```
#[test]
fn hand_computed_rnn_tanh_two_steps() {
    let cell = CellKind::Rnn(Activation::Tanh);
    let p = unit_params(&[0.5], &[0.8], &[0.1], &[-0.3], 2.0, 0.5);
    let y = Array3::from_shape_vec((2, 1, 1), vec![0.5, -0.25]).expect("[T, 1, 1]");
    let batch = unit_batch(&[1.0, -2.0], Target::All(y));
    let (g, out) = unit_grad(cell, &p, &batch, None, None);
    assert_rel("loss", out.loss, 0.447_031_335_229_063_3, HAND_TOL);
    assert_rel(
        "∂L/∂w_o",
        g.readout_weight[[0, 0]],
        0.726_301_999_747_650_1,
        HAND_TOL,
    );
    assert_rel(
        "∂L/∂b_o",
        g.readout_bias[0],
        -0.162_096_547_146_382_66,
        HAND_TOL,
    );
    assert_rel(
        "∂L/∂w_ih",
        g.weight_ih[[0, 0]],
        1.900_023_767_652_473_2,
        HAND_TOL,
    );
    assert_rel(
        "∂L/∂w_hh",
        g.weight_hh[[0, 0]],
        -0.191_543_109_659_996_13,
        HAND_TOL,
    );
    assert_rel(
        "∂L/∂b_ih",
        g.bias_ih[0],
        -0.072_528_413_127_127_99,
        HAND_TOL,
    );
    assert_rel(
        "∂L/∂b_hh",
        g.bias_hh[0],
        -0.072_528_413_127_127_99,
        HAND_TOL,
    );
    assert_rel(
        "∂L/∂h0",
        out.grad_h0[[0, 0]],
        0.467_991_184_372_857_9,
        HAND_TOL,
    );
}

/// Relu RNN, T = 1, `mse_last` (D = 1), numbers that are exact in binary, once active and once
/// dead:
///
/// ```text
/// w_ih = 0.5  w_hh = 0.5  b_ih = 0.25  b_hh = 0.125  w_o = 2  b_o = −0.5  h0 = 0.5  y = 1
/// active, x = 1:
///   a = 0.5·1 + 0.25 + 0.5·0.5 + 0.125 = 1.125   h = 1.125   out = 2·1.125 − 0.5 = 1.75
///   L = (1.75 − 1)² = 0.5625                     dout = 2·0.75 = 1.5
///   ∂L/∂w_o = 1.5·1.125 = 1.6875   ∂L/∂b_o = 1.5   dh = 1.5·2 = 3   da = 3 (relu' = 1)
///   ∂L/∂w_ih = 3·1 = 3   ∂L/∂w_hh = 3·0.5 = 1.5   ∂L/∂b = 3   ∂L/∂h0 = 3·0.5 = 1.5
/// dead, x = −4:
///   a = −2 + 0.25 + 0.25 + 0.125 = −1.375        h = 0        out = −0.5
///   L = (−0.5 − 1)² = 2.25                       dout = −3
///   ∂L/∂w_o = 0   ∂L/∂b_o = −3   da = 0, so ∂L/∂w_ih = ∂L/∂w_hh = ∂L/∂b = ∂L/∂h0 = 0
/// ```
#[test]
#[expect(
    clippy::float_cmp,
    reason = "every number of this case is exact in binary"
)]
fn hand_computed_rnn_relu_one_step() {
    let cell = CellKind::Rnn(Activation::Relu);
    let p = unit_params(&[0.5], &[0.5], &[0.25], &[0.125], 2.0, -0.5);
    let y = Array2::from_elem((1, 1), 1.0);
    let (g, out) = unit_grad(
        cell,
        &p,
        &unit_batch(&[1.0], Target::Last(y.clone())),
        Some(0.5),
        None,
    );
    let active = [
        ("loss", out.loss, 0.5625),
        ("∂L/∂w_o", g.readout_weight[[0, 0]], 1.6875),
        ("∂L/∂b_o", g.readout_bias[0], 1.5),
        ("∂L/∂w_ih", g.weight_ih[[0, 0]], 3.0),
        ("∂L/∂w_hh", g.weight_hh[[0, 0]], 1.5),
        ("∂L/∂b_ih", g.bias_ih[0], 3.0),
        ("∂L/∂b_hh", g.bias_hh[0], 3.0),
        ("∂L/∂h0", out.grad_h0[[0, 0]], 1.5),
    ];
    let (g, out) = unit_grad(
        cell,
        &p,
        &unit_batch(&[-4.0], Target::Last(y)),
        Some(0.5),
        None,
    );
    let dead = [
        ("loss", out.loss, 2.25),
        ("∂L/∂w_o", g.readout_weight[[0, 0]], 0.0),
        ("∂L/∂b_o", g.readout_bias[0], -3.0),
        ("∂L/∂w_ih", g.weight_ih[[0, 0]], 0.0),
        ("∂L/∂w_hh", g.weight_hh[[0, 0]], 0.0),
        ("∂L/∂b_ih", g.bias_ih[0], 0.0),
        ("∂L/∂b_hh", g.bias_hh[0], 0.0),
        ("∂L/∂h0", out.grad_h0[[0, 0]], 0.0),
    ];
    for (case, values) in [("active", active), ("dead", dead)] {
        for (name, got, want) in values {
            // Every number here is exact in binary floating point.
            assert!(
                got == want,
                "relu {case}: {name} = {got:e}, want exactly {want:e}"
            );
        }
    }
}

/// LSTM, T = 1, `h0 = 0.5`, `c0 = 1`, `mse_last` (D = 1), gates i, f, g, o:
///
/// ```text
/// w_ih = (0.5, −0.5, 1, 0.25)  w_hh = (0.1, 0.2, 0.3, 0.4)  b_ih = b_hh = (0, 0.5, 0, 0)
/// w_o = 1.5  b_o = 0  x = 1  y = 0.5
/// a = w_ih·1 + b_ih + w_hh·0.5 + b_hh = (0.55, 0.6, 1.15, 0.45)
/// i = σ(0.55) = 0.6341355910108007   f = σ(0.6) = 0.6456563062257954
/// g = tanh(1.15) = 0.8177540779702877  o = σ(0.45) = 0.610639233949222
/// c = f·1 + i·g = 1.1642232717609762   tanh c = 0.822411454156206
/// h = o tanh c = 0.5021967003570114    out = 1.5 h = 0.753295050535517
/// L = (0.753295… − 0.5)² = 0.06415838262579013       dout = 2·0.253295… = 0.5065901010710341
/// ∂L/∂w_o = dout·h = 0.2544078771913982     dh = dout·1.5 = 0.7598851516065511
/// dc = dh·o·(1 − tanh²c) = 0.1501737585217559
/// da_i = dc·g·i(1−i) = 0.028491745824688258   da_f = dc·c0·f(1−f) = 0.034357389279921394
/// da_g = dc·i·(1−g²) = 0.03154780341713747    da_o = dh·tanh c·o(1−o) = 0.14858466892889258
/// ∂L/∂w_ih = da·x = da    ∂L/∂w_hh = da·h0 = da/2    ∂L/∂b_ih = ∂L/∂b_hh = da
/// ∂L/∂h0 = Σ_k da_k w_hh,k = 0.07861886103515138      ∂L/∂c0 = dc·f = 0.09696063421920148
/// ```
#[test]
fn hand_computed_lstm_one_step() {
    let p = unit_params(
        &[0.5, -0.5, 1.0, 0.25],
        &[0.1, 0.2, 0.3, 0.4],
        &[0.0, 0.5, 0.0, 0.0],
        &[0.0, 0.5, 0.0, 0.0],
        1.5,
        0.0,
    );
    let y = Array2::from_elem((1, 1), 0.5);
    let (g, out) = unit_grad(
        CellKind::Lstm,
        &p,
        &unit_batch(&[1.0], Target::Last(y)),
        Some(0.5),
        Some(1.0),
    );
    assert_rel("loss", out.loss, 0.064_158_382_625_790_13, HAND_TOL);
    assert_rel(
        "∂L/∂w_o",
        g.readout_weight[[0, 0]],
        0.254_407_877_191_398_2,
        HAND_TOL,
    );
    assert_rel(
        "∂L/∂b_o",
        g.readout_bias[0],
        0.506_590_101_071_034_1,
        HAND_TOL,
    );
    let da = [
        0.028_491_745_824_688_258,
        0.034_357_389_279_921_394,
        0.031_547_803_417_137_47,
        0.148_584_668_928_892_58,
    ];
    for (k, gate) in ["i", "f", "g", "o"].into_iter().enumerate() {
        assert_rel(
            &format!("∂L/∂w_ih[{gate}]"),
            g.weight_ih[[k, 0]],
            da[k],
            HAND_TOL,
        );
        assert_rel(
            &format!("∂L/∂w_hh[{gate}]"),
            g.weight_hh[[k, 0]],
            0.5 * da[k],
            HAND_TOL,
        );
        assert_rel(&format!("∂L/∂b_ih[{gate}]"), g.bias_ih[k], da[k], HAND_TOL);
        assert_rel(&format!("∂L/∂b_hh[{gate}]"), g.bias_hh[k], da[k], HAND_TOL);
    }
    assert_rel(
        "∂L/∂h0",
        out.grad_h0[[0, 0]],
        0.078_618_861_035_151_38,
        HAND_TOL,
    );
    let grad_c0 = out.grad_c0.expect("the LSTM returns ∂L/∂c0");
    assert_rel(
        "∂L/∂c0",
        grad_c0[[0, 0]],
        0.096_960_634_219_201_48,
        HAND_TOL,
    );
}

/// GRU, T = 1, `h0 = 0.5`, `mse_last` (D = 1), gates r, z, n, reset after the matmul:
///
/// ```text
/// w_ih = (0.5, −0.5, 1)  w_hh = (0.2, 0.4, −0.6)  b_ih = (0.1, 0, 0.2)  b_hh = (0, 0.1, 0.5)
/// w_o = 1  b_o = 0.25  x = 1  y = 1
/// gi = w_ih·1 + b_ih = (0.6, −0.5, 1.2)      gh = w_hh·0.5 + b_hh = (0.1, 0.3, 0.2)
/// r = σ(0.6 + 0.1) = 0.6681877721681662      z = σ(−0.5 + 0.3) = 0.45016600268752216
/// n = tanh(1.2 + r·0.2) = tanh(1.3336375544336332) = 0.8701355656866832
/// h = (1 − z) n + z·0.5 = 0.7035131176290241   out = h + 0.25 = 0.9535131176290241
/// L = (0.95351… − 1)² = 0.002161030232572947   dout = dh = 2·(−0.04648…) = −0.09297376474195174
/// ∂L/∂w_o = dout·h = −0.0654082630913179
/// dn = dh(1 − z) = −0.05112013671325724      dz = dh(h0 − n) = 0.034412897006782905
/// da_n = dn(1 − n²) = −0.012415245858103977  dr = da_n·gh_n = −0.0024830491716207955
/// da_r = dr·r(1 − r) = −0.0005505239663681208 da_z = dz·z(1 − z) = 0.00851776232420513
/// ∂L/∂w_ih = ∂L/∂b_ih = (da_r, da_z, da_n)
/// ∂L/∂b_hh = (da_r, da_z, da_n·r) = (…, …, −0.008295715470846548)   ∂L/∂w_hh = ∂L/∂b_hh · h0
/// ∂L/∂h0 = dh·z + Σ_k ∂L/∂b_hh,k · w_hh,k = −0.033579198609778135
/// ```
#[test]
fn hand_computed_gru_one_step() {
    let p = unit_params(
        &[0.5, -0.5, 1.0],
        &[0.2, 0.4, -0.6],
        &[0.1, 0.0, 0.2],
        &[0.0, 0.1, 0.5],
        1.0,
        0.25,
    );
    let y = Array2::from_elem((1, 1), 1.0);
    let (g, out) = unit_grad(
        CellKind::Gru,
        &p,
        &unit_batch(&[1.0], Target::Last(y)),
        Some(0.5),
        None,
    );
    assert_rel("loss", out.loss, 0.002_161_030_232_572_947, HAND_TOL);
    assert_rel(
        "∂L/∂w_o",
        g.readout_weight[[0, 0]],
        -0.065_408_263_091_317_9,
        HAND_TOL,
    );
    assert_rel(
        "∂L/∂b_o",
        g.readout_bias[0],
        -0.092_973_764_741_951_74,
        HAND_TOL,
    );
    let dgi = [
        -0.000_550_523_966_368_120_8,
        0.008_517_762_324_205_13,
        -0.012_415_245_858_103_977,
    ];
    let dgh = [dgi[0], dgi[1], -0.008_295_715_470_846_548];
    for (k, gate) in ["r", "z", "n"].into_iter().enumerate() {
        assert_rel(
            &format!("∂L/∂w_ih[{gate}]"),
            g.weight_ih[[k, 0]],
            dgi[k],
            HAND_TOL,
        );
        assert_rel(&format!("∂L/∂b_ih[{gate}]"), g.bias_ih[k], dgi[k], HAND_TOL);
        assert_rel(&format!("∂L/∂b_hh[{gate}]"), g.bias_hh[k], dgh[k], HAND_TOL);
        assert_rel(
            &format!("∂L/∂w_hh[{gate}]"),
            g.weight_hh[[k, 0]],
            0.5 * dgh[k],
            HAND_TOL,
        );
    }
    assert_rel(
        "∂L/∂h0",
        out.grad_h0[[0, 0]],
        -0.033_579_198_609_778_135,
        HAND_TOL,
    );
}

// ---------------------------------------------------------------------------------------------
// 4. T = 1 vs T = 2: gradients accumulate over time
// ---------------------------------------------------------------------------------------------

/// All nine gradients of a run, flattened, with their names: six parameters, `h0`, `c0`, `x`.
fn all_grads(grads: &Params<f64>, out: &GradOutput<f64>) -> Vec<(&'static str, Vec<f64>)> {
    (0..SLOT_NAMES.len())
        .filter_map(|slot| engine_slot(grads, out, slot).map(|g| (SLOT_NAMES[slot], g)))
        .collect()
}

/// `got == Σ_k weights_k · parts_k` entry by entry, to a few ulps of the largest term.
#[track_caller]
fn assert_combination(what: &str, got: &[f64], parts: &[(f64, &[f64])]) {
    for (i, &g) in got.iter().enumerate() {
        let want: f64 = parts.iter().map(|(w, p)| w * p[i]).sum();
        let scale = parts
            .iter()
            .map(|(w, p)| (w * p[i]).abs())
            .fold(g.abs(), f64::max);
        assert!(
            (g - want).abs() <= 1e-14 * scale.max(1e-300),
            "{what}[{i}]: got {g:.17e}, sum of the per-step parts {want:.17e}"
        );
    }
}

/// With `h0 = 0`, a sequence of one step gives `∂L/∂W_hh = Σ_t da_tᵀ h_{t-1} = 0` exactly; a
/// second step adds a non-zero term, and the two-step gradient is exactly the sum of the
/// per-step contributions:
///
/// - `mse_all`, mean: `L(T=2) = ½ (L(T=1 on the first step) + L(mse_last on step 2))`, since
///   the divisors are `2·B·O`, `B·O` and `B·O`; so are the gradients (separate runs);
/// - xent, sum reduction: the gradient with the mask on both steps equals the gradient with the
///   mask on step 1 only plus the gradient with the mask on step 2 only.
#[test]
fn gradients_accumulate_over_time_t1_vs_t2() {
    for (ci, cell) in CELLS.into_iter().enumerate() {
        let name = cell.short_name();
        let mut rng = ChaCha8Rng::seed_from_u64(6000 + ci as u64);
        let p = random_params(cell, DIMS, &mut rng);
        let x = random_array3((2, BATCH, DIMS.input), &mut rng);
        let y = random_array3((2, BATCH, DIMS.output), &mut rng);
        let run = |batch: &Batch<f64>, reduction: Reduction| {
            let (g, out, _) = engine_grad(
                cell,
                DIMS,
                &p,
                batch,
                InitialState::default(),
                Bptt::Full,
                reduction,
            );
            (out.loss, all_grads(&g, &out))
        };

        // mse_all over two steps vs the first step alone and the second step alone.
        let both = Batch {
            x: x.clone(),
            target: Target::All(y.clone()),
        };
        let first = Batch {
            x: x.slice(s![0..1, .., ..]).to_owned(),
            target: Target::All(y.slice(s![0..1, .., ..]).to_owned()),
        };
        let second = Batch {
            x: x.clone(),
            target: Target::Last(y.slice(s![1, .., ..]).to_owned()),
        };
        let (loss_both, g_both) = run(&both, Reduction::Mean);
        let (loss_first, g_first) = run(&first, Reduction::Mean);
        let (loss_second, g_second) = run(&second, Reduction::Mean);
        assert_rel(
            &format!("{name}: mse_all loss of T=2 vs ½(step 1 + step 2)"),
            loss_both,
            0.5 * (loss_first + loss_second),
            1e-14,
        );
        let w_hh = |g: &[(&str, Vec<f64>)]| g[1].1.clone();
        assert!(
            w_hh(&g_first).iter().all(|&v| v == 0.0),
            "{name}: T=1 from h0 = 0 must give ∂L/∂W_hh = 0 exactly, got {:?}",
            w_hh(&g_first)
        );
        for (label, g) in [("T=2", &g_both), ("step 2 only", &g_second)] {
            let largest = w_hh(g).iter().fold(0.0, |m: f64, v| m.max(v.abs()));
            assert!(
                largest > 1e-3,
                "{name}: {label}: ∂L/∂W_hh must be non-zero, largest entry {largest:e}"
            );
        }
        for ((slot, g2), ((_, g1), (_, gl))) in g_both.iter().zip(g_first.iter().zip(&g_second)) {
            let what = format!("{name}: mse_all ∂L/∂{slot} of T=2 vs ½(step 1 + step 2)");
            if *slot == "x" {
                // x of the first run has one step; the second step's input only reaches step 2.
                let n = g1.len();
                assert_combination(&what, &g2[..n], &[(0.5, g1), (0.5, &gl[..n])]);
                assert_combination(&what, &g2[n..], &[(0.5, &gl[n..])]);
            } else {
                assert_combination(&what, g2, &[(0.5, g1), (0.5, gl)]);
            }
        }

        // xent with masks, sum reduction: one run per step, same sequence.
        let labels = Array2::from_shape_simple_fn((2, BATCH), || rng.random_range(0..DIMS.output));
        let masked = |rows: [f64; 2]| Batch {
            x: x.clone(),
            target: Target::Classes {
                labels: labels.clone(),
                mask: Array2::from_shape_fn((2, BATCH), |(t, _)| rows[t]),
            },
        };
        let (loss_both, g_both) = run(&masked([1.0, 1.0]), Reduction::Sum);
        let (loss_first, g_first) = run(&masked([1.0, 0.0]), Reduction::Sum);
        let (loss_second, g_second) = run(&masked([0.0, 1.0]), Reduction::Sum);
        assert_rel(
            &format!("{name}: xent loss of both steps vs step 1 + step 2"),
            loss_both,
            loss_first + loss_second,
            1e-14,
        );
        assert!(
            w_hh(&g_first).iter().all(|&v| v == 0.0),
            "{name}: xent on step 1 only from h0 = 0 must give ∂L/∂W_hh = 0 exactly, got {:?}",
            w_hh(&g_first)
        );
        for ((slot, g2), ((_, g1), (_, gl))) in g_both.iter().zip(g_first.iter().zip(&g_second)) {
            let what = format!("{name}: xent ∂L/∂{slot} of both steps vs step 1 + step 2");
            assert_combination(&what, g2, &[(1.0, g1), (1.0, gl)]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 5. f32 against f64
// ---------------------------------------------------------------------------------------------

/// The same weights, batch and state in f32 give the loss and every gradient within 1e-4 of
/// f64, relative to the largest entry of each gradient tensor.
#[test]
fn f32_matches_f64() {
    let mut seed = 7000;
    let mut worst = Worst::default();
    for cell in CELLS {
        for loss in LOSSES {
            seed += 1;
            let case = Case::new(cell, loss, true, seed);
            let params32: Params<f32> = case.params.cast();
            let batch32: Batch<f32> = case.batch.cast();
            let h0_32 = case.h0.mapv(f32::of_f64);
            let c0_32 = case.c0.mapv(f32::of_f64);
            let init32 = InitialState {
                h0: Some(h0_32.view()),
                c0: cell.has_cell_state().then(|| c0_32.view()),
            };
            for bptt in [Bptt::Full, truncated(2, 3)] {
                let what = case.describe(bptt);
                let (g64, out64, _) = engine_grad(
                    cell,
                    DIMS,
                    &case.params,
                    &case.batch,
                    case.init(),
                    bptt,
                    Reduction::Mean,
                );
                let (g32, out32, _) = engine_grad(
                    cell,
                    DIMS,
                    &params32,
                    &batch32,
                    init32,
                    bptt,
                    Reduction::Mean,
                );
                let loss_err = rel_err(out32.loss, out64.loss);
                assert!(
                    loss_err < 1e-4,
                    "{what}: f32 loss {:.9e} vs f64 {:.9e} (relative error {loss_err:.3e})",
                    out32.loss,
                    out64.loss
                );
                // Widen the f32 results to f64 (exactly) and compare tensor by tensor.
                let out32_wide = GradOutput {
                    loss: out32.loss,
                    profile: out32.profile.clone(),
                    grad_h0: out32.grad_h0.mapv(f64::from),
                    grad_c0: out32.grad_c0.as_ref().map(|g| g.mapv(f64::from)),
                    grad_x: out32.grad_x.as_ref().map(|g| g.mapv(f64::from)),
                };
                let g32_wide: Params<f64> = g32.cast();
                for ((slot, a64), (_, a32)) in all_grads(&g64, &out64)
                    .into_iter()
                    .zip(all_grads(&g32_wide, &out32_wide))
                {
                    let scale = a64.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
                    let diff = max_abs_diff(&a32, &a64);
                    let err = diff / scale.max(1e-8);
                    worst.record(
                        err,
                        || format!("{what}: ∂L/∂{slot}: max |f32 − f64| = {diff:.3e}, largest |f64| = {scale:.3e}, relative {err:.3e}"),
                        1e-4,
                    );
                }
            }
        }
    }
    assert!(
        worst.failures.is_empty(),
        "f32 gradients off by more than 1e-4:\n{}",
        worst.failures.join("\n")
    );
    println!(
        "f32 vs f64: largest relative error {:.3e} at {}",
        worst.err, worst.at
    );
}

// ---------------------------------------------------------------------------------------------
// 6. The gradient profile
// ---------------------------------------------------------------------------------------------

/// The last window that holds loss terms, found from the targets themselves.
fn last_window_with_terms(bptt: Bptt, target: &Target<f64>) -> bptt_lab::nn::Window {
    bptt.windows(SEQ_LEN)
        .into_iter()
        .rev()
        .find(|w| match target {
            Target::Last(_) => w.loss_start < SEQ_LEN && SEQ_LEN <= w.end,
            Target::All(_) => w.loss_start < w.end,
            Target::Classes { mask, .. } => {
                (w.loss_start..w.end).any(|t| (0..BATCH).any(|b| mask[[t, b]] != 0.0))
            }
        })
        .expect("the batch has loss terms")
}

/// `profile.values[t − start] = mean_b ‖∂L_w/∂h_t‖₂` over the steps `start..end` of the last
/// window `w` with loss terms (all `T` steps from 0 for full BPTT), against central differences
/// on `h_t` of the reference (with `c_t` held, for the LSTM).
#[test]
fn gradient_profile_matches_central_differences_on_h_t() {
    let mut seed = 8000;
    let mut worst = Worst::default();
    for cell in CELLS {
        for loss in LOSSES {
            seed += 1;
            let case = Case::new(cell, loss, true, seed);
            let trace = reference::forward(cell, &case.params, &case.batch.x, &case.h0, &case.c0);
            let divisor = reference::divisor(&case.batch.target, SEQ_LEN, BATCH, Reduction::Mean);
            for bptt in BPTTS {
                let what = case.describe(bptt);
                let (_, out, _) = engine_grad(
                    cell,
                    DIMS,
                    &case.params,
                    &case.batch,
                    case.init(),
                    bptt,
                    Reduction::Mean,
                );
                let w = last_window_with_terms(bptt, &case.batch.target);
                if bptt == Bptt::Full {
                    assert_eq!(
                        (out.profile.start, out.profile.values.len()),
                        (0, SEQ_LEN),
                        "{what}: the profile of full BPTT covers all steps from 0"
                    );
                }
                assert_eq!(
                    (out.profile.start, out.profile.values.len()),
                    (w.start, w.end - w.start),
                    "{what}: the profile covers the last window {w:?}, values {:?}",
                    out.profile.values
                );
                for t in w.start..w.end {
                    let mut h_t = trace.h.slice(s![t, .., ..]).to_owned();
                    let c_t = trace.c.slice(s![t, .., ..]).to_owned();
                    let mut norms = 0.0;
                    for b in 0..BATCH {
                        let mut sq = 0.0;
                        for j in 0..DIMS.hidden {
                            let v = h_t[[b, j]];
                            let d = central_difference(|shift| {
                                h_t[[b, j]] = v + shift;
                                reference::loss_from_state(
                                    cell,
                                    &case.params,
                                    &case.batch.x,
                                    &case.batch.target,
                                    &h_t,
                                    &c_t,
                                    t,
                                    w.loss_start,
                                    w.end,
                                    divisor,
                                )
                            });
                            h_t[[b, j]] = v;
                            sq += d * d;
                        }
                        norms += sq.sqrt();
                    }
                    let want = norms / BATCH as f64;
                    let got = out.profile.values[t - w.start];
                    let err = rel_err(got, want);
                    worst.record(
                        err,
                        || format!("{what}: g_{t} = {got:.12e}, central differences {want:.12e} (relative error {err:.3e})"),
                        FD_TOL,
                    );
                }
            }
        }
    }
    assert!(
        worst.failures.is_empty(),
        "gradient profile off by more than {FD_TOL:.0e}:\n{}",
        worst.failures.join("\n")
    );
    println!(
        "profile: largest relative error {:.3e} at {}",
        worst.err, worst.at
    );
}
