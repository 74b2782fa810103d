//! The runs panel: every run since the app opened, to show, hide, rename, delete, select,
//! and duplicate with one setting changed.

use egui::Ui;

use crate::gui::runs::{RunStatus, Runs};
use crate::gui::state::{TextSampler, UiCommand};
use crate::gui::style;

/// Keys offered for "duplicate with change" (any RON path of the setup works).
const COMMON_KEYS: [&str; 8] = [
    "seed=2",
    "optimizer.lr=0.01",
    "model.cell=gru",
    "model.hidden=64",
    "clip=none",
    "clip=global_norm(max_norm: 1.0)",
    "init.weight_hh=orthogonal(gain: 1.0)",
    "bptt=truncated(k1: 10, k2: 20, mode: per_segment)",
];

/// The runs list; `duplicate_edit` is the text of "Duplicate with change".
pub fn runs_ui(ui: &mut Ui, runs: &Runs, duplicate_edit: &mut String, out: &mut Vec<UiCommand>) {
    ui.heading("Runs");
    if let Some(id) = runs.selected {
        ui.horizontal(|ui| {
            ui.label("Change");
            ui.add(egui::TextEdit::singleline(duplicate_edit).desired_width(150.0))
                .on_hover_text("One setting as key=value, by its RON path, e.g. optimizer.lr=0.01 or model.cell=gru");
            egui::ComboBox::from_id_salt("dup_keys")
                .selected_text("…")
                .width(20.0)
                .show_ui(ui, |ui| {
                    for k in COMMON_KEYS {
                        if ui.selectable_label(false, k).clicked() {
                            k.clone_into(duplicate_edit);
                        }
                    }
                })
                .response
                .on_hover_text("Common changes");
        });
        if ui
            .button("Duplicate with change")
            .on_hover_text("Start a copy of the selected run (same seed) with this one setting changed: an A/B comparison")
            .clicked()
        {
            out.push(UiCommand::DuplicateWithChange(id, duplicate_edit.clone()));
        }
        ui.separator();
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        if runs.is_empty() {
            ui.weak("Runs you start appear here.");
        }
        let selected = runs.selected;
        for r in runs.iter().rev() {
            let frame = egui::Frame::group(ui.style()).fill(if selected == Some(r.id) {
                ui.visuals().selection.bg_fill.linear_multiply(0.25)
            } else {
                ui.visuals().panel_fill
            });
            frame.show(ui, |ui| {
                ui.horizontal(|ui| {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                    ui.painter().rect_filled(rect, 2.0, r.color);
                    let mut visible = r.visible;
                    if ui
                        .checkbox(&mut visible, "")
                        .on_hover_text("Show in the plots")
                        .changed()
                    {
                        out.push(UiCommand::SetVisible(r.id, visible));
                    }
                    let mut name = r.name.clone();
                    if ui
                        .add(egui::TextEdit::singleline(&mut name).desired_width(140.0))
                        .on_hover_text("Run name (editable)")
                        .changed()
                    {
                        out.push(UiCommand::Rename(r.id, name));
                    }
                });
                ui.add(egui::Label::new(egui::RichText::new(r.summary()).small()).wrap());
                let status = format!("{} · step {}", r.status.label(), r.steps_done());
                if matches!(r.status, RunStatus::Failed(_)) {
                    ui.colored_label(ui.visuals().error_fg_color, status);
                } else {
                    ui.label(status);
                }
                if let Some(m) = &r.last_step {
                    ui.small(format!(
                        "loss {}  ·  {} {}",
                        style::num(m.loss),
                        r.config.task().metric_name(),
                        style::num(m.metric)
                    ));
                }
                if let Some((loss, metric)) = r.final_eval {
                    ui.small(format!(
                        "held-out loss {}  ·  {} {}",
                        style::num(loss),
                        r.config.task().metric_name(),
                        style::num(metric)
                    ));
                }
                ui.horizontal(|ui| {
                    if selected != Some(r.id)
                        && ui
                            .small_button("Select")
                            .on_hover_text(
                                "Run controls, heatmap and exports act on the selected run",
                            )
                            .clicked()
                    {
                        out.push(UiCommand::Select(r.id));
                    }
                    if ui
                        .small_button("Delete")
                        .on_hover_text("Stop and remove this run")
                        .clicked()
                    {
                        out.push(UiCommand::Delete(r.id));
                    }
                });
            });
        }
    });
}

/// For runs on the text task: sample text from the selected run's current weights.
pub fn text_sampler_ui(
    ui: &mut Ui,
    runs: &Runs,
    sampler: &mut TextSampler,
    out: &mut Vec<UiCommand>,
) {
    let is_text = runs
        .selected()
        .is_some_and(|r| matches!(r.config.task, crate::tasks::TaskConfig::Text { .. }));
    if !is_text {
        return;
    }
    ui.separator();
    ui.strong("Sample text");
    let TextSampler { request: s, output } = sampler;
    ui.horizontal(|ui| {
        ui.label("Temperature");
        ui.add(egui::DragValue::new(&mut s.temperature).range(0.0..=3.0).speed(0.01))
            .on_hover_text("0 = always the most likely character; 1 = the model's distribution; higher = more random");
        ui.label("Length");
        ui.add(egui::DragValue::new(&mut s.length).range(1..=5000))
            .on_hover_text("Characters to generate");
    });
    ui.add(egui::TextEdit::singleline(&mut s.seed_text).hint_text("seed text"))
        .on_hover_text("Text the model reads before it starts writing");
    if ui.button("Sample").clicked() {
        out.push(UiCommand::SampleText);
    }
    if !output.is_empty() {
        egui::ScrollArea::vertical()
            .max_height(200.0)
            .id_salt("sample_out")
            .show(ui, |ui| {
                ui.label(egui::RichText::new(output.as_str()).monospace());
            });
    }
}
