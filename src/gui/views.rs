//! What the plots show of the selected run's weights, computed off the UI thread from its
//! latest weights: one example sequence with the model's answer (any task) and, for a csv
//! run, its forecast of the held-out rows. At once when a run is selected or ends, and every
//! few seconds while it trains; the plots draw the latest answer.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, bounded};

use crate::gui::i18n::data::Data;
use crate::gui::i18n::tr;
use crate::nn::{Model, Params};
use crate::tasks::csv::Forecast;
use crate::train::TrainConfig;
use crate::train::example::{Example, example_sequence};

/// How often a training run's views are brought up to date.
pub const REFRESH: Duration = Duration::from_secs(2);

/// How long an ask for weights may go unanswered (a run deleted or stuck) before it is asked
/// again.
const ASK_AGAIN: Duration = Duration::from_secs(10);

/// What the views were computed from: the run and the step of its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Of {
    pub run: u64,
    pub step: u64,
}

/// What is computed from a run's weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Views {
    /// The first held-out sequence and the model's answer.
    pub example: Example,
    /// A csv run's forecast of the held-out rows.
    pub forecast: Option<Forecast>,
}

/// The latest views and the ones under way.
#[derive(Debug, Default)]
pub struct RunViews {
    /// The latest answer: what it was computed from, and the views or why there are none.
    pub done: Option<(Of, Result<Views, String>)>,
    pending: Option<(Of, Receiver<Result<Views, String>>)>,
    /// Weights were asked of a run and have not come yet.
    pub asked: Option<u64>,
    last_asked: Option<Instant>,
}

impl RunViews {
    /// Whether to ask run `run` (at `step` steps, `running` or not) for weights now: nothing
    /// computing or asked in the last 10 s, and the latest answer is of another run, or older and either the
    /// run has stopped or [`REFRESH`] has passed since the last ask.
    pub fn wants(&self, run: u64, step: u64, running: bool, now: Instant) -> bool {
        if self.pending.is_some()
            || (self.asked.is_some() && self.last_asked.is_some_and(|t| now - t < ASK_AGAIN))
        {
            return false;
        }
        match &self.done {
            Some((of, _)) if of.run == run => {
                of.step != step && (!running || self.last_asked.is_none_or(|t| now - t >= REFRESH))
            }
            _ => true,
        }
    }

    /// Notes that weights were asked of `run`.
    pub fn ask(&mut self, run: u64, now: Instant) {
        self.asked = Some(run);
        self.last_asked = Some(now);
    }

    /// Notes that run `run` at `step` has no weights to compute the views from.
    pub fn no_weights(&mut self, run: u64, step: u64, why: &str) {
        self.asked = None;
        self.done = Some((Of { run, step }, Err(why.to_owned())));
    }

    /// Starts computing the views of run `run`'s weights at `step` on its own thread.
    pub fn start(&mut self, run: u64, config: &TrainConfig, step: u64, params: &Params<f64>) {
        self.asked = None;
        let of = Of { run, step };
        let config = config.clone();
        let params = params.clone();
        let (tx, rx) = bounded(1);
        let spawned = std::thread::Builder::new()
            .name("run-views".into()) // i18n-exempt: a thread's name
            .spawn(move || {
                // Weights of another size (a run whose setup changed under it) are refused
                // with the tensor that does not fit, instead of a panic on this thread.
                if let Err(e) = params.shapes_fit(config.model.cell, config.dims()) {
                    let _ = tx.send(Err(e));
                    return;
                }
                let example = example_sequence(&config, &params);
                let forecast = config.task().csv_series().map(|series| {
                    let model = Model::new(config.model.cell, config.dims(), params.clone());
                    series.forecast(&model)
                });
                let answer = match forecast.transpose() {
                    Ok(forecast) => Ok(Views { example, forecast }),
                    Err(e) => Err(e.to_string()),
                };
                let _ = tx.send(answer);
            });
        match spawned {
            Ok(_) => self.pending = Some((of, rx)),
            Err(e) => self.done = Some((of, Err(e.to_string()))),
        }
    }

    /// The latest views of run `run`, if they are its.
    pub fn of(&self, run: u64) -> Option<(Of, &Result<Views, String>)> {
        self.done
            .as_ref()
            .filter(|(of, _)| of.run == run)
            .map(|(of, v)| (*of, v))
    }

    /// Takes a finished computation's answer; `true` while one is under way (repaint).
    pub fn poll(&mut self) -> bool {
        let Some((of, rx)) = &self.pending else {
            return false;
        };
        match rx.try_recv() {
            Ok(answer) => {
                self.done = Some((*of, answer));
                self.pending = None;
                false
            }
            Err(crossbeam_channel::TryRecvError::Empty) => true,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                self.done = Some((*of, Err(tr(Data::ForecastStopped).into())));
                self.pending = None;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Of, REFRESH, RunViews};
    use std::time::Instant;

    #[test]
    fn a_run_is_asked_once_then_again_after_refresh_or_when_it_ends() {
        let now = Instant::now();
        let mut f = RunViews::default();
        assert!(f.wants(1, 10, true, now));
        f.ask(1, now);
        assert!(!f.wants(1, 10, true, now), "asked: wait for the weights");
        assert!(
            f.wants(1, 10, true, now + super::ASK_AGAIN),
            "an ask unanswered for long is made again"
        );
        f.asked = None;
        f.done = Some((Of { run: 1, step: 10 }, Err(String::new())));
        assert!(!f.wants(1, 10, false, now), "up to date");
        assert!(!f.wants(1, 20, true, now), "running: not before REFRESH");
        assert!(f.wants(1, 20, true, now + REFRESH));
        assert!(f.wants(1, 20, false, now), "ended: at once");
        assert!(f.wants(2, 10, true, now), "another run: at once");
    }
}
