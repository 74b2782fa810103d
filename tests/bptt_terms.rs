//! The terms of the BPTT sum ([`Engine::bptt_terms`]), in f64:
//!
//! - the per-step contribution matrices add up to the engine's own `∂L/∂W_hh` and `∂L/∂W_ih`
//!   (full BPTT, accumulated truncation, and per-segment truncation against the gradient a
//!   training step applies), for every cell;
//! - each step's matrix is the gradient with respect to a copy of the weights used at that step
//!   only (central differences on the plain reference);
//! - the share of the last k steps is the norm of the gradient that truncating to k steps
//!   gives over the full one, and 1 at k = T;
//! - a 1-unit tanh RNN over 2 steps by hand;
//! - `train --out` writes them to `terms.csv`.
//!
//! Sizes are tiny (I=2, H=3, T=6, B=2, O=2) and every draw is seeded.

#[expect(
    dead_code,
    reason = "the shared reference also serves tests/gradcheck.rs; this file runs its forward pass only"
)]
mod common;

mod binary;

use bptt_lab::nn::{
    Activation, Batch, Bptt, BpttTerms, CellKind, Clip, Dims, Engine, GradOptions, InitialState,
    Model, Optimizer, OptimizerConfig, Params, Reduction, StepConfig, Target, UpdateMode,
};
use common::reference;
use ndarray::{Array2, Array3, s};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DIMS: Dims = Dims {
    input: 2,
    hidden: 3,
    output: 2,
};
const SEQ_LEN: usize = 6;
const BATCH: usize = 2;
/// Agreement of two sums of the same products in another order.
const EXACT_TOL: f64 = 1e-12;

const CELLS: [CellKind; 4] = [
    CellKind::Rnn(Activation::Tanh),
    CellKind::Rnn(Activation::Relu),
    CellKind::Lstm,
    CellKind::Gru,
];

fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

fn random_params(cell: CellKind, rng: &mut ChaCha8Rng) -> Params<f64> {
    let mut p = Params::zeros(cell, DIMS);
    for tensor in p.slices_mut() {
        for v in tensor {
            *v = uniform(rng, -0.8, 0.8);
        }
    }
    p
}

/// Inputs `U(−1, 1)`; targets for `mse_last` or `mse_all`.
fn random_batch(last_only: bool, rng: &mut ChaCha8Rng) -> Batch<f64> {
    let x = Array3::from_shape_simple_fn((SEQ_LEN, BATCH, DIMS.input), || uniform(rng, -1.0, 1.0));
    let target = if last_only {
        Target::Last(Array2::from_shape_simple_fn((BATCH, DIMS.output), || {
            uniform(rng, -1.0, 1.0)
        }))
    } else {
        Target::All(Array3::from_shape_simple_fn(
            (SEQ_LEN, BATCH, DIMS.output),
            || uniform(rng, -1.0, 1.0),
        ))
    };
    Batch { x, target }
}

/// A seeded case whose relu pre-activations (if any) are at least 0.02 from the kink, ten
/// times the largest shift of the central differences.
fn case(cell: CellKind, last_only: bool, seed: u64) -> (Params<f64>, Batch<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    loop {
        let params = random_params(cell, &mut rng);
        let batch = random_batch(last_only, &mut rng);
        if cell != CellKind::Rnn(Activation::Relu) {
            return (params, batch);
        }
        let zero = Array2::zeros((BATCH, DIMS.hidden));
        let trace = reference::forward(cell, &params, &batch.x, &zero, &zero);
        let active = trace.h.iter().filter(|&&h| h > 0.0).count();
        if trace.pre.iter().all(|a| a.abs() > 0.02) && active * 5 >= trace.h.len() * 2 {
            return (params, batch);
        }
    }
}

const fn options(bptt: Bptt) -> GradOptions {
    GradOptions {
        bptt,
        reduction: Reduction::Mean,
        grad_x: false,
    }
}

