//! The Sweep tab: one or two settings of the experiment panel's setup swept over values and
//! seeds, their runs trained a few at a time, and the result plot (a line per value of the
//! second setting, a band over seeds) whose points open their run.

use egui::Ui;
use egui_plot::{GridInput, GridMark, HoverPosition, Line, Plot, PlotPoint, Points, Polygon};

use super::log_axis::{log_axis, log_grid, log_grid_x};
use crate::expect::{Compare, ExpectMetric};
use crate::gui::i18n::sweep::Sweep as Msg;
use crate::gui::i18n::{tr, trf};
use crate::gui::state::{DialogKind, SavedState, UiCommand};
use crate::gui::style;
use crate::gui::sweep::{
    ActiveSweep, AxisEdit, MAX_TAB_RUNS, RunState, Spacing, SweepEditor, SweepY, max_axes,
    result_lines, sweepable_for, x_positions,
};
use crate::sweep::{Sweep, SweepError};

/// How close (in points) a click must be to a run's marker to open it.
const CLICK_RADIUS: f32 = 12.0;

/// Draws the tab: the editor (edits `state.sweep`), the preview of the sweep it expands to,
/// and the latest sweep's progress, result plot and table. Returns where the result plot drew
/// each run's marker, with the run's id.
pub fn sweep_tab_ui(
    ui: &mut Ui,
    state: &mut SavedState,
    preview: &Result<Sweep, SweepError>,
    sweep: Option<(&ActiveSweep, &[RunState])>,
    out: &mut Vec<UiCommand>,
) -> Vec<(egui::Pos2, u64)> {
    let mut markers = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.label(trf(Msg::Intro, &[("preset", &state.preset_name)]));
        ui.add_space(4.0);
        editor_ui(state, ui);
        ui.add_space(4.0);
        let active = sweep.is_some_and(|(s, states)| !s.stopped && !s.finished(states));
        ui.horizontal_wrapped(|ui| match &preview {
            Ok(sweep) => {
                ui.label(preview_text(sweep));
            }
            Err(e) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    trf(Msg::PreviewError, &[("error", e)]),
                );
            }
        });
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(preview.is_ok(), egui::Button::new(tr(Msg::RunSweep)))
                .on_hover_text(tr(Msg::RunSweepHint))
                .clicked()
            {
                out.push(UiCommand::RunSweep);
            }
            if ui
                .add_enabled(active, egui::Button::new(tr(Msg::StopSweep)))
                .on_hover_text(tr(Msg::StopSweepHint))
                .clicked()
            {
                out.push(UiCommand::StopSweep);
            }
            if ui
                .button(tr(Msg::OpenSweep))
                .on_hover_text(tr(Msg::OpenSweepHint))
                .clicked()
            {
                out.push(UiCommand::OpenDialog(DialogKind::OpenSweep));
            }
            if ui
                .add_enabled(preview.is_ok(), egui::Button::new(tr(Msg::SaveSweep)))
                .on_hover_text(tr(Msg::SaveSweepHint))
                .clicked()
            {
                out.push(UiCommand::OpenDialog(DialogKind::SaveSweep));
            }
            if ui
                .add_enabled(sweep.is_some(), egui::Button::new(tr(Msg::ExportResults)))
                .on_hover_text(tr(Msg::ExportResultsHint))
                .clicked()
            {
                out.push(UiCommand::OpenDialog(DialogKind::ExportSweepResults));
            }
        });
        ui.separator();
        let Some((active, states)) = sweep else {
            ui.weak(tr(Msg::NoSweep));
            return;
        };
        if let Some(h) = &active.halving {
            super::sweep_halving::halving_ui(active, h, ui, out);
            return;
        }
        progress_ui(active, states, ui);
        markers = result_plot_ui(&mut state.sweep, active, states, ui, out);
        ui.add_space(6.0);
        points_table_ui(active, states, ui);
    });
    markers
}

