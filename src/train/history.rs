//! A run's history: every per-step metric in columns, and the diagnostics, with a decimated
//! view for plotting.
//!
//! ## Memory bound
//!
//! Each [`Series`] keeps at most [`Series::CAPACITY`] buckets per column. Up to that many
//! steps every step is its own bucket (exact); beyond, neighbouring buckets are merged in
//! pairs (bucket length doubles), each keeping min, max, mean and last value, so 10⁶ steps
//! take the same memory as 16 384 and still show every spike. With 15 step columns and ~8
//! diagnostic columns that is at most 16 384 × 23 × 32 B ≈ 12 MB per run, plus at most
//! [`ProfileRing::CAPACITY`] gradient profiles of T values each (the heatmap), thinned the
//! same way.

use super::metrics::{Diagnostics, STEP_COLUMNS, StepMetrics};
use crate::diagnostics::{Analysis, BlockSpectrum};
use std::collections::VecDeque;

/// Aggregate of the values of one column over one bucket of steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Agg {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub last: f64,
}

impl Agg {
    fn one(v: f64) -> Self {
        Self {
            min: v,
            max: v,
            mean: v,
            last: v,
        }
    }

    /// Merges `other` (later, `m` values) into `self` (`n` values).
    fn merge(&mut self, other: &Self, n: u64, m: u64) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        let (n, m) = (n as f64, m as f64);
        self.mean = (self.mean * n + other.mean * m) / (n + m);
        self.last = other.last;
    }
}

/// A point of a decimated view: the steps it covers and its aggregate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewPoint {
    pub first_step: u64,
    pub last_step: u64,
    pub agg: Agg,
}

/// Columns of values keyed by step, bounded in memory (see the module docs).
#[derive(Clone, Debug)]
pub struct Series {
    names: Vec<String>,
    /// Steps per full bucket.
    bucket_len: u64,
    /// Per bucket: first step, last step, number of values.
    meta: Vec<(u64, u64, u64)>,
    /// Per column, per bucket.
    data: Vec<Vec<Agg>>,
}

impl Series {
    /// Buckets kept per column.
    pub const CAPACITY: usize = 16_384;

