//! The tour's window: the step's title and sentences, Back / Next / Leave, and an outline
//! around the plot the step is about.

use egui::{Align2, Color32, Stroke, StrokeKind};

use crate::gui::i18n::tour::TourText;
use crate::gui::i18n::{lang, tr, trf};
use crate::gui::state::UiCommand;
use crate::gui::tour::{Tour, TourMove};

/// The outline's colour: the warning colour of the theme, unlike any run's.
fn outline_color(ui: &egui::Ui) -> Color32 {
    ui.visuals().warn_fg_color
}

/// Draws the tour's window over the plots and outlines the step's plot (`plot_rects`: where
/// each plot was drawn last frame, by title).
pub fn tour_ui(
    ui: &egui::Ui,
    tour: &Tour,
    plot_rects: &[(String, egui::Rect)],
    out: &mut Vec<UiCommand>,
) {
    let step = tour.step();
    let lang = lang();
    let target = plot_rects
        .iter()
        .find(|(title, _)| step.plot.is_titled(title))
        .map(|(_, r)| *r);
    let screen = ui.ctx().content_rect();
    if let Some(rect) = target {
        let painter = ui.ctx().layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("tour-outline"),
        ));
        painter.rect_stroke(
            rect.expand(3.0),
            6.0,
            Stroke::new(3.0, outline_color(ui)),
            StrokeKind::Outside,
        );
    }
    let last = tour.index + 1 == tour.steps.len();
    egui::Window::new(step.title.get(lang))
        .id(egui::Id::unique("tour-window"))
        .anchor(Align2::RIGHT_BOTTOM, [-16.0, -36.0])
        .collapsible(false)
        .resizable(false)
        .default_width(380.0_f32.min(screen.width() * 0.45))
        .show(ui.ctx(), |ui| {
            ui.weak(trf(
                TourText::StepOf,
                &[("i", &(tour.index + 1)), ("n", &tour.steps.len())],
            ));
            ui.add(egui::Label::new(step.body.get(lang)).wrap());
            // The line keeps its height when the plot scrolls into view, so that the buttons
            // (anchored at the bottom) do not move under the pointer.
            let hidden = target.is_some_and(|r| r.top() > screen.bottom() - 40.0);
            ui.weak(if hidden {
                tr(TourText::PlotHidden)
            } else {
                " "
            });
            ui.separator();
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(tour.index > 0, egui::Button::new(tr(TourText::Back)))
                    .clicked()
                {
                    out.push(UiCommand::Tour(TourMove::Back));
                }
                let next = if last {
                    tr(TourText::Finish)
                } else {
                    tr(TourText::Next)
                };
                if ui.button(next).clicked() {
                    out.push(UiCommand::Tour(if last {
                        TourMove::Leave
                    } else {
                        TourMove::Next
                    }));
                }
                if ui.button(tr(TourText::Leave)).clicked() {
                    out.push(UiCommand::Tour(TourMove::Leave));
                }
            });
        });
}
