//! The training runtime with real training: same seed → bit-identical metrics in f32 and f64
//! for every cell; a real worker run paused, resumed and finished; a run that really diverges;
//! the bounded history (decimated views that keep every spike, evenly thinned profiles).
//!
//! The worker's protocol itself is covered with scripted runs in `tests/worker.rs`.

use std::time::Duration;

use bptt_lab::nn::{
    Activation, BiasInit, Bptt, CellKind, Clip, Init, OptimizerConfig, StepError, UpdateMode,
    WeightInit,
};
use bptt_lab::nn::{Profile, Saturation};
use bptt_lab::tasks::TaskConfig;
use bptt_lab::train::history::{ProfileRing, Series};
use bptt_lab::train::{
    AnyTrainer, Command, Diagnostics, EvalConfig, Event, History, ModelConfig, Precision, RunError,
    RunOutcome, STEP_COLUMNS, Setup, StepMetrics, Worker,
};

const CELLS: [CellKind; 4] = [
    CellKind::Rnn(Activation::Tanh),
    CellKind::Rnn(Activation::Relu),
    CellKind::Lstm,
    CellKind::Gru,
];

/// A tiny adding-problem setup: T = `seq_len`, H = 6, batch 4, Adam with clipping.
fn tiny_setup(cell: CellKind, precision: Precision, seed: u64, seq_len: usize) -> Setup {
    Setup {
        seed,
        model: ModelConfig {
            cell,
            hidden: 6,
            recurrent_bias: true,
        },
        task: TaskConfig::Adding { seq_len },
        init: Init::default(),
        bptt: Bptt::Full,
        clip: Clip::GlobalNorm { max_norm: 1.0 },
        optimizer: OptimizerConfig::adam(0.01),
        batch_size: 4,
        steps: 20,
        eval: EvalConfig {
            every: 5,
            size: 16,
            ..EvalConfig::default()
        },
        precision,
    }
}

/// Every field of a step's metrics but `elapsed_secs`, as bits, so that equality is
/// bit-identity (and NaN equals NaN).
fn metric_bits(m: &StepMetrics) -> Vec<u64> {
    let values = m.values();
    let elapsed = STEP_COLUMNS
        .iter()
        .position(|c| *c == "elapsed_secs")
        .expect("an elapsed_secs column");
    values
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != elapsed)
        .map(|(_, v)| v.to_bits())
        .collect()
}

/// The deterministic part of a diagnostics row (spectra are skipped depending on wall time,
/// so which step they come from is not deterministic).
fn profile_bits(p: &Diagnostics) -> Vec<u64> {
    let mut bits = vec![
        p.step,
        p.profile.start as u64,
        p.eval_loss.to_bits(),
        p.eval_metric.to_bits(),
        p.saturation.hidden.to_bits(),
        p.saturation.gates.map_or(u64::MAX, f64::to_bits),
    ];
    bits.extend(p.profile.values.iter().map(|v| v.to_bits()));
    bits
}

struct Trace {
    steps: Vec<StepMetrics>,
    diagnostics: Vec<Diagnostics>,
    params: Vec<u64>,
}

fn trace(setup: &Setup, steps: u64) -> Trace {
    let config = setup
        .validate()
        .unwrap_or_else(|e| panic!("{setup:?}: {e}"));
    let mut trainer = AnyTrainer::new(&config).expect("init");
    let mut out = Trace {
        steps: Vec::new(),
        diagnostics: Vec::new(),
        params: Vec::new(),
    };
    for _ in 0..steps {
        let m = trainer
            .step()
            .unwrap_or_else(|e| panic!("{setup:?} step failed: {e}"));
        if m.step.is_multiple_of(5) {
            out.diagnostics.push(trainer.diagnostics());
        }
        out.steps.push(m);
    }
    let p = trainer.params_f64();
    out.params = p
        .slices()
        .iter()
        .flat_map(|s| s.iter().map(|v| v.to_bits()))
        .collect();
    out
}

