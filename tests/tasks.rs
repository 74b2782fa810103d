//! The sequence tasks: determinism, the statistics of their generators, their baselines
//! measured on generated data against the formulas, the task table, config errors, and short
//! LSTM runs that beat the baseline.
#![expect(
    clippy::float_cmp,
    reason = "one-hot entries, masks and accuracies of whole batches are exactly 0 or 1"
)]

use std::f64::consts::LN_2;
use std::fmt::Write as _;

use bptt_lab::nn::init::init_params;
use bptt_lab::nn::{
    Batch, BiasInit, Bptt, CellKind, Clip, Dims, Engine, GradOptions, Init, InitialState, LossKind,
    Model, Optimizer, OptimizerConfig, Params, Reduction, StepConfig, Target,
};
use bptt_lab::tasks::reber::{self, Reber};
use bptt_lab::tasks::text::Text;
use bptt_lab::tasks::{
    PixelOrder, Series, Task, TaskConfig, eval_rng, evaluation_set, format_task_table,
    masked_accuracy, mean_loss, measured_baseline, task_table, train_rng,
};
use ndarray::{Array3, s};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Every task, with small sizes where the size does not matter to the test.
fn small_configs() -> Vec<TaskConfig> {
    vec![
        TaskConfig::Adding { seq_len: 20 },
        TaskConfig::Copy { delay: 5 },
        TaskConfig::TemporalOrder { length: 30 },
        TaskConfig::Reber,
        TaskConfig::Parity {
            seq_len: 12,
            at_end: false,
        },
        TaskConfig::Parity {
            seq_len: 12,
            at_end: true,
        },
        TaskConfig::Sine {
            seq_len: 16,
            series: Series::Sines,
            noise: 0.05,
        },
        TaskConfig::Sine {
            seq_len: 16,
            series: Series::MackeyGlass,
            noise: 0.05,
        },
        TaskConfig::Digits {
            order: PixelOrder::Rows,
        },
        TaskConfig::Digits {
            order: PixelOrder::Pixels,
        },
        TaskConfig::Text {
            seq_len: 16,
            path: None,
        },
    ]
}

fn build(config: &TaskConfig) -> Box<dyn Task> {
    config.build().unwrap_or_else(|e| panic!("{config:?}: {e}"))
}

#[test]
fn generators_are_deterministic_for_a_seed_and_differ_across_seeds() {
    for config in small_configs() {
        let task = build(&config);
        let name = config.name();
        assert_eq!(task.name(), name);
        let a = task.batch(&mut train_rng(1), 8);
        let b = task.batch(&mut train_rng(1), 8);
        let c = task.batch(&mut train_rng(2), 8);
        assert_eq!(a, b, "{name}: same seed, same batch");
        assert_ne!(a, c, "{name}: another seed, another batch");
        // Shapes and loss kind.
        let (t, bs, i) = a.x.dim();
        assert_eq!((bs, i), (8, task.input_size()), "{name}: x [T, B, I]");
        assert!(
            t >= 1 && t <= task.max_seq_len(),
            "{name}: T = {t} ≤ max_seq_len"
        );
        assert_eq!(a.loss_kind(), task.loss_kind(), "{name}: loss kind");
        a.check_shapes(task.output_size());
        // The evaluation set: fixed for a seed, another stream than training.
        let e1 = evaluation_set(task.as_ref(), 1, 8);
        let e2 = evaluation_set(task.as_ref(), 1, 8);
        assert_eq!(e1, e2, "{name}: same seed, same evaluation set");
        assert_ne!(
            e1, a,
            "{name}: evaluation set differs from the training batch"
        );
        e1.check_shapes(task.output_size());
    }
}

/// Runs `task.batch` in chunks and pools the trivial predictor's loss the way one big batch
/// would (weighted by each chunk's divisor).
fn pooled_baseline(task: &dyn Task, rng: &mut ChaCha8Rng, sequences: usize) -> f64 {
    let chunk = 500;
    let (mut total, mut weight) = (0.0, 0.0);
    let mut done = 0;
    while done < sequences {
        let n = chunk.min(sequences - done);
        let batch = task.batch(rng, n);
        let loss = measured_baseline(task, &batch).expect("every task has a trivial predictor");
        let divisor = batch.divisor(0, batch.seq_len(), Reduction::Mean);
        total += loss * divisor;
        weight += divisor;
        done += n;
    }
    total / weight
}