/// What the editor's sweep is: its points (a grid's values per setting, or those drawn at
/// random), seeds, runs and steps, and the rungs of successive halving.
fn preview_text(sweep: &Sweep) -> String {
    // A random search's points, or a grid's values per setting.
    let counts = if sweep.random.is_some() {
        random_points_text(sweep)
    } else {
        let counts: Vec<String> = sweep
            .axes
            .iter()
            .map(|a| trf(Msg::ValuesCount, &[("n", &a.values.len())]))
            .collect();
        counts.join(" × ")
    };
    let mut text = trf(
        Msg::PreviewCounts,
        &[
            ("counts", &counts),
            ("seeds", &sweep.seeds.len()),
            ("runs", &sweep.runs.len()),
            ("steps", &sweep.runs.first().map_or(0, |r| r.config.steps)),
        ],
    );
    if let Some(schedule) = &sweep.halving {
        let rungs: Vec<String> = schedule
            .rungs
            .iter()
            .enumerate()
            .map(|(k, r)| {
                trf(
                    Msg::RungPlan,
                    &[("rung", &k), ("setups", &r.setups), ("steps", &r.steps)],
                )
            })
            .collect();
        text.push_str(" · ");
        text.push_str(&trf(
            Msg::PreviewHalving,
            &[("eta", &schedule.eta), ("rungs", &rungs.join(", "))],
        ));
    }
    text
}

/// "60 points drawn at random (sample seed 1)".
fn random_points_text(sweep: &Sweep) -> String {
    sweep.random.map_or_else(String::new, |r| {
        trf(
            Msg::RandomPoints,
            &[("points", &r.samples), ("seed", &r.seed)],
        )
    })
}

