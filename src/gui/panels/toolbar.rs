//! The top bar (the Presets and Export menus and the run controls) and the status bar.

use egui::Ui;

use crate::frameworks::Framework;
use crate::gui::i18n::shell::Shell;
use crate::gui::i18n::tour::TourText;
use crate::gui::i18n::{self, Lang, tr, trf};
use crate::gui::runs::{RunStatus, Runs};
use crate::gui::state::{DialogKind, UiCommand, WindowPrefs};
use crate::gui::style;
use crate::gui::tour::TourMove;
use crate::train::Pace;

/// The menus and run controls. `valid`: whether the panel's setup can start a run.
pub fn toolbar_ui(
    ui: &mut Ui,
    runs: &Runs,
    valid: bool,
    step_n: &mut u64,
    window: &mut WindowPrefs,
    plot_titles: &[String],
    out: &mut Vec<UiCommand>,
) {
    ui.horizontal_wrapped(|ui| {
        presets_menu_ui(ui, out);
        export_menu_ui(ui, runs.selected().is_some(), plot_titles, out);
        settings_menu_ui(ui, &mut window.system_dialogs);
        language_ui(ui, &mut window.language);
        if ui
            .button(format!("🎓 {}", tr(TourText::TourButton)))
            .on_hover_text(tr(TourText::TourHint))
            .clicked()
        {
            out.push(UiCommand::Tour(TourMove::Begin));
        }
        ui.separator();
        run_controls_ui(ui, runs, valid, step_n, out);
    });
}

/// The language switch: each language by its own name, so either can find it. Applied from
/// the next frame on (this frame's texts are already laid out).
fn language_ui(ui: &mut Ui, language: &mut Option<Lang>) {
    let current = language.unwrap_or_else(i18n::lang);
    egui::ComboBox::from_id_salt("language")
        .selected_text(format!("🌐 {}", current.native_name()))
        .show_ui(ui, |ui| {
            for lang in Lang::ALL {
                if ui
                    .selectable_label(current == lang, lang.native_name())
                    .clicked()
                {
                    *language = Some(lang);
                    ui.ctx().request_repaint();
                }
            }
        })
        .response
        .on_hover_text(tr(Shell::Language));
}

fn presets_menu_ui(ui: &mut Ui, out: &mut Vec<UiCommand>) {
    ui.menu_button(tr(Shell::Presets), |ui| {
        ui.set_max_width(420.0);
        for (file, text) in crate::preset::builtin() {
            let parsed = crate::preset::Preset::from_ron(text, std::path::Path::new(file));
            let (name, desc) = match &parsed {
                Ok(p) => {
                    let (name, desc) = i18n::preset_text(&p.name, &p.description, p.zh_cn.as_ref());
                    (name.to_owned(), desc.to_owned())
                }
                Err(e) => (file.to_owned(), e.to_string()),
            };
            if ui.button(&name).on_hover_text(&desc).clicked() {
                out.push(UiCommand::LoadBuiltin(file.to_owned()));
                ui.close();
            }
        }
        ui.separator();
        if ui.button(tr(Shell::OpenPresetFile)).clicked() {
            out.push(UiCommand::OpenDialog(DialogKind::OpenPreset));
            ui.close();
        }
        if ui.button(tr(Shell::SavePresetAs)).clicked() {
            out.push(UiCommand::OpenDialog(DialogKind::SavePreset));
            ui.close();
        }
    });
}

fn settings_menu_ui(ui: &mut Ui, system_dialogs: &mut bool) {
    ui.menu_button(tr(Shell::Settings), |ui| {
        ui.checkbox(system_dialogs, tr(Shell::SystemDialogs))
            .on_hover_text(tr(Shell::SystemDialogsHint));
    });
}

fn export_menu_ui(ui: &mut Ui, has_run: bool, plot_titles: &[String], out: &mut Vec<UiCommand>) {
    ui.menu_button(tr(Shell::Export), |ui| {
        if ui
            .add_enabled(has_run, egui::Button::new(tr(Shell::ExportMetrics)))
            .clicked()
        {
            out.push(UiCommand::OpenDialog(DialogKind::ExportMetrics));
            ui.close();
        }
        if ui
            .add_enabled(has_run, egui::Button::new(tr(Shell::ExportWeights)))
            .on_hover_text(tr(Shell::ExportWeightsHint))
            .clicked()
        {
            out.push(UiCommand::OpenDialog(DialogKind::ExportWeights));
            ui.close();
        }
        if ui
            .button(tr(Shell::ExportRuns))
            .on_hover_text(tr(Shell::ExportRunsHint))
            .clicked()
        {
            out.push(UiCommand::OpenDialog(DialogKind::ExportRuns));
            ui.close();
        }
        ui.separator();
        for framework in [Framework::Pytorch, Framework::Keras] {
            if ui
                .button(trf(
                    Shell::ExportScript,
                    &[("framework", &framework.name())],
                ))
                .on_hover_text(tr(Shell::ExportScriptHint))
                .clicked()
            {
                out.push(UiCommand::OpenDialog(DialogKind::ExportScript(framework)));
                ui.close();
            }
        }
        ui.separator();
        ui.label(tr(Shell::PlotAsPng));
        for title in plot_titles {
            if ui.button(format!("{title}…")).clicked() {
                out.push(UiCommand::OpenDialog(DialogKind::ExportPlot(title.clone())));
                ui.close();
            }
        }
    });
}