#[test]
fn measured_baselines_match_the_formulas() {
    // (config, sequences, absolute tolerance)
    let cases: Vec<(TaskConfig, usize, f64)> = vec![
        (TaskConfig::Adding { seq_len: 100 }, 20_000, 0.006),
        (TaskConfig::Copy { delay: 100 }, 1_000, 1e-12),
        (TaskConfig::TemporalOrder { length: 100 }, 1_000, 1e-12),
        (TaskConfig::Reber, 20_000, 0.01),
        (
            TaskConfig::Parity {
                seq_len: 50,
                at_end: false,
            },
            1_000,
            1e-12,
        ),
        (
            TaskConfig::Sine {
                seq_len: 100,
                series: Series::Sines,
                noise: 0.05,
            },
            4_000,
            0.002,
        ),
        (
            TaskConfig::Sine {
                seq_len: 100,
                series: Series::MackeyGlass,
                noise: 0.05,
            },
            4_000,
            0.002,
        ),
        (
            TaskConfig::Digits {
                order: PixelOrder::Rows,
            },
            1_000,
            1e-12,
        ),
        (
            TaskConfig::Text {
                seq_len: 50,
                path: None,
            },
            2_000,
            0.05,
        ),
    ];
    let mut report = String::from("task              measured    formula     |diff|\n");
    for (config, sequences, tol) in cases {
        let task = build(&config);
        let measured = pooled_baseline(task.as_ref(), &mut train_rng(11), sequences);
        let formula = task.baseline();
        let label = match &config {
            TaskConfig::Sine { series, .. } => format!("sine/{}", series.name()),
            other => other.name().to_owned(),
        };
        let _ = writeln!(
            report,
            "{label:<17} {measured:<11.6} {formula:<11.6} {:.2e}",
            (measured - formula).abs()
        );
        assert!(
            (measured - formula).abs() <= tol,
            "{label}: measured baseline {measured:.6} vs formula {formula:.6} (tolerance {tol}) \
             — {}",
            task.baseline_formula()
        );
    }
    println!("{report}");
}

#[test]
fn adding_target_variance_is_one_sixth() {
    let task = build(&TaskConfig::Adding { seq_len: 30 });
    let batch = task.batch(&mut train_rng(5), 20_000);
    let Target::Last(y) = &batch.target else {
        panic!("adding has mse_last targets");
    };
    let n = y.len() as f64;
    let mean = y.sum() / n;
    let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    assert!((mean - 1.0).abs() < 0.01, "mean of the target {mean}");
    assert!(
        (var - 1.0 / 6.0).abs() < 0.006,
        "variance of the target {var}, expected 1/6"
    );
    // Exactly two markers, one in each half, and the target is their sum.
    for b in 0..200 {
        let markers: Vec<usize> = (0..30).filter(|&t| batch.x[[t, b, 1]] == 1.0).collect();
        assert_eq!(markers.len(), 2, "sequence {b}: two markers");
        assert!(markers[0] < 15 && markers[1] >= 15, "markers {markers:?}");
        let sum = batch.x[[markers[0], b, 0]] + batch.x[[markers[1], b, 0]];
        assert!((sum - y[[b, 0]]).abs() < 1e-15);
    }
}