#[test]
fn same_setup_and_seed_give_bit_identical_metrics_for_every_cell_and_precision() {
    // Full BPTT on adding (one loss term at the end), and BPTT(3, 5) updating per segment on
    // running parity (a loss term at every step, so 3 updates per sequence of 9).
    let truncated = Bptt::Truncated {
        k1: 3,
        k2: 5,
        mode: UpdateMode::PerSegment,
    };
    let parity = TaskConfig::Parity {
        seq_len: 9,
        at_end: false,
    };
    for cell in CELLS {
        for precision in [Precision::F32, Precision::F64] {
            for (bptt, task) in [
                (Bptt::Full, TaskConfig::Adding { seq_len: 9 }),
                (truncated, parity.clone()),
            ] {
                let setup = Setup {
                    bptt,
                    task,
                    ..tiny_setup(cell, precision, 11, 9)
                };
                let a = trace(&setup, 20);
                let b = trace(&setup, 20);
                assert_eq!(a.steps.len(), 20);
                for (ma, mb) in a.steps.iter().zip(&b.steps) {
                    assert_eq!(
                        metric_bits(ma),
                        metric_bits(mb),
                        "{cell:?} {precision:?} {bptt:?}: step {} differs between two runs \
                         with the same seed:\n{ma:?}\n{mb:?}",
                        ma.step
                    );
                    assert!(
                        ma.loss.is_finite() && ma.grad_norm_pre_clip.is_finite(),
                        "{cell:?} {precision:?} {bptt:?}: non-finite metrics {ma:?}"
                    );
                }
                let expected_updates = if bptt == Bptt::Full { 1 } else { 3 };
                assert!(
                    a.steps.iter().all(|m| m.updates == expected_updates),
                    "{cell:?} {precision:?} {bptt:?}: updates per step {:?}, expected \
                     {expected_updates} (T = 9, loss at every step for the truncated case)",
                    a.steps.iter().map(|m| m.updates).collect::<Vec<_>>()
                );
                assert_eq!(
                    a.diagnostics.iter().map(profile_bits).collect::<Vec<_>>(),
                    b.diagnostics.iter().map(profile_bits).collect::<Vec<_>>(),
                    "{cell:?} {precision:?} {bptt:?}: diagnostics differ between two runs"
                );
                assert!(
                    a.params == b.params,
                    "{cell:?} {precision:?} {bptt:?}: final weights differ between two runs"
                );
            }
        }
    }
}

#[test]
fn different_seeds_give_different_runs() {
    for cell in CELLS {
        for precision in [Precision::F32, Precision::F64] {
            let a = trace(&tiny_setup(cell, precision, 11, 9), 20);
            let b = trace(&tiny_setup(cell, precision, 12, 9), 20);
            let differing = a
                .steps
                .iter()
                .zip(&b.steps)
                .filter(|(ma, mb)| ma.loss.to_bits() != mb.loss.to_bits())
                .count();
            assert!(
                differing >= 18,
                "{cell:?} {precision:?}: seeds 11 and 12 gave the same loss at {} of 20 steps; \
                 losses {:?} vs {:?}",
                20 - differing,
                a.steps.iter().map(|m| m.loss).collect::<Vec<_>>(),
                b.steps.iter().map(|m| m.loss).collect::<Vec<_>>()
            );
            assert!(
                a.params != b.params,
                "{cell:?} {precision:?}: seeds 11 and 12 ended with the same weights"
            );
        }
    }
}

#[test]
fn f32_and_f64_runs_start_from_the_same_weights_and_data() {
    // The precision is part of the setup: both follow the same data and initial weights, so
    // the first loss agrees to f32 rounding.
    let a = trace(&tiny_setup(CellKind::Lstm, Precision::F32, 5, 9), 1);
    let b = trace(&tiny_setup(CellKind::Lstm, Precision::F64, 5, 9), 1);
    let (la, lb) = (a.steps[0].loss, b.steps[0].loss);
    assert!(
        (la - lb).abs() <= 1e-5 * lb.abs().max(1e-3),
        "first-step loss f32 {la} vs f64 {lb}"
    );
}

