//! Gradient clipping (`torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`, Keras `clipnorm`)
//! on hand-made gradients, and the non-finite guard of `Engine::train_step`.
//!
//! The gradients live on an RNN with I = 2, H = 2, O = 1 and have these per-tensor norms:
//!
//! ```text
//! weight_ih_l0   [[3, 4], [0, 0]]      5
//! weight_hh_l0   [[0, −0.5], [0, 0]]   0.5
//! bias_ih_l0     [6, −8]               10
//! bias_hh_l0     [1, 2]                √5 = 2.2360679774997896
//! readout.weight [[1, 0]]              1
//! readout.bias   [−5]                  5
//! global: √(25 + 0.25 + 100 + 5 + 1 + 25) = √156.25 = 12.5
//! ```

use bptt_lab::nn::init::init_params;
use bptt_lab::nn::{
    Activation, Batch, Bptt, CellKind, Clip, ClipReport, Dims, Engine, Init, Model, Optimizer,
    OptimizerConfig, PARAM_NAMES, Params, Reduction, StepConfig, StepError, Target, UpdateMode,
};
use ndarray::{Array2, Array3, array, s};

const CELL: CellKind = CellKind::Rnn(Activation::Tanh);
const DIMS: Dims = Dims {
    input: 2,
    hidden: 2,
    output: 1,
};

fn grads() -> Params<f64> {
    let g = Params {
        weight_ih: array![[3.0, 4.0], [0.0, 0.0]],
        weight_hh: array![[0.0, -0.5], [0.0, 0.0]],
        bias_ih: array![6.0, -8.0],
        bias_hh: array![1.0, 2.0],
        readout_weight: array![[1.0, 0.0]],
        readout_bias: array![-5.0],
    };
    g.check_shapes(CELL, DIMS);
    g
}

/// Per-tensor norms of `grads()`, in `PARAM_NAMES` order.
const NORMS: [f64; 6] = [5.0, 0.5, 10.0, 2.236_067_977_499_79, 1.0, 5.0];
const GLOBAL: f64 = 12.5;

#[track_caller]
fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got - want).abs();
    assert!(
        err <= rel * want.abs().max(1e-300),
        "{what}: got {got:.17}, expected {want:.17} (difference {err:.3e}, allowed {rel:e} relative)"
    );
}

/// `got` equals `orig` scaled per tensor by `scales[k]`.
#[track_caller]
fn assert_scaled(what: &str, got: &Params<f64>, orig: &Params<f64>, scales: [f64; 6]) {
    for (((name, g), o), scale) in PARAM_NAMES
        .iter()
        .zip(got.slices())
        .zip(orig.slices())
        .zip(scales)
    {
        for (i, (&g, &o)) in g.iter().zip(o).enumerate() {
            assert_close(&format!("{what}: {name}[{i}]"), g, o * scale, 1e-15);
        }
    }
}

#[test]
fn the_fixture_has_the_documented_norms() {
    let g = grads();
    for ((name, got), want) in PARAM_NAMES.iter().zip(g.norms()).zip(NORMS) {
        assert_close(&format!("norm of {name}"), got, want, 1e-15);
    }
    assert_close("global norm", g.global_norm(), GLOBAL, 1e-15);
}

#[test]
fn clip_none_reports_the_norm_and_changes_nothing() {
    let mut g = grads();
    let report = Clip::None.apply(&mut g);
    assert_eq!(g, grads(), "Clip::None changed the gradient");
    let ClipReport {
        norm_pre,
        norm_post,
        engaged,
        finite,
    } = report;
    assert_close("norm_pre", norm_pre, GLOBAL, 1e-15);
    assert!(
        norm_post.to_bits() == norm_pre.to_bits(),
        "norm_post {norm_post} ≠ norm_pre {norm_pre}"
    );
    assert!(!engaged, "Clip::None engaged: {report:?}");
    assert!(finite, "finite gradient reported non-finite: {report:?}");
}