#[test]
fn copy_baseline_from_batches_equals_the_formula() {
    for delay in [1, 10, 100] {
        let task = build(&TaskConfig::Copy { delay });
        let batch = task.batch(&mut train_rng(3), 4_000);
        let t_len = delay + 20;
        assert_eq!(batch.seq_len(), t_len);
        let formula = 10.0 * 8f64.ln() / t_len as f64;
        assert!((task.baseline() - formula).abs() < 1e-15);
        // The memoryless predictor (blank, then uniform over the 8 symbols).
        let exact = measured_baseline(task.as_ref(), &batch).expect("trivial predictor");
        assert!(
            (exact - formula).abs() < 1e-12,
            "T = {delay}: memoryless loss {exact} vs 10·ln 8/(T+20) = {formula}"
        );
        // The best memoryless predictor learned from the data: the empirical label
        // distribution of each step, whose entropy is the loss it pays.
        let Target::Classes { labels, mask } = &batch.target else {
            panic!("copy has class targets");
        };
        assert!(mask.iter().all(|&m| m == 1.0), "xent on all steps");
        let mut entropy_sum = 0.0;
        for t in 0..t_len {
            let mut counts = [0.0f64; 9];
            for &k in labels.row(t) {
                counts[k] += 1.0;
            }
            let n: f64 = counts.iter().sum();
            entropy_sum -= counts
                .iter()
                .filter(|&&c| c > 0.0)
                .map(|&c| c / n * (c / n).ln())
                .sum::<f64>();
        }
        let empirical = entropy_sum / t_len as f64;
        assert!(
            (empirical - formula).abs() < 0.002 * formula,
            "T = {delay}: per-step label entropy {empirical} vs {formula}"
        );
        // The layout: symbols, T−1 blanks, the delimiter, 10 blanks; targets echo the symbols.
        for b in 0..50 {
            let sym = |t: usize| {
                (0..10)
                    .find(|&k| batch.x[[t, b, k]] == 1.0)
                    .expect("one-hot")
            };
            for i in 0..10 {
                assert!((1..=8).contains(&sym(i)));
                assert_eq!(labels[[delay + 10 + i, b]], sym(i));
            }
            for t in 10..t_len {
                assert_eq!(sym(t), if t == delay + 9 { 9 } else { 0 }, "step {t}");
            }
            assert!((0..delay + 10).all(|t| labels[[t, b]] == 0));
        }
    }
}

/// The embedded Reber grammar written out as string rules, independently of the generator.
fn is_embedded_reber(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 9 || b[0] != b'B' || b[b.len() - 1] != b'E' {
        return false;
    }
    let outer = b[1];
    if !(outer == b'T' || outer == b'P') || b[b.len() - 2] != outer {
        return false;
    }
    let inner = &b[2..b.len() - 2];
    if inner[0] != b'B' || inner[inner.len() - 1] != b'E' {
        return false;
    }
    let mut node = 0;
    for &c in &inner[1..inner.len() - 1] {
        node = match (node, c) {
            (0, b'T') | (1, b'S') => 1,
            (0, b'P') | (2, b'T') | (3, b'X') => 2,
            (1, b'X') | (4, b'P') => 3,
            (2, b'V') => 4,
            (3, b'S') | (4, b'V') => 5,
            _ => return false,
        };
    }
    node == 5
}

#[test]
fn every_reber_string_is_accepted_by_the_grammar() {
    assert!(is_embedded_reber("BTBTXSETE") && is_embedded_reber("BPBPVVEPE"));
    assert!(!is_embedded_reber("BTBTXSEPE") && !is_embedded_reber("BTBTXXETE"));
    let task = Reber::new();
    let mut rng = train_rng(9);
    let mut seen = std::collections::HashSet::new();
    let mut strings = 0;
    for _ in 0..20 {
        let batch = task.batch(&mut rng, 250);
        let Target::Classes { labels, mask } = &batch.target else {
            panic!("reber has class targets");
        };
        for (b, symbols) in Reber::decode(&batch).into_iter().enumerate() {
            let text = reber::to_text(&symbols);
            assert!(is_embedded_reber(&text), "not embedded Reber: {text}");
            assert!(
                reber::accepts(&symbols),
                "generator's automaton rejects {text}"
            );
            assert!(symbols.len() <= reber::MAX_STRING_LEN);
            // The padding after the string counts for nothing.
            let steps = symbols.len() - 1;
            assert!(mask.slice(s![steps.., b]).iter().all(|&m| m == 0.0));
            assert!(labels.slice(s![..steps, b]).iter().all(|&k| k < 7));
            seen.insert(text);
            strings += 1;
        }
    }
    assert_eq!(strings, 5_000);
    assert!(seen.len() > 500, "only {} distinct strings", seen.len());
    // Both outer branches occur about equally often.
    let t_first = seen.iter().filter(|s| s.as_bytes()[1] == b'T').count();
    assert!(
        t_first > seen.len() / 3,
        "outer T in {t_first} of {}",
        seen.len()
    );
}

