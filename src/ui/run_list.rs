//! The runs panel: every run since the app opened, to show, hide, rename, delete, select,
//! and duplicate with one setting changed.

use egui::Ui;

use super::style;
use crate::app::{BpttApp, RunStatus, UiCommand};

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

pub fn run_list_ui(app: &mut BpttApp, ui: &mut Ui, out: &mut Vec<UiCommand>) {
    ui.heading("Runs");
    if let Some(id) = app.selected {
        ui.horizontal(|ui| {
            ui.label("Change");
            ui.add(egui::TextEdit::singleline(&mut app.duplicate_edit).desired_width(150.0))
                .on_hover_text("One setting as key=value, by its RON path, e.g. optimizer.lr=0.01 or model.cell=gru");
            egui::ComboBox::from_id_salt("dup_keys")
                .selected_text("…")
                .width(20.0)
                .show_ui(ui, |ui| {
                    for k in COMMON_KEYS {
                        if ui.selectable_label(false, k).clicked() {
                            k.clone_into(&mut app.duplicate_edit);
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
            out.push(UiCommand::DuplicateWithChange(id, app.duplicate_edit.clone()));
        }
        ui.separator();
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        if app.runs.is_empty() {
            ui.weak("Runs you start appear here.");
        }
        let selected = app.selected;
        for r in app.runs.iter_mut().rev() {
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
                let step = r.last_step.as_ref().map_or(0, |m| m.step);
                let status = format!("{} · step {step}", r.status.label());
                match r.status {
                    RunStatus::Diverged { .. } | RunStatus::Failed(_) => {
                        ui.colored_label(ui.visuals().error_fg_color, status);
                    }
                    _ => {
                        ui.label(status);
                    }
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
    text_sampler_ui(app, ui, out);
}

/// For runs on the text task: sample text from the current weights.
fn text_sampler_ui(app: &mut BpttApp, ui: &mut Ui, out: &mut Vec<UiCommand>) {
    let is_text = app
        .current()
        .is_some_and(|r| matches!(r.config.task, crate::tasks::TaskConfig::Text { .. }));
    if !is_text {
        return;
    }
    ui.separator();
    ui.strong("Sample text");
    let s = &mut app.sampler;
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
    if !s.output.is_empty() {
        egui::ScrollArea::vertical()
            .max_height(200.0)
            .id_salt("sample_out")
            .show(ui, |ui| {
                ui.label(egui::RichText::new(&s.output).monospace());
            });
    }
}
