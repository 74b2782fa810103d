//! The runs panel: the runs of the workspace and of this session, to show, hide, rename, tag,
//! select, carry on, delete (to the trash), and duplicate with one setting changed.

use egui::Ui;

use crate::gui::i18n::shell::Shell;
use crate::gui::i18n::{tr, trf};
use crate::gui::runs::{RunStatus, Runs};
use crate::gui::state::{DialogKind, TextSampler, UiCommand};
use crate::gui::style;

/// Keys offered for "duplicate with change" (any RON path of the setup works).
const COMMON_KEYS: [&str; 8] = [
    "seed=2",                               // i18n-exempt: a setting by its RON path, as typed
    "optimizer.lr=0.01",                    // i18n-exempt: a setting by its RON path, as typed
    "model.cell=gru",                       // i18n-exempt: a setting by its RON path, as typed
    "model.hidden=64",                      // i18n-exempt: a setting by its RON path, as typed
    "clip=none",                            // i18n-exempt: a setting by its RON path, as typed
    "clip=global_norm(max_norm: 1.0)",      // i18n-exempt: a setting by its RON path, as typed
    "init.weight_hh=orthogonal(gain: 1.0)", // i18n-exempt: a setting by its RON path, as typed
    "bptt=truncated(k1: 10, k2: 20, mode: per_segment)", // i18n-exempt: a setting by its RON path, as typed
];