    pub fn new(names: Vec<String>) -> Self {
        let data = vec![Vec::new(); names.len()];
        Self {
            names,
            bucket_len: 1,
            meta: Vec::new(),
            data,
        }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Number of buckets (equal to the number of pushes until the first merge).
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    /// Steps per bucket (1 while exact).
    pub fn bucket_len(&self) -> u64 {
        self.bucket_len
    }

    /// Appends the values of one step (in column order).
    #[track_caller]
    pub fn push(&mut self, step: u64, values: &[f64]) {
        assert_eq!(values.len(), self.names.len(), "one value per column");
        if let Some(last) = self.meta.last_mut()
            && last.2 < self.bucket_len
        {
            let n = last.2;
            last.1 = step;
            last.2 += 1;
            for (col, &v) in self.data.iter_mut().zip(values) {
                col.last_mut()
                    .expect("bucket exists")
                    .merge(&Agg::one(v), n, 1);
            }
            return;
        }
        if self.meta.len() == Self::CAPACITY {
            self.compact();
        }
        self.meta.push((step, step, 1));
        for (col, &v) in self.data.iter_mut().zip(values) {
            col.push(Agg::one(v));
        }
    }

    /// Merges neighbouring buckets in pairs and doubles the bucket length.
    fn compact(&mut self) {
        let pairs = self.meta.len() / 2;
        let mut meta = Vec::with_capacity(Self::CAPACITY);
        for i in 0..pairs {
            let (a, b) = (self.meta[2 * i], self.meta[2 * i + 1]);
            meta.push((a.0, b.1, a.2 + b.2));
        }
        if self.meta.len() % 2 == 1 {
            meta.push(*self.meta.last().expect("odd length"));
        }
        for col in &mut self.data {
            let mut merged = Vec::with_capacity(Self::CAPACITY);
            for i in 0..pairs {
                let mut a = col[2 * i];
                a.merge(&col[2 * i + 1], self.meta[2 * i].2, self.meta[2 * i + 1].2);
                merged.push(a);
            }
            if col.len() % 2 == 1 {
                merged.push(*col.last().expect("odd length"));
            }
            *col = merged;
        }
        self.meta = meta;
        self.bucket_len *= 2;
    }

    /// The latest value of a column.
    pub fn last(&self, col: usize) -> Option<f64> {
        self.data.get(col)?.last().map(|a| a.last)
    }

    /// The last step recorded.
    pub fn last_step(&self) -> Option<u64> {
        self.meta.last().map(|m| m.1)
    }

    /// At most `max_points` points covering the whole column, each the aggregate of a run of
    /// buckets (min of mins, max of maxes, mean weighted by count, last value).
    pub fn view(&self, col: usize, max_points: usize) -> Vec<ViewPoint> {
        let n = self.meta.len();
        if n == 0 || max_points == 0 {
            return Vec::new();
        }
        let per = n.div_ceil(max_points);
        let data = &self.data[col];
        let mut out = Vec::with_capacity(n.div_ceil(per));
        for start in (0..n).step_by(per) {
            let end = (start + per).min(n);
            let mut agg = data[start];
            let mut count = self.meta[start].2;
            for (a, m) in data[start + 1..end].iter().zip(&self.meta[start + 1..end]) {
                agg.merge(a, count, m.2);
                count += m.2;
            }
            out.push(ViewPoint {
                first_step: self.meta[start].0,
                last_step: self.meta[end - 1].1,
                agg,
            });
        }
        out
    }

    /// Every bucket of a column, oldest first (exact values while `bucket_len` is 1).
    pub fn buckets(&self, col: usize) -> impl Iterator<Item = (u64, Agg)> + '_ {
        self.meta
            .iter()
            .zip(&self.data[col])
            .map(|(m, a)| (m.1, *a))
    }
}

/// The gradient profiles of a run for the heatmap: at most [`ProfileRing::CAPACITY`] rows;
/// when full, every other row is dropped (the newest is always kept), so rows stay evenly
/// spread over the whole run.
#[derive(Clone, Debug, Default)]
pub struct ProfileRing {
    /// `(step, start, g_t values)`.
    rows: Vec<(u64, usize, Vec<f64>)>,
    /// Keep one profile out of this many (doubles with every thinning).
    stride: u64,
    seen: u64,
}

impl ProfileRing {
    pub const CAPACITY: usize = 512;

    pub fn push(&mut self, step: u64, start: usize, values: &[f64]) {
        self.stride = self.stride.max(1);
        self.seen += 1;
        if !(self.seen - 1).is_multiple_of(self.stride) {
            return; // thinned out; `History::latest` still holds the newest in full
        }
        if self.rows.len() == Self::CAPACITY {
            let mut i = 0;
            self.rows.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
        }
        self.rows.push((step, start, values.to_vec()));
    }

    pub fn rows(&self) -> &[(u64, usize, Vec<f64>)] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// All that a run reported, for plots and exports.
#[derive(Clone, Debug)]
pub struct History {
    /// One row per training step, columns [`STEP_COLUMNS`].
    pub steps: Series,
    /// One row per diagnostics: `eval_loss`, `eval_metric`, `saturation_hidden`,
    /// `saturation_gates`, then `rho_<gate>` and `sigma_max_<gate>` per gate block.
    pub diagnostics: Series,
    /// Gradient profiles for the heatmap.
    pub profiles: ProfileRing,
    /// The terms of the BPTT sum over training, for their heatmap: per time step, the norm of
    /// its whole contribution to `∂L/∂W_hh` (all gate blocks), once per step they were taken
    /// at (diagnostics between carry them over).
    pub term_profiles: ProfileRing,
    /// The latest diagnostics in full (the latest gradient profile line), without their
    /// analysis (kept in `analysis`).
    pub latest: Option<Diagnostics>,
    /// The latest analysis of the network and the step it was taken at.
    pub analysis: Option<(u64, Box<Analysis>)>,
    /// The eigenvalues of the analyses before the latest, oldest first (at most
    /// [`EIGEN_TRAIL`]), for the faint trail in the eigenvalue plot.
    pub eigen_trail: VecDeque<(u64, Vec<BlockSpectrum>)>,
    /// The scalars of every analysis, in step order.
    pub analyses: Vec<AnalysisPoint>,
}

/// The scalars of one analysis of the network, for plots over training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnalysisPoint {
    pub step: u64,
    /// λ₁, the decay of `ln g_t` per step into the past the largest Lyapunov exponent predicts.
    pub predicted: f64,
    /// The slope fitted to the held-out profile (NaN without one).
    pub observed: f64,
    /// Pascanu et al.'s Ω.
    pub omega: f64,
    /// The share of steps above the floor (NaN for sequences of one step).
    pub steps_in_the_past: f64,
}

