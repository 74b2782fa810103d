//! `bptt-lab bench`: training throughput on workload W of `shared/peers/bench_common.py` —
//! the adding problem, batch 32, I = 2, O = 1, f32, h0 = 0; one step = forward over T steps,
//! full BPTT, global-norm clip at 1.0, Adam lr 1e-3 — printed as one JSON line per point with
//! the peers' keys, so the numbers can be laid side by side.
//!
//! Beside steps/s, each line says where a step's time goes ([`crate::nn::breakdown`]): the
//! shares of matrix products, element-wise passes and the rest, and the FLOP rate of the
//! products, from one more window of the same length after the steps/s windows, with the
//! timers on (they are off in the steps/s windows, which stay as before). Optionally
//! ([`Options::with_peak`]) the run first measures [`gemm_peak`] and puts the rates against it.
//!
//! The breakdown keys: `gemm_share`, `elementwise_share`, `rest_share` (of the window's wall
//! time, on the calling thread; with a split step `helper_gemm_share` and
//! `helper_elementwise_share` for the helper thread, of the same wall time — the
//! `breakdown_covers` key says which applies), `gemm_flop_per_step` (`2·m·n·k` summed over the
//! products of one step, both threads), `gemm_kernel_flop_share` (of those FLOPs, the share run
//! by the engine's own kernel, [`crate::nn::gemm::kernel`]), `gemm_gflops` (those FLOPs over the time inside the products, both
//! threads' time summed), `step_gflops` (the products' FLOPs per step times the median
//! steps/s: the whole step's rate, element-wise work not counted as FLOPs), and with the peak
//! `gemm_peak_gflops` ([`GemmPeak::best`]: the faster of the engine's and matrixmultiply's
//! 1024³ product), `of_peak` (`step_gflops` over it) and
//! `gemm_of_peak` (`gemm_gflops` over it).

use std::time::Instant;

use serde_json::json;

use crate::nn::breakdown::{self, Shares, Totals};
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

/// What a run measures beside steps/s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// One more window per point with the breakdown timers on.
    pub breakdown: bool,
    /// Measure the GEMM peak ([`gemm_peak`]) before the points and report against it.
    pub with_peak: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            breakdown: true,
            with_peak: false,
        }
    }
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
    breakdown: Option<Measured>,
}

/// What the breakdown window measured.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Measured {
    steps: usize,
    wall_ns: u64,
    /// The calling thread's totals.
    own: Totals,
    /// The split step's helper thread's (zero when the step did not split).
    helper: Totals,
}

impl Measured {
    /// The FLOPs of the products of one step, both threads.
    fn flop_per_step(&self) -> f64 {
        (self.own.gemm_flop + self.helper.gemm_flop) as f64 / self.steps.max(1) as f64
    }

    /// GFLOP/s inside the products: both threads' FLOPs over both threads' time in them.
    fn gemm_gflops(&self) -> f64 {
        let ns = self.own.gemm_ns + self.helper.gemm_ns;
        (self.own.gemm_flop + self.helper.gemm_flop) as f64 / ns.max(1) as f64
    }