#[test]
fn reber_metric_counts_strings_predicted_legally() {
    let task = Reber::new();
    let batch = task.batch(&mut train_rng(4), 64);
    let Target::Classes { labels, .. } = &batch.target else {
        panic!("class targets");
    };
    // Predicting the actual next symbol is always legal.
    let oracle = Array3::from_shape_fn((batch.seq_len(), 64, 7), |(t, b, k)| {
        if labels[[t, b]] == k { 1.0 } else { 0.0 }
    });
    assert!((task.metric(&batch, &oracle) - 1.0).abs() < 1e-15);
    assert!(task.solved(task.metric(&batch, &oracle)));
    // The unigram predictor (always T) is illegal somewhere in every string.
    let trivial = task.trivial_outputs(&batch).expect("unigram");
    assert_eq!(task.metric(&batch, &trivial), 0.0);
    assert_eq!(task.metric_baseline(), Some(0.0));
}

fn class_frequencies(batch: &Batch<f64>, classes: usize) -> Vec<f64> {
    let Target::Classes { labels, mask } = &batch.target else {
        panic!("class targets");
    };
    let mut counts = vec![0.0; classes];
    for (k, m) in labels.iter().zip(mask) {
        counts[*k] += m;
    }
    let total: f64 = counts.iter().sum();
    counts.iter().map(|c| c / total).collect()
}

#[test]
fn class_frequencies_of_temporal_order_and_parity_are_uniform() {
    let task = build(&TaskConfig::TemporalOrder { length: 100 });
    let batch = task.batch(&mut train_rng(21), 8_000);
    let freq = class_frequencies(&batch, 4);
    assert!(
        freq.iter().all(|f| (f - 0.25).abs() < 0.02),
        "temporal order class frequencies {freq:?}"
    );
    for (at_end, n, tol) in [(false, 2_000, 0.01), (true, 8_000, 0.02)] {
        let task = build(&TaskConfig::Parity {
            seq_len: 50,
            at_end,
        });
        let batch = task.batch(&mut train_rng(22), n);
        let freq = class_frequencies(&batch, 2);
        assert!(
            freq.iter().all(|f| (f - 0.5).abs() < tol),
            "parity (at_end = {at_end}) class frequencies {freq:?}"
        );
    }
}

#[test]
fn temporal_order_follows_experiment_6a() {
    let task = build(&TaskConfig::TemporalOrder { length: 100 });
    let batch = task.batch(&mut train_rng(8), 2_000);
    let Target::Classes { labels, mask } = &batch.target else {
        panic!("class targets");
    };
    let mut lengths = std::collections::BTreeSet::new();
    for b in 0..2_000 {
        let sym = |t: usize| (0..8).find(|&k| batch.x[[t, b, k]] == 1.0);
        let n = (0..batch.seq_len())
            .take_while(|&t| sym(t).is_some())
            .count();
        assert!((100..=110).contains(&n), "length {n}");
        lengths.insert(n);
        assert_eq!(sym(0), Some(6), "starts with E");
        assert_eq!(sym(n - 1), Some(7), "ends with the trigger B");
        let relevant: Vec<(usize, usize)> = (0..n)
            .filter_map(|t| sym(t).filter(|&k| k == 4 || k == 5).map(|k| (t + 1, k)))
            .collect();
        assert_eq!(relevant.len(), 2, "two relevant symbols");
        let ((t1, s1), (t2, s2)) = (relevant[0], relevant[1]);
        assert!(
            (10..=20).contains(&t1) && (50..=60).contains(&t2),
            "t1 {t1} t2 {t2}"
        );
        assert_eq!(
            labels[[n - 1, b]],
            2 * (s1 - 4) + (s2 - 4),
            "class = order of X/Y"
        );
        assert_eq!(mask.column(b).sum(), 1.0, "one counted step");
        assert_eq!(mask[[n - 1, b]], 1.0, "counted at the last step");
    }
    assert_eq!(lengths.len(), 11, "lengths 100..=110 all occur");
}

#[test]
fn sine_targets_are_the_next_inputs() {
    for series in [Series::Sines, Series::MackeyGlass] {
        let task = build(&TaskConfig::Sine {
            seq_len: 30,
            series,
            noise: 0.1,
        });
        let batch = task.batch(&mut train_rng(2), 16);
        let Target::All(y) = &batch.target else {
            panic!("mse_all targets");
        };
        for t in 0..29 {
            for b in 0..16 {
                assert_eq!(y[[t, b, 0]], batch.x[[t + 1, b, 0]]);
            }
        }
        // Repeating the last value is the baseline; the exact next value is solved.
        let trivial = task.trivial_outputs(&batch).expect("repeat");
        assert!(!task.solved(task.metric(&batch, &trivial)));
        assert!(task.solved(task.metric(&batch, y)));
    }
}

