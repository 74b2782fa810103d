//! The optimizers against hand-computed updates (the `torch.optim` formulas), and three full
//! training steps (forward, BPTT, global-norm clip, Adam) against the `torch` oracle in f64.
//!
//! The hand-computed tests run on a 1-unit RNN (I = H = O = 1), so each of the six tensors is
//! one scalar. Two of them get gradients ("A" = `weight_ih_l0`, "B" = `readout.bias`); the
//! other four get zero gradients and show that each tensor has its own state. Every expected
//! value is worked out in the comment above it.

use std::path::{Path, PathBuf};

use bptt_lab::grad::{GradSettings, read_array, read_inputs, read_params};
use bptt_lab::nn::{
    Activation, Bptt, CellKind, Clip, Dims, Engine, LossKind, Model, Optimizer, OptimizerConfig,
    PARAM_NAMES, Params, Reduction, StepConfig,
};

const CELL: CellKind = CellKind::Rnn(Activation::Tanh);
const DIMS: Dims = Dims {
    input: 1,
    hidden: 1,
    output: 1,
};

/// Starting values, in `PARAM_NAMES` order: A = 1, then 0.25, −0.5, 2, 0.125, and B = −1.
const P0: [f64; 6] = [1.0, 0.25, -0.5, 2.0, 0.125, -1.0];

/// A 1-unit model's parameters (or gradients) with the six scalars `v`.
fn tiny(v: [f64; 6]) -> Params<f64> {
    let mut p = Params::zeros(CELL, DIMS);
    for (s, x) in p.slices_mut().into_iter().zip(v) {
        assert_eq!(s.len(), 1, "a 1-unit model has one scalar per tensor");
        s[0] = x;
    }
    p
}

/// Gradient with `a` on A (`weight_ih_l0`), `b` on B (`readout.bias`) and zero elsewhere.
fn grad_ab(a: f64, b: f64) -> Params<f64> {
    tiny([a, 0.0, 0.0, 0.0, 0.0, b])
}

#[track_caller]
fn assert_values(what: &str, got: &Params<f64>, want: [f64; 6]) {
    for ((name, got), want) in PARAM_NAMES.iter().zip(got.slices()).zip(want) {
        let got = got[0];
        let err = (got - want).abs();
        assert!(
            err <= 1e-12 * want.abs().max(1.0),
            "{what}: {name} = {got:.17}, expected {want:.17} (difference {err:.3e})"
        );
    }
}

/// Runs `config` from `P0` over the gradients `(a_t, b_t)`, checking the parameters after
/// every step against `want[t]`.
#[track_caller]
fn run(config: OptimizerConfig, grads: &[(f64, f64)], want: &[[f64; 6]]) {
    assert_eq!(grads.len(), want.len());
    let mut params = tiny(P0);
    let mut opt = Optimizer::new(config, &params);
    for (t, (&(a, b), &want)) in grads.iter().zip(want).enumerate() {
        opt.step(&mut params, &grad_ab(a, b));
        assert_eq!(opt.steps(), t as u64 + 1, "step counter");
        assert_values(
            &format!("{} after step {}", config.name(), t + 1),
            &params,
            want,
        );
    }
}

/// The four tensors without gradient keep their values (no weight decay).
fn with_ab(a: f64, b: f64) -> [f64; 6] {
    [a, P0[1], P0[2], P0[3], P0[4], b]
}

#[test]
fn sgd_plain_is_p_minus_lr_times_g() {
    // η = 0.5; p ← p − η g.
    // A: g = 0.2, −0.4, 0.1:  1 − 0.1 = 0.9;   0.9 + 0.2 = 1.1;    1.1 − 0.05 = 1.05
    // B: g = 1, 0.5, −2:     −1 − 0.5 = −1.5; −1.5 − 0.25 = −1.75; −1.75 + 1 = −0.75
    run(
        OptimizerConfig::sgd(0.5),
        &[(0.2, 1.0), (-0.4, 0.5), (0.1, -2.0)],
        &[
            with_ab(0.9, -1.5),
            with_ab(1.1, -1.75),
            with_ab(1.05, -0.75),
        ],
    );
}

