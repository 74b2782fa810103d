//! Helpers of the tests that drive the app with `egui_kittest` (`tests/gui.rs`,
//! `tests/gui_data.rs`, …), and the scripted runs they train.
#![allow(dead_code, reason = "each test binary uses some of the helpers")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bptt_lab::gui::i18n::Lang;
use bptt_lab::gui::{BpttApp, RunFactory, SavedState, UiCommand};
use bptt_lab::nn::{Params, Profile};
use bptt_lab::train::{Diagnostics, RunError, RunOutcome, StepMetrics, Trainable};
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};

pub fn harness(factory: RunFactory) -> Harness<'static, BpttApp> {
    harness_in(factory, Lang::En)
}

/// The app in `lang` (whatever the machine's locale).
pub fn harness_in(factory: RunFactory, lang: Lang) -> Harness<'static, BpttApp> {
    let mut state = SavedState::default();
    state.window.language = Some(lang);
    Harness::builder()
        .with_size(egui::vec2(1440.0, 900.0))
        .build_eframe(move |cc| BpttApp::new(cc, state.clone(), factory.clone(), 0))
}

/// Steps frames (workers run in real time) until `cond` holds.
pub fn step_until(h: &mut Harness<'static, BpttApp>, what: &str, cond: impl Fn(&BpttApp) -> bool) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while !cond(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
}

/// The app with one scripted run of `steps` steps started from the panel and ended, shown on
/// the plots; returns the run's id.
pub fn one_finished_run(steps: u64) -> (Harness<'static, BpttApp>, u64) {
    let mut h = harness(scripted(steps, Duration::ZERO));
    h.step();
    h.state_mut().deferred.push(UiCommand::StartNew);
    step_until(&mut h, "a finished run", |a| {
        a.runs.len() == 1 && a.runs.iter().all(|r| r.status.ended())
    });
    let id = h.state().runs.iter().next().expect("the run").id;
    h.state_mut().deferred.push(UiCommand::SetVisible(id, true));
    (h, id)
}

/// Whether some widget's label or value contains `needle`.
pub fn has_text(h: &Harness<'static, BpttApp>, needle: &str) -> bool {
    h.query_all(by().predicate(move |n| {
        n.value().is_some_and(|v| v.contains(needle))
            || n.label().is_some_and(|l| l.contains(needle))
    }))
    .next()
    .is_some()
}

/// A primary click at `pos` (the pointer moved there first), a frame for each event: for
/// what has no label to click by (a plot's marker, a point of a slider).
pub fn click_at(h: &mut Harness<'static, BpttApp>, pos: egui::Pos2) {
    h.input_mut().events.push(egui::Event::PointerMoved(pos));
    h.step();
    for pressed in [true, false] {
        h.input_mut().events.push(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
    }
}

/// A run that makes up metrics: loss 1/step, a decaying gradient profile, a little sleep
/// per step so that a test can pause it mid-way.
pub struct Scripted {
    total: u64,
    step: u64,
    delay: Duration,
    t_len: usize,
    /// The final held-out loss it reports.
    final_loss: f64,
}

impl Trainable for Scripted {
    fn step(&mut self) -> Result<StepMetrics, RunError> {
        std::thread::sleep(self.delay);
        self.step += 1;
        Ok(StepMetrics {
            step: self.step,
            loss: 1.0 / self.step as f64,
            metric: 0.5,
            grad_norm_pre_clip: 2.0,
            grad_norm_post_clip: 1.0,
            clip_fraction: 1.0,
            updates: 1,
            tensor_grad_norms: [1.0; 6],
            lr: 1e-3,
            elapsed_secs: self.step as f64 * 1e-3,
        })
    }
    fn diagnostics(&mut self) -> Diagnostics {
        Diagnostics {
            step: self.step,
            profile: Profile {
                start: 0,
                values: (0..self.t_len)
                    .map(|t| 0.5f64.powf((self.t_len - t) as f64))
                    .collect(),
            },
            eval_loss: 1.0 / self.step as f64,
            eval_metric: 0.5,
            ..Diagnostics::default()
        }
    }
    fn is_done(&self) -> bool {
        self.step >= self.total
    }
    fn set_lr(&mut self, _lr: f64) {}
    fn weights(&self) -> Params<f64> {
        Params::zeros(
            bptt_lab::nn::CellKind::Lstm,
            bptt_lab::nn::Dims {
                input: 2,
                hidden: 2,
                output: 1,
            },
        )
    }
    fn outcome(&mut self, stopped: bool, elapsed_secs: f64) -> RunOutcome {
        RunOutcome {
            steps: self.step,
            stopped,
            eval_loss: self.final_loss,
            eval_metric: 0.5,
            params: self.weights(),
            elapsed_secs,
        }
    }
}

/// Scripted runs of `total` steps whose final held-out loss is `final_loss(config)`.
pub fn scripted_with(
    total: u64,
    delay: Duration,
    final_loss: fn(&bptt_lab::train::TrainConfig) -> f64,
) -> RunFactory {
    Arc::new(move |config: &bptt_lab::train::TrainConfig, _| {
        Ok(Box::new(Scripted {
            total,
            step: 0,
            delay,
            t_len: config.task().max_seq_len(),
            final_loss: final_loss(config),
        }) as Box<dyn Trainable>)
    })
}

pub fn scripted(total: u64, delay: Duration) -> RunFactory {
    scripted_with(total, delay, |_| 0.1)
}

/// Scripted runs whose final held-out loss is 10 × their learning rate + their seed / 1000,
/// so a sweep's result plot has something to show per point and per seed.
pub fn scripted_by_lr(total: u64, delay: Duration) -> RunFactory {
    scripted_with(total, delay, |c| {
        10.0 * c.optimizer.lr() + c.seed as f64 / 1000.0
    })
}