/// `key = value, key = value` with each key's last segment.
pub(super) fn point_text(sweep: &Sweep, values: &[String]) -> String {
    sweep
        .axes
        .iter()
        .zip(values)
        .map(|(a, v)| format!("{} = {v}", a.key.rsplit('.').next().unwrap_or(&a.key)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn editor_ui(state: &mut SavedState, ui: &mut Ui) {
    let SavedState {
        sweep: editor,
        setup: base,
        ..
    } = state;
    let offered = sweepable_for(base);
    let axes = editor.axes.len();
    let random_on = editor.random_on;
    let mut remove = None;
    egui::Grid::new("sweep_editor")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            for (i, axis) in editor.axes.iter_mut().enumerate() {
                ui.label(match i {
                    0 => tr(Msg::FirstSetting).to_owned(),
                    // A random search's settings are not lines of the plot.
                    _ if random_on => trf(Msg::SettingN, &[("n", &(i + 1))]),
                    _ => tr(Msg::SecondSetting).to_owned(),
                });
                ui.horizontal(|ui| {
                    let shown = offered
                        .iter()
                        .find(|s| s.names(&axis.key))
                        .map_or(tr(Msg::OtherSetting), |s| tr(s.label));
                    egui::ComboBox::from_id_salt(("sweep_key", i))
                        .selected_text(shown)
                        .width(170.0)
                        .show_ui(ui, |ui| {
                            for s in &offered {
                                if ui
                                    .selectable_label(s.names(&axis.key), tr(s.label))
                                    .on_hover_text(s.key)
                                    .clicked()
                                {
                                    axis.pick(s, base);
                                }
                            }
                        })
                        .response
                        .on_hover_text(tr(Msg::SettingComboHint));
                    ui.add(egui::TextEdit::singleline(&mut axis.key).desired_width(170.0))
                        .on_hover_text(tr(Msg::SettingPathHint));
                    if i > 0 && ui.small_button(tr(Msg::Remove)).clicked() {
                        remove = Some(i);
                    }
                });
                ui.end_row();
                ui.label("");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut axis.spacing, Spacing::Linear, tr(Msg::Linear))
                        .on_hover_text(tr(Msg::LinearHint));
                    ui.radio_value(&mut axis.spacing, Spacing::Log, tr(Msg::Log))
                        .on_hover_text(tr(Msg::LogHint));
                    ui.radio_value(&mut axis.spacing, Spacing::List, tr(Msg::List))
                        .on_hover_text(tr(Msg::ListHint));
                    if random_on || axis.spacing.is_random() {
                        ui.radio_value(&mut axis.spacing, Spacing::Uniform, tr(Msg::Uniform))
                            .on_hover_text(tr(Msg::UniformHint));
                        ui.radio_value(&mut axis.spacing, Spacing::LogUniform, tr(Msg::LogUniform))
                            .on_hover_text(tr(Msg::LogUniformHint));
                        ui.radio_value(&mut axis.spacing, Spacing::Choice, tr(Msg::Choice))
                            .on_hover_text(tr(Msg::ChoiceHint));
                    }
                    if axis.spacing.is_list() {
                        ui.add(
                            egui::TextEdit::singleline(&mut axis.list)
                                .hint_text("rnn(tanh), lstm, gru") // i18n-exempt: RON values, as typed in the field
                                .desired_width(260.0),
                        );
                    } else {
                        ui.label(tr(Msg::From));
                        number(ui, &mut axis.from);
                        ui.label(tr(Msg::To));
                        number(ui, &mut axis.to);
                        if !axis.spacing.is_random() {
                            ui.label("n");
                            ui.add(egui::DragValue::new(&mut axis.n).range(1..=100));
                        }
                    }
                });
                ui.end_row();
            }
            if axes < max_axes(random_on) {
                ui.label("");
                let (add, hint) = if random_on {
                    (
                        tr(Msg::AddSetting),
                        trf(Msg::AddSettingHint, &[("max", &max_axes(true))]),
                    )
                } else {
                    (tr(Msg::AddSecond), tr(Msg::AddSecondHint).to_owned())
                };
                if ui.button(add).on_hover_text(hint).clicked() {
                    let mut second = AxisEdit::default();
                    if let Some(cell) = offered.iter().find(|s| s.key == "model.cell") {
                        second.pick(cell, base);
                    }
                    editor.axes.push(second);
                }
                ui.end_row();
            }

            ui.label(tr(Msg::SeedsPerPoint));
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut editor.seeds).range(1..=50))
                    .on_hover_text(tr(Msg::SeedsPerPointHint));
                ui.label(tr(Msg::StepsPerRun));
                ui.add(egui::DragValue::new(&mut editor.steps).range(0..=10_000_000))
                    .on_hover_text(trf(Msg::StepsPerRunHint, &[("steps", &base.steps)]));
                ui.label(tr(Msg::RunsAtATime));
                ui.add(egui::DragValue::new(&mut editor.jobs).range(1..=64))
                    .on_hover_text(tr(Msg::RunsAtATimeHint));
            });
            ui.end_row();

            ui.label(tr(Msg::Search));
            ui.horizontal(|ui| {
                ui.checkbox(&mut editor.random_on, tr(Msg::RandomSearch))
                    .on_hover_text(tr(Msg::RandomSearchHint));
                ui.add_enabled_ui(editor.random_on, |ui| {
                    ui.add(egui::DragValue::new(&mut editor.samples).range(1..=MAX_TAB_RUNS));
                    ui.label(tr(Msg::PointsLabel));
                    ui.label(tr(Msg::SampleSeed));
                    ui.add(egui::DragValue::new(&mut editor.sample_seed))
                        .on_hover_text(tr(Msg::SampleSeedHint));
                });
                ui.separator();
                ui.checkbox(&mut editor.halving_on, tr(Msg::Halving))
                    .on_hover_text(tr(Msg::HalvingHint));
                ui.add_enabled_ui(editor.halving_on, |ui| {
                    ui.label("η");
                    ui.add(egui::DragValue::new(&mut editor.eta).range(2..=10))
                        .on_hover_text(tr(Msg::EtaHint));
                    ui.label(tr(Msg::RungsLabel));
                    ui.add(
                        egui::DragValue::new(&mut editor.rungs)
                            .range(2..=crate::sweep::halving::MAX_RUNGS),
                    );
                });
            });
            ui.end_row();

            ui.checkbox(&mut editor.solved_on, tr(Msg::SolvedWhen))
                .on_hover_text(tr(Msg::SolvedWhenHint));
            ui.add_enabled_ui(editor.solved_on, |ui| {
                ui.horizontal(|ui| {
                    egui::ComboBox::from_id_salt("sweep_solved_metric")
                        .selected_text(metric_label(editor.solved_metric))
                        .show_ui(ui, |ui| {
                            for m in [
                                ExpectMetric::EvalLoss,
                                ExpectMetric::EvalMetric,
                                ExpectMetric::ProfileRatio,
                                ExpectMetric::Diverged,
                            ] {
                                ui.selectable_value(&mut editor.solved_metric, m, metric_label(m));
                            }
                        });
                    egui::ComboBox::from_id_salt("sweep_solved_compare")
                        .selected_text(match editor.solved_compare {
                            Compare::Below => "<",
                            Compare::Above => ">",
                        })
                        .width(40.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut editor.solved_compare, Compare::Below, "<");
                            ui.selectable_value(&mut editor.solved_compare, Compare::Above, ">");
                        });
                    number(ui, &mut editor.solved_threshold);
                });
            });
            ui.end_row();
        });
    if let Some(i) = remove {
        editor.axes.remove(i);
    }
}