    fn split(&self) -> bool {
        self.helper.gemm_calls > 0
    }
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
            breakdown: None,
        }
    }

    /// Runs `steps` steps from step index `k` with the breakdown timers on.
    fn measure_breakdown(&mut self, k: usize, steps: usize) -> Measured {
        let recording = breakdown::Recording::start();
        let _ = (breakdown::take(), breakdown::take_helper());
        let t0 = Instant::now();
        for i in 0..steps {
            self.step(k + i);
        }
        let wall_ns = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        drop(recording);
        Measured {
            steps,
            wall_ns,
            own: breakdown::take(),
            helper: breakdown::take_helper(),
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
    options: Options,
    mut emit: impl FnMut(serde_json::Value),
) {
    let peak = options.with_peak.then(|| gemm_peak(1024, 5));
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
    if options.breakdown {
        for b in &mut benches {
            b.breakdown = Some(b.measure_breakdown(k, b.steps));
            k += b.steps;
        }
    }
    for b in benches {
        let median = |v: &[f64]| {
            let mut s = v.to_vec();
            s.sort_by(f64::total_cmp);
            s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let round3 = |v: f64| (v * 1000.0).round() / 1000.0;
        let mut line = json!({
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
        });
        let map = line.as_object_mut().expect("an object");
        if let Some(m) = &b.breakdown {
            let round4 = |v: f64| (v * 10_000.0).round() / 10_000.0;
            let shares = Shares::of(&m.own, m.wall_ns);
            let step_gflops = m.flop_per_step() * median(&b.rates) / 1e9;
            let mut add = |k: &str, v: serde_json::Value| map.insert(k.into(), v);
            add("breakdown_steps", json!(m.steps));
            add("breakdown_covers", json!(covers(threads, m.split())));
            add("gemm_share", json!(round4(shares.gemm)));
            add("elementwise_share", json!(round4(shares.elementwise)));
            add("rest_share", json!(round4(shares.rest)));
            if m.split() {
                let helper = Shares::of(&m.helper, m.wall_ns);
                add("helper_gemm_share", json!(round4(helper.gemm)));
                add(
                    "helper_elementwise_share",
                    json!(round4(helper.elementwise)),
                );
            }
            add("gemm_flop_per_step", json!(m.flop_per_step()));
            let kernel = m.own.kernel_flop + m.helper.kernel_flop;
            let all = (m.own.gemm_flop + m.helper.gemm_flop).max(1);
            add(
                "gemm_kernel_flop_share",
                json!(round4(kernel as f64 / all as f64)),
            );
            add("gemm_gflops", json!(round3(m.gemm_gflops())));
            add("step_gflops", json!(round3(step_gflops)));
            if let Some(p) = &peak {
                let best = p.best();
                add("gemm_peak_gflops", json!(round3(best)));
                add("of_peak", json!(round4(step_gflops / best)));
                add("gemm_of_peak", json!(round4(m.gemm_gflops() / best)));
            }
        }
        emit(line);
    }
}

/// What the breakdown keys of a line cover, in words (the `breakdown_covers` key).
fn covers(threads: usize, split: bool) -> &'static str {
    match (threads, split) {
        (1, _) => "the one thread",
        (_, false) => "the calling thread (the step did not split)",
        (_, true) => {
            "shares: the calling thread (first half of the batch, the merge, clip and update; \
             rest includes waiting for the helper), helper_*: the helper thread, both of the \
             same wall time; FLOPs and gemm_gflops: both threads summed"
        }
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
    /// The engine's kernel ([`crate::nn::gemm::kernel`]; AVX2 runs the packed per-step
    /// product only, the `n × n` product goes to matrixmultiply).
    pub kernel: crate::nn::gemm::Kernel,
}

impl GemmPeak {
    /// The peak the step is measured against: the faster of the two `n × n` products (on a
    /// Zen 4 core, whose AVX-512 runs as two 256-bit halves, matrixmultiply's AVX2 kernel
    /// can be the faster one at this size).
    pub fn best(&self) -> f64 {
        self.engine.max(self.matrixmultiply)
    }
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
        kernel: crate::nn::gemm::kernel(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Activation;

    /// The FLOPs of one full-BPTT training step of workload W, counted by hand from the
    /// products the engine issues (`2·m·n·k` each; G gate blocks, `GH = G·H`):
    /// forward `x W_ihᵀ` `[T·B, I]·[I, GH]` and T times `h W_hhᵀ` `[B, H]·[H, GH]`; the
    /// readout `h W_oᵀ` `[T·B, H]·[H, O]` (every step is in the full window's loss range),
    /// `dh_loss = dout W_o` `[T·B, O]·[O, H]`, `dW_o += doutᵀ h` `[O, T·B]·[T·B, H]`;
    /// T times `da W_hh` `[B, GH]·[GH, H]`; `dW_ih += daᵀ x` `[GH, T·B]·[T·B, I]` and
    /// `dW_hh += daᵀ h` `[GH, T·B]·[T·B, H]`. Summed: `2·T·B·(2·GH·I + 3·GH·H + 3·H·O)`.
    fn step_flop(p: Point) -> u64 {
        let (t, b, h, i, o) = (p.seq, p.batch, p.hidden, 2, 1);
        let gh = p.cell.gates() * h;
        (2 * t * b * (2 * gh * i + 3 * gh * h + 3 * h * o)) as u64
    }

    /// All breakdown checks in one test, since recording is process-wide: counted FLOPs
    /// against [`step_flop`] for each cell (H = 40: the LSTM's and GRU's per-step products go
    /// to a kernel where the CPU has one, the thin products to `gemm::thin`, the rest to
    /// matrixmultiply), on one thread and split over two; the shares in [0, 1]; nothing
    /// recorded with the timers off.
    #[test]
    fn breakdown_counts_the_flops_of_a_step_and_shares_add_up() {
        for cell in [
            CellKind::Rnn(Activation::Tanh),
            CellKind::Lstm,
            CellKind::Gru,
        ] {
            let point = Point {
                cell,
                hidden: 40,
                seq: 7,
                batch: 6,
            };
            let mut bench = Bench::new(point, 3);
            bench.step(0);
            let steps = 3;
            let m = bench.measure_breakdown(1, steps);
            assert_eq!(m.helper, Totals::default(), "{cell:?}: one thread");
            assert_eq!(m.own.gemm_flop, steps as u64 * step_flop(point), "{cell:?}");
            // 3 + 2T products per step.
            assert_eq!(m.own.gemm_calls, (steps * (6 + 2 * point.seq)) as u64);
            let shares = Shares::of(&m.own, m.wall_ns);
            for (what, v) in [
                ("gemm", shares.gemm),
                ("elementwise", shares.elementwise),
                ("rest", shares.rest),
            ] {
                assert!((0.0..=1.0).contains(&v), "{cell:?}: {what} share {v}");
            }
            assert!(shares.gemm > 0.0 && shares.elementwise > 0.0, "{shares:?}");
            let sum = shares.gemm + shares.elementwise + shares.rest;
            assert!((sum - 1.0).abs() < 1e-9, "{sum}");
            assert!(
                m.gemm_gflops() > 0.0 && (m.flop_per_step() - step_flop(point) as f64).abs() < 0.5
            );

            bench.step(5);
            assert_eq!(breakdown::take(), Totals::default(), "timers off");

            // Two threads: each half counts its own rows, the sum is the whole batch's.
            bench.engine.set_threads(2);
            bench.step(6);
            let m = bench.measure_breakdown(7, steps);
            assert!(m.split(), "H = 40 splits");
            assert_eq!(m.own.gemm_flop, m.helper.gemm_flop, "halves of 3 rows");
            assert_eq!(
                m.own.gemm_flop + m.helper.gemm_flop,
                steps as u64 * step_flop(point)
            );
            assert!(Shares::of(&m.helper, m.wall_ns).rest >= 0.0);
        }
    }
}