/// The terms, and the sums over the steps of their matrices `[G·H, H]`, `[G·H, I]`; checks
/// that every step of the window is visited once, from the end back.
fn terms_and_sums(
    cell: CellKind,
    params: &Params<f64>,
    batch: &Batch<f64>,
    bptt: Bptt,
) -> (BpttTerms, Params<f64>, Array2<f64>, Array2<f64>) {
    let mut engine = Engine::<f64>::new(cell, DIMS);
    let mut grads = Params::zeros(cell, DIMS);
    let gh = cell.gates() * DIMS.hidden;
    let mut sum_hh = Array2::zeros((gh, DIMS.hidden));
    let mut sum_ih = Array2::zeros((gh, DIMS.input));
    let mut seen = Vec::new();
    let terms = engine.bptt_terms(
        params,
        batch,
        InitialState::default(),
        options(bptt),
        &mut grads,
        |term| {
            sum_hh += &term.weight_hh;
            sum_ih += &term.weight_ih;
            seen.push(term.t);
        },
    );
    let want: Vec<usize> = (terms.start..terms.start + terms.len()).rev().collect();
    assert_eq!(seen, want, "{cell:?} {bptt:?}: steps visited");
    assert_eq!(terms.ih.len(), terms.len());
    (terms, grads, sum_hh, sum_ih)
}