// ---------------------------------------------------------------------------------------------
// A real worker run.

/// Receives events until `stop` says so, with a timeout so that a hung worker fails the test.
fn collect_until(worker: &Worker, events: &mut Vec<Event>, stop: impl Fn(&Event) -> bool) -> Event {
    loop {
        let ev = worker
            .events()
            .recv_timeout(Duration::from_mins(1))
            .unwrap_or_else(|e| {
                panic!(
                    "no event within 60 s ({e}); so far: {} events",
                    events.len()
                )
            });
        if stop(&ev) {
            return ev;
        }
        events.push(ev);
    }
}

fn progress_steps(events: &[Event]) -> Vec<StepMetrics> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Progress(v) => Some(v.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn profiles(events: &[Event]) -> Vec<Diagnostics> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Profile(p) => Some((**p).clone()),
            _ => None,
        })
        .collect()
}

fn worker_setup() -> Setup {
    Setup {
        seed: 4,
        model: ModelConfig {
            cell: CellKind::Lstm,
            hidden: 8,
            recurrent_bias: true,
        },
        task: TaskConfig::Adding { seq_len: 10 },
        init: Init::default(),
        bptt: Bptt::Full,
        clip: Clip::GlobalNorm { max_norm: 1.0 },
        optimizer: OptimizerConfig::adam(0.01),
        batch_size: 8,
        steps: 30,
        eval: EvalConfig {
            every: 5,
            size: 32,
            ..EvalConfig::default()
        },
        precision: Precision::F32,
    }
}

#[test]
fn real_worker_run_steps_pauses_resumes_and_finishes() {
    let setup = worker_setup();
    let config = setup.validate().expect("valid");
    let worker =
        Worker::spawn_trainer("runtime-test", &config, Box::new(|| {})).expect("spawn a thread");

    assert!(worker.send(Command::Step(5)));
    let mut events = Vec::new();
    let paused = collect_until(&worker, &mut events, |e| matches!(e, Event::Paused(_)));
    assert!(
        matches!(paused, Event::Paused(5)),
        "Step(5) should pause after 5 steps, got {paused:?}"
    );
    let first = progress_steps(&events);
    assert_eq!(
        first.iter().map(|m| m.step).collect::<Vec<_>>(),
        (1..=5).collect::<Vec<_>>(),
        "progress before the pause"
    );
    // Paused: nothing more arrives until Resume.
    assert!(
        worker
            .events()
            .recv_timeout(Duration::from_millis(200))
            .is_err(),
        "a paused run sent an event"
    );

    assert!(worker.send(Command::Resume));
    let finished = collect_until(&worker, &mut events, |e| matches!(e, Event::Finished(_)));
    let Event::Finished(result) = finished else {
        unreachable!()
    };
    let outcome: Box<RunOutcome> = result.unwrap_or_else(|e| panic!("run failed: {e}"));
    assert_eq!(outcome.steps, 30, "steps done at the end");
    assert!(!outcome.stopped, "the run finished, it was not stopped");
    assert!(
        outcome.params.all_finite(),
        "final weights not finite: {:?}",
        outcome.params
    );
    assert!(
        outcome.eval_loss.is_finite() && outcome.eval_loss > 0.0,
        "eval loss {}",
        outcome.eval_loss
    );

    let steps = progress_steps(&events);
    assert_eq!(
        steps.iter().map(|m| m.step).collect::<Vec<_>>(),
        (1..=30).collect::<Vec<_>>(),
        "every step exactly once, in order"
    );
    let profs = profiles(&events);
    assert_eq!(
        profs.iter().map(|p| p.step).collect::<Vec<_>>(),
        vec![5, 10, 15, 20, 25, 30],
        "diagnostics every 5 steps (eval.every = 5)"
    );
    for p in &profs {
        assert_eq!(
            (p.profile.start, p.profile.values.len()),
            (0, 10),
            "step {}: full BPTT over T = 10 gives g_t for t = 0..10",
            p.step
        );
        assert!(
            p.profile.values.iter().all(|g| g.is_finite() && *g >= 0.0),
            "step {}: g_t {:?}",
            p.step,
            p.profile.values
        );
        assert_eq!(
            p.spectral.rho.len(),
            4,
            "one ρ per LSTM gate block at step {}",
            p.step
        );
    }

    // The worker's run is the same run as a trainer driven by hand.
    let direct = trace(&setup, 30);
    for (w, d) in steps.iter().zip(&direct.steps) {
        assert_eq!(
            metric_bits(w),
            metric_bits(d),
            "step {}: worker vs direct trainer",
            w.step
        );
    }
    let direct_last = direct.diagnostics.last().expect("diagnostics at step 30");
    assert_eq!(
        profile_bits(profs.last().expect("profiles")),
        profile_bits(direct_last),
        "last diagnostics: worker vs direct trainer"
    );
    assert_eq!(
        outcome.eval_loss.to_bits(),
        direct_last.eval_loss.to_bits(),
        "eval loss at the end {} vs direct {}",
        outcome.eval_loss,
        direct_last.eval_loss
    );
}