#[test]
fn global_norm_scales_every_tensor_by_max_over_norm_plus_eps() {
    // max = 1.3 < 12.5: every entry × 1.3 / (12.5 + 1e-6) = 0.10399999168000068;
    // the new norm is 12.5 × that = 1.2999998960000083 ≈ 1.3 (1 − 8e-8).
    let max_norm = 1.3;
    let scale = 1.3 / (12.5 + 1e-6);
    let mut g = grads();
    let report = Clip::GlobalNorm { max_norm }.apply(&mut g);
    assert!(report.engaged && report.finite, "{report:?}");
    assert_close("norm_pre", report.norm_pre, GLOBAL, 1e-15);
    assert_scaled("global-norm clip", &g, &grads(), [scale; 6]);
    assert_close(
        "norm_post = 12.5·scale",
        report.norm_post,
        12.5 * scale,
        1e-14,
    );
    assert_close("norm_post ≈ max_norm", report.norm_post, max_norm, 1e-6);
    assert!(
        report.norm_post < max_norm,
        "the 1e-6 in the divisor keeps norm_post {} below max_norm {max_norm}",
        report.norm_post
    );
    assert_close(
        "norm_post is the clipped gradient's norm",
        report.norm_post,
        g.global_norm(),
        1e-15,
    );
}

#[test]
fn global_norm_leaves_a_gradient_more_than_eps_below_the_threshold_alone() {
    let norm = Clip::None.apply(&mut grads()).norm_pre;
    for max_norm in [norm + 2e-6, 12.6, 100.0] {
        let mut g = grads();
        let report = Clip::GlobalNorm { max_norm }.apply(&mut g);
        assert!(
            !report.engaged,
            "max_norm {max_norm} > norm {norm} + 1e-6 but clipping engaged: {report:?}"
        );
        assert_eq!(g, grads(), "max_norm {max_norm}: gradient changed");
        assert!(
            report.norm_post.to_bits() == norm.to_bits(),
            "max_norm {max_norm}: norm_post {} ≠ {norm}",
            report.norm_post
        );
    }
}

#[test]
fn global_norm_at_the_threshold_scales_as_clip_grad_norm_does() {
    // torch.nn.utils.clip_grad_norm_ multiplies by min(1, max / (n + 1e-6)) always: at
    // max = n (12.5) that is 12.5 / 12.500001 = 0.99999992, and just below n + 1e-6 too.
    let norm = Clip::None.apply(&mut grads()).norm_pre;
    for max_norm in [norm, norm + 0.5e-6] {
        let mut g = grads();
        let report = Clip::GlobalNorm { max_norm }.apply(&mut g);
        let scale = max_norm / (norm + 1e-6);
        assert!(scale < 1.0 && report.engaged, "max {max_norm}: {report:?}");
        assert_scaled("clip at the threshold", &g, &grads(), [scale; 6]);
        assert_close("norm_post", report.norm_post, norm * scale, 1e-14);
    }
}

#[test]
fn per_tensor_norm_scales_only_the_tensors_above_the_threshold() {
    // max = 1, Keras's tf.clip_by_norm per tensor: × max / max(n, max), no epsilon.
    // weight_ih (5), bias_ih (10), bias_hh (√5) and readout.bias (5) are scaled to norm 1
    // exactly; weight_hh (0.5) and readout.weight (exactly 1, at the threshold) are kept.
    // norm_post² = 1 + 0.25 + 1 + 1 + 1 + 1 = 5.25.
    let mut g = grads();
    let report = Clip::PerTensorNorm { max_norm: 1.0 }.apply(&mut g);
    assert!(report.engaged && report.finite, "{report:?}");
    assert_close("norm_pre", report.norm_pre, GLOBAL, 1e-15);
    let scales = [1.0 / 5.0, 1.0, 1.0 / 10.0, 1.0 / NORMS[3], 1.0, 1.0 / 5.0];
    assert_scaled("per-tensor clip", &g, &grads(), scales);
    assert_close(
        "norm_post = √5.25",
        report.norm_post,
        5.25_f64.sqrt(),
        1e-14,
    );
    for ((name, n), orig) in PARAM_NAMES.iter().zip(g.norms()).zip(NORMS) {
        assert!(
            n <= 1.0 || (n - orig).abs() < 1e-15,
            "{name}: norm after clipping {n} (before {orig})"
        );
    }

    // Nothing above the threshold: nothing changes.
    let mut g = grads();
    let report = Clip::PerTensorNorm { max_norm: 10.0 }.apply(&mut g);
    assert!(!report.engaged, "max 10 = largest tensor norm: {report:?}");
    assert_eq!(g, grads(), "per-tensor clip at max 10 changed the gradient");
}