/// The runs list; `duplicate_edit` is the text of "Duplicate with change", `step_n` the N of
/// "Train N more".
pub fn runs_ui(
    ui: &mut Ui,
    runs: &Runs,
    duplicate_edit: &mut String,
    step_n: u64,
    out: &mut Vec<UiCommand>,
) {
    ui.horizontal(|ui| {
        ui.heading(tr(Shell::Runs));
        if ui
            .button(tr(Shell::OpenRuns))
            .on_hover_text(tr(Shell::OpenRunsHint))
            .clicked()
        {
            out.push(UiCommand::OpenDialog(DialogKind::OpenRuns));
        }
    });
    if let Some(ws) = &runs.workspace {
        ui.weak(trf(Shell::RecordedIn, &[("dir", &ws.root().display())]))
            .on_hover_text(tr(Shell::WorkspaceHint));
    }
    // Always drawn (disabled with no run selected): selecting a run must not move the list
    // below, or a second click would land on another run's button.
    let selected_id = runs.selected;
    ui.add_enabled_ui(selected_id.is_some(), |ui| {
        ui.horizontal(|ui| {
            ui.label(tr(Shell::Change));
            ui.add(egui::TextEdit::singleline(duplicate_edit).desired_width(150.0))
                .on_hover_text(tr(Shell::ChangeHint));
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
                .on_hover_text(tr(Shell::CommonChanges));
        });
        if ui
            .button(tr(Shell::Duplicate))
            .on_hover_text(tr(Shell::DuplicateHint))
            .on_disabled_hover_text(tr(Shell::SelectRunFirst))
            .clicked()
            && let Some(id) = selected_id
        {
            out.push(UiCommand::DuplicateWithChange(id, duplicate_edit.clone()));
        }
    });
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        if runs.is_empty() {
            ui.weak(tr(Shell::RunsAppearHere));
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
                        .on_hover_text(tr(Shell::ShowInPlots))
                        .changed()
                    {
                        out.push(UiCommand::SetVisible(r.id, visible));
                    }
                    let mut name = r.name.clone();
                    if ui
                        .add(egui::TextEdit::singleline(&mut name).desired_width(140.0))
                        .on_hover_text(tr(Shell::RunNameHint))
                        .changed()
                    {
                        out.push(UiCommand::Rename(r.id, name));
                    }
                });
                // A config diff on hover (no line of its own: rows keep their height when the
                // selection changes): the run's full name and what differs from the selected.
                let diff = match runs.selected() {
                    Some(s) if s.id != r.id => {
                        let changed =
                            crate::gui::naming::differences(s.config.setup(), r.config.setup());
                        if changed.is_empty() {
                            trf(Shell::SameSetupAs, &[("run", &s.name)])
                        } else {
                            trf(
                                Shell::DiffersFrom,
                                &[("run", &s.name), ("changes", &changed.join("\n"))],
                            )
                        }
                    }
                    _ => tr(Shell::SelectedRunHint).to_owned(),
                };
                ui.add(egui::Label::new(egui::RichText::new(r.summary()).small()).wrap())
                    .on_hover_text(format!("{}\n{diff}", r.name));
                let status = trf(
                    Shell::RunStatus,
                    &[("status", &r.status.label()), ("step", &r.steps_done())],
                );
                if matches!(r.status, RunStatus::Failed(_)) {
                    ui.colored_label(ui.visuals().error_fg_color, status);
                } else {
                    ui.label(status);
                }
                // The same lines whatever the run's state ("—" until there is a value), so a
                // row keeps its height as its run trains and ends.
                let metric_name = r.config.task().metric_name();
                ui.small(match &r.last_step {
                    Some(m) => trf(
                        Shell::LastLoss,
                        &[
                            ("loss", &style::num(m.loss)),
                            ("metric", &metric_name),
                            ("value", &style::num(m.metric)),
                        ],
                    ),
                    None => trf(Shell::LastLossNone, &[("metric", &metric_name)]),
                });
                ui.small(match r.final_eval {
                    Some((loss, metric)) => trf(
                        Shell::HeldOutLoss,
                        &[
                            ("loss", &style::num(loss)),
                            ("metric", &metric_name),
                            ("value", &style::num(metric)),
                        ],
                    ),
                    None => tr(Shell::HeldOutLossNone).to_owned(),
                });
                let mut tags = r.tags.join(", ");
                if ui
                    .add(
                        egui::TextEdit::singleline(&mut tags)
                            .hint_text(tr(Shell::TagsPlaceholder))
                            .desired_width(200.0),
                    )
                    .on_hover_text(tr(Shell::TagsHint))
                    .changed()
                {
                    out.push(UiCommand::SetTags(r.id, tags));
                }
                if let Some(e) = &r.record_error {
                    ui.colored_label(ui.visuals().warn_fg_color, e);
                }
                ui.horizontal(|ui| {
                    // The same buttons in the same places whatever the run's state: a second
                    // click never lands on another button.
                    if ui
                        .add_enabled(
                            selected != Some(r.id),
                            egui::Button::new(tr(Shell::Select)).small(),
                        )
                        .on_hover_text(tr(Shell::SelectHint))
                        .clicked()
                    {
                        out.push(UiCommand::Select(r.id));
                    }
                    let resumable = !r.is_live() && r.folder.is_some() && !r.status.diverged();
                    let unfinished = r.steps_done() < r.config.steps;
                    if ui
                        .add_enabled(
                            resumable && unfinished,
                            egui::Button::new(tr(Shell::Continue)).small(),
                        )
                        .on_hover_text(tr(Shell::ContinueHint))
                        .clicked()
                    {
                        out.push(UiCommand::Continue(r.id));
                    }
                    if ui
                        .add_enabled(resumable, egui::Button::new(format!("+{step_n}")).small())
                        .on_hover_text(trf(Shell::TrainMoreHint, &[("n", &step_n)]))
                        .clicked()
                    {
                        out.push(UiCommand::TrainMore(r.id, step_n));
                    }
                    ui.add_space(12.0);
                    if ui
                        .small_button(tr(Shell::Delete))
                        .on_hover_text(tr(Shell::DeleteHint))
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
    ui.strong(tr(Shell::SampleText));
    let TextSampler { request: s, output } = sampler;
    ui.horizontal(|ui| {
        ui.label(tr(Shell::Temperature));
        ui.add(
            egui::DragValue::new(&mut s.temperature)
                .range(0.0..=3.0)
                .speed(0.01),
        )
        .on_hover_text(tr(Shell::TemperatureHint));
        ui.label(tr(Shell::Length));
        ui.add(egui::DragValue::new(&mut s.length).range(1..=5000))
            .on_hover_text(tr(Shell::LengthHint));
    });
    ui.add(egui::TextEdit::singleline(&mut s.seed_text).hint_text(tr(Shell::SeedTextPlaceholder)))
        .on_hover_text(tr(Shell::SeedTextHint));
    if ui.button(tr(Shell::Sample)).clicked() {
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