/// `max |a − b| / max(max |b|, 1e-300)`.
fn rel_err(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

fn assert_sums_match(
    what: &str,
    (sum_hh, sum_ih): (&Array2<f64>, &Array2<f64>),
    engine: &Params<f64>,
) {
    for (name, sum, want) in [
        ("W_hh", sum_hh, &engine.weight_hh),
        ("W_ih", sum_ih, &engine.weight_ih),
    ] {
        assert!(
            want.iter().any(|v| v.abs() > 1e-6),
            "{what}: {name} gradient is zero, the case tests nothing"
        );
        let err = rel_err(sum, want);
        assert!(
            err < EXACT_TOL,
            "{what}: Σ_t terms of {name} vs the engine's gradient: relative error {err:e}\n{sum}\n{want}"
        );
    }
}

#[test]
fn terms_add_up_to_the_full_bptt_gradient() {
    for cell in CELLS {
        for last_only in [false, true] {
            let (params, batch) = case(cell, last_only, 11);
            let (terms, grads, sum_hh, sum_ih) = terms_and_sums(cell, &params, &batch, Bptt::Full);
            assert_eq!((terms.start, terms.len()), (0, SEQ_LEN));
            let mut engine = Engine::<f64>::new(cell, DIMS);
            let mut want = Params::zeros(cell, DIMS);
            engine.loss_and_grad(
                &params,
                &batch,
                InitialState::default(),
                options(Bptt::Full),
                &mut want,
            );
            // The window's gradient left in `grads` is the engine's, every tensor.
            for (g, w) in grads.slices().iter().zip(want.slices()) {
                for (a, b) in g.iter().zip(w) {
                    assert!((a - b).abs() <= EXACT_TOL * b.abs().max(1e-3), "{a} vs {b}");
                }
            }
            let what = format!("{cell:?} full, last only {last_only}");
            assert_sums_match(&what, (&sum_hh, &sum_ih), &want);
        }
    }
}

#[test]
fn truncated_terms_add_up_to_the_last_window_gradient() {
    // BPTT(2, 4) over T = 6: windows 0..2, 0..4, 2..6. With the loss at the last step only,
    // only the last window has terms, and the accumulated gradient is that window's.
    let bptt = Bptt::Truncated {
        k1: 2,
        k2: 4,
        mode: UpdateMode::Accumulate,
    };
    for cell in CELLS {
        let (params, batch) = case(cell, true, 12);
        let (terms, _, sum_hh, sum_ih) = terms_and_sums(cell, &params, &batch, bptt);
        assert_eq!((terms.start, terms.len()), (2, 4));
        let mut engine = Engine::<f64>::new(cell, DIMS);
        let mut want = Params::zeros(cell, DIMS);
        engine.loss_and_grad(
            &params,
            &batch,
            InitialState::default(),
            options(bptt),
            &mut want,
        );
        assert_sums_match(&format!("{cell:?} {bptt:?}"), (&sum_hh, &sum_ih), &want);
    }
}

#[test]
fn per_segment_terms_add_up_to_the_last_update() {
    // Chunks of 4 over T = 6 (windows 0..4, 4..6), a loss at every step, one update per
    // chunk: the last update's gradient (left in the step's buffer, not clipped, with a zero
    // learning rate so that the weights and activations stay those of the terms' pass) uses
    // the last window's own divisor.
    let bptt = Bptt::Chunked {
        k: 4,
        mode: UpdateMode::PerSegment,
    };
    for cell in CELLS {
        let (params, batch) = case(cell, false, 13);
        let (terms, _, sum_hh, sum_ih) = terms_and_sums(cell, &params, &batch, bptt);
        assert_eq!((terms.start, terms.len()), (4, 2));
        let mut model = Model::new(cell, DIMS, params.clone());
        let sgd = OptimizerConfig::Sgd {
            lr: 0.0,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        };
        let mut optimizer = Optimizer::new(sgd, &model.params);
        let mut engine = Engine::<f64>::new(cell, DIMS);
        let mut want = Params::zeros(cell, DIMS);
        let config = StepConfig {
            bptt,
            clip: Clip::None,
            reduction: Reduction::Mean,
            train_bias_hh: true,
        };
        let stats = engine
            .train_step(&mut model, &mut optimizer, config, &batch, &mut want)
            .expect("finite");
        assert_eq!(stats.updates, 2);
        assert_eq!(
            model.params, params,
            "a zero learning rate keeps the weights"
        );
        assert_sums_match(&format!("{cell:?} {bptt:?}"), (&sum_hh, &sum_ih), &want);
    }
}

/// The loss of `batch` (mean reduction) when step `t` runs with `p_t` and every other step
/// with `p`, from the state `(h0, c0)`: the function whose gradient in `p_t` is step t's term.
fn loss_with_step_params(
    cell: CellKind,
    (p, p_t): (&Params<f64>, &Params<f64>),
    t: usize,
    batch: &Batch<f64>,
    (h0, c0): (&Array2<f64>, &Array2<f64>),
) -> f64 {
    let (seq_len, b, _) = batch.x.dim();
    let mut h = h0.clone();
    let mut c = c0.clone();
    let mut total = 0.0;
    for (params, t0, t1) in [(p, 0, t), (p_t, t, t + 1), (p, t + 1, seq_len)] {
        if t0 == t1 {
            continue;
        }
        let trace = reference::run(cell, params, &batch.x, &h, &c, t0, t1);
        total += reference::sum_terms(&batch.target, seq_len, &trace, t0, t0, t1);
        h = trace.h.slice(s![t1 - t0 - 1, .., ..]).to_owned();
        c = trace.c.slice(s![t1 - t0 - 1, .., ..]).to_owned();
    }
    total / reference::divisor(&batch.target, seq_len, b, Reduction::Mean)
}

/// `f'(0)` by the fourth-order central stencil with step 1e-3 (truncation error ~1e-13).
fn central_difference(mut f: impl FnMut(f64) -> f64) -> f64 {
    let h = 1e-3;
    (-f(2.0 * h) + 8.0 * f(h) - 8.0 * f(-h) + f(-2.0 * h)) / (12.0 * h)
}

#[test]
fn each_term_is_the_gradient_of_its_own_step_weights() {
    for cell in CELLS {
        let (params, batch) = case(cell, false, 14);
        // A random initial state, so that step 0's W_hh term is not zero.
        let mut rng = ChaCha8Rng::seed_from_u64(140);
        let mut state =
            || Array2::from_shape_simple_fn((BATCH, DIMS.hidden), || uniform(&mut rng, -0.5, 0.5));
        let (h0, c0) = (state(), state());
        let mut terms_hh = Vec::new();
        let mut terms_ih = Vec::new();
        let mut engine = Engine::<f64>::new(cell, DIMS);
        let mut grads = Params::zeros(cell, DIMS);
        engine.bptt_terms(
            &params,
            &batch,
            InitialState {
                h0: Some(h0.view()),
                c0: Some(c0.view()),
            },
            options(Bptt::Full),
            &mut grads,
            |term| {
                terms_hh.push((term.t, term.weight_hh.to_owned()));
                terms_ih.push((term.t, term.weight_ih.to_owned()));
            },
        );
        let mut worst = 0.0f64;
        for ((t, hh), (_, ih)) in terms_hh.iter().zip(&terms_ih) {
            for (tensor, term) in [(0, hh), (1, ih)] {
                for ((r, k), &got) in term.indexed_iter() {
                    let mut p_t = params.clone();
                    let fd = central_difference(|shift| {
                        let w = if tensor == 0 {
                            &mut p_t.weight_hh
                        } else {
                            &mut p_t.weight_ih
                        };
                        w[[r, k]] = if tensor == 0 {
                            params.weight_hh[[r, k]]
                        } else {
                            params.weight_ih[[r, k]]
                        } + shift;
                        loss_with_step_params(cell, (&params, &p_t), *t, &batch, (&h0, &c0))
                    });
                    // The stencil's rounding error is about 1e-13 absolute (a loss of order
                    // one over 12h): entries below 1e-7 (a dead relu unit's exact 0) are held
                    // to that, larger ones to 1e-6 relative.
                    let err = (got - fd).abs() / got.abs().max(fd.abs()).max(1e-7);
                    assert!(
                        err < 1e-6,
                        "{cell:?} t = {t} {} [{r}, {k}]: term {got:e} vs central difference {fd:e}",
                        ["W_hh", "W_ih"][tensor]
                    );
                    worst = worst.max(err);
                }
            }
        }
        assert_eq!(terms_hh.len(), SEQ_LEN);
        eprintln!("{cell:?}: worst relative error {worst:e}");
    }
}

/// Frobenius norm.
fn norm(a: &Array2<f64>) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[test]
#[expect(
    clippy::float_cmp,
    reason = "x / x is exactly 1 for a finite non-zero x: the share at the window's length is exact"
)]
fn the_share_of_the_last_k_steps_is_the_truncated_gradient_over_the_full() {
    // With a loss at the last step only, BPTT(k, k) back-propagates it through the last k
    // steps, with the same activations: its gradient is the sum of the last k full terms.
    for cell in CELLS {
        let (params, batch) = case(cell, true, 15);
        let (terms, _, _, _) = terms_and_sums(cell, &params, &batch, Bptt::Full);
        assert_eq!(terms.share_last_k.len(), SEQ_LEN);
        assert_eq!(terms.share_last_k_ih.len(), SEQ_LEN);
        assert_eq!(terms.share_last_k[SEQ_LEN - 1], 1.0);
        assert_eq!(terms.share_last_k_ih[SEQ_LEN - 1], 1.0);
        let grad = |bptt: Bptt| {
            let mut engine = Engine::<f64>::new(cell, DIMS);
            let mut g = Params::zeros(cell, DIMS);
            engine.loss_and_grad(
                &params,
                &batch,
                InitialState::default(),
                options(bptt),
                &mut g,
            );
            g
        };
        let full = grad(Bptt::Full);
        for k in 1..=SEQ_LEN {
            let truncated = grad(Bptt::Truncated {
                k1: k,
                k2: k,
                mode: UpdateMode::Accumulate,
            });
            for (got, num, den) in [
                (
                    terms.share_last_k[k - 1],
                    &truncated.weight_hh,
                    &full.weight_hh,
                ),
                (
                    terms.share_last_k_ih[k - 1],
                    &truncated.weight_ih,
                    &full.weight_ih,
                ),
            ] {
                let want = norm(num) / norm(den);
                assert!(
                    (got - want).abs() <= EXACT_TOL * want,
                    "{cell:?} k = {k}: share {got} vs ‖truncated‖ / ‖full‖ = {want}"
                );
            }
        }
    }
}