#[test]
fn sgd_momentum_with_dampening_starts_the_buffer_at_g() {
    // η = 0.5, μ = 0.5, τ = 0.25; b₁ = g₁ (no dampening on the first step), then
    // b ← μ b + (1 − τ) g = 0.5 b + 0.75 g;  p ← p − η b.
    // A: b₁ = 0.2;                         p₁ = 1 − 0.1 = 0.9
    //    b₂ = 0.1 + 0.75·(−0.4) = −0.2;     p₂ = 0.9 + 0.1 = 1.0
    //    b₃ = −0.1 + 0.75·0.1 = −0.025;     p₃ = 1.0 + 0.0125 = 1.0125
    // B: b₁ = 1;                           p₁ = −1 − 0.5 = −1.5
    //    b₂ = 0.5 + 0.75·0.5 = 0.875;       p₂ = −1.5 − 0.4375 = −1.9375
    //    b₃ = 0.4375 + 0.75·(−2) = −1.0625; p₃ = −1.9375 + 0.53125 = −1.40625
    run(
        OptimizerConfig::Sgd {
            lr: 0.5,
            momentum: 0.5,
            dampening: 0.25,
            nesterov: false,
            weight_decay: 0.0,
        },
        &[(0.2, 1.0), (-0.4, 0.5), (0.1, -2.0)],
        &[
            with_ab(0.9, -1.5),
            with_ab(1.0, -1.9375),
            with_ab(1.0125, -1.40625),
        ],
    );
}

#[test]
fn sgd_nesterov_steps_along_g_plus_mu_b() {
    // η = 0.5, μ = 0.5, τ = 0; b ← μ b + g (b₁ = g₁);  d = g + μ b;  p ← p − η d.
    // A: b₁ = 0.2,   d₁ = 0.2 + 0.1 = 0.3;      p₁ = 1 − 0.15 = 0.85
    //    b₂ = 0.1 − 0.4 = −0.3,  d₂ = −0.4 − 0.15 = −0.55;  p₂ = 0.85 + 0.275 = 1.125
    //    b₃ = −0.15 + 0.1 = −0.05, d₃ = 0.1 − 0.025 = 0.075; p₃ = 1.125 − 0.0375 = 1.0875
    // B: b₁ = 1,     d₁ = 1 + 0.5 = 1.5;        p₁ = −1 − 0.75 = −1.75
    //    b₂ = 0.5 + 0.5 = 1,     d₂ = 0.5 + 0.5 = 1;        p₂ = −1.75 − 0.5 = −2.25
    //    b₃ = 0.5 − 2 = −1.5,    d₃ = −2 − 0.75 = −2.75;    p₃ = −2.25 + 1.375 = −0.875
    run(
        OptimizerConfig::Sgd {
            lr: 0.5,
            momentum: 0.5,
            dampening: 0.0,
            nesterov: true,
            weight_decay: 0.0,
        },
        &[(0.2, 1.0), (-0.4, 0.5), (0.1, -2.0)],
        &[
            with_ab(0.85, -1.75),
            with_ab(1.125, -2.25),
            with_ab(1.0875, -0.875),
        ],
    );
}