/// Earlier analyses whose eigenvalues the history keeps.
pub const EIGEN_TRAIL: usize = 8;

impl History {
    /// An empty history for a cell with these gate names (`CellKind::gate_names`).
    pub fn new(gate_names: &[&str]) -> Self {
        let mut diag: Vec<String> = [
            "eval_loss",
            "eval_metric",
            "saturation_hidden",
            "saturation_gates",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        diag.extend(gate_names.iter().map(|g| format!("rho_{g}")));
        diag.extend(gate_names.iter().map(|g| format!("sigma_max_{g}")));
        Self {
            steps: Series::new(STEP_COLUMNS.iter().map(|s| (*s).to_owned()).collect()),
            diagnostics: Series::new(diag),
            profiles: ProfileRing::default(),
            term_profiles: ProfileRing::default(),
            latest: None,
            analysis: None,
            eigen_trail: VecDeque::new(),
            analyses: Vec::new(),
        }
    }

    pub fn push_step(&mut self, m: &StepMetrics) {
        self.steps.push(m.step, &m.values());
    }

    pub fn push_profile(&mut self, mut p: Diagnostics) {
        if let Some(a) = p.analysis.take() {
            self.analyses.push(AnalysisPoint {
                step: p.step,
                predicted: a.decay.predicted_per_step,
                observed: a.decay.observed.as_ref().map_or(f64::NAN, |o| o.slope),
                omega: a.omega.paper,
                steps_in_the_past: a.omega.steps_in_the_past.unwrap_or(f64::NAN),
            });
            if let Some((step, old)) = self.analysis.take() {
                if self.eigen_trail.len() == EIGEN_TRAIL {
                    self.eigen_trail.pop_front();
                }
                self.eigen_trail.push_back((step, old.spectra));
            }
            self.analysis = Some((p.step, a));
        }
        let gates = (self.diagnostics.names().len() - 4) / 2;
        let mut row = vec![
            p.eval_loss,
            p.eval_metric,
            p.saturation.hidden,
            p.saturation.gates.unwrap_or(f64::NAN),
        ];
        for g in 0..gates {
            row.push(p.spectral.rho.get(g).copied().unwrap_or(f64::NAN));
        }
        for g in 0..gates {
            row.push(p.spectral.sigma_max.get(g).copied().unwrap_or(f64::NAN));
        }
        self.diagnostics.push(p.step, &row);
        self.profiles
            .push(p.step, p.profile.start, &p.profile.values);
        let new_terms = self
            .latest
            .as_ref()
            .is_none_or(|l| l.terms_step != p.terms_step || l.terms.is_empty());
        if new_terms && !p.terms.is_empty() {
            // The blocks are disjoint rows of the contribution: its norm is theirs combined.
            let totals: Vec<f64> = p
                .terms
                .hh
                .iter()
                .map(|blocks| blocks.iter().map(|b| b * b).sum::<f64>().sqrt())
                .collect();
            self.term_profiles
                .push(p.terms_step, p.terms.start, &totals);
        }
        self.latest = Some(p);
    }
}
