//! The top bar (the Presets and Export menus and the run controls) and the status bar.

use egui::Ui;

use crate::gui::i18n::shell::Shell;
use crate::gui::i18n::{self, Lang, tr};
use crate::gui::runs::{RunStatus, Runs};
use crate::gui::state::{DialogKind, UiCommand, WindowPrefs};
use crate::gui::style;

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
    ui.menu_button("Presets", |ui| {
        ui.set_max_width(420.0);
        for (file, text) in crate::preset::builtin() {
            let parsed = crate::preset::Preset::from_ron(text, std::path::Path::new(file));
            let (name, desc) = match &parsed {
                Ok(p) => (p.name.clone(), p.description.clone()),
                Err(e) => (file.to_owned(), e.to_string()),
            };
            if ui.button(&name).on_hover_text(&desc).clicked() {
                out.push(UiCommand::LoadBuiltin(file.to_owned()));
                ui.close();
            }
        }
        ui.separator();
        if ui.button("Open preset file…").clicked() {
            out.push(UiCommand::OpenDialog(DialogKind::OpenPreset));
            ui.close();
        }
        if ui.button("Save setup as preset…").clicked() {
            out.push(UiCommand::OpenDialog(DialogKind::SavePreset));
            ui.close();
        }
    });
}

fn settings_menu_ui(ui: &mut Ui, system_dialogs: &mut bool) {
    ui.menu_button("Settings", |ui| {
        ui.checkbox(system_dialogs, "System file dialogs")
            .on_hover_text(
                "The desktop's own file dialog (needs a file-chooser portal: GNOME, KDE, most \
             desktops). Off: the app's own dialog, with a path field, which works everywhere. \
             When the system's cannot open, the app's opens instead.",
            );
    });
}

fn export_menu_ui(ui: &mut Ui, has_run: bool, plot_titles: &[String], out: &mut Vec<UiCommand>) {
    ui.menu_button("Export", |ui| {
        if ui
            .add_enabled(
                has_run,
                egui::Button::new("Metrics of the selected run (CSV)…"),
            )
            .clicked()
        {
            out.push(UiCommand::OpenDialog(DialogKind::ExportMetrics));
            ui.close();
        }
        if ui
            .add_enabled(
                has_run,
                egui::Button::new("Weights of the selected run (NPZ)…"),
            )
            .on_hover_text("PyTorch names: load into torch.nn.RNN/LSTM/GRU and a Linear readout")
            .clicked()
        {
            out.push(UiCommand::OpenDialog(DialogKind::ExportWeights));
            ui.close();
        }
        if ui
            .button("Shown runs as one long CSV…")
            .on_hover_text("A row per run, step and quantity, with the runs' settings as columns: pandas.read_csv reads it at once")
            .clicked()
        {
            out.push(UiCommand::OpenDialog(DialogKind::ExportRuns));
            ui.close();
        }
        ui.separator();
        ui.label("Plot as PNG:");
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
        .add_enabled(valid && !running, egui::Button::new("Start"))
        .on_hover_text(
            "Train the current run; makes a new run from the panel if there is none to continue",
        )
        .clicked()
    {
        out.push(UiCommand::Start);
    }
    let (label, hover) = if running {
        ("Pause", "Pause training (Space)")
    } else {
        ("Resume", "Resume training (Space)")
    };
    if ui
        .add_enabled(running || (paused && live), egui::Button::new(label))
        .on_hover_text(hover)
        .clicked()
    {
        out.push(UiCommand::TogglePause);
    }
    if ui
        .add_enabled(valid && !running, egui::Button::new("Step 1"))
        .on_hover_text("Train one step, then pause")
        .clicked()
    {
        out.push(UiCommand::Step(1));
    }
    ui.add(egui::DragValue::new(step_n).range(1..=100_000).speed(1.0))
        .on_hover_text("Number of steps for the Step N button");
    if ui
        .add_enabled(valid && !running, egui::Button::new("Step N"))
        .on_hover_text("Train N steps, then pause")
        .clicked()
    {
        out.push(UiCommand::Step(*step_n));
    }
    if ui
        .add_enabled(live, egui::Button::new("Stop"))
        .on_hover_text("End the current run; it keeps its curves")
        .clicked()
    {
        out.push(UiCommand::Stop);
    }
    if ui
        .add_enabled(runs.selected().is_some(), egui::Button::new("Reset"))
        .on_hover_text(
            "Discard the current run and make it again: same setup, same seed, same initial weights",
        )
        .clicked()
    {
        out.push(UiCommand::Reset);
    }
    if ui
        .add_enabled(valid, egui::Button::new("Start as new run"))
        .on_hover_text(
            "Start the panel's setup as another run; the others keep running, for comparison",
        )
        .clicked()
    {
        out.push(UiCommand::StartNew);
    }
}

/// The selected run's status, step, speed and time; the frame's drawing time on the right.
pub fn status_ui(ui: &mut Ui, runs: &Runs, frame_ms: f64) {
    ui.horizontal(|ui| {
        match runs.selected() {
            Some(r) => {
                let elapsed = r.last_step.as_ref().map_or(0.0, |m| m.elapsed_secs);
                let text = format!(
                    "{}: {} · step {} / {} · {:.0} steps/s · {}",
                    r.name,
                    r.status.label(),
                    r.steps_done(),
                    r.config.steps,
                    r.steps_per_sec,
                    style::duration(elapsed)
                );
                if matches!(r.status, RunStatus::Failed(_)) {
                    ui.colored_label(ui.visuals().error_fg_color, text);
                } else {
                    ui.label(text);
                }
            }
            None => {
                ui.label(
                    "No run yet: pick a preset or set up an experiment on the left, then Start.",
                );
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.weak(format!("frame {frame_ms:.1} ms"));
        });
    });
}