// ---------------------------------------------------------------------------------------------
// A run that really diverges.

/// An IRNN with a large identity gain, plain SGD with a huge learning rate and no clipping:
/// the first update blows the weights up, the second step's forward pass overflows.
fn diverging_setup(precision: Precision) -> Setup {
    let (gain, lr) = match precision {
        Precision::F32 => (2.0, 1.0),
        Precision::F64 => (3.0, 10.0),
    };
    Setup {
        seed: 1,
        model: ModelConfig {
            cell: CellKind::Rnn(Activation::Relu),
            hidden: 8,
            recurrent_bias: true,
        },
        task: TaskConfig::Adding { seq_len: 10 },
        init: Init {
            weight_ih: WeightInit::PytorchDefault,
            weight_hh: WeightInit::Identity { gain },
            bias: BiasInit::PytorchDefault,
        },
        bptt: Bptt::Full,
        clip: Clip::None,
        optimizer: OptimizerConfig::sgd(lr),
        batch_size: 8,
        steps: 50,
        eval: EvalConfig {
            every: 1,
            size: 16,
            ..EvalConfig::default()
        },
        precision,
    }
}

/// Steps until the run fails; returns the steps that succeeded and the error.
fn run_until_error(setup: &Setup) -> (Vec<StepMetrics>, RunError, AnyTrainer) {
    let config = setup.validate().expect("valid");
    let mut trainer = AnyTrainer::new(&config).expect("init");
    let mut ok = Vec::new();
    for _ in 0..setup.steps {
        match trainer.step() {
            Ok(m) => ok.push(m),
            Err(e) => return (ok, e, trainer),
        }
    }
    panic!(
        "{setup:?} did not diverge in {} steps; last loss {:?}",
        setup.steps,
        ok.last().map(|m| m.loss)
    );
}