#[test]
fn value_clip_clamps_each_entry_and_reports_engagement() {
    // max = 2.5: 3, 4, 6 → 2.5; −8, −5 → −2.5; the rest (0, −0.5, 1, 2, 1, 0) stay.
    // norm_post² = 5·6.25 + 0.25 + (1 + 4) + 1 = 37.5.
    let mut g = grads();
    let report = Clip::Value { max_value: 2.5 }.apply(&mut g);
    assert!(report.engaged && report.finite, "{report:?}");
    let want = Params {
        weight_ih: array![[2.5, 2.5], [0.0, 0.0]],
        weight_hh: array![[0.0, -0.5], [0.0, 0.0]],
        bias_ih: array![2.5, -2.5],
        bias_hh: array![1.0, 2.0],
        readout_weight: array![[1.0, 0.0]],
        readout_bias: array![-2.5],
    };
    assert_eq!(g, want, "value clip at 2.5");
    assert_close("norm_pre", report.norm_pre, GLOBAL, 1e-15);
    assert_close("norm_post", report.norm_post, 37.5_f64.sqrt(), 1e-15);

    // |g| ≤ 8 everywhere: a bound of 8 (equal to the largest) or more changes nothing.
    for max_value in [8.0, 50.0] {
        let mut g = grads();
        let report = Clip::Value { max_value }.apply(&mut g);
        assert!(!report.engaged, "max_value {max_value}: {report:?}");
        assert_eq!(g, grads(), "max_value {max_value}: gradient changed");
        assert_close("norm_post", report.norm_post, GLOBAL, 1e-15);
    }
}