#[test]
fn sgd_weight_decay_is_added_to_the_gradient_before_momentum() {
    // η = 0.5, μ = 0.5, τ = 0, λ = 0.5; d = g + λ p first, then b ← μ b + d, p ← p − η b.
    // A: d₁ = 0.2 + 0.5 = 0.7, b₁ = 0.7;  p₁ = 1 − 0.35 = 0.65
    //    d₂ = −0.4 + 0.325 = −0.075, b₂ = 0.35 − 0.075 = 0.275; p₂ = 0.65 − 0.1375 = 0.5125
    // B: d₁ = 1 − 0.5 = 0.5, b₁ = 0.5;    p₁ = −1 − 0.25 = −1.25
    //    d₂ = 0.5 − 0.625 = −0.125, b₂ = 0.25 − 0.125 = 0.125;  p₂ = −1.25 − 0.0625 = −1.3125
    // The others (g = 0) are linear in p: d₁ = 0.5 p, p₁ = p − 0.25 p = 0.75 p;
    //    d₂ = 0.375 p, b₂ = 0.25 p + 0.375 p = 0.625 p, p₂ = 0.75 p − 0.3125 p = 0.4375 p.
    let decayed = |k: usize, f: f64| P0[k] * f;
    run(
        OptimizerConfig::Sgd {
            lr: 0.5,
            momentum: 0.5,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.5,
        },
        &[(0.2, 1.0), (-0.4, 0.5)],
        &[
            [
                0.65,
                decayed(1, 0.75),
                decayed(2, 0.75),
                decayed(3, 0.75),
                decayed(4, 0.75),
                -1.25,
            ],
            [
                0.5125,
                decayed(1, 0.4375),
                decayed(2, 0.4375),
                decayed(3, 0.4375),
                decayed(4, 0.4375),
                -1.3125,
            ],
        ],
    );
}

#[test]
fn rmsprop_divides_by_sqrt_of_the_square_average_plus_eps() {
    // η = 0.1, α = 0.75, ε = 0.25; v ← α v + (1 − α) g²;  p ← p − η g / (√v + ε).
    // A: g = 2:    v₁ = 0.25·4 = 1,              √ = 1;     p₁ = 1 − 0.1·2/1.25 = 0.84
    //    g = −1:   v₂ = 0.75 + 0.25 = 1,          √ = 1;     p₂ = 0.84 + 0.1/1.25 = 0.92
    //    g = 0.5:  v₃ = 0.75 + 0.0625 = 0.8125,   √ = 0.9013878188659973;
    //              p₃ = 0.92 − 0.05/1.1513878188659973 = 0.8765741454089334
    // B: g = −0.5: v₁ = 0.0625,                   √ = 0.25;  p₁ = −1 + 0.05/0.5 = −0.9
    //    g = 0.5:  v₂ = 0.046875 + 0.0625 = 0.109375, √ = 0.33071891388307384;
    //              p₂ = −0.9 − 0.05/0.58071891388307384 = −0.9861001748086121
    //    g = 4:    v₃ = 0.08203125 + 4 = 4.08203125,   √ = 2.0204037344055767;
    //              p₃ = −0.9861001748086121 − 0.4/2.2704037344055767 = −1.1622802937620922
    run(
        OptimizerConfig::RmsProp {
            lr: 0.1,
            alpha: 0.75,
            eps: 0.25,
            weight_decay: 0.0,
        },
        &[(2.0, -0.5), (-1.0, 0.5), (0.5, 4.0)],
        &[
            with_ab(0.84, -0.9),
            with_ab(0.92, -0.986_100_174_808_612_1),
            with_ab(0.876_574_145_408_933_4, -1.162_280_293_762_092_2),
        ],
    );
}