#[test]
fn diverging_run_names_the_step_and_the_quantity_deterministically() {
    for precision in [Precision::F32, Precision::F64] {
        let setup = diverging_setup(precision);
        let (ok, error, trainer) = run_until_error(&setup);
        let RunError::Diverged { step, source } = &error else {
            panic!("{precision:?}: expected Diverged, got {error:?}");
        };
        let StepError::NonFinite {
            quantity,
            value,
            segment_end,
        } = source;
        assert_eq!(
            *step,
            ok.len() as u64 + 1,
            "{precision:?}: the error names the step that failed ({} succeeded)",
            ok.len()
        );
        assert_eq!(
            *step,
            2,
            "{precision:?}: this setup overflows on the second step; losses {:?}",
            ok.iter().map(|m| m.loss).collect::<Vec<_>>()
        );
        assert!(
            ["loss", "gradient norm"].contains(quantity) && !value.is_finite(),
            "{precision:?}: quantity {quantity:?} = {value}"
        );
        assert_eq!(
            *segment_end, 10,
            "{precision:?}: full BPTT segment ends at T"
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!("step {step}"))
                && message.contains(quantity)
                && message.contains("not finite"),
            "{precision:?}: message {message:?} should name step {step} and {quantity:?}"
        );
        assert!(
            ok.iter().all(|m| m.loss.is_finite()),
            "{precision:?}: steps before the failure had finite losses: {ok:?}"
        );
        // The failed update was not applied: the weights are those after the last good step.
        assert_eq!(trainer.steps_done(), step - 1, "{precision:?}: steps done");
        assert!(
            trainer.params_f64().all_finite(),
            "{precision:?}: weights after the failed step are not finite"
        );

        // Same seed, same failure, to the bit.
        let (ok2, error2, _) = run_until_error(&setup);
        assert_eq!(ok2.len(), ok.len(), "{precision:?}: second run");
        assert_eq!(
            error2, error,
            "{precision:?}: the same seed fails the same way"
        );
    }
}

#[test]
fn diverging_run_in_a_worker_and_headless_ends_with_the_error() {
    let setup = diverging_setup(Precision::F32);
    let config = setup.validate().expect("valid");
    let (_, expected, _) = run_until_error(&setup);

    let worker = Worker::spawn_trainer("runtime-diverge", &config, Box::new(|| {})).expect("spawn");
    assert!(worker.send(Command::Start));
    let mut events = Vec::new();
    let finished = collect_until(&worker, &mut events, |e| matches!(e, Event::Finished(_)));
    let Event::Finished(result) = finished else {
        unreachable!()
    };
    let error = result.map(|o| o.steps).expect_err("the run must diverge");
    assert_eq!(error, expected, "worker error vs trainer error");
    let steps = progress_steps(&events);
    assert_eq!(
        steps.iter().map(|m| m.step).collect::<Vec<_>>(),
        vec![1],
        "the steps before the failure are reported"
    );

    let report = bptt_lab::headless::run(&config, 50, &mut |_| {}).expect("init succeeds");
    assert_eq!(report.error.as_ref(), Some(&expected), "headless error");
    assert_eq!(report.steps_done, 1, "headless steps done");
    assert!(
        report.eval_loss.is_nan(),
        "no evaluation after divergence, got {}",
        report.eval_loss
    );
    assert!(
        report.params.all_finite(),
        "weights kept from before the failed update"
    );
}

// ---------------------------------------------------------------------------------------------
// History.

fn metrics(step: u64, loss: f64) -> StepMetrics {
    StepMetrics {
        step,
        loss,
        metric: loss * 0.5,
        grad_norm_pre_clip: 1.0 + (step % 7) as f64,
        lr: 0.01,
        elapsed_secs: step as f64 * 1e-3,
        ..StepMetrics::default()
    }
}

/// A wiggly loss curve with a spike up at `SPIKE_UP` and one down at `SPIKE_DOWN`.
const SPIKE_UP: u64 = 73_421;
const SPIKE_DOWN: u64 = 12_345;

fn loss_at(step: u64) -> f64 {
    match step {
        SPIKE_UP => 1.0e6,
        SPIKE_DOWN => -5.0,
        _ => 1.0 + 0.5 * (step as f64 * 0.001).sin() + (step % 13) as f64 * 1e-3,
    }
}

