//! What a preset claims about a run (`expect`), how a claim is judged on what the run
//! reported, and the one rule for "steps to expect": the first diagnostics step at which the
//! claim's comparison held. `bptt-lab reproduce`, `train`, `results.csv` and the app's Sweep
//! tab all use these functions, so they agree.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The quantity an `expect` clause checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectMetric {
    /// Loss on the held-out evaluation set at `by_step`.
    EvalLoss,
    /// The task metric on the held-out evaluation set at `by_step`.
    EvalMetric,
    /// The gradient profile's first value over its last, `g_start / g_{T−1}`, at `by_step`:
    /// far below 1 when gradients vanish going back in time, above 1 when they explode.
    ProfileRatio,
    /// 1 if the run diverged (a non-finite loss or gradient) by `by_step`, else 0.
    Diverged,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    Below,
    Above,
}

impl ExpectMetric {
    /// The name as presets write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::EvalLoss => "eval_loss",
            Self::EvalMetric => "eval_metric",
            Self::ProfileRatio => "profile_ratio",
            Self::Diverged => "diverged",
        }
    }
}

impl Compare {
    /// Whether `a` compares to `b` so (`a < b` for below); false when either is NaN.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Self::Below => a < b,
            Self::Above => a > b,
        }
    }

    /// `<` or `>`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Below => "<",
            Self::Above => ">",
        }
    }
}

fn one() -> u32 {
    1
}

/// What a preset claims: after `by_step` steps, `metric` is below or above `threshold`, on
/// at least `at_least` of `seeds` runs (seeds: the preset's, +1, …). A claim is about a
/// distribution: its threshold comes from the values of many seeds, not from one draw.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub metric: ExpectMetric,
    pub compare: Compare,
    pub threshold: f64,
    pub by_step: u64,
    /// Seeds the claim is judged on (default 1).
    #[serde(default = "one")]
    pub seeds: u32,
    /// How many of them must hold (default: all).
    #[serde(default)]
    pub at_least: Option<u32>,
}

impl Expect {
    /// A claim on one seed.
    pub fn single(metric: ExpectMetric, compare: Compare, threshold: f64, by_step: u64) -> Self {
        Self {
            metric,
            compare,
            threshold,
            by_step,
            seeds: 1,
            at_least: None,
        }
    }

    /// Whether `observed` satisfies the clause on one run.
    pub fn holds(&self, observed: f64) -> bool {
        self.compare.holds(observed, self.threshold)
    }

    /// How many of the seeds must hold.
    pub fn required(&self) -> u32 {
        self.at_least.unwrap_or(self.seeds)
    }

    /// `eval_loss < 0.05 by step 2500`-style text (with `, ≥ 4 of 5 seeds` when judged
    /// over several).
    pub fn describe(&self) -> String {
        let mut text = format!(
            "{} {} {} by step {}",
            self.metric.name(),
            self.compare.symbol(),
            self.threshold,
            self.by_step
        );
        if self.seeds > 1 {
            let _ = write!(text, ", ≥ {} of {} seeds", self.required(), self.seeds);
        }
        text
    }
}

/// One preset against another on the same seeds: on at least `at_least` of `seeds` paired
/// seeds, this preset's `metric` after `by_step` steps is below (or above) the other's.
/// "Forget bias 1 reaches a lower held-out loss than forget bias 0 on at least 4 of 5 paired
/// seeds"; "clipped does not diverge where unclipped does" (`diverged`, below).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versus {
    /// The other preset: a built-in name, or a file relative to this preset's.
    pub other: String,
    pub metric: ExpectMetric,
    pub compare: Compare,
    pub by_step: u64,
    pub seeds: u32,
    pub at_least: u32,
}

impl Versus {
    /// `eval_loss below copy_lstm_forget0's by step 3000, ≥ 4 of 5 paired seeds`.
    pub fn describe(&self) -> String {
        let relation = match self.compare {
            Compare::Below => "below",
            Compare::Above => "above",
        };
        format!(
            "{} {relation} {}'s by step {}, ≥ {} of {} paired seeds",
            self.metric.name(),
            self.other,
            self.by_step,
            self.at_least,
            self.seeds
        )
    }
}