#[test]
fn adam_bias_corrects_and_adds_eps_outside_the_sqrt() {
    // η = 0.1, β1 = 0.5, β2 = 0.75, ε = 0.25 (large, so that where it goes matters).
    // m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;
    // p ← p − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε).
    // Corrections: t=1: 1−β1 = 0.5,   √(1−β2) = 0.5
    //              t=2: 1−β1² = 0.75,  √(1−β2²) = √0.4375 = 0.6614378277661477
    //              t=3: 1−β1³ = 0.875, √(1−β2³) = √0.578125 = 0.7603453162872774
    // A: g = 2:    m = 1,    v = 1;     denom = 1/0.5 + 0.25 = 2.25;
    //              p₁ = 1 − (0.1/0.5)·1/2.25 = 0.9111111111111111
    //    g = 1:    m = 1,    v = 1;     denom = 1/0.6614378277661477 + 0.25 = 1.7618578920369088;
    //              p₂ = p₁ − (0.1/0.75)·1/1.7618578920369088 = 0.8354334222714143
    //    g = −0.5: m = 0.25, v = 0.8125; denom = 0.9013878188659973/0.7603453162872774 + 0.25
    //              = 1.4354979567276382; p₃ = p₂ − (0.1/0.875)·0.25/1.4354979567276382
    //              = 0.8155299257617014
    // B: g = −0.5: m = −0.25,  v = 0.0625;   denom = 0.25/0.5 + 0.25 = 0.75;
    //              p₁ = −1 + 0.2·0.25/0.75 = −0.9333333333333333
    //    g = 0.5:  m = 0.125,  v = 0.109375; denom = 0.33071891388307384/0.6614378277661477 + 0.25
    //              = 0.75; p₂ = p₁ − (0.1/0.75)·0.125/0.75 = −0.9555555555555556
    //    g = 4:    m = 2.0625, v = 4.08203125; denom = 2.0204037344055767/0.7603453162872774 + 0.25
    //              = 2.907218623073911; p₃ = p₂ − (0.1/0.875)·2.0625/2.907218623073911
    //              = −1.0366345235573002
    // (ε inside the root or before the correction would give denom₁ = √4.25 or 2.5 for A.)
    run(
        OptimizerConfig::Adam {
            lr: 0.1,
            beta1: 0.5,
            beta2: 0.75,
            eps: 0.25,
            weight_decay: 0.0,
        },
        &[(2.0, -0.5), (1.0, 0.5), (-0.5, 4.0)],
        &[
            with_ab(0.911_111_111_111_111_1, -0.933_333_333_333_333_3),
            with_ab(0.835_433_422_271_414_3, -0.955_555_555_555_555_6),
            with_ab(0.815_529_925_761_701_4, -1.036_634_523_557_300_2),
        ],
    );
}

#[test]
fn adam_weight_decay_is_l2_added_to_the_gradient() {
    // As above (η = 0.1, β1 = 0.5, β2 = 0.75, ε = 0.25) with λ = 0.5: d = g + λ p feeds m and
    // v (L2, not AdamW's decoupled decay). Only A and B are non-zero here; zero stays zero.
    // A: g = 2:  d = 2 + 0.5 = 2.5, m = 1.25, v = 1.5625; denom = 1.25/0.5 + 0.25 = 2.75;
    //            p₁ = 1 − 0.2·1.25/2.75 = 0.9090909090909091
    //    g = 1:  d = 1 + 0.4545454545454545 = 1.4545454545454546,
    //            m = 0.625 + 0.7272727272727273 = 1.3522727272727273,
    //            v = 1.171875 + 0.25·2.115702479338843 = 1.7008006198347108;
    //            denom = 1.3041474685919192/0.6614378277661477 + 0.25 = 2.22168564277065;
    //            p₂ = p₁ − (0.1/0.75)·1.3522727272727273/2.22168564277065 = 0.8279349494754094
    // B: g = 0 (decay only): d = −0.5, m = −0.25, v = 0.0625; denom = 0.75;
    //            p₁ = −1 + 0.2·0.25/0.75 = −0.9333333333333333
    //            d = −0.4666666666666667, m = −0.125 − 0.23333333333333334 = −0.35833333333333334,
    //            v = 0.046875 + 0.25·0.21777777777777778 = 0.10131944444444445;
    //            denom = 0.31830715424640466/0.6614378277661477 + 0.25 = 0.7312351832392365;
    //            p₂ = p₁ + (0.1/0.75)·0.35833333333333334/0.7312351832392365 = −0.8679948774262597
    let config = OptimizerConfig::Adam {
        lr: 0.1,
        beta1: 0.5,
        beta2: 0.75,
        eps: 0.25,
        weight_decay: 0.5,
    };
    let mut params = tiny([1.0, 0.0, 0.0, 0.0, 0.0, -1.0]);
    let mut opt = Optimizer::new(config, &params);
    let want = [
        [
            0.909_090_909_090_909_1,
            0.0,
            0.0,
            0.0,
            0.0,
            -0.933_333_333_333_333_3,
        ],
        [
            0.827_934_949_475_409_4,
            0.0,
            0.0,
            0.0,
            0.0,
            -0.867_994_877_426_259_7,
        ],
    ];
    for (t, (g, want)) in [2.0, 1.0].into_iter().zip(want).enumerate() {
        opt.step(&mut params, &grad_ab(g, 0.0));
        assert_values(&format!("adam λ=0.5 after step {}", t + 1), &params, want);
    }
}

