//! The key of the plots, outside them so it never covers a curve (#15 item 6): above the
//! grid, each run shown (or seed group) with its colour and its whole name, wrapped rather
//! than cut; under a plot's caption, its reference lines; above a plot whose lines are not
//! runs (the BPTT terms' gate blocks, the example's target and answer, the profile's decay
//! lines), those lines. Only the per-tensor norms (bottom left), a csv forecast (top left)
//! and the eigenvalues (top right, outside the unit circle) keep a legend inside the plot.

use egui::{Color32, RichText, Ui};

use super::seed_groups::seed_groups;
use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{tr, trf};
use crate::gui::runs::{RunView, Runs};
use crate::gui::style;

/// One entry of the run key: its colour, its whole name, and whether it is the selected run.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyEntry {
    pub color: Color32,
    pub name: String,
    pub summary: String,
    pub selected: bool,
}

/// The entries for the runs shown, one per seed group when `group_seeds`, in plot order.
pub fn key_entries(runs: &Runs, group_seeds: bool) -> Vec<KeyEntry> {
    let shown = || runs.iter().filter(|r| r.visible);
    let groups: Vec<Vec<&RunView>> = if group_seeds {
        seed_groups(shown())
    } else {
        shown().map(|r| vec![r]).collect()
    };
    groups
        .into_iter()
        .map(|group| {
            let first = group[0];
            let name = match group.len() {
                1 => first.name.clone(),
                n => trf(Plots::SeedGroup, &[("run", &first.name), ("n", &n)]),
            };
            KeyEntry {
                color: first.color,
                name,
                summary: first.summary(),
                selected: group.iter().any(|r| Some(r.id) == runs.selected),
            }
        })
        .collect()
}

/// Draws the run key: a coloured stroke and the whole name of each entry, wrapping to more
/// rows as needed; the summary of the run on hover.
pub fn run_key(ui: &mut Ui, entries: &[KeyEntry]) {
    if entries.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.weak(tr(Plots::KeyLabel));
        for e in entries {
            ui.spacing_mut().item_spacing.x = 4.0;
            let stroke = swatch(ui, e.color, Mark::Solid);
            let text = RichText::new(&e.name).color(e.color);
            let name = ui.label(if e.selected { text.strong() } else { text });
            let summary = e.summary.clone();
            stroke.union(name).on_hover_text(summary);
            ui.add_space(10.0);
        }
    });
}

/// How a key entry's sample is drawn: as the plot draws that item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Solid,
    Dashed,
    Dotted,
    /// A point (a marker, not a line).
    Point,
}

/// Draws a plot's key above it, outside the plot: a sample of each item and its name.
pub fn line_key(ui: &mut Ui, entries: &[(Color32, Mark, String)]) {
    if entries.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for (color, mark, name) in entries {
            ui.spacing_mut().item_spacing.x = 4.0;
            swatch(ui, *color, *mark);
            ui.label(RichText::new(name).color(*color).small());
            ui.add_space(10.0);
        }
    });
}

/// Draws a plot's reference lines' key under its caption: a grey dashed stroke and the name.
pub fn reference_key(ui: &mut Ui, names: &[String]) {
    let entries: Vec<(Color32, Mark, String)> = names
        .iter()
        .map(|n| (style::REFERENCE, Mark::Dashed, n.clone()))
        .collect();
    line_key(ui, &entries);
}

/// A short sample in `color` the height of a line of text, drawn as the plots draw `mark`.
fn swatch(ui: &mut Ui, color: Color32, mark: Mark) -> egui::Response {
    let h = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(22.0, h), egui::Sense::hover());
    let y = rect.center().y;
    let points = [egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)];
    let stroke = egui::Stroke::new(2.0, color);
    let painter = ui.painter();
    match mark {
        Mark::Solid => {
            painter.line_segment(points, stroke);
        }
        Mark::Dashed => painter.extend(egui::Shape::dashed_line(&points, stroke, 4.0, 3.0)),
        Mark::Dotted => painter.extend(egui::Shape::dotted_line(&points, color, 4.0, 1.2)),
        Mark::Point => {
            painter.circle_filled(rect.center(), 3.5, color);
        }
    }
    response
}
