//! Next-value prediction of a noisy time series: a sum of sines with random phases, or the
//! Mackey–Glass series with delay τ = 17 (Mackey & Glass 1977, "Oscillation and chaos in
//! physiological control systems"; the τ = 17 benchmark of Lapedes & Farber 1987 and
//! Moody & Darken 1989, whose inputs are spaced 6 time units apart, as the samples here).
//!
//! ## Generator
//!
//! Each sequence is T + 1 noisy observations `v_t = s_t + σ·ε_t`, `ε_t ~ N(0, 1)` independent
//! (σ = `noise`); the input at step t is `v_t` (I = 1) and the target is the next value
//! `v_{t+1}` (O = 1, `mse_all` over the T steps).
//!
//! - [`Series::Sines`]: `s_t = Σ_k a_k sin(ω_k t + φ_k)` with the three components of
//!   [`SINES`] (amplitude a, period 2π/ω: (1, 30), (0.5, 12), (0.25, 7) steps) and phases
//!   `φ_k ~ U[0, 2π)` drawn per sequence before its noise.
//! - [`Series::MackeyGlass`]: `dx/dt = 0.2·x(t−17)/(1 + x(t−17)¹⁰) − 0.1·x(t)`, history
//!   `x = 1.2` for t ≤ 0, integrated once with classical Runge–Kutta at dt = 0.1 (the delayed
//!   value at a half step is the mean of its two grid neighbours), the first 1000 time units
//!   dropped, then sampled every 6 time units: [`MG_SAMPLES`] values. The first
//!   [`MG_TRAIN`] samples are the training part, the rest the held-out part: a training
//!   sequence is the window of T + 1 samples starting at `u ~ U{0, …, MG_TRAIN − T − 1}`, an
//!   evaluation sequence one starting at `u ~ U{MG_TRAIN, …, MG_SAMPLES − T − 1}`, plus its
//!   noise; no training window touches the held-out part. (Sums of sines have a continuum of
//!   phases: a fresh draw is a sequence training never saw.)
//!
//! ## Baseline: the MSE of repeating the last value
//!
//! The trivial predictor outputs its input, `v̂_{t+1} = v_t`, with MSE
//! `E[(s_{t+1} − s_t)²] + 2σ²` (the noise is independent of the signal and of itself).
//!
//! - Sines, **analytically**: with independent uniform phases the cross terms vanish and each
//!   component gives `E[a²(sin(ω(t+1)+φ) − sin(ωt+φ))²] = a²(1 − cos ω)`, for every t; so the
//!   baseline is `Σ_k a_k²(1 − cos ω_k) + 2σ²` (≈ 0.0789 + 2σ²).
//! - Mackey–Glass, **exactly by enumeration** (at build time): the mean of `(x_{u+t+1} − x_{u+t})²`
//!   over every training window start u the generator can draw and every step t of the
//!   window, plus 2σ².
//!
//! ## Metric and solved
//!
//! The metric is the MSE itself. The best possible MSE is the noise variance σ² (the next
//! observation's own noise cannot be predicted), so the task counts as solved when the MSE
//! closes 90 % of the gap between the baseline and that floor: `mse < σ² + 0.1·(baseline − σ²)`.

use std::f64::consts::TAU;
use std::sync::OnceLock;

use ndarray::{Array3, Axis};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::common::normal;
use super::error::{MAX_SEQ_LEN, check_range};
use super::{Task, TaskError, mean_loss};
use crate::nn::{Batch, LossKind, Target};

/// The sine components: (amplitude, period in steps).
pub const SINES: [(f64, f64); 3] = [(1.0, 30.0), (0.5, 12.0), (0.25, 7.0)];

/// Number of stored Mackey–Glass samples.
pub const MG_SAMPLES: usize = 10_000;

/// Mackey–Glass samples of the training part (the first 80 %); the rest is held out.
pub const MG_TRAIN: usize = 8_000;

/// Which series the task predicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Series {
    /// A sum of three sines with random phases.
    #[default]
    Sines,
    /// The Mackey–Glass series, τ = 17, sampled every 6 time units.
    MackeyGlass,
}

