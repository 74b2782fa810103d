//! A training step split over two threads (`Engine::set_threads(2)`: each half of the batch's
//! rows on its own thread, gradients summed, one clip and update) gives the gradient, loss,
//! profile, outputs and update of the one-thread step to rounding (f64).

use bptt_lab::nn::init::init_params;
use bptt_lab::nn::{
    Activation, Batch, Bptt, CellKind, Clip, Dims, Engine, GradOptions, Init, InitialState, Model,
    Optimizer, OptimizerConfig, Params, Reduction, StepConfig, Target, UpdateMode,
};
use ndarray::{Array2, Array3};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DIMS: Dims = Dims {
    input: 2,
    hidden: 33,
    output: 3,
};
const SEQ_LEN: usize = 6;
/// Odd, so the halves differ in size (2 and 3 rows).
const BATCH: usize = 5;
const TOL: f64 = 1e-12;

const CELLS: [CellKind; 4] = [
    CellKind::Rnn(Activation::Tanh),
    CellKind::Rnn(Activation::Relu),
    CellKind::Lstm,
    CellKind::Gru,
];

fn batches(rng: &mut ChaCha8Rng) -> Vec<Batch<f64>> {
    let x =
        Array3::from_shape_simple_fn((SEQ_LEN, BATCH, DIMS.input), || rng.random_range(-1.0..1.0));
    let last = Array2::from_shape_simple_fn((BATCH, DIMS.output), || rng.random_range(-1.0..1.0));
    let all = Array3::from_shape_simple_fn((SEQ_LEN, BATCH, DIMS.output), || {
        rng.random_range(-1.0..1.0)
    });
    let labels = Array2::from_shape_simple_fn((SEQ_LEN, BATCH), || rng.random_range(0..3));
    // The first half's rows have no loss terms in the last two steps (so no part in the last
    // truncated window), the second's none in step 1.
    let mask = Array2::from_shape_fn((SEQ_LEN, BATCH), |(t, b)| {
        f64::from(u8::from(!((t >= 4 && b < 2) || (t == 1 && b >= 2))))
    });
    vec![
        Batch {
            x: x.clone(),
            target: Target::Last(last),
        },
        Batch {
            x: x.clone(),
            target: Target::All(all),
        },
        Batch {
            x,
            target: Target::Classes { labels, mask },
        },
    ]
}

#[track_caller]
fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= TOL * scale,
            "{what}[{i}]: two threads {g:e} vs one {w:e} (largest entry {scale:e})"
        );
    }
}

#[test]
fn split_gradient_equals_one_thread_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let truncated = Bptt::Truncated {
        k1: 2,
        k2: 3,
        mode: UpdateMode::Accumulate,
    };
    for (seed, cell) in (60..).zip(CELLS) {
        let params: Params<f64> = init_params(cell, DIMS, Init::default(), seed).expect("init");
        for batch in batches(&mut rng) {
            // Every window of BPTT(1, 6) starts at 0: the halves' last windows with terms
            // (0..4 for the first half of the masked batch, 0..6 for the second) are told
            // apart by their end.
            let from_zero = Bptt::Truncated {
                k1: 1,
                k2: SEQ_LEN,
                mode: UpdateMode::Accumulate,
            };
            let chunks = Bptt::Chunked {
                k: 4,
                mode: UpdateMode::Accumulate,
            };
            for (bptt, reduction) in [
                (Bptt::Full, Reduction::Mean),
                (truncated, Reduction::Mean),
                (from_zero, Reduction::Mean),
                (chunks, Reduction::Mean),
                (Bptt::Full, Reduction::Sum),
            ] {
                let what = format!("{cell:?} {:?} {bptt:?} {reduction:?}", batch.loss_kind());
                let options = GradOptions {
                    bptt,
                    reduction,
                    grad_x: false,
                };
                let mut one = Engine::new(cell, DIMS);
                let mut g1 = Params::zeros(cell, DIMS);
                let out =
                    one.loss_and_grad(&params, &batch, InitialState::default(), options, &mut g1);
                let mut two = Engine::new(cell, DIMS);
                let mut g2 = Params::zeros(cell, DIMS);
                // Twice: the second call reuses the helper engine and its buffers.
                for _ in 0..2 {
                    let (loss, profile) =
                        two.loss_and_grad_split(&params, &batch, options, &mut g2);
                    assert_close(&format!("{what} loss"), &[loss], &[out.loss]);
                    assert_eq!(profile.start, out.profile.start, "{what}");
                    assert_eq!(profile.values.len(), out.profile.values.len(), "{what}");
                    assert_close(
                        &format!("{what} profile"),
                        &profile.values,
                        &out.profile.values,
                    );
                    for ((name, a), b) in bptt_lab::nn::PARAM_NAMES
                        .iter()
                        .zip(g2.slices())
                        .zip(g1.slices())
                    {
                        assert_close(&format!("{what} ∂L/∂{name}"), a, b);
                    }
                }
            }
        }
    }
}

/// `train_step` with 2 threads (split, since H ≥ `MIN_SPLIT_HIDDEN`) makes the same update as with
/// 1, step after step.
#[test]
fn two_thread_training_steps_match_one_thread() {
    const { assert!(DIMS.hidden >= bptt_lab::nn::bptt::MIN_SPLIT_HIDDEN) };
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    for (seed, cell) in (70..).zip(CELLS) {
        let params: Params<f64> = init_params(cell, DIMS, Init::default(), seed).expect("init");
        let config = StepConfig {
            bptt: Bptt::Full,
            clip: Clip::GlobalNorm { max_norm: 0.5 },
            reduction: Reduction::Mean,
            train_bias_hh: true,
        };
        let mut runs = [1, 2].map(|threads| {
            let model = Model::new(cell, DIMS, params.clone());
            let optimizer = Optimizer::new(OptimizerConfig::adam(1e-2), &model.params);
            let mut engine = Engine::new(cell, DIMS);
            engine.set_threads(threads);
            (model, optimizer, engine, Params::zeros(cell, DIMS))
        });
        assert!(!runs[0].2.splits(BATCH) && runs[1].2.splits(BATCH));
        for step in 0..3 {
            let batch = batches(&mut rng).swap_remove(step % 3);
            let stats = runs.each_mut().map(|(model, optimizer, engine, grads)| {
                engine
                    .train_step(model, optimizer, config, &batch, grads)
                    .expect("finite")
            });
            let what = format!("{cell:?} step {step}");
            assert_close(&format!("{what} loss"), &[stats[1].loss], &[stats[0].loss]);
            assert_close(
                &format!("{what} pre-clip norm"),
                &[stats[1].grad_norm_pre_clip],
                &[stats[0].grad_norm_pre_clip],
            );
            assert_eq!(stats[1].clipped_updates, stats[0].clipped_updates, "{what}");
            // The readout outputs of the whole batch (the task metric reads them).
            let outputs = [&runs[0].2, &runs[1].2].map(Engine::outputs);
            assert_eq!(outputs[1].dim(), (SEQ_LEN, BATCH, DIMS.output), "{what}");
            assert_close(
                &format!("{what} outputs"),
                outputs[1].as_slice().expect("standard layout"),
                outputs[0].as_slice().expect("standard layout"),
            );
            for ((name, a), b) in bptt_lab::nn::PARAM_NAMES
                .iter()
                .zip(runs[1].0.params.slices())
                .zip(runs[0].0.params.slices())
            {
                assert_close(&format!("{what} {name}"), a, b);
            }
        }
    }
}