#[test]
#[expect(
    clippy::float_cmp,
    reason = "min, max and last are copies of pushed values, never computed"
)]
fn history_stays_bounded_and_its_views_keep_every_extreme() {
    const N: u64 = 100_000;
    let mut history = History::new(CellKind::Lstm.gate_names());
    let loss_col = history.steps.column("loss").expect("loss column");
    let mut sum = 0.0;
    for step in 1..=N {
        let loss = loss_at(step);
        sum += loss;
        history.push_step(&metrics(step, loss));
        assert!(
            history.steps.len() <= Series::CAPACITY,
            "{} buckets after {step} steps (capacity {})",
            history.steps.len(),
            Series::CAPACITY
        );
    }
    let (true_min, true_max) = (1..=N)
        .map(loss_at)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    assert_eq!((true_min, true_max), (-5.0, 1.0e6));
    assert_eq!(history.steps.last_step(), Some(N));
    assert_eq!(history.steps.last(loss_col), Some(loss_at(N)));

    for max_points in [500, 37, 1] {
        let view = history.steps.view(loss_col, max_points);
        assert!(
            !view.is_empty() && view.len() <= max_points,
            "view({max_points}) has {} points",
            view.len()
        );
        assert_eq!(view[0].first_step, 1, "view({max_points}) starts at step 1");
        assert_eq!(
            view.last().map(|p| p.last_step),
            Some(N),
            "view({max_points}) ends at the last step"
        );
        for w in view.windows(2) {
            assert_eq!(
                w[1].first_step,
                w[0].last_step + 1,
                "view({max_points}): points must tile the steps: {:?} then {:?}",
                w[0],
                w[1]
            );
        }
        let view_min = view.iter().map(|p| p.agg.min).fold(f64::INFINITY, f64::min);
        let view_max = view
            .iter()
            .map(|p| p.agg.max)
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(
            (view_min, view_max),
            (true_min, true_max),
            "view({max_points}): min/max over the view vs the true min/max"
        );
        let holder = view
            .iter()
            .find(|p| (p.first_step..=p.last_step).contains(&SPIKE_UP))
            .expect("a point covers the spike");
        assert_eq!(
            holder.agg.max, 1.0e6,
            "view({max_points}): the point {holder:?} covering step {SPIKE_UP} keeps the spike"
        );
        let holder = view
            .iter()
            .find(|p| (p.first_step..=p.last_step).contains(&SPIKE_DOWN))
            .expect("a point covers the dip");
        assert_eq!(
            holder.agg.min, -5.0,
            "view({max_points}): the point {holder:?} covering step {SPIKE_DOWN} keeps the dip"
        );
    }

    let whole = history.steps.view(loss_col, 1)[0];
    let true_mean = sum / N as f64;
    assert!(
        (whole.agg.mean - true_mean).abs() <= 1e-9 * true_mean.abs(),
        "mean over one point {} vs true mean {true_mean}",
        whole.agg.mean
    );
    assert_eq!(whole.agg.last, loss_at(N), "last value of the whole view");

    // Every column is decimated the same way.
    let step_col = history.steps.column("step").expect("step column");
    let steps_view = history.steps.view(step_col, 500);
    for p in &steps_view {
        assert_eq!(
            (p.agg.min, p.agg.max, p.agg.last),
            (p.first_step as f64, p.last_step as f64, p.last_step as f64),
            "step column of {p:?}"
        );
    }
}