fn run_controls_ui(
    ui: &mut Ui,
    runs: &Runs,
    valid: bool,
    step_n: &mut u64,
    out: &mut Vec<UiCommand>,
) {
    let status = runs.selected().map(|r| r.status.clone());
    let running = status.as_ref().is_some_and(RunStatus::is_running);
    let paused = matches!(status, Some(RunStatus::Paused | RunStatus::Ready));
    let live = status.as_ref().is_some_and(|s| !s.ended());
    if ui
        .add_enabled(valid && !running, egui::Button::new(tr(Shell::Start)))
        .on_hover_text(tr(Shell::StartHint))
        .clicked()
    {
        out.push(UiCommand::Start);
    }
    let (label, hover) = if running {
        (tr(Shell::Pause), tr(Shell::PauseHint))
    } else {
        (tr(Shell::Resume), tr(Shell::ResumeHint))
    };
    if ui
        .add_enabled(running || (paused && live), egui::Button::new(label))
        .on_hover_text(hover)
        .clicked()
    {
        out.push(UiCommand::TogglePause);
    }
    if ui
        .add_enabled(valid && !running, egui::Button::new(tr(Shell::StepOne)))
        .on_hover_text(tr(Shell::StepOneHint))
        .clicked()
    {
        out.push(UiCommand::Step(1));
    }
    ui.add(egui::DragValue::new(step_n).range(1..=100_000).speed(1.0))
        .on_hover_text(tr(Shell::StepCountHint));
    if ui
        .add_enabled(valid && !running, egui::Button::new(tr(Shell::StepN)))
        .on_hover_text(tr(Shell::StepNHint))
        .clicked()
    {
        out.push(UiCommand::Step(*step_n));
    }
    if ui
        .add_enabled(live, egui::Button::new(tr(Shell::Stop)))
        .on_hover_text(tr(Shell::StopHint))
        .clicked()
    {
        out.push(UiCommand::Stop);
    }
    if ui
        .add_enabled(
            runs.selected().is_some(),
            egui::Button::new(tr(Shell::Reset)),
        )
        .on_hover_text(tr(Shell::ResetHint))
        .clicked()
    {
        out.push(UiCommand::Reset);
    }
    if ui
        .add_enabled(valid, egui::Button::new(tr(Shell::StartNew)))
        .on_hover_text(tr(Shell::StartNewHint))
        .clicked()
    {
        out.push(UiCommand::StartNew);
    }
    ui.separator();
    let mut pace = runs.pace;
    pace_ui(ui, &mut pace);
    if pace != runs.pace {
        out.push(UiCommand::SetPace(pace));
    }
}

/// The caps the speed control offers, in steps per second: from a little slower than the
/// window's 20 frames a second down to slow motion.
const SPEEDS: [f64; 7] = [500.0, 100.0, 20.0, 5.0, 2.0, 1.0, 0.5];

/// The speed control: a cap on steps per second and "stop at step N". The N of an unticked
/// "stop at" is kept in the window's memory, for the next tick.
fn pace_ui(ui: &mut Ui, pace: &mut Pace) {
    let speed_text = |cap: Option<f64>| match cap {
        None => tr(Shell::FullSpeed).to_owned(),
        Some(rate) => trf(Shell::StepsPerSec, &[("rate", &rate)]),
    };
    ui.label(tr(Shell::Speed))
        .on_hover_text(tr(Shell::SpeedHint));
    egui::ComboBox::from_id_salt("speed") // i18n-exempt: a widget id
        .selected_text(speed_text(pace.max_steps_per_sec))
        .show_ui(ui, |ui| {
            for cap in std::iter::once(None).chain(SPEEDS.map(Some)) {
                ui.selectable_value(&mut pace.max_steps_per_sec, cap, speed_text(cap));
            }
        })
        .response
        .on_hover_text(tr(Shell::SpeedHint));
    let id = egui::Id::unique("stop_at_step"); // i18n-exempt: a memory key
    let mut n = pace
        .stop_at
        .unwrap_or_else(|| ui.data(|d| d.get_temp(id)).unwrap_or(100));
    let mut on = pace.stop_at.is_some();
    ui.checkbox(&mut on, tr(Shell::StopAt))
        .on_hover_text(tr(Shell::StopAtHint));
    ui.add_enabled(
        on,
        egui::DragValue::new(&mut n)
            .range(1..=10_000_000)
            .speed(1.0),
    )
    .on_hover_text(tr(Shell::StopAtHint));
    ui.data_mut(|d| d.insert_temp(id, n));
    pace.stop_at = on.then_some(n);
}

/// The selected run's status, step, speed and time; the frame's drawing time on the right.
pub fn status_ui(ui: &mut Ui, runs: &Runs, frame_ms: f64) {
    ui.horizontal(|ui| {
        match runs.selected() {
            Some(r) => {
                let elapsed = r.last_step.as_ref().map_or(0.0, |m| m.elapsed_secs);
                let text = trf(
                    Shell::Status,
                    &[
                        ("name", &r.name),
                        ("status", &r.status.label()),
                        ("step", &r.steps_done()),
                        ("steps", &r.config.steps),
                        ("rate", &format!("{:.0}", r.steps_per_sec)),
                        ("time", &style::duration(elapsed)),
                    ],
                );
                let text = match r.pace.max_steps_per_sec {
                    // The rate is of training time; the cap is of wall time.
                    Some(rate) if r.status.is_running() => {
                        trf(Shell::CappedAt, &[("status", &text), ("rate", &rate)])
                    }
                    _ => text,
                };
                if matches!(r.status, RunStatus::Failed(_)) {
                    ui.colored_label(ui.visuals().error_fg_color, text);
                } else {
                    ui.label(text);
                }
            }
            None => {
                ui.label(tr(Shell::NoRunYet));
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.weak(trf(Shell::FrameTime, &[("ms", &format!("{frame_ms:.1}"))]));
        });
    });
}