#[test]
fn a_non_finite_gradient_is_reported_and_left_untouched() {
    let clips = [
        Clip::None,
        Clip::GlobalNorm { max_norm: 1.0 },
        Clip::PerTensorNorm { max_norm: 1.0 },
        Clip::Value { max_value: 0.5 },
    ];
    for clip in clips {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut g = grads();
            g.bias_hh[1] = bad;
            let before: Vec<Vec<u64>> = g
                .slices()
                .iter()
                .map(|s| s.iter().map(|v| v.to_bits()).collect())
                .collect();
            let report = clip.apply(&mut g);
            assert!(
                !report.finite,
                "{clip:?} with {bad} in bias_hh: reported finite: {report:?}"
            );
            assert!(
                !report.norm_pre.is_finite(),
                "{clip:?} with {bad}: norm_pre {}",
                report.norm_pre
            );
            assert!(!report.engaged, "{clip:?} with {bad}: {report:?}");
            let after: Vec<Vec<u64>> = g
                .slices()
                .iter()
                .map(|s| s.iter().map(|v| v.to_bits()).collect())
                .collect();
            assert_eq!(
                after, before,
                "{clip:?} with {bad}: the gradient changed (as bits)"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The guard in `Engine::train_step`.

const STEP_DIMS: Dims = Dims {
    input: 2,
    hidden: 3,
    output: 1,
};
const T: usize = 4;
const B: usize = 2;

fn inputs() -> Array3<f64> {
    Array3::from_shape_fn((T, B, STEP_DIMS.input), |(t, b, i)| {
        ((t * 7 + b * 3 + i * 5) as f64 * 0.37).sin()
    })
}

fn model(cell: CellKind) -> Model<f64> {
    let params = init_params::<f64>(cell, STEP_DIMS, Init::default(), 7).expect("default init");
    Model::new(cell, STEP_DIMS, params)
}

fn step_config(bptt: Bptt) -> StepConfig {
    StepConfig {
        bptt,
        clip: Clip::GlobalNorm { max_norm: 1.0 },
        reduction: Reduction::Mean,
        train_bias_hh: true,
    }
}

#[test]
fn train_step_refuses_a_nan_input_and_keeps_the_parameters() {
    let y_last: Array2<f64> = array![[0.5], [-0.25]];
    for cell in [
        CellKind::Rnn(Activation::Tanh),
        CellKind::Lstm,
        CellKind::Gru,
    ] {
        let clean = Batch {
            x: inputs(),
            target: Target::Last(y_last.clone()),
        };
        let mut poisoned = clean.clone();
        poisoned.x[[2, 1, 0]] = f64::NAN;

        let mut m = model(cell);
        let start = m.params.clone();
        let mut opt = Optimizer::new(OptimizerConfig::adam(0.1), &m.params);
        let mut engine = Engine::new(cell, STEP_DIMS);
        let mut grads = Params::zeros(cell, STEP_DIMS);
        let config = step_config(Bptt::Full);

        let result = engine.train_step(&mut m, &mut opt, config, &poisoned, &mut grads);
        match &result {
            Err(StepError::NonFinite {
                quantity,
                value,
                segment_end,
            }) => {
                assert_eq!(*quantity, "loss", "{cell:?}: {result:?}");
                assert!(value.is_nan(), "{cell:?}: value {value}");
                assert_eq!(*segment_end, T, "{cell:?}: {result:?}");
            }
            Ok(stats) => panic!("{cell:?}: NaN input gave Ok({stats:?})"),
        }
        assert_eq!(
            m.params, start,
            "{cell:?}: parameters changed by a refused step"
        );
        assert_eq!(
            opt.steps(),
            0,
            "{cell:?}: the optimizer counted a refused step"
        );

        // Nothing of the refused step remains: a clean step now gives what a fresh model and
        // optimizer give, and it does move the parameters.
        engine
            .train_step(&mut m, &mut opt, config, &clean, &mut grads)
            .unwrap_or_else(|e| panic!("{cell:?}: clean step: {e}"));
        let mut fresh = model(cell);
        let mut fresh_opt = Optimizer::new(OptimizerConfig::adam(0.1), &fresh.params);
        Engine::new(cell, STEP_DIMS)
            .train_step(&mut fresh, &mut fresh_opt, config, &clean, &mut grads)
            .unwrap_or_else(|e| panic!("{cell:?}: fresh step: {e}"));
        assert_eq!(
            m.params, fresh.params,
            "{cell:?}: the step after a refused one differs from a fresh one"
        );
        assert_ne!(
            m.params, start,
            "{cell:?}: a clean step left the parameters"
        );
    }
}

#[test]
fn per_segment_training_stops_at_the_segment_with_the_nan() {
    // BPTT(2, 2) per segment over T = 4 with a NaN at t = 3: the first segment (t = 0, 1) is
    // applied, the second is refused. The first update equals a full step on x[0..2].
    let cell = CellKind::Gru;
    let y_all = Array3::from_shape_fn((T, B, 1), |(t, b, _)| 0.3 * t as f64 - 0.4 * b as f64);
    let mut batch = Batch {
        x: inputs(),
        target: Target::All(y_all.clone()),
    };
    batch.x[[3, 0, 1]] = f64::NAN;
    let head = Batch {
        x: batch.x.slice(s![0..2, .., ..]).to_owned(),
        target: Target::All(y_all.slice(s![0..2, .., ..]).to_owned()),
    };

    let mut m = model(cell);
    let mut opt = Optimizer::new(OptimizerConfig::adam(0.1), &m.params);
    let mut grads = Params::zeros(cell, STEP_DIMS);
    let bptt = Bptt::Truncated {
        k1: 2,
        k2: 2,
        mode: UpdateMode::PerSegment,
    };
    let result = Engine::new(cell, STEP_DIMS).train_step(
        &mut m,
        &mut opt,
        step_config(bptt),
        &batch,
        &mut grads,
    );
    match &result {
        Err(StepError::NonFinite {
            quantity,
            segment_end,
            ..
        }) => {
            assert_eq!(*quantity, "loss", "{result:?}");
            assert_eq!(*segment_end, 4, "{result:?}");
            let msg = result.as_ref().unwrap_err().to_string();
            assert!(msg.contains("time step 4"), "message: {msg}");
        }
        Ok(stats) => panic!("NaN at t = 3 gave Ok({stats:?})"),
    }
    assert_eq!(opt.steps(), 1, "only the first segment is applied");

    let mut want = model(cell);
    let mut want_opt = Optimizer::new(OptimizerConfig::adam(0.1), &want.params);
    Engine::new(cell, STEP_DIMS)
        .train_step(
            &mut want,
            &mut want_opt,
            step_config(Bptt::Full),
            &head,
            &mut grads,
        )
        .expect("clean head");
    for ((name, got), want) in PARAM_NAMES
        .iter()
        .zip(m.params.slices())
        .zip(want.params.slices())
    {
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-14 * w.abs().max(1.0),
                "{name}[{i}]: after the refused second segment {g}, after one step on x[0..2] {w}"
            );
        }
    }
}