#[test]
#[expect(
    clippy::float_cmp,
    reason = "under capacity every bucket holds the pushed value itself"
)]
fn history_is_exact_under_capacity_and_merges_only_past_it() {
    let mut series = Series::new(vec!["a".to_owned(), "b".to_owned()]);
    let value = |step: u64| ((step * 7919) % 1000) as f64 / 7.0;
    let cap = Series::CAPACITY as u64;
    for step in 1..=cap {
        series.push(step, &[value(step), -value(step)]);
    }
    assert_eq!(series.len(), Series::CAPACITY, "one bucket per step");
    assert_eq!(series.bucket_len(), 1, "exact at capacity");
    let buckets: Vec<_> = series.buckets(0).collect();
    for (i, (step, agg)) in buckets.iter().enumerate() {
        let want = value(i as u64 + 1);
        assert_eq!(*step, i as u64 + 1, "bucket {i} step");
        assert_eq!(
            (agg.min, agg.max, agg.mean, agg.last),
            (want, want, want, want),
            "bucket of step {step}: exact value {want}"
        );
    }
    let view = series.view(1, Series::CAPACITY);
    assert_eq!(view.len(), Series::CAPACITY, "a view as large as the data");
    for p in &view {
        assert_eq!(p.first_step, p.last_step, "one step per point");
        assert_eq!(p.agg.last, -value(p.first_step), "exact value at {p:?}");
    }

    series.push(cap + 1, &[1.0e9, 0.0]);
    assert!(
        series.len() <= Series::CAPACITY,
        "{} buckets after one more push",
        series.len()
    );
    assert_eq!(
        series.bucket_len(),
        2,
        "first merge doubles the bucket length"
    );
    assert_eq!(series.last(0), Some(1.0e9), "the newest value is kept");
    let (first_bucket_step, first) = series.buckets(0).next().expect("buckets");
    assert_eq!(first_bucket_step, 2, "steps 1 and 2 merged");
    let (a, b) = (value(1), value(2));
    assert_eq!(
        (first.min, first.max, first.mean, first.last),
        (a.min(b), a.max(b), f64::midpoint(a, b), b),
        "merge of steps 1 ({a}) and 2 ({b})"
    );
}

fn profile_metrics(step: u64, t: usize) -> Diagnostics {
    Diagnostics {
        step,
        profile: Profile {
            start: 0,
            values: (0..t).map(|i| step as f64 + i as f64 * 1e-3).collect(),
        },
        saturation: Saturation {
            hidden: 0.1,
            gates: Some(0.2),
        },
        eval_loss: 1.0 / step as f64,
        eval_metric: 0.5,
        ..Diagnostics::default()
    }
}

#[test]
fn profile_ring_stays_bounded_and_evenly_spread() {
    const EVERY: u64 = 10;
    const PUSHES: u64 = 5_000;
    let mut history = History::new(CellKind::Gru.gate_names());
    for i in 1..=PUSHES {
        history.push_profile(profile_metrics(i * EVERY, 12));
        assert!(
            history.profiles.len() <= ProfileRing::CAPACITY,
            "{} profiles after {i} pushes (capacity {})",
            history.profiles.len(),
            ProfileRing::CAPACITY
        );
    }
    let rows = history.profiles.rows();
    assert!(
        rows.len() >= ProfileRing::CAPACITY / 2,
        "thinning keeps at least half the capacity: {} rows",
        rows.len()
    );
    let steps: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(steps[0], EVERY, "the first profile is kept");
    let gap = steps[1] - steps[0];
    for w in steps.windows(2) {
        assert_eq!(
            w[1] - w[0],
            gap,
            "rows must be evenly spread; steps {steps:?}"
        );
    }
    let last = PUSHES * EVERY;
    assert!(
        last - steps[steps.len() - 1] < gap,
        "rows cover the whole run: last row at {} of {last}, gap {gap}",
        steps[steps.len() - 1]
    );
    for (step, start, values) in rows {
        assert_eq!(
            (*start, values.as_slice()),
            (0, profile_metrics(*step, 12).profile.values.as_slice()),
            "row of step {step} keeps its profile"
        );
    }
    assert_eq!(
        history.latest.as_ref().map(|p| p.step),
        Some(last),
        "the latest profile is kept in full"
    );
    assert_eq!(
        history.diagnostics.last_step(),
        Some(last),
        "diagnostics series"
    );
    assert!(history.diagnostics.len() <= Series::CAPACITY);
    let rho_r = history.diagnostics.column("rho_r").expect("a rho_r column");
    assert!(
        history.diagnostics.last(rho_r).is_some_and(f64::is_nan),
        "a missing spectrum is NaN, not a made-up number"
    );
}