/// A number field that keeps small and large values readable.
fn number(ui: &mut Ui, v: &mut f64) {
    let speed = (v.abs() * 0.01).max(1e-6);
    ui.add(
        egui::DragValue::new(v)
            .speed(speed)
            .custom_formatter(|v, _| format!("{v}")),
    );
}

fn metric_label(m: ExpectMetric) -> &'static str {
    match m {
        ExpectMetric::EvalLoss => tr(Msg::HeldOutLoss),
        ExpectMetric::EvalMetric => tr(Msg::HeldOutMetric),
        ExpectMetric::ProfileRatio => tr(Msg::ProfileRatio),
        ExpectMetric::Diverged => tr(Msg::DivergedFlag),
    }
}

fn progress_ui(active: &ActiveSweep, states: &[RunState], ui: &mut Ui) {
    let total = states.len();
    let count = |f: fn(&RunState) -> bool| states.iter().filter(|s| f(s)).count();
    let done = count(|s| matches!(s, RunState::Done(_)));
    let training = count(|s| matches!(s, RunState::Running));
    let lost = count(|s| matches!(s, RunState::Lost(_)));
    let elapsed = active.started.elapsed().as_secs_f64();
    let left = total - done - lost;
    let mut parts = vec![
        trf(
            Msg::ProgressDone,
            &[
                ("number", &active.number),
                ("done", &done),
                ("total", &total),
            ],
        ),
        trf(Msg::ProgressTraining, &[("training", &training)]),
    ];
    if lost > 0 {
        parts.push(trf(Msg::ProgressLost, &[("lost", &lost)]));
    }
    parts.push(style::duration(elapsed));
    if active.stopped && left > 0 {
        parts.push(tr(Msg::Stopped).into());
    } else if left > 0 && done + lost > 0 {
        let eta = elapsed / (done + lost) as f64 * left as f64;
        parts.push(trf(Msg::TimeLeft, &[("time", &style::duration(eta))]));
    }
    let text = parts.join(" · ");
    ui.strong(&active.sweep.name);
    ui.add(
        egui::ProgressBar::new((done + lost) as f32 / total.max(1) as f32)
            .text(text)
            .desired_width(ui.available_width().min(640.0)),
    );
}