#[test]
fn digits_ship_with_a_fixed_split() {
    let rows = build(&TaskConfig::Digits {
        order: PixelOrder::Rows,
    });
    let pixels = build(&TaskConfig::Digits {
        order: PixelOrder::Pixels,
    });
    assert_eq!(
        (rows.input_size(), rows.max_seq_len(), rows.output_size()),
        (8, 8, 10)
    );
    assert_eq!((pixels.input_size(), pixels.max_seq_len()), (1, 64));
    // The evaluation set is the whole test split, the same for every seed.
    let test = evaluation_set(rows.as_ref(), 1, 10_000);
    assert_eq!(test.batch_size(), 359);
    assert_eq!(test, evaluation_set(rows.as_ref(), 2, 10_000));
    let subset = evaluation_set(rows.as_ref(), 1, 50);
    assert_eq!(subset.batch_size(), 50);
    let freq = class_frequencies(&test, 10);
    assert!(freq.iter().all(|&f| f > 0.08 && f < 0.12), "{freq:?}");
    assert!(test.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    // Rows and pixels carry the same image.
    let by_pixel = evaluation_set(pixels.as_ref(), 1, 10_000);
    for b in [0, 100, 358] {
        for r in 0..8 {
            for c in 0..8 {
                assert_eq!(test.x[[r, b, c]], by_pixel.x[[r * 8 + c, b, 0]]);
            }
        }
    }
    // Test accuracy of a perfect classifier is 1; of the uniform guess, the share of class 0.
    let Target::Classes { labels, .. } = &test.target else {
        panic!("class targets");
    };
    let oracle = Array3::from_shape_fn(
        (8, 359, 10),
        |(t, b, k)| {
            if labels[[t, b]] == k { 1.0 } else { 0.0 }
        },
    );
    assert_eq!(rows.metric(&test, &oracle), 1.0);
    assert!(rows.solved(1.0) && !rows.solved(0.1));
}

#[test]
fn text_windows_come_from_the_corpus() {
    let task = Text::sonnets(40).expect("sonnets");
    assert_eq!(task.vocab().len(), 62);
    assert!(
        task.vocab().windows(2).all(|w| w[0] < w[1]),
        "sorted, distinct"
    );
    let entropy_bits = task.baseline() / LN_2;
    assert!(
        (entropy_bits - 4.517).abs() < 0.001,
        "unigram entropy {entropy_bits} bits"
    );
    let corpus = bptt_lab::tasks::text::SONNETS;
    let (len, train_len) = task.len_and_train_len();
    let train_text: String = corpus.chars().take(train_len).collect();
    let held_out: String = corpus.chars().skip(train_len).collect();
    assert_eq!(len, corpus.chars().count());
    let batch = task.batch(&mut train_rng(1), 20);
    for window in task.decode(&batch) {
        assert_eq!(window.chars().count(), 41);
        assert!(
            train_text.contains(&window),
            "{window:?} not in the training part"
        );
    }
    let eval = evaluation_set(&task, 1, 20);
    for window in task.decode(&eval) {
        assert!(
            held_out.contains(&window),
            "{window:?} not in the held-out part"
        );
    }
    // Bits per char of the unigram predictor is the entropy in bits.
    let trivial = task.trivial_outputs(&batch).expect("unigram");
    let bpc = task.metric(&batch, &trivial);
    assert!((bpc - mean_loss(&batch, &trivial) / LN_2).abs() < 1e-12);
    assert!(!task.solved(bpc));
}

/// Trains an LSTM (seed 1) on `task` for `steps` batches of `batch_size` with Adam; returns
/// the model and the losses.
fn train(
    task: &dyn Task,
    init: Init,
    hidden: usize,
    lr: f64,
    steps: usize,
    batch_size: usize,
) -> (Model<f32>, Vec<f64>) {
    let cell = CellKind::Lstm;
    let dims = Dims {
        input: task.input_size(),
        hidden,
        output: task.output_size(),
    };
    let params: Params<f32> = init_params(cell, dims, init, 1).expect("init");
    let mut model = Model::new(cell, dims, params);
    let mut opt = Optimizer::new(OptimizerConfig::adam(lr), &model.params);
    let mut grads = Params::zeros(cell, dims);
    let mut engine = Engine::new(cell, dims);
    let config = StepConfig {
        bptt: Bptt::Full,
        clip: Clip::GlobalNorm { max_norm: 1.0 },
        reduction: Reduction::Mean,
        train_bias_hh: true,
    };
    let mut rng = train_rng(1);
    let losses = (0..steps)
        .map(|_| {
            let batch = task.batch(&mut rng, batch_size).cast::<f32>();
            engine
                .train_step(&mut model, &mut opt, config, &batch, &mut grads)
                .expect("finite step")
                .loss
        })
        .collect();
    (model, losses)
}

/// Loss and metric of `model` on the evaluation set of `task` (seed 1, `n` sequences).
fn evaluate(task: &dyn Task, model: &Model<f32>, n: usize) -> (f64, f64) {
    let batch = evaluation_set(task, 1, n);
    let mut engine = Engine::new(model.cell, model.dims);
    let mut grads = Params::zeros(model.cell, model.dims);
    let options = GradOptions {
        bptt: Bptt::Full,
        reduction: Reduction::Mean,
        grad_x: false,
    };
    let out = engine.loss_and_grad(
        &model.params,
        &batch.cast::<f32>(),
        InitialState::default(),
        options,
        &mut grads,
    );
    let outputs = engine.outputs().mapv(f64::from);
    (out.loss, task.metric(&batch, &outputs))
}

fn tail_mean(losses: &[f64], n: usize) -> f64 {
    losses[losses.len() - n..].iter().sum::<f64>() / n as f64
}

fn last_values(losses: &[f64]) -> String {
    let tail: Vec<String> = losses[losses.len() - 10..]
        .iter()
        .map(|l| format!("{l:.4}"))
        .collect();
    tail.join(", ")
}

#[test]
fn lstm_beats_the_baseline_on_embedded_reber() {
    let task = Reber::new();
    let (model, losses) = train(&task, Init::default(), 16, 0.02, 400, 32);
    let tail = tail_mean(&losses, 20);
    let (eval_loss, legal) = evaluate(&task, &model, 256);
    println!(
        "reber: baseline {:.4}, last 20 mean {tail:.4}, eval loss {eval_loss:.4}, strings legal \
         {legal:.3}; last values [{}]",
        task.baseline(),
        last_values(&losses)
    );
    assert!(
        tail < 0.75 * task.baseline() && eval_loss < 0.75 * task.baseline(),
        "LSTM on embedded Reber should beat the unigram baseline {:.4}: last 20 mean {tail:.4}, \
         eval {eval_loss:.4}, last values [{}]",
        task.baseline(),
        last_values(&losses)
    );
}

#[test]
fn lstm_beats_the_baseline_on_adding_t20() {
    let task = build(&TaskConfig::Adding { seq_len: 20 });
    // Forget-gate bias 1 (Gers et al. 2000): the run leaves the plateau at the baseline
    // after about 400 steps (with PyTorch's default init it can stay there much longer).
    let init = Init {
        bias: BiasInit::ForgetBias { value: 1.0 },
        ..Init::default()
    };
    let (model, losses) = train(task.as_ref(), init, 16, 0.02, 800, 32);
    let tail = tail_mean(&losses, 20);
    let (eval_loss, _) = evaluate(task.as_ref(), &model, 512);
    println!(
        "adding T=20: baseline {:.4}, last 20 mean {tail:.4}, eval mse {eval_loss:.4}; last \
         values [{}]",
        task.baseline(),
        last_values(&losses)
    );
    assert!(
        tail < 0.5 * task.baseline() && eval_loss < 0.5 * task.baseline(),
        "LSTM on adding T=20 should beat the baseline 1/6: last 20 mean {tail:.4}, eval \
         {eval_loss:.4}, last values [{}]",
        last_values(&losses)
    );
}

#[test]
fn text_sampling_is_deterministic_and_stays_in_the_vocabulary() {
    let task = Text::sonnets(20).expect("sonnets");
    let (model, _) = train(&task, Init::default(), 16, 0.02, 5, 8);
    let sample = |seed: u64, temperature: f64| {
        task.sample(
            &model,
            "Shall I",
            80,
            temperature,
            &mut ChaCha8Rng::seed_from_u64(seed),
        )
        .expect("sample")
    };
    let a = sample(1, 1.0);
    assert_eq!(a.chars().count(), 80);
    assert!(a.chars().all(|c| task.index_of(c).is_some()));
    assert_eq!(a, sample(1, 1.0), "same seed, same text");
    assert_ne!(a, sample(2, 1.0), "another seed, another text");
    assert_eq!(sample(1, 0.0), sample(2, 0.0), "temperature 0 is greedy");
    let unseeded = task
        .sample(&model, "", 10, 0.5, &mut ChaCha8Rng::seed_from_u64(1))
        .expect("empty seed");
    assert_eq!(unseeded.chars().count(), 10);
    // Errors name what is wrong.
    let err = |seed: &str, t: f64| {
        task.sample(&model, seed, 5, t, &mut ChaCha8Rng::seed_from_u64(1))
            .expect_err("bad input")
            .to_string()
    };
    assert!(
        err("Zebra ~", 1.0).contains("'Z'"),
        "{}",
        err("Zebra ~", 1.0)
    );
    assert!(err("a", -1.0).contains("-1"));
    assert!(err("a", f64::NAN).contains("NaN"));
    let other = Text::from_text("abc", &"abc".repeat(100), 5).expect("tiny corpus");
    let mismatch = other
        .sample(&model, "a", 5, 1.0, &mut ChaCha8Rng::seed_from_u64(1))
        .expect_err("sizes differ")
        .to_string();
    assert!(mismatch.contains("input 62"), "{mismatch}");
}

#[test]
fn oracle_outputs_solve_every_classification_task() {
    for config in small_configs() {
        let task = build(&config);
        if task.loss_kind() != LossKind::Xent {
            continue;
        }
        let batch = task.batch(&mut train_rng(6), 16);
        let Target::Classes { labels, .. } = &batch.target else {
            panic!("class targets");
        };
        let oracle =
            Array3::from_shape_fn((batch.seq_len(), 16, task.output_size()), |(t, b, k)| {
                if labels[[t, b]] == k { 30.0 } else { 0.0 }
            });
        assert!(mean_loss(&batch, &oracle) < 1e-10, "{}", config.name());
        let metric = task.metric(&batch, &oracle);
        if config.name() == "text" {
            assert!(metric < 1e-10 && task.solved(metric), "text bpc {metric}");
        } else {
            assert_eq!(metric, 1.0, "{}", config.name());
            assert!(task.solved(metric), "{}", config.name());
        }
        if config.name() != "reber" && config.name() != "copy" {
            assert_eq!(masked_accuracy(&batch, &oracle), 1.0);
        }
    }
}

#[test]
fn bad_settings_name_the_field_the_value_and_what_is_allowed() {
    let message = |config: TaskConfig| match config.build() {
        Ok(task) => panic!("{config:?} built {}", task.name()),
        Err(e) => e.to_string(),
    };
    let m = message(TaskConfig::Adding { seq_len: 0 });
    assert!(
        m.contains("task.adding.seq_len") && m.contains(" 0 ") && m.contains("2..="),
        "{m}"
    );
    let m = message(TaskConfig::Copy { delay: 0 });
    assert!(m.contains("task.copy.delay") && m.contains("1..="), "{m}");
    let m = message(TaskConfig::TemporalOrder { length: 19 });
    assert!(
        m.contains("task.temporal_order.length") && m.contains("19"),
        "{m}"
    );
    let m = message(TaskConfig::Parity {
        seq_len: 0,
        at_end: true,
    });
    assert!(m.contains("task.parity.seq_len"), "{m}");
    let m = message(TaskConfig::Sine {
        seq_len: 10,
        series: Series::Sines,
        noise: f64::NAN,
    });
    assert!(m.contains("task.sine.noise") && m.contains("NaN"), "{m}");
    let m = message(TaskConfig::Sine {
        seq_len: 10_000,
        series: Series::MackeyGlass,
        noise: 0.0,
    });
    assert!(
        m.contains("task.sine.seq_len") && m.contains("1..=1999"),
        "{m}"
    );
    let m = message(TaskConfig::Text {
        seq_len: 0,
        path: None,
    });
    assert!(m.contains("task.text.seq_len"), "{m}");

    let dir = std::env::temp_dir().join(format!("bptt-lab-tasks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let missing = dir.join("missing.txt");
    let m = message(TaskConfig::Text {
        seq_len: 10,
        path: Some(missing.clone()),
    });
    assert!(
        m.contains("task.text.path") && m.contains(&missing.display().to_string()),
        "{m}"
    );
    let latin1 = dir.join("latin1.txt");
    std::fs::write(&latin1, b"caf\xe9 au lait").expect("write");
    let m = message(TaskConfig::Text {
        seq_len: 2,
        path: Some(latin1.clone()),
    });
    assert!(m.contains("not UTF-8") && m.contains("offset 3"), "{m}");
    let short = dir.join("short.txt");
    std::fs::write(&short, "to be or not to be").expect("write");
    let m = message(TaskConfig::Text {
        seq_len: 10,
        path: Some(short.clone()),
    });
    assert!(
        m.contains("18 characters") && m.contains("at least 110"),
        "{m}"
    );
    // A file that works: its own vocabulary, sorted.
    let good = dir.join("good.txt");
    std::fs::write(&good, "\u{feff}".to_owned() + &"ab\u{e9}c ".repeat(40)).expect("write");
    let task = TaskConfig::Text {
        seq_len: 10,
        path: Some(good),
    }
    .build()
    .expect("UTF-8 file");
    assert_eq!(task.input_size(), 5, "vocabulary ' ', a, b, c, é (no BOM)");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn corpus_files_with_crlf_huge_vocabularies_huge_sizes_or_fifos() {
    let message = |config: TaskConfig| match config.build() {
        Ok(task) => panic!("{config:?} built {}", task.name()),
        Err(e) => e.to_string(),
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    // Windows line ends: one character, as elsewhere.
    let crlf = dir.join("crlf.txt");
    std::fs::write(&crlf, "ab\r\ncd\r\n".repeat(40)).expect("write");
    let task = TaskConfig::Text {
        seq_len: 10,
        path: Some(crlf),
    }
    .build()
    .expect("CRLF file");
    assert_eq!(task.input_size(), 5, "a, b, c, d and a newline: no \\r");
    // More distinct characters than a one-hot model takes: named before any model is built.
    let wide = dir.join("wide.txt");
    let many: String = (0x4e00..0x4e00 + 9000).filter_map(char::from_u32).collect();
    std::fs::write(&wide, many.repeat(2)).expect("write");
    let m = message(TaskConfig::Text {
        seq_len: 10,
        path: Some(wide),
    });
    assert!(
        m.contains("9000 distinct characters") && m.contains("8192"),
        "{m}"
    );
    // A file larger than the cap (sparse: no disk used) is refused before it is read.
    let huge = dir.join("huge.txt");
    let f = std::fs::File::create(&huge).expect("create");
    f.set_len(1 << 30).expect("a sparse 1 GiB file");
    let m = message(TaskConfig::Text {
        seq_len: 10,
        path: Some(huge),
    });
    assert!(
        m.contains("1073741824 bytes") && m.contains("33554432"),
        "{m}"
    );
    // A FIFO would block forever: refused as not a regular file.
    let fifo = dir.join("pipe.txt");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let m = message(TaskConfig::Text {
        seq_len: 10,
        path: Some(fifo),
    });
    assert!(m.contains("not a regular file"), "{m}");
}

#[test]
fn the_task_table_lists_every_task_with_its_baseline() {
    let rows = task_table().expect("default tasks build");
    let names: Vec<&str> = rows.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        [
            "adding",
            "copy",
            "temporal_order",
            "reber",
            "parity",
            "sine",
            "sine",
            "digits",
            "text",
            "csv"
        ]
    );
    let baseline = |i: usize| rows[i].baseline;
    assert!((baseline(0) - 1.0 / 6.0).abs() < 1e-15);
    assert!((baseline(1) - 10.0 * 8f64.ln() / 120.0).abs() < 1e-15);
    assert!((baseline(2) - 4f64.ln()).abs() < 1e-15);
    assert!((baseline(3) - 1.8823).abs() < 1e-4);
    assert!((baseline(4) - 2f64.ln()).abs() < 1e-15);
    assert!((baseline(7) - 10f64.ln()).abs() < 1e-15);
    assert!((baseline(8) / LN_2 - 4.517).abs() < 1e-3);
    assert_eq!((rows[1].input_size, rows[1].output_size), (10, 9));
    let text = format_task_table(&rows);
    println!("{text}");
    assert!(text.lines().count() > rows.len());
    assert!(text.contains("10·ln 8/(T+20)"));
    // Every default config names itself as its task does.
    for config in TaskConfig::all_defaults() {
        assert_eq!(build(&config).name(), config.name());
    }
    let _ = eval_rng(0);
}
