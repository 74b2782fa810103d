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
    cpu_rates: Vec<f64>,
    last_loss: f64,
}

/// CPU time of this process (all threads, user + system) in seconds, from `/proc/self/stat`;
/// `None` where that file does not exist. Resolution: one clock tick (10 ms).
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the full line, 12 and 13 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
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
            cpu_rates: Vec::new(),
            last_loss: f64::NAN,
        }
    }

    fn step(&mut self, i: usize) {
        let config = StepConfig {
            bptt: Bptt::Full,
            clip: Clip::GlobalNorm { max_norm: 1.0 },
            reduction: Reduction::Mean,
            train_bias_hh: true,
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
        b.engine.set_threads(threads);
    }
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
            let (t0, c0) = (Instant::now(), process_cpu_secs());
            for _ in 0..b.steps {
                b.step(k);
                k += 1;
            }
            b.rates.push(b.steps as f64 / t0.elapsed().as_secs_f64());
            if let (Some(c0), Some(c1)) = (c0, process_cpu_secs()) {
                b.cpu_rates.push(b.steps as f64 / (c1 - c0).max(0.01));
            }
        }
    }
    for b in benches {
        let median = |v: &[f64]| {
            let mut s = v.to_vec();
            s.sort_by(f64::total_cmp);
            s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let round3 = |v: f64| (v * 1000.0).round() / 1000.0;
        emit(json!({
            "framework": "bptt-lab",
            "cell": cell_name(b.point.cell),
            "hidden": b.point.hidden,
            "seq": b.point.seq,
            "batch": b.point.batch,
            "threads": threads,
            "steps_per_sec": round3(median(&b.rates)),
            "all_steps_per_sec": b.rates.iter().map(|&r| round3(r)).collect::<Vec<_>>(),
            "steps_per_cpu_sec": round3(median(&b.cpu_rates)),
            "all_steps_per_cpu_sec": b.cpu_rates.iter().map(|&r| round3(r)).collect::<Vec<_>>(),
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

/// The f32 GEMM throughput of this machine, in GFLOP/s (best of `repeats` timings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GemmPeak {
    /// `n × n` by `n × n` through matrixmultiply (ndarray's `general_mat_mul`).
    pub matrixmultiply: f64,
    /// The same product through the engine's GEMM ([`crate::nn::gemm`]).
    pub engine: f64,
    /// The engine's per-step product `[32, 256] · [256, 1024]` (LSTM H = 256), the right
    /// operand packed once, as in the forward pass.
    pub engine_step: f64,
    /// Whether the engine's GEMM ran the AVX-512 kernel.
    pub avx512: bool,
}

/// Times `f` `repeats` times and returns the best rate for `flop` floating-point operations.
fn best_gflops(repeats: usize, flop: f64, mut f: impl FnMut()) -> f64 {
    let mut best = 0.0f64;
    for _ in 0..repeats.max(1) {
        let t0 = Instant::now();
        f();
        best = best.max(flop / t0.elapsed().as_secs_f64() / 1e9);
    }
    best
}

/// The f32 GEMM throughput of this machine on `n × n` matrices through matrixmultiply and
/// through the engine's GEMM, and of the engine's per-step shape.
pub fn gemm_peak(n: usize, repeats: usize) -> GemmPeak {
    use crate::nn::gemm::{Gemm as _, PackedB};
    use ndarray::Array2;
    let a = Array2::<f32>::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1);
    let b = a.t().to_owned();
    let mut c = Array2::<f32>::zeros((n, n));
    let flop = 2.0 * (n as f64).powi(3);
    let matrixmultiply = best_gflops(repeats, flop, || {
        ndarray::linalg::general_mat_mul(1.0, &a, &b, 0.0, &mut c);
    });
    let engine = best_gflops(repeats, flop, || {
        f32::gemm(1.0, &a.view(), &b.view(), 0.0, &mut c.view_mut());
    });
    std::hint::black_box(&c);

    let (m, k, n) = (32, 256, 1024);
    let h = Array2::<f32>::from_shape_fn((m, k), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.01);
    let w = Array2::<f32>::from_shape_fn((n, k), |(i, j)| ((i + j * 3) % 7) as f32 * 0.01);
    let w_t = w.t();
    let mut packed = PackedB::new();
    f32::pack_b(&w_t, &mut packed);
    let mut out = Array2::<f32>::zeros((m, n));
    let steps = 200;
    let engine_step = best_gflops(repeats, 2.0 * (m * k * n * steps) as f64, || {
        for _ in 0..steps {
            f32::gemm_packed(1.0, &h.view(), &w_t, &packed, 0.0, &mut out.view_mut());
        }
    });
    std::hint::black_box(&out);
    GemmPeak {
        matrixmultiply,
        engine,
        engine_step,
        avx512: crate::nn::gemm::avx512_available(),
    }
}