/// The result plot; returns where it drew each run's marker, with the run's id.
fn result_plot_ui(
    editor: &mut SweepEditor,
    active: &ActiveSweep,
    states: &[RunState],
    ui: &mut Ui,
    out: &mut Vec<UiCommand>,
) -> Vec<(egui::Pos2, u64)> {
    ui.horizontal(|ui| {
        ui.label(tr(Msg::Plot));
        egui::ComboBox::from_id_salt("sweep_y")
            .selected_text(editor.y.label())
            .show_ui(ui, |ui| {
                for y in SweepY::ALL {
                    ui.selectable_value(&mut editor.y, y, y.label());
                }
            });
        ui.checkbox(&mut editor.log_y, tr(Msg::LogY));
        ui.weak(tr(if active.sweep.random.is_some() {
            Msg::PlotKeyRandom
        } else {
            Msg::PlotKey
        }));
    });
    let y_kind = editor.y;
    let rows: Vec<_> = states
        .iter()
        .filter_map(|s| match s {
            RunState::Done(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    let lines = result_lines(&active.sweep, &rows, y_kind);
    // A random search's points are not a grid: dots only, no line or band between them.
    let random = active.sweep.random.is_some();
    let first = &active.sweep.axes[0];
    let (xs, numeric) = x_positions(&first.values);
    let positive = |v: &f64| *v > 0.0;
    let log_x = numeric
        && xs.iter().all(positive)
        && xs.iter().copied().fold(0.0, f64::max)
            / xs.iter().copied().fold(f64::INFINITY, f64::min)
            >= 20.0;
    let all_y = || {
        lines
            .iter()
            .flat_map(|l| l.points.iter().flat_map(|p| p.runs.iter().map(|r| r.1)))
    };
    let log_y = editor.log_y && all_y().all(|v| v > 0.0);
    let tx = move |x: f64| if log_x { x.log10() } else { x };
    let ty = move |y: f64| if log_y { y.log10() } else { y };

    let mut plot = Plot::new("sweep_result")
        .height(340.0)
        .allow_scroll(false)
        .x_axis_label(first.key.clone())
        .y_axis_label(y_kind.label());
    // The whole x range from the start, so the plot does not shift as the points fill in.
    for &x in &xs {
        plot = plot.include_x(tx(x));
    }
    if log_x {
        plot = plot.x_axis_formatter(log_axis).x_grid_spacer(log_grid_x);
    } else if !numeric {
        let labels = first.values.clone();
        plot = plot
            .x_axis_formatter(move |mark: GridMark, _| {
                let i = mark.value.round();
                if (mark.value - i).abs() < 1e-9 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_grid_spacer(integer_grid);
    }
    if log_y {
        plot = plot.y_axis_formatter(log_axis).y_grid_spacer(log_grid);
    }
    let key = first.key.clone();
    let names = first.values.clone();
    plot = plot.label_formatter(move |pos: &HoverPosition<'_>| match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => {
            let x = if log_x {
                10f64.powf(position.x)
            } else {
                position.x
            };
            let x = if numeric {
                style::num(x)
            } else {
                names
                    .get(x.round().max(0.0) as usize)
                    .cloned()
                    .unwrap_or_default()
            };
            let y = if log_y {
                10f64.powf(position.y)
            } else {
                position.y
            };
            Some(format!("{plot_name}\n{key} = {x}\n{}", style::num(y)))
        }
        HoverPosition::Elsewhere { .. } => None,
    });

    let second = active
        .sweep
        .axes
        .get(1)
        .filter(|_| !random)
        .map(|a| a.key.clone());
    // The key of the lines above the plot, where it never hides a point (a legend inside the
    // plot sat on the highest values).
    if let Some(k) = &second {
        ui.horizontal_wrapped(|ui| {
            for (i, line) in lines.iter().enumerate() {
                let color = style::RUN_COLORS[i % style::RUN_COLORS.len()];
                ui.colored_label(color, format!("━ {k} = {}", line.label));
            }
        });
    }
    let mut markers: Vec<(PlotPoint, usize)> = Vec::new();
    let response = plot.show(ui, |p| {
        for (i, line) in lines.iter().enumerate() {
            let color = style::RUN_COLORS[i % style::RUN_COLORS.len()];
            let name = match &second {
                Some(k) => format!("{k} = {}", line.label),
                None => y_kind.label().to_owned(),
            };
            for pair in line.points.windows(2).filter(|_| !random) {
                let (a, b) = (&pair[0], &pair[1]);
                let quad = vec![
                    [tx(a.x), ty(a.min)],
                    [tx(b.x), ty(b.min)],
                    [tx(b.x), ty(b.max)],
                    [tx(a.x), ty(a.max)],
                ];
                p.polygon(
                    Polygon::new(name.clone(), quad)
                        .fill_color(color.gamma_multiply(0.18))
                        .stroke(egui::Stroke::NONE),
                );
            }
            if !random {
                let mean: Vec<[f64; 2]> =
                    line.points.iter().map(|q| [tx(q.x), ty(q.mean)]).collect();
                p.line(Line::new(name.clone(), mean).color(color).width(2.0));
            }
            let dots: Vec<[f64; 2]> = line
                .points
                .iter()
                .flat_map(|q| q.runs.iter().map(move |(_, v)| [tx(q.x), ty(*v)]))
                .collect();
            p.points(Points::new(name.clone(), dots).color(color).radius(3.0));
            for q in &line.points {
                for (index, v) in &q.runs {
                    markers.push((PlotPoint::new(tx(q.x), ty(*v)), *index));
                }
            }
        }
    });
    let markers: Vec<(egui::Pos2, u64)> = markers
        .iter()
        .filter_map(|(pt, index)| {
            let id = active.run_ids.get(*index).copied().flatten()?;
            Some((response.transform.position_from_point(pt), id))
        })
        .collect();
    if rows.is_empty() {
        ui.weak(tr(Msg::ResultsAppear));
    }
    if response.response.clicked()
        && let Some(pos) = response.response.interact_pointer_pos()
        && let Some((_, id)) = markers
            .iter()
            .map(|(p, id)| (p.distance(pos), *id))
            .filter(|(d, _)| *d <= CLICK_RADIUS)
            .min_by(|a, b| a.0.total_cmp(&b.0))
    {
        out.push(UiCommand::OpenRun(id));
    }
    markers
}

/// Grid lines at the integers (categorical x axis).
#[expect(
    clippy::needless_pass_by_value,
    reason = "the signature egui_plot's grid spacer takes"
)]
fn integer_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite()) || hi - lo > 1000.0 {
        return Vec::new();
    }
    (lo.ceil() as i64..=hi.floor() as i64)
        .map(|i| GridMark {
            value: i as f64,
            step_size: 1.0,
        })
        .collect()
}