#[test]
fn set_lr_applies_from_the_next_step_and_keeps_the_state() {
    // SGD, μ = 0.5, τ = 0, on A with g = 0.2 then −0.4; η = 0.5 for step 1, 0.25 after.
    //   b₁ = 0.2, p₁ = 1 − 0.5·0.2 = 0.9
    //   b₂ = 0.1 − 0.4 = −0.3 (buffer kept), p₂ = 0.9 + 0.25·0.3 = 0.975
    //   (a reset buffer would give b₂ = −0.4, p₂ = 1.0; the old η, p₂ = 1.05)
    let mut params = tiny(P0);
    let mut opt = Optimizer::new(
        OptimizerConfig::Sgd {
            lr: 0.5,
            momentum: 0.5,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        },
        &params,
    );
    opt.step(&mut params, &grad_ab(0.2, 0.0));
    opt.set_lr(0.25);
    assert_values("sgd after step 1 and set_lr", &params, with_ab(0.9, P0[5]));
    assert!(
        (opt.config().lr() - 0.25).abs() < 1e-15,
        "config().lr() = {}, expected 0.25",
        opt.config().lr()
    );
    assert_eq!(opt.steps(), 1, "set_lr does not count as a step");
    opt.step(&mut params, &grad_ab(-0.4, 0.0));
    assert_values("sgd after step 2", &params, with_ab(0.975, P0[5]));

    // Adam (η = 0.1, β1 = 0.5, β2 = 0.75, ε = 0.25) on A with g = 2 then 1; η = 0.05 for step 2.
    //   p₁ = 0.9111111111111111 (as in the Adam test), m₁ = 1, v₁ = 1
    //   t = 2 keeps m, v and the step count: m₂ = 1, v₂ = 1, denom = 1.7618578920369088,
    //   p₂ = p₁ − (0.05/0.75)·1/1.7618578920369088 = 0.8732722666912627
    //   (restarting at t = 1 would give p₂ = p₁ − 0.1·0.5/1.25 = 0.8711111111111111)
    let mut params = tiny(P0);
    let mut opt = Optimizer::new(
        OptimizerConfig::Adam {
            lr: 0.1,
            beta1: 0.5,
            beta2: 0.75,
            eps: 0.25,
            weight_decay: 0.0,
        },
        &params,
    );
    opt.step(&mut params, &grad_ab(2.0, 0.0));
    opt.set_lr(0.05);
    assert_values(
        "adam after step 1 and set_lr",
        &params,
        with_ab(0.911_111_111_111_111_1, P0[5]),
    );
    opt.step(&mut params, &grad_ab(1.0, 0.0));
    assert_values(
        "adam after step 2",
        &params,
        with_ab(0.873_272_266_691_262_7, P0[5]),
    );
    assert_eq!(opt.steps(), 2);
}

// ---------------------------------------------------------------------------------------------
// Three training steps against PyTorch (tests/data/oracle/*_W_train3, see its README).

/// Where the oracle files are: the copy in the repository, else the team's shared folder.
fn oracle_file(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        root.join("tests/data/oracle").join(name),
        root.join("../shared/oracle").join(name),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| panic!("oracle file {name} not found in {candidates:?}"))
}

