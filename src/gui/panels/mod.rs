//! Drawing only. [`draw`] lays out the window and hands each panel the pieces of state it
//! draws ([`Frame`]); panels edit plain data in place (the setup, toggles, the editor) and
//! return everything else the user asked for as [`UiCommand`]s in [`Drawn`], applied by the
//! app after the frame. Nothing here sees the app, starts, stops or changes a run.
#![allow(
    clippy::too_many_lines,
    reason = "immediate-mode panels read top to bottom as the screen does; splitting them only scatters the layout"
)]

mod analysis_plot;
mod csv_task;
mod diag_plots;
mod example_plot;
pub mod experiment;
mod experiment_widgets;
pub mod heatmap;
pub mod log_axis;
mod loss_plot;
pub mod plot_key;
pub mod plots;
pub mod runs;
mod seed_groups;
mod sweep_halving;
pub mod sweep_tab;
mod terms_plot;
pub mod toolbar;
pub mod tour;

use super::heatmap::Heatmaps;
use super::i18n::shell::Shell;
use super::i18n::{tr, trf};
use super::runs::Runs;
use super::state::{SavedState, SidePanel, TextSampler, UiCommand, View};
use super::sweep::{ActiveSweep, RunState};
use super::tour::Tour;
use super::views::RunViews;
use crate::sweep::{Sweep, SweepError};
use crate::train::{ConfigError, TrainConfig};

/// What a frame draws, lent by the app for the frame.
pub struct Frame<'a> {
    /// The saved state: the panel's setup, plot toggles, the Sweep tab's editor …
    pub state: &'a mut SavedState,
    pub runs: &'a Runs,
    /// The panel's setup validated.
    pub validation: &'a Result<TrainConfig, ConfigError>,
    pub message: Option<&'a str>,
    pub view: View,
    pub sampler: &'a mut TextSampler,
    pub duplicate_edit: &'a mut String,
    /// The selected run's heatmap textures.
    pub heatmaps: &'a Heatmaps,
    /// The Sweep tab's sweep expanded over the panel's setup.
    pub sweep_preview: &'a Result<Sweep, SweepError>,
    /// The latest sweep started and the states of its runs.
    pub sweep: Option<(&'a ActiveSweep, &'a [RunState])>,
    /// Whether a deleted run can be brought back.
    pub can_undo: bool,
    /// The guided tour, while it is shown, and where last frame drew each plot (it outlines
    /// one).
    pub tour: Option<&'a Tour>,
    pub plot_rects: &'a [(String, egui::Rect)],
    pub frame_ms: f64,
    /// What the plots show of the selected run's weights.
    pub views: &'a RunViews,
}

/// What a frame returns: the user's commands and where things were drawn.
#[derive(Default)]
pub struct Drawn {
    pub commands: Vec<UiCommand>,
    /// Where each plot was drawn, by title.
    pub plot_rects: Vec<(String, egui::Rect)>,
    /// Where the sweep result plot drew each run's marker, with the run's id.
    pub sweep_markers: Vec<(egui::Pos2, u64)>,
}

/// Draws the whole window.
pub fn draw(frame: Frame<'_>, ui: &mut egui::Ui) -> Drawn {
    let Frame {
        state,
        runs,
        validation,
        message,
        view,
        sampler,
        duplicate_edit,
        heatmaps,
        sweep_preview,
        sweep,
        can_undo,
        frame_ms,
        tour,
        plot_rects,
        views,
    } = frame;
    let scroll_to_plot = tour
        .filter(|t| t.scroll_pending)
        .map(|t| t.step().plot.title());
    // The plots drawn last frame: the export menu offers them.
    let plot_titles: Vec<String> = plot_rects.iter().map(|(t, _)| t.clone()).collect();
    let mut out = Drawn::default();
    let commands = &mut out.commands;
    egui::Panel::top("toolbar").show(ui, |ui| {
        toolbar::toolbar_ui(
            ui,
            runs,
            validation.is_ok(),
            &mut state.step_n,
            &mut state.window,
            &plot_titles,
            commands,
        );
    });
    egui::Panel::bottom("status").show(ui, |ui| toolbar::status_ui(ui, runs, frame_ms));
    // Copies: the panels' closures borrow the state; dragging a panel shut flips these.
    let mut setup_open = state.window.setup_panel_open;
    let mut runs_open = state.window.runs_panel_open;
    side_panel(
        ui,
        &mut setup_open,
        &SETUP_PANEL,
        commands,
        |ui, commands| {
            let selected = runs.selected().map(|r| (r.name.as_str(), r.config.setup()));
            experiment::experiment_ui(ui, state, validation, selected, commands);
        },
    );
    let runs_left = side_panel(ui, &mut runs_open, &RUNS_PANEL, commands, |ui, commands| {
        runs::runs_ui(ui, runs, duplicate_edit, state.step_n, commands);
        runs::text_sampler_ui(ui, runs, sampler, commands);
    })
    .left();
    state.window.setup_panel_open = setup_open;
    state.window.runs_panel_open = runs_open;
    egui::CentralPanel::default().show(ui, |ui| {
        // With a right panel, egui 0.37 gives the central panel a max rect that reaches under
        // it: lay the content out in the part that is visible.
        let mut rect = ui.max_rect();
        rect.max.x = rect.max.x.min(runs_left - ui.spacing().item_spacing.x);
        ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
            view_tabs_ui(ui, view, sweep, &mut out.commands);
            if let Some(msg) = message {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(ui.visuals().warn_fg_color, msg);
                    if can_undo && ui.small_button(tr(Shell::UndoDelete)).clicked() {
                        out.commands.push(UiCommand::UndoDelete);
                    }
                    if ui.small_button(tr(Shell::Dismiss)).clicked() {
                        out.commands.push(UiCommand::DismissMessage);
                    }
                });
                ui.separator();
            }
            match view {
                View::Training => {
                    out.plot_rects =
                        plots::plots_ui(ui, state, runs, heatmaps, views, scroll_to_plot);
                }
                View::Sweep => {
                    out.sweep_markers =
                        sweep_tab::sweep_tab_ui(ui, state, sweep_preview, sweep, &mut out.commands);
                }
            }
        });
    });
    if let Some(tour) = tour {
        tour::tour_ui(ui, tour, plot_rects, &mut out.commands);
    }
    out
}