/// Per point: seeds done, mean held-out loss and metric, how many solved and the median
/// steps to solve, divergences.
fn points_table_ui(active: &ActiveSweep, states: &[RunState], ui: &mut Ui) {
    let keys = active.sweep.keys();
    let seeds = active.sweep.seeds.len();
    let solved = active.expect.map(|e| {
        let d = e.describe();
        d.split(" by step").next().unwrap_or(&d).to_owned() // i18n-exempt: cuts the library's clause text, not shown
    });
    let title = if active.sweep.random.is_some() {
        format!(
            "{} ({})",
            tr(Msg::ResultsPerPoint),
            random_points_text(&active.sweep)
        )
    } else {
        tr(Msg::ResultsPerPoint).to_owned()
    };
    egui::CollapsingHeader::new(title)
        .id_salt("sweep_points_header")
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("sweep_points")
                .striped(true)
                .spacing([14.0, 4.0])
                .show(ui, |ui| {
                    for k in &keys {
                        ui.strong(k);
                    }
                    for h in [Msg::DoneColumn, Msg::HeldOutLoss, Msg::HeldOutMetric].map(tr) {
                        ui.strong(h);
                    }
                    ui.strong(solved.as_deref().unwrap_or(tr(Msg::SolvedColumn)))
                        .on_hover_text(tr(Msg::SolvedColumnHint));
                    ui.strong(tr(Msg::MedianSteps));
                    ui.strong(tr(Msg::DivergedColumn));
                    ui.end_row();
                    for (p, point) in states.chunks(seeds).enumerate() {
                        for v in &active.sweep.runs[p * seeds].values {
                            ui.label(v);
                        }
                        let rows: Vec<_> = point
                            .iter()
                            .filter_map(|s| match s {
                                RunState::Done(r) => Some(r),
                                _ => None,
                            })
                            .collect();
                        ui.label(format!("{}/{}", rows.len(), point.len()));
                        let mean = |f: fn(&crate::sweep::Row) -> Option<f64>| {
                            let v: Vec<f64> = rows.iter().filter_map(|r| f(r)).collect();
                            if v.is_empty() {
                                "–".to_owned()
                            } else {
                                style::num(v.iter().sum::<f64>() / v.len() as f64)
                            }
                        };
                        ui.label(mean(|r| r.eval_loss));
                        ui.label(mean(|r| r.eval_metric));
                        let mut reached: Vec<u64> =
                            rows.iter().filter_map(|r| r.steps_to_expect).collect();
                        reached.sort_unstable();
                        if solved.is_some() {
                            ui.label(format!("{}/{}", reached.len(), rows.len()));
                        } else {
                            ui.label("–");
                        }
                        ui.label(
                            crate::sweep::results::median(&reached)
                                .map_or("–".to_owned(), |m| m.to_string()),
                        );
                        let diverged = rows.iter().filter(|r| r.diverged).count();
                        if diverged > 0 {
                            ui.colored_label(
                                ui.visuals().warn_fg_color,
                                format!("{diverged}/{}", rows.len()),
                            );
                        } else {
                            ui.label("0");
                        }
                        ui.end_row();
                    }
                });
        });
}