impl Series {
    /// Name as in configs (`sines`, `mackey_glass`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sines => "sines",
            Self::MackeyGlass => "mackey_glass",
        }
    }
}

/// Next-value prediction of a noisy series.
#[derive(Clone, Debug)]
pub struct Sine {
    seq_len: usize,
    series: Series,
    noise: f64,
    baseline: f64,
}

/// `dx/dt` of Mackey–Glass with β = 0.2, γ = 0.1, n = 10, given `x(t)` and `x(t − τ)`.
fn mackey_glass_rate(x: f64, delayed: f64) -> f64 {
    0.2 * delayed / (1.0 + delayed.powi(10)) - 0.1 * x
}

/// The stored Mackey–Glass samples (computed once per process).
pub fn mackey_glass() -> &'static [f64] {
    static SERIES: OnceLock<Vec<f64>> = OnceLock::new();
    SERIES.get_or_init(|| {
        const DT: f64 = 0.1;
        const DELAY_STEPS: usize = 170; // τ / dt
        const WARMUP_STEPS: usize = 10_000; // 1000 time units
        const SAMPLE_EVERY: usize = 60; // 6 time units
        let total = WARMUP_STEPS + SAMPLE_EVERY * (MG_SAMPLES - 1) + 1;
        // grid[i] = x((i − DELAY_STEPS)·dt): the history occupies the first DELAY_STEPS + 1.
        let mut grid = vec![1.2; DELAY_STEPS + total];
        for i in DELAY_STEPS..DELAY_STEPS + total - 1 {
            let x = grid[i];
            let (d0, d1) = (grid[i - DELAY_STEPS], grid[i + 1 - DELAY_STEPS]);
            let d_half = 0.5 * (d0 + d1);
            let k1 = mackey_glass_rate(x, d0);
            let k2 = mackey_glass_rate(x + 0.5 * DT * k1, d_half);
            let k3 = mackey_glass_rate(x + 0.5 * DT * k2, d_half);
            let k4 = mackey_glass_rate(x + DT * k3, d1);
            grid[i + 1] = x + DT / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        }
        (0..MG_SAMPLES)
            .map(|j| grid[DELAY_STEPS + WARMUP_STEPS + j * SAMPLE_EVERY])
            .collect()
    })
}

/// `E[(s_{t+1} − s_t)²]` of the sum of sines: `Σ a²(1 − cos ω)`.
pub fn sines_step_variance() -> f64 {
    SINES
        .iter()
        .map(|&(a, period)| a * a * (1.0 - (TAU / period).cos()))
        .sum()
}

/// The mean of `(x_{u+t+1} − x_{u+t})²` over every training window start
/// u ∈ 0..=[`MG_TRAIN`]−T−1 and step t ∈ 0..T of the Mackey–Glass samples.
pub fn mackey_glass_step_variance(seq_len: usize) -> f64 {
    let x = &mackey_glass()[..MG_TRAIN];
    let mut prefix = Vec::with_capacity(x.len());
    prefix.push(0.0);
    for w in x.windows(2) {
        let d = w[1] - w[0];
        prefix.push(prefix.last().copied().unwrap_or(0.0) + d * d);
    }
    let starts = x.len() - seq_len; // u = 0..=N − T − 1
    let total: f64 = (0..starts).map(|u| prefix[u + seq_len] - prefix[u]).sum();
    total / (starts * seq_len) as f64
}

impl Sine {
    /// The task with `seq_len` T (1..=[`MAX_SEQ_LEN`] for sines; for Mackey–Glass at most
    /// [`MG_SAMPLES`] − [`MG_TRAIN`] − 1, so that a window fits in the held-out part) and
    /// observation noise `noise` σ (finite, ≥ 0).
    pub fn new(seq_len: usize, series: Series, noise: f64) -> Result<Self, TaskError> {
        let max = match series {
            Series::Sines => MAX_SEQ_LEN,
            Series::MackeyGlass => MG_SAMPLES - MG_TRAIN - 1,
        };
        check_range("sine", "seq_len", seq_len, 1, max)?;
        if !noise.is_finite() || noise < 0.0 {
            return Err(TaskError::setting("sine", "noise", noise, "finite and ≥ 0"));
        }
        let signal = match series {
            Series::Sines => sines_step_variance(),
            Series::MackeyGlass => mackey_glass_step_variance(seq_len),
        };
        Ok(Self {
            seq_len,
            series,
            noise,
            baseline: signal + 2.0 * noise * noise,
        })
    }

