//! Drawing. Every function here reads the app and returns what the user asked for as
//! [`UiCommand`]s; nothing here starts, stops or changes a run directly.
#![allow(
    clippy::too_many_lines,
    reason = "immediate-mode panels read top to bottom as the screen does; splitting them only scatters the layout"
)]

pub mod config_panel;
pub mod heatmap;
pub mod plots;
pub mod run_list;
pub mod style;
pub mod sweep_tab;

use crate::app::{BpttApp, DialogKind, RunStatus, UiCommand, View};

/// Draws the whole window and returns the commands of this frame.
pub fn draw(app: &mut BpttApp, ui: &mut egui::Ui) -> Vec<UiCommand> {
    let mut out = Vec::new();
    egui::Panel::top("toolbar").show(ui, |ui| toolbar_ui(app, ui, &mut out));
    egui::Panel::bottom("status").show(ui, |ui| status_ui(app, ui));
    egui::Panel::left("experiment")
        .resizable(true)
        .default_size(330.0)
        .size_range(260.0..=520.0)
        .show(ui, |ui| config_panel::config_panel_ui(app, ui, &mut out));
    let runs_left = egui::Panel::right("runs")
        .resizable(true)
        .default_size(310.0)
        .size_range(310.0..=560.0)
        .show(ui, |ui| run_list::run_list_ui(app, ui, &mut out))
        .response
        .rect
        .left();
    egui::CentralPanel::default().show(ui, |ui| {
        // With a right panel, egui 0.37 gives the central panel a max rect that reaches under
        // it: lay the content out in the part that is visible.
        let mut rect = ui.max_rect();
        rect.max.x = rect.max.x.min(runs_left - ui.spacing().item_spacing.x);
        ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
            central_ui(app, ui, &mut out);
        });
    });
    out
}

fn central_ui(app: &mut BpttApp, ui: &mut egui::Ui, out: &mut Vec<UiCommand>) {
    {
        ui.horizontal(|ui| {
            for (view, label, hover) in [
                (View::Training, "Training", "The curves of the runs"),
                (
                    View::Sweep,
                    "Sweep",
                    "Sweep one or two settings of the setup over values and seeds, and plot the result against them",
                ),
            ] {
                let text = match (&app.sweep, view) {
                    (Some(s), View::Sweep) if !s.stopped && s.run_ids.iter().any(Option::is_none) => {
                        format!("{label} (running)")
                    }
                    _ => label.to_owned(),
                };
                if ui
                    .selectable_label(app.view == view, text)
                    .on_hover_text(hover)
                    .clicked()
                {
                    out.push(UiCommand::ShowView(view));
                }
            }
        });
        ui.separator();
        if let Some(msg) = app.message.clone() {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, &msg);
                if ui.small_button("Dismiss").clicked() {
                    out.push(UiCommand::DismissMessage);
                }
            });
            ui.separator();
        }
        match app.view {
            View::Training => plots::plots_ui(app, ui, out),
            View::Sweep => sweep_tab::sweep_tab_ui(app, ui, out),
        }
    }
}

fn toolbar_ui(app: &mut BpttApp, ui: &mut egui::Ui, out: &mut Vec<UiCommand>) {
    ui.horizontal_wrapped(|ui| {
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
        ui.menu_button("Export", |ui| {
            let has_run = app.current().is_some();
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
                .on_hover_text(
                    "PyTorch names: load into torch.nn.RNN/LSTM/GRU and a Linear readout",
                )
                .clicked()
            {
                out.push(UiCommand::OpenDialog(DialogKind::ExportWeights));
                ui.close();
            }
            ui.separator();
            ui.label("Plot as PNG:");
            for (title, _) in app.plot_rects.clone() {
                if ui.button(format!("{title}…")).clicked() {
                    app.plot_to_export.clone_from(&title);
                    out.push(UiCommand::OpenDialog(DialogKind::ExportPlot));
                    ui.close();
                }
            }
        });
        ui.separator();
        run_controls_ui(app, ui, out);
    });
}

fn run_controls_ui(app: &mut BpttApp, ui: &mut egui::Ui, out: &mut Vec<UiCommand>) {
    let valid = app.validation().is_ok();
    let status = app.current().map(|r| r.status.clone());
    let running = status == Some(RunStatus::Running);
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
    ui.add(
        egui::DragValue::new(&mut app.settings.step_n)
            .range(1..=100_000)
            .speed(1.0),
    )
    .on_hover_text("Number of steps for the Step N button");
    if ui
        .add_enabled(valid && !running, egui::Button::new("Step N"))
        .on_hover_text("Train N steps, then pause")
        .clicked()
    {
        out.push(UiCommand::Step(app.settings.step_n));
    }
    if ui
        .add_enabled(live, egui::Button::new("Stop"))
        .on_hover_text("End the current run; it keeps its curves")
        .clicked()
    {
        out.push(UiCommand::Stop);
    }
    if ui
        .add_enabled(app.current().is_some(), egui::Button::new("Reset"))
        .on_hover_text("Discard the current run and make it again: same setup, same seed, same initial weights")
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

fn status_ui(app: &BpttApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        match app.current() {
            Some(r) => {
                let step = r.last_step.as_ref().map_or(0, |m| m.step);
                let elapsed = r.last_step.as_ref().map_or(0.0, |m| m.elapsed_secs);
                let text = format!(
                    "{}: {} · step {step} / {} · {:.0} steps/s · {}",
                    r.name,
                    r.status.label(),
                    r.config.steps,
                    r.steps_per_sec,
                    style::duration(elapsed)
                );
                match r.status {
                    RunStatus::Diverged { .. } | RunStatus::Failed(_) => {
                        ui.colored_label(ui.visuals().error_fg_color, text);
                    }
                    _ => {
                        ui.label(text);
                    }
                }
            }
            None => {
                ui.label(
                    "No run yet: pick a preset or set up an experiment on the left, then Start.",
                );
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.weak(format!("frame {:.1} ms", app.frame_ms));
        });
    });
}