#[test]
#[expect(
    clippy::float_cmp,
    reason = "x / x is exactly 1 for a finite non-zero x: the share at the window's length is exact"
)]
fn a_one_unit_tanh_rnn_over_two_steps_by_hand() {
    // I = H = O = 1, B = 1: w_ih = 1, w_hh = 0.5, w_o = 2, biases 0, h_{-1} = 0.5,
    // x = (1, −0.5), y = 1, mse_last (divisor 1).
    //   a_0 = 1·1 + 0.5·0.5 = 1.25             h_0 = tanh 1.25 = 0.848283639957513
    //   a_1 = 1·(−0.5) + 0.5·h_0 = −0.07585818  h_1 = tanh a_1 = −0.0757130064617015
    //   out = 2 h_1 = −0.151426012923403        ∂L/∂out = 2 (out − 1) = −2.30285202584681
    //   da_1 = ∂L/∂out · w_o · (1 − h_1²) = −4.57930204045080
    //   da_0 = da_1 · w_hh · (1 − h_0²) = −0.642052184436397
    // Terms of W_hh: t = 1: da_1 h_0 = −3.88454700333847;  t = 0: da_0 h_{-1} = −0.321026092218198
    // Terms of W_ih: t = 1: da_1 x_1 = 2.28965102022540;   t = 0: da_0 x_0 = −0.642052184436397
    // Shares at k = 1: 3.88454700333847 / 4.20557309555667 = 0.923666505153038 (W_hh) and
    // 2.28965102022540 / 1.64759883658100 = 1.38968963226351 (W_ih: the terms cancel).
    let cell = CellKind::Rnn(Activation::Tanh);
    let dims = Dims {
        input: 1,
        hidden: 1,
        output: 1,
    };
    let mut params = Params::zeros(cell, dims);
    params.weight_ih[[0, 0]] = 1.0;
    params.weight_hh[[0, 0]] = 0.5;
    params.readout_weight[[0, 0]] = 2.0;
    let batch = Batch {
        x: Array3::from_shape_vec((2, 1, 1), vec![1.0, -0.5]).expect("shape"),
        target: Target::Last(Array2::from_elem((1, 1), 1.0)),
    };
    let h0 = Array2::from_elem((1, 1), 0.5);
    let mut engine = Engine::<f64>::new(cell, dims);
    let mut grads = Params::zeros(cell, dims);
    let mut matrices = Vec::new();
    let terms = engine.bptt_terms(
        &params,
        &batch,
        InitialState {
            h0: Some(h0.view()),
            c0: None,
        },
        options(Bptt::Full),
        &mut grads,
        |term| matrices.push((term.t, term.weight_hh[[0, 0]], term.weight_ih[[0, 0]])),
    );
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * b.abs().max(1.0);
    let want = [
        (1, -3.884_547_003_338_47, 2.289_651_020_225_40),
        (0, -0.321_026_092_218_198, -0.642_052_184_436_397),
    ];
    assert_eq!(matrices.len(), 2);
    for ((t, hh, ih), (wt, whh, wih)) in matrices.iter().zip(want) {
        assert!(
            *t == wt && close(*hh, whh) && close(*ih, wih),
            "step {t}: ({hh}, {ih}) vs ({whh}, {wih})"
        );
    }
    assert_eq!(terms.start, 0);
    for (i, (_, whh, wih)) in want.iter().rev().enumerate() {
        assert!(close(terms.hh[i][0], whh.abs()) && close(terms.ih[i][0], wih.abs()));
    }
    assert!(close(terms.share_last_k[0], 0.923_666_505_153_038));
    assert!(close(terms.share_last_k_ih[0], 1.389_689_632_263_51));
    assert_eq!(terms.share_last_k[1], 1.0);
    assert!(close(
        grads.weight_hh[[0, 0]],
        -3.884_547_003_338_47 - 0.321_026_092_218_198
    ));
}

