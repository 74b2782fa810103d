//! What a preset claims about a run (`expect`), how a claim is judged on what the run
//! reported, and the one rule for "steps to expect": the first diagnostics step at which the
//! claim's comparison held. `bptt-lab reproduce`, `train`, `results.csv` and the app's Sweep
//! tab all use these functions, so they agree.

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

/// What a preset claims: after `by_step` steps, `metric` is below or above `threshold`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub metric: ExpectMetric,
    pub compare: Compare,
    pub threshold: f64,
    pub by_step: u64,
}

impl Expect {
    /// Whether `observed` satisfies the clause.
    pub fn holds(&self, observed: f64) -> bool {
        match self.compare {
            Compare::Below => observed < self.threshold,
            Compare::Above => observed > self.threshold,
        }
    }

    /// `eval_loss < 0.05`-style text.
    pub fn describe(&self) -> String {
        let m = match self.metric {
            ExpectMetric::EvalLoss => "eval_loss",
            ExpectMetric::EvalMetric => "eval_metric",
            ExpectMetric::ProfileRatio => "profile_ratio",
            ExpectMetric::Diverged => "diverged",
        };
        let c = match self.compare {
            Compare::Below => "<",
            Compare::Above => ">",
        };
        format!("{m} {c} {} by step {}", self.threshold, self.by_step)
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
        Expect {
            metric,
            compare,
            threshold,
            by_step: 10,
        }
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