/// How wide a closed side panel is: room for its button.
const COLLAPSED_WIDTH: f32 = 30.0;

/// A side panel that closes to a strip: which one, its ids (open and closed: egui keeps a
/// size per id), its sizes and its words.
struct SidePanelSpec {
    panel: SidePanel,
    id: &'static str,
    closed_id: &'static str,
    default_size: f32,
    size_range: std::ops::RangeInclusive<f32>,
    hide: Shell,
    hide_hover: Shell,
    /// The closed strip's button and its hover text.
    arrow: &'static str,
    show_hover: Shell,
}

const SETUP_PANEL: SidePanelSpec = SidePanelSpec {
    panel: SidePanel::Setup,
    id: "experiment", // i18n-exempt: egui panel id
    closed_id: "experiment_closed",
    default_size: 330.0,
    size_range: 260.0..=520.0,
    hide: Shell::HideSetup,
    hide_hover: Shell::HideSetupHint,
    arrow: "▶",
    show_hover: Shell::ShowSetup,
};

const RUNS_PANEL: SidePanelSpec = SidePanelSpec {
    panel: SidePanel::Runs,
    id: "runs", // i18n-exempt: egui panel id
    closed_id: "runs_closed",
    default_size: 310.0,
    size_range: 310.0..=560.0,
    hide: Shell::HideRuns,
    hide_hover: Shell::HideRunsHint,
    arrow: "◀",
    show_hover: Shell::ShowRuns,
};

/// Draws the side panel `spec`: open, its hide button and `contents`; closed, a strip with
/// the button that opens it. Returns where it was drawn.
fn side_panel(
    ui: &mut egui::Ui,
    open: &mut bool,
    spec: &SidePanelSpec,
    commands: &mut Vec<UiCommand>,
    contents: impl FnOnce(&mut egui::Ui, &mut Vec<UiCommand>),
) -> egui::Rect {
    let side = |id: &'static str| match spec.panel {
        SidePanel::Setup => egui::Panel::left(id),
        SidePanel::Runs => egui::Panel::right(id),
    };
    egui::Panel::show_switched(
        ui,
        open,
        side(spec.closed_id)
            .resizable(false)
            .exact_size(COLLAPSED_WIDTH),
        side(spec.id)
            .resizable(true)
            .default_size(spec.default_size)
            .size_range(spec.size_range.clone()),
        |ui, open| {
            let (button, hover) = if open {
                (tr(spec.hide), tr(spec.hide_hover))
            } else {
                (spec.arrow, tr(spec.show_hover))
            };
            let clicked = if open {
                ui.small_button(button)
            } else {
                ui.button(button)
            }
            .on_hover_text(hover)
            .clicked();
            if clicked {
                commands.push(UiCommand::ShowPanel(spec.panel, !open));
            }
            if open {
                contents(ui, commands);
            }
        },
    )
    .response
    .rect
}

/// The Training | Sweep switch.
fn view_tabs_ui(
    ui: &mut egui::Ui,
    view: View,
    sweep: Option<(&ActiveSweep, &[RunState])>,
    out: &mut Vec<UiCommand>,
) {
    ui.horizontal(|ui| {
        for (tab, label, hover) in [
            (View::Training, Shell::TrainingTab, Shell::TrainingTabHint),
            (View::Sweep, Shell::SweepTab, Shell::SweepTabHint),
        ] {
            let going = sweep.is_some_and(|(s, _)| s.going());
            let text = if tab == View::Sweep && going {
                trf(Shell::TabRunning, &[("tab", &tr(label))])
            } else {
                tr(label).to_owned()
            };
            if ui
                .selectable_label(view == tab, text)
                .on_hover_text(tr(hover))
                .clicked()
            {
                out.push(UiCommand::ShowView(tab));
            }
        }
    });
    ui.separator();
}