#[test]
fn profile_ring_thins_exactly_at_capacity() {
    let mut ring = ProfileRing::default();
    let cap = ProfileRing::CAPACITY as u64;
    for step in 1..=cap {
        ring.push(step, 0, &[step as f64]);
    }
    assert_eq!(
        ring.rows().iter().map(|r| r.0).collect::<Vec<_>>(),
        (1..=cap).collect::<Vec<_>>(),
        "every profile kept up to capacity"
    );
    ring.push(cap + 1, 0, &[0.0]);
    let steps: Vec<u64> = ring.rows().iter().map(|r| r.0).collect();
    assert_eq!(
        steps,
        (1..=cap + 1).step_by(2).collect::<Vec<_>>(),
        "one past capacity keeps every other profile and the newest"
    );
}

/// The unclipped exploding preset made to diverge a little later: ρ(`W_hh`) = 1.26 and lr
/// 0.01, which diverges at step 4 (the preset itself diverges at step 2, after the one
/// profile there is).
fn late_diverging_config() -> bptt_lab::train::TrainConfig {
    let path = std::path::Path::new("presets/clip_exploding_rnn_unclipped.ron");
    let mut preset = bptt_lab::preset::Preset::load(path).expect("the preset loads");
    preset
        .apply_set("init.weight_hh=orthogonal(gain: 1.26)")
        .expect("a gain");
    preset.apply_set("optimizer.lr=0.01").expect("a rate");
    preset.validate(path).expect("valid")
}

#[test]
fn a_diverging_run_keeps_the_profile_of_its_last_finite_step_in_a_worker_and_headless() {
    let config = late_diverging_config();
    let worker =
        Worker::spawn_trainer("runtime-late-diverge", &config, Box::new(|| {})).expect("spawn");
    assert!(worker.send(Command::Start));
    let mut events = Vec::new();
    let Event::Finished(result) =
        collect_until(&worker, &mut events, |e| matches!(e, Event::Finished(_)))
    else {
        unreachable!()
    };
    let error = result.map(|o| o.steps).expect_err("the run diverges");
    assert!(
        matches!(error, RunError::Diverged { step: 4, .. }),
        "{error}"
    );
    // By the clock alone (every 10 steps of the 1000 planned) only step 1 had a profile.
    let kept = profiles(&events);
    assert_eq!(kept.iter().map(|d| d.step).collect::<Vec<_>>(), vec![1, 3]);
    // The explosion is on show: the gradient at the first time step grows by orders of
    // magnitude from step 1 to step 3.
    let first_t = |d: &Diagnostics| d.profile.values[0];
    assert!(
        first_t(&kept[1]) > 1e6 * first_t(&kept[0]),
        "g_0 at step 1 {} and at step 3 {}",
        first_t(&kept[0]),
        first_t(&kept[1])
    );

    let report = bptt_lab::headless::run(&config, config.steps, &mut |_| {}).expect("runs");
    assert_eq!(report.steps_done, 3);
    assert_eq!(
        report.last_diagnostics.as_ref().map(|d| d.step),
        Some(3),
        "headless keeps the last finite step's diagnostics"
    );
}

#[test]
fn the_fast_clipped_exploding_run_gets_dense_diagnostics() {
    // 1000 steps of about 1 ms: by time alone (4 a second) it got 6–8 profiles. By step
    // count, every 10 steps while within the budget; measured diagnostics cost about 1.3
    // steps, 13 % at that rate, below the 20 % budget: about 100. Half of that is the bound,
    // for a loaded machine.
    let path = std::path::Path::new("presets/clip_exploding_rnn.ron");
    let config = bptt_lab::preset::Preset::load(path)
        .and_then(|p| p.validate(path))
        .expect("the preset");
    let report = bptt_lab::headless::run(&config, config.steps, &mut |_| {}).expect("runs");
    let n = report.history.profiles.len();
    assert!(n >= 50, "{n} profiles over 1000 steps");
}