    /// `batch_size` sequences; Mackey–Glass windows lie within the samples `part`.
    fn windows(
        &self,
        rng: &mut ChaCha8Rng,
        batch_size: usize,
        part: std::ops::Range<usize>,
    ) -> Batch<f64> {
        let t_len = self.seq_len;
        let mut v = Array3::zeros((t_len + 1, batch_size, 1));
        for b in 0..batch_size {
            match self.series {
                Series::Sines => {
                    let phases = SINES.map(|_| TAU * rng.random::<f64>());
                    for t in 0..=t_len {
                        v[[t, b, 0]] = SINES
                            .iter()
                            .zip(phases)
                            .map(|(&(a, period), phi)| a * (TAU / period * t as f64 + phi).sin())
                            .sum::<f64>();
                    }
                }
                Series::MackeyGlass => {
                    let series = mackey_glass();
                    let start = rng.random_range(part.start..part.end - t_len);
                    for t in 0..=t_len {
                        v[[t, b, 0]] = series[start + t];
                    }
                }
            }
            for t in 0..=t_len {
                v[[t, b, 0]] += self.noise * normal(rng);
            }
        }
        let x = v.slice_axis(Axis(0), (0..t_len).into()).to_owned();
        let y = v.slice_axis(Axis(0), (1..=t_len).into()).to_owned();
        Batch {
            x,
            target: Target::All(y),
        }
    }

    /// The series.
    pub fn series(&self) -> Series {
        self.series
    }

    /// The noise floor σ²: the MSE of a perfect predictor of the clean series.
    pub fn noise_floor(&self) -> f64 {
        self.noise * self.noise
    }

    /// The MSE below which the task counts as solved.
    pub fn solved_below(&self) -> f64 {
        self.noise_floor() + 0.1 * (self.baseline - self.noise_floor())
    }
}

impl Task for Sine {
    fn name(&self) -> &'static str {
        "sine"
    }

    fn input_size(&self) -> usize {
        1
    }

    fn output_size(&self) -> usize {
        1
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::MseAll
    }

    fn max_seq_len(&self) -> usize {
        self.seq_len
    }

    /// Windows from the training part.
    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        self.windows(rng, batch_size, 0..MG_TRAIN)
    }

    /// Windows from the held-out part (Mackey–Glass); fresh phases (sines).
    fn evaluation_batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        self.windows(rng, batch_size, MG_TRAIN..MG_SAMPLES)
    }

    fn baseline(&self) -> f64 {
        self.baseline
    }
    fn baseline_formula(&self) -> String {
        let sigma = self.noise;
        match self.series {
            Series::Sines => {
                format!("Σ a²(1 − cos ω) + 2σ², σ = {sigma} (repeat the last value; analytic)")
            }
            Series::MackeyGlass => format!(
                "mean (x_{{t+1}} − x_t)² over all windows + 2σ², σ = {sigma} (repeat the last \
                 value; enumerated)"
            ),
        }
    }

    fn metric_name(&self) -> &'static str {
        "mse"
    }

    fn metric(&self, batch: &Batch<f64>, outputs: &Array3<f64>) -> f64 {
        mean_loss(batch, outputs)
    }

    fn metric_baseline(&self) -> Option<f64> {
        Some(self.baseline)
    }

    fn solved(&self, metric: f64) -> bool {
        metric < self.solved_below()
    }

    fn solved_rule(&self) -> String {
        format!(
            "mse < σ² + 0.1·(baseline − σ²) = {:.4}",
            self.solved_below()
        )
    }

    /// Repeats the last value: the output at step t is the input `v_t`.
    fn trivial_outputs(&self, batch: &Batch<f64>) -> Option<Array3<f64>> {
        Some(batch.x.clone())
    }
}