/// Relative error of one tensor: max |ours − theirs| / max |theirs|.
fn rel_err(ours: &[f64], theirs: &[f64]) -> f64 {
    assert_eq!(ours.len(), theirs.len(), "tensor sizes");
    let diff = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let scale = theirs.iter().map(|b| b.abs()).fold(0.0, f64::max);
    if scale == 0.0 { diff } else { diff / scale }
}

const TRAIN3_TOL: f64 = 1e-9;

/// Runs the three steps for one cell and returns the worst relative error seen.
fn train3(name: &str, cell: CellKind) -> f64 {
    let input = oracle_file(&format!("{name}_W_train3.in.npz"));
    let expected = oracle_file(&format!("{name}_W_train3.out.npz"));
    let settings = GradSettings {
        cell,
        loss: LossKind::MseLast,
        tbptt: None,
        reduction: Reduction::Mean,
    };
    let inputs = read_inputs(&input, settings).expect("train3 input reads");
    let want_loss = read_array(&expected, "train.loss").expect("train.loss");
    let want_norm = read_array(&expected, "train.grad_norm").expect("train.grad_norm");
    let want_params = read_params(&expected, "train.").expect("train.<param>");
    assert_eq!(want_loss.len(), 3, "{name}: train.loss has 3 steps");
    assert_eq!(want_norm.len(), 3, "{name}: train.grad_norm has 3 steps");

    let mut model = Model::new(cell, inputs.dims, inputs.params.clone());
    let mut optimizer = Optimizer::new(OptimizerConfig::adam(1e-3), &model.params);
    let mut engine = Engine::<f64>::new(cell, inputs.dims);
    let mut grads = Params::zeros(cell, inputs.dims);
    let config = StepConfig {
        bptt: Bptt::Full,
        clip: Clip::GlobalNorm { max_norm: 1.0 },
        reduction: Reduction::Mean,
        train_bias_hh: true,
    };
    let mut worst: (f64, String) = (0.0, String::new());
    let mut note = |err: f64, what: String| {
        assert!(
            err <= TRAIN3_TOL,
            "{name}: {what}: relative error {err:.3e} > {TRAIN3_TOL:e}"
        );
        if err >= worst.0 {
            worst = (err, what);
        }
    };
    for (step, (&loss, &norm)) in want_loss.iter().zip(want_norm.iter()).enumerate() {
        let stats = engine
            .train_step(
                &mut model,
                &mut optimizer,
                config,
                &inputs.batch,
                &mut grads,
            )
            .unwrap_or_else(|e| panic!("{name}: step {step}: {e}"));
        note(
            (stats.loss - loss).abs() / loss.abs(),
            format!("step {step} loss {:.17} vs {loss:.17}", stats.loss),
        );
        note(
            (stats.grad_norm_pre_clip - norm).abs() / norm.abs(),
            format!(
                "step {step} grad norm {:.17} vs {norm:.17}",
                stats.grad_norm_pre_clip
            ),
        );
        assert_eq!(stats.updates, 1, "{name}: full BPTT updates once per step");
        assert_eq!(
            stats.clipped_updates,
            usize::from(norm > 1.0),
            "{name}: step {step}: clipped iff the norm {norm} exceeds 1"
        );
    }
    for ((tensor, ours), theirs) in PARAM_NAMES
        .iter()
        .zip(model.params.slices())
        .zip(want_params.slices())
    {
        note(rel_err(ours, theirs), format!("final {tensor}"));
    }
    println!(
        "{name}_W_train3: worst relative error {:.3e} ({})",
        worst.0, worst.1
    );
    worst.0
}

#[test]
fn three_adam_steps_with_global_norm_clip_match_pytorch() {
    let cells = [
        ("rnn", CellKind::Rnn(Activation::Tanh)),
        ("lstm", CellKind::Lstm),
        ("gru", CellKind::Gru),
    ];
    let worst = cells
        .iter()
        .map(|&(name, cell)| train3(name, cell))
        .fold(0.0, f64::max);
    println!("train3: worst relative error over all cells {worst:.3e}");
}
