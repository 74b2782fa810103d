//! `bptt-lab bench`: training throughput on workload W of `shared/peers/bench_common.py` —
//! the adding problem, batch 32, I = 2, O = 1, f32, h0 = 0; one step = forward over T steps,
//! full BPTT, global-norm clip at 1.0, Adam lr 1e-3 — printed as one JSON line per point with
//! the peers' keys, so the numbers can be laid side by side.

use std::time::Instant;

use serde_json::json;

use crate::nn::init::init_params;
use crate::nn::{
    Batch, Bptt, CellKind, Clip, Dims, Engine, Init, Model, Optimizer, OptimizerConfig, Params,
    Reduction, StepConfig,
};
use crate::tasks::Task as _;
use crate::tasks::adding::Adding;

/// One point of the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub cell: CellKind,
    pub hidden: usize,
    pub seq: usize,
    pub batch: usize,
}

/// How long and how often to time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Untimed steps after the first.
    pub warmup: usize,
    /// Timed steps per window; 0 = about `target_secs` per window.
    pub steps: usize,
    pub target_secs: f64,
    /// Timing windows per point, interleaved over the points.
    pub repeats: usize,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            warmup: 3,
            steps: 0,
            target_secs: 1.5,
            repeats: 3,
        }
    }
}

struct Bench {
    point: Point,
    model: Model<f32>,
    optimizer: Optimizer<f32>,
    engine: Engine<f32>,
    grads: Params<f32>,
    pool: Vec<Batch<f32>>,
    steps: usize,
    rates: Vec<f64>,
    last_loss: f64,
}

impl Bench {
    fn new(point: Point, seed: u64) -> Self {
        let dims = Dims {
            input: 2,
            hidden: point.hidden,
            output: 1,
        };
        let params = init_params::<f32>(point.cell, dims, Init::default(), seed)
            .expect("the default init fits every cell");
        let model = Model::new(point.cell, dims, params);
        let task = Adding::new(point.seq).expect("seq ≥ 2");
        let mut rng = crate::tasks::train_rng(seed);
        let pool = (0..16)
            .map(|_| task.batch(&mut rng, point.batch).cast())
            .collect();
        Self {
            optimizer: Optimizer::new(OptimizerConfig::adam(1e-3), &model.params),
            engine: Engine::new(point.cell, dims),
            grads: Params::zeros(point.cell, dims),
            model,
            pool,
            point,
            steps: 0,
            rates: Vec::new(),
            last_loss: f64::NAN,
        }
    }

    fn step(&mut self, i: usize) {
        let config = StepConfig {
            bptt: Bptt::Full,
            clip: Clip::GlobalNorm { max_norm: 1.0 },
            reduction: Reduction::Mean,
        };
        let batch = &self.pool[i % self.pool.len()];
        let stats = self
            .engine
            .train_step(
                &mut self.model,
                &mut self.optimizer,
                config,
                batch,
                &mut self.grads,
            )
            .expect("workload W stays finite");
        self.last_loss = stats.loss;
    }
}

/// Runs the grid and calls `emit` with one JSON object per point.
pub fn run(
    points: &[Point],
    threads: usize,
    timing: Timing,
    mut emit: impl FnMut(serde_json::Value),
) {
    let mut benches: Vec<Bench> = points.iter().map(|&p| Bench::new(p, 0)).collect();
    for b in &mut benches {
        b.step(0);
        let t0 = Instant::now();
        for i in 0..timing.warmup {
            b.step(i + 1);
        }
        let per_step = t0.elapsed().as_secs_f64() / timing.warmup.max(1) as f64;
        b.steps = if timing.steps > 0 {
            timing.steps
        } else {
            ((timing.target_secs / per_step.max(1e-6)) as usize).max(3)
        };
    }
    let mut k = 0;
    for _ in 0..timing.repeats.max(1) {
        for b in &mut benches {
            let t0 = Instant::now();
            for _ in 0..b.steps {
                b.step(k);
                k += 1;
            }
            b.rates.push(b.steps as f64 / t0.elapsed().as_secs_f64());
        }
    }
    for b in benches {
        let mut sorted = b.rates.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        emit(json!({
            "framework": "bptt-lab",
            "cell": cell_name(b.point.cell),
            "hidden": b.point.hidden,
            "seq": b.point.seq,
            "batch": b.point.batch,
            "threads": threads,
            "steps_per_sec": (median * 1000.0).round() / 1000.0,
            "all_steps_per_sec": b.rates.iter().map(|r| (r * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
            "steps": b.steps,
            "last_loss": b.last_loss,
            "version": env!("CARGO_PKG_VERSION"),
        }));
    }
}

fn cell_name(c: CellKind) -> &'static str {
    match c {
        CellKind::Rnn(_) => "rnn",
        CellKind::Lstm => "lstm",
        CellKind::Gru => "gru",
    }
}