/// A series a claim is judged on, each as `(step, value)` per diagnostics row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trace {
    /// Held-out loss.
    EvalLoss,
    /// Held-out task metric.
    EvalMetric,
    /// `g_first / g_last` of the gradient profile ([`profile_ratio`]).
    ProfileRatio,
    /// The diagnostics steps themselves (values unused).
    DiagnosticsSteps,
}

impl ExpectMetric {
    /// The trace this metric is judged on over a run (`None` for `diverged`, which is judged on
    /// the diagnostics steps and the run's end).
    pub fn trace(self) -> Option<Trace> {
        match self {
            Self::EvalLoss => Some(Trace::EvalLoss),
            Self::EvalMetric => Some(Trace::EvalMetric),
            Self::ProfileRatio => Some(Trace::ProfileRatio),
            Self::Diverged => None,
        }
    }
}

/// The first diagnostics step at which `expect`'s comparison holds, whatever its `by_step`;
/// `read` gives a trace of the run. For `diverged`, the value is 0 at every diagnostics row
/// and 1 from `steps + 1` (the step that diverged) on if the run diverged after `steps` steps.
pub fn first_step_holding<E>(
    expect: &Expect,
    steps: u64,
    diverged: bool,
    mut read: impl FnMut(Trace) -> Result<Vec<(u64, f64)>, E>,
) -> Result<Option<u64>, E> {
    let observed = if let Some(trace) = expect.metric.trace() {
        read(trace)?
    } else {
        let mut rows: Vec<(u64, f64)> = read(Trace::DiagnosticsSteps)?
            .into_iter()
            .map(|(s, _)| (s, 0.0))
            .collect();
        if diverged {
            rows.push((steps + 1, 1.0));
        }
        rows
    };
    Ok(observed
        .into_iter()
        .find(|&(_, v)| expect.holds(v))
        .map(|(s, _)| s))
}

/// `g_first / g_last` of a gradient profile (NaN when empty).
pub fn profile_ratio(values: &[f64]) -> f64 {
    match (values.first(), values.last()) {
        (Some(first), Some(last)) => first / last,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(metric: ExpectMetric, compare: Compare, threshold: f64) -> Expect {
        Expect::single(metric, compare, threshold, 10)
    }

    /// A run's traces; `Err` for the profile ratio, to show that `read`'s error is returned.
    fn read(trace: Trace) -> Result<Vec<(u64, f64)>, &'static str> {
        Ok(match trace {
            Trace::EvalLoss => vec![(2, 0.5), (4, 0.2), (6, 0.05), (8, 0.01)],
            Trace::EvalMetric => vec![(2, 0.1), (4, 0.9), (6, 1.0), (8, 1.0)],
            Trace::ProfileRatio => return Err("no profile.csv"),
            Trace::DiagnosticsSteps => vec![(2, 0.0), (4, 0.0), (6, 0.0)],
        })
    }

    #[test]
    fn the_first_diagnostics_step_where_the_comparison_holds() {
        let first = |e: Expect| first_step_holding(&e, 8, false, read).unwrap();
        assert_eq!(
            first(clause(ExpectMetric::EvalLoss, Compare::Below, 0.1)),
            Some(6)
        );
        assert_eq!(
            first(clause(ExpectMetric::EvalMetric, Compare::Above, 0.5)),
            Some(4)
        );
        let ratio = clause(ExpectMetric::ProfileRatio, Compare::Above, 1.5);
        assert_eq!(
            first_step_holding(&ratio, 8, false, read),
            Err("no profile.csv"),
            "the reader's error is returned"
        );
        assert_eq!(
            first(clause(ExpectMetric::EvalLoss, Compare::Below, 0.001)),
            None
        );
    }

    #[test]
    fn diverged_holds_after_the_last_step_and_not_diverging_at_the_first_row() {
        let e = |c| clause(ExpectMetric::Diverged, c, 0.5);
        // Diverged after 6 steps: "diverges" holds at step 7; "does not diverge" held at
        // every diagnostics row before, the first being step 2.
        assert_eq!(
            first_step_holding(&e(Compare::Above), 6, true, read).unwrap(),
            Some(7)
        );
        assert_eq!(
            first_step_holding(&e(Compare::Below), 6, true, read).unwrap(),
            Some(2)
        );
        assert_eq!(
            first_step_holding(&e(Compare::Above), 6, false, read).unwrap(),
            None
        );
        assert_eq!(
            first_step_holding(&e(Compare::Below), 6, false, read).unwrap(),
            Some(2)
        );
    }
}
