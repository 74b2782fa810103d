//! The held-out set is held out: the trainer evaluates on exactly the task's evaluation set
//! (the digits' test rows, the text's last tenth, the part of the Mackey–Glass series no
//! training window touches), and initialization, training batches and evaluation draw from
//! three separate random streams.

use bptt_lab::nn::init::{INIT_STREAM, init_params};
use bptt_lab::nn::{Activation, CellKind, Dims, Init, Params};
use bptt_lab::tasks::sine::{MG_SAMPLES, MG_TRAIN, mackey_glass};
use bptt_lab::tasks::{Series, TaskConfig, eval_rng, evaluation_set, train_rng};
use bptt_lab::train::{AnyTrainer, EvalConfig, ModelConfig, Setup};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn setup(task: TaskConfig) -> Setup {
    Setup {
        seed: 11,
        model: ModelConfig {
            cell: CellKind::Gru,
            hidden: 4,
            recurrent_bias: true,
        },
        task,
        init: Init::default(),
        bptt: bptt_lab::nn::Bptt::Full,
        clip: bptt_lab::nn::Clip::None,
        optimizer: bptt_lab::nn::OptimizerConfig::adam(1e-3),
        batch_size: 4,
        steps: 10,
        eval: EvalConfig {
            every: 0,
            size: 400,
            ..EvalConfig::default()
        },
        precision: bptt_lab::train::Precision::F64,
    }
}

#[test]
fn the_trainers_held_out_set_is_the_tasks_evaluation_set() {
    for task in TaskConfig::all_defaults() {
        let setup = setup(task.clone());
        let config = setup.validate().expect("valid");
        let trainer = AnyTrainer::new(&config).expect("a trainer");
        let want = evaluation_set(config.task(), setup.seed, setup.eval.size);
        assert_eq!(
            trainer.evaluation_batch(),
            &want,
            "{task:?}: the trainer's held-out set is the task's evaluation set"
        );
    }
}

#[test]
fn digits_are_evaluated_on_the_test_rows_the_training_batches_never_draw() {
    let config = setup(TaskConfig::Digits {
        order: bptt_lab::tasks::PixelOrder::Rows,
    })
    .validate()
    .expect("valid");
    let trainer = AnyTrainer::new(&config).expect("a trainer");
    let eval = trainer.evaluation_batch();
    assert_eq!(eval.batch_size(), 359, "the whole test split");
    // An image as its 64 pixels, to compare exactly.
    let image = |x: &ndarray::Array3<f64>, b: usize| -> Vec<u64> {
        (0..8)
            .flat_map(|r| (0..8).map(move |c| (r, c)))
            .map(|(r, c)| x[[r, b, c]].to_bits())
            .collect()
    };
    let test: std::collections::HashSet<Vec<u64>> = (0..359).map(|b| image(&eval.x, b)).collect();
    let mut rng = train_rng(config.seed);
    let mut seen = 0;
    for _ in 0..40 {
        let batch = config.task().batch(&mut rng, 64);
        for b in 0..64 {
            // A training image may equal a test image pixel for pixel only by coincidence of
            // two rows of the file; the file has no duplicate rows across the split.
            assert!(
                !test.contains(&image(&batch.x, b)),
                "a training batch drew a test image"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 40 * 64);
}

/// Where a noiseless Mackey–Glass window starts in the stored series.
fn window_start(values: &[f64]) -> usize {
    let series = mackey_glass();
    (0..=series.len() - values.len())
        .find(|&u| series[u..u + values.len()] == *values)
        .expect("a window of the series")
}

#[test]
fn no_mackey_glass_training_window_touches_the_held_out_part() {
    let t_len = 100;
    let config = setup(TaskConfig::Sine {
        seq_len: t_len,
        series: Series::MackeyGlass,
        noise: 0.0,
    })
    .validate()
    .expect("valid");
    let task = config.task();
    let window = |x: &ndarray::Array3<f64>, y: &ndarray::Array3<f64>, b: usize| -> Vec<f64> {
        let mut v: Vec<f64> = (0..t_len).map(|t| x[[t, b, 0]]).collect();
        v.push(y[[t_len - 1, b, 0]]);
        v
    };
    let target = |batch: &bptt_lab::nn::Batch<f64>| match &batch.target {
        bptt_lab::nn::Target::All(y) => y.clone(),
        other => panic!("next-value targets, got {other:?}"),
    };
    let mut rng = train_rng(5);
    let (mut lo, mut hi) = (usize::MAX, 0);
    for _ in 0..20 {
        let batch = task.batch(&mut rng, 32);
        let y = target(&batch);
        for b in 0..32 {
            let u = window_start(&window(&batch.x, &y, b));
            assert!(
                u + t_len < MG_TRAIN,
                "training window at {u}..={}",
                u + t_len
            );
            lo = lo.min(u);
            hi = hi.max(u);
        }
    }
    assert!(
        lo < 500 && hi > MG_TRAIN - 700,
        "training windows span the training part"
    );
    let eval = task.evaluation_batch(&mut eval_rng(5), 256);
    let y = target(&eval);
    for b in 0..256 {
        let u = window_start(&window(&eval.x, &y, b));
        assert!(
            u >= MG_TRAIN && u + t_len < MG_SAMPLES,
            "held-out window at {u}"
        );
    }
}

#[test]
fn initial_weights_come_from_their_own_stream() {
    let seed = 3;
    let dims = Dims {
        input: 2,
        hidden: 4,
        output: 1,
    };
    let params: Params<f64> =
        init_params(CellKind::Rnn(Activation::Tanh), dims, Init::default(), seed).expect("init");
    // PyTorch's default: U(−1/√H, 1/√H), weight_ih first, row-major, from stream INIT_STREAM.
    let mut init = ChaCha8Rng::seed_from_u64(seed);
    init.set_stream(INIT_STREAM);
    let bound = 0.5;
    let first: Vec<f64> = (0..8)
        .map(|_| -bound + 2.0 * bound * init.random::<f64>())
        .collect();
    let got: Vec<f64> = params.weight_ih.iter().copied().collect();
    assert_eq!(got, first, "weight_ih from stream {INIT_STREAM}");
    // The three streams give different draws.
    let draws = |mut r: ChaCha8Rng| (0..16).map(|_| r.random::<u64>()).collect::<Vec<_>>();
    let mut init = ChaCha8Rng::seed_from_u64(seed);
    init.set_stream(INIT_STREAM);
    let (a, b, c) = (draws(init), draws(train_rng(seed)), draws(eval_rng(seed)));
    assert!(a != b && b != c && a != c);
}