#[test]
fn a_batch_without_loss_terms_has_no_terms() {
    // An xent batch whose mask is all zero: no window holds terms.
    let cell = CellKind::Gru;
    let (params, batch) = case(cell, false, 16);
    let batch = Batch {
        x: batch.x,
        target: Target::Classes {
            labels: Array2::zeros((SEQ_LEN, BATCH)),
            mask: Array2::zeros((SEQ_LEN, BATCH)),
        },
    };
    let (terms, grads, _, _) = terms_and_sums(cell, &params, &batch, Bptt::Full);
    assert_eq!(terms, BpttTerms::default());
    assert!(grads.weight_hh.iter().all(|&v| v == 0.0));
}

#[test]
fn train_writes_the_terms_beside_the_profile() {
    // The LSTM on adding cut to T = 10 and 15 steps: the first diagnostics (step 1) always
    // take the terms, a row per time step and gate block, in that order.
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "train",
        "adding_lstm_t100",
        "--steps",
        "15",
        "--set",
        "task.seq_len=10",
        "--out",
        "run",
    ];
    binary::run_expecting(dir.path(), &args, 0);
    let text = std::fs::read_to_string(dir.path().join("run/terms.csv")).expect("terms.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("step,t,block,hh_norm,ih_norm,hh_share,ih_share")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let first: Vec<(usize, &str)> = rows
        .iter()
        .filter(|r| r[0] == "1")
        .map(|r| (r[1].parse().expect("t"), r[2]))
        .collect();
    let want: Vec<(usize, &str)> = (0..10)
        .flat_map(|t| ["i", "f", "g", "o"].map(|g| (t, g)))
        .collect();
    assert_eq!(first, want, "terms.csv at step 1:\n{text}");
    for r in &rows {
        let v: Vec<f64> = r[3..].iter().map(|x| x.parse().expect(x)).collect();
        assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{r:?}");
        // Steps 0.. to the end: the whole gradient.
        if r[1] == "0" {
            assert_eq!((v[2], v[3]), (1.0, 1.0), "{r:?}");
        }
    }
    let diagnostics =
        std::fs::read_to_string(dir.path().join("run/diagnostics.csv")).expect("diagnostics.csv");
    for r in &rows {
        assert!(
            diagnostics
                .lines()
                .any(|l| l.split(',').next() == Some(r[0])),
            "terms at step {} without a diagnostics row",
            r[0]
        );
    }
}
