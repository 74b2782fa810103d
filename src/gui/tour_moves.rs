//! What a move of the guided tour does to the app: loads and starts a step's preset, selects
//! the run of a step visited before, shows only the step's run, gives it the cores, and
//! switches its plot on.

use super::app::BpttApp;
use super::runs::RunStatus;
use super::state::{PlotToggles, UiCommand};
use super::tour::{Tour, TourMove, TourPlot, TourStep, steps};
use crate::preset;
use crate::train::Command;

impl BpttApp {
    /// Applies a move of the tour. A step with a preset loads it (with its changes) and starts
    /// a run of it the first time; coming back to it selects that run again. Only the step's
    /// run is shown (the runs shown before the tour come back when it ends). Every step
    /// switches its plot on, scrolls to it and shows the training plots.
    pub fn tour_move(&mut self, m: TourMove) {
        let mut tour = match (m, self.ui.tour.take()) {
            (TourMove::Leave, Some(t)) => {
                for id in t.hidden {
                    self.apply(UiCommand::SetVisible(id, true));
                }
                return;
            }
            (TourMove::Leave, None) => return,
            (TourMove::Begin, old) | (_, old @ None) => {
                let mut hidden = old.map(|t| t.hidden).unwrap_or_default();
                let shown: Vec<u64> = self
                    .runs
                    .iter()
                    .filter(|r| r.visible)
                    .map(|r| r.id)
                    .collect();
                for id in shown {
                    self.apply(UiCommand::SetVisible(id, false));
                    hidden.push(id);
                }
                let steps = steps();
                let runs = vec![None; steps.len()];
                Tour {
                    steps,
                    index: 0,
                    runs,
                    hidden,
                    paused: Vec::new(),
                    scroll_pending: true,
                }
            }
            (TourMove::Next, Some(mut t)) => {
                t.index = (t.index + 1).min(t.steps.len() - 1);
                t
            }
            (TourMove::Back, Some(mut t)) => {
                t.index = t.index.saturating_sub(1);
                t
            }
        };
        if let Some(i) = tour.preset_step() {
            let existing = tour.runs[i].filter(|id| self.runs.get(*id).is_some());
            match existing {
                Some(id) if self.runs.selected != Some(id) => self.apply(UiCommand::Select(id)),
                Some(_) => {}
                None => tour.runs[i] = self.start_tour_preset(&tour.steps[i]),
            }
            for (j, id) in tour.runs.iter().enumerate() {
                if let Some(id) = *id {
                    self.apply(UiCommand::SetVisible(id, j == i));
                }
            }
            self.focus_tour_run(&mut tour, i);
        }
        tour.scroll_pending = true;
        show(tour.step().plot, &mut self.state.plots);
        self.ui.view = super::state::View::Training;
        self.ui.tour = Some(tour);
    }

    /// Gives the cores to step `i`'s run: pauses the tour's other runs still training and
    /// resumes this one if the tour paused it before.
    fn focus_tour_run(&mut self, tour: &mut Tour, i: usize) {
        let current = tour.runs[i];
        for id in tour.runs.iter().flatten().copied() {
            let Some(r) = self.runs.get_mut(id) else {
                continue;
            };
            if Some(id) == current {
                if let Some(k) = tour.paused.iter().position(|p| *p == id)
                    && matches!(r.status, RunStatus::Paused | RunStatus::Running)
                {
                    tour.paused.swap_remove(k);
                    r.send(Command::Resume);
                    r.status = RunStatus::Running;
                }
            } else if matches!(r.status, RunStatus::Running) {
                r.send(Command::Pause);
                tour.paused.push(id);
            }
        }
    }

    /// Loads the step's preset with its changes and starts a run of it; its id.
    fn start_tour_preset(&mut self, step: &TourStep) -> Option<u64> {
        let file = step.preset.as_ref()?;
        self.apply(UiCommand::LoadBuiltin(file.clone()));
        for assignment in &step.set {
            if let Err(e) = preset::apply_set(&mut self.state.setup, assignment) {
                self.ui.message = Some(e.to_string());
            }
        }
        self.apply(UiCommand::StartNew);
        self.runs.selected
    }
}

/// Switches the plot of a tour step on.
fn show(plot: TourPlot, plots: &mut PlotToggles) {
    let on = match plot {
        TourPlot::Loss => &mut plots.loss,
        TourPlot::GradNorm => &mut plots.grad_norm,
        TourPlot::Profile => &mut plots.profile,
        TourPlot::Heatmap => &mut plots.heatmap,
        TourPlot::Tensors => &mut plots.tensors,
        TourPlot::Spectral => &mut plots.spectral,
        TourPlot::Saturation => &mut plots.saturation,
    };
    *on = true;
}
