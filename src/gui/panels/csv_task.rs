//! The csv task's controls in the experiment panel and the preview of its file before any
//! training: the first lines as written, the predicted column with the split marked, the
//! windows and the baselines. The preview is the validated task's (built off the UI thread):
//! a file that cannot be used shows its error, naming line and column, under the task.

use egui::Ui;
use egui_plot::{Line, LineStyle, Plot, PlotPoints, VLine};

use super::experiment_widgets::sweep_menu;
use crate::gui::i18n::data::Data;
use crate::gui::i18n::{tr, trf};
use crate::gui::state::{DialogKind, UiCommand};
use crate::gui::style;
use crate::tasks::TaskConfig;
use crate::tasks::csv::{Column, CsvSeries, CsvSettings, Delimiter, HeaderRow, Missing, Normalize};

/// Points of the preview's series plot at most (every k-th row above it).
const PREVIEW_POINTS: usize = 1500;

/// Draws the csv task's controls for `task` (a csv task; anything else draws nothing) and,
/// when `built` (the validated task), the preview of its file.
pub fn csv_task_ui(
    ui: &mut Ui,
    task: &mut TaskConfig,
    built: Option<&CsvSeries>,
    out: &mut Vec<UiCommand>,
) {
    let Some(mut s) = task.csv_settings() else {
        return;
    };
    file_ui(ui, &mut s, out);
    columns_ui(ui, &mut s, built);
    window_ui(ui, &mut s);
    let changed = TaskConfig::from_csv_settings(s);
    if changed != *task {
        *task = changed;
    }
    if let Some(series) = built {
        preview_ui(ui, series);
    }
}

fn file_ui(ui: &mut Ui, s: &mut CsvSettings, out: &mut Vec<UiCommand>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(tr(Data::File));
        match &s.path {
            Some(p) => ui.monospace(p.display().to_string()),
            None => ui.label(tr(Data::Bundled)),
        };
    });
    ui.horizontal(|ui| {
        if ui
            .button(tr(Data::ChooseFile))
            .on_hover_text(tr(Data::ChooseFileHint))
            .clicked()
        {
            out.push(UiCommand::OpenDialog(DialogKind::OpenData));
        }
        if s.path.is_some() && ui.small_button(tr(Data::UseBundled)).clicked() {
            *s = s.on_file(None);
        }
    });
}

/// The predicted column and the inputs: by header name when the file has a header, by index
/// otherwise.
fn columns_ui(ui: &mut Ui, s: &mut CsvSettings, built: Option<&CsvSeries>) {
    let header = built.and_then(CsvSeries::header);
    let label = |c: &Option<Column>| match c {
        None => tr(Data::LastNumeric).to_owned(),
        Some(Column::Name(n)) => n.clone(),
        Some(Column::Index(i)) => trf(Data::ColumnIndex, &[("index", i)]),
    };
    ui.horizontal(|ui| {
        ui.label(tr(Data::Target));
        if let Some(names) = header {
            egui::ComboBox::from_id_salt("csv_target")
                .selected_text(label(&s.target))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut s.target, None, tr(Data::LastNumeric));
                    for n in names {
                        ui.selectable_value(
                            &mut s.target,
                            Some(Column::Name(n.clone())),
                            n.as_str(),
                        );
                    }
                })
                .response
                .on_hover_text(tr(Data::TargetHint));
        } else {
            let mut index = match &s.target {
                Some(Column::Index(i)) => *i,
                _ => built.map_or(0, |b| b.target().index),
            };
            if ui
                .add(egui::DragValue::new(&mut index).range(0..=10_000))
                .on_hover_text(tr(Data::TargetHint))
                .changed()
            {
                s.target = Some(Column::Index(index));
            }
        }
    });
    // Inputs by name only (a file without a header takes them in a preset).
    if let Some(names) = header.filter(|n| n.len() > 1) {
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(Data::Inputs))
                .on_hover_text(tr(Data::InputsHint));
            for n in names {
                let column = Column::Name(n.clone());
                let mut on = s.inputs.contains(&column);
                if ui.checkbox(&mut on, n.as_str()).changed() {
                    if on {
                        s.inputs.push(column);
                    } else {
                        s.inputs.retain(|c| *c != column);
                    }
                }
            }
        });
    }
}

fn window_ui(ui: &mut Ui, s: &mut CsvSettings) {
    egui::Grid::new("csv_window").num_columns(2).show(ui, |ui| {
        ui.label(tr(Data::Window));
        ui.add(egui::DragValue::new(&mut s.seq_len).range(1..=100_000))
            .on_hover_text(tr(Data::WindowHint))
            .context_menu(sweep_menu("task.seq_len"));
        ui.end_row();
        ui.label(tr(Data::Horizon));
        ui.add(egui::DragValue::new(&mut s.horizon).range(1..=100_000))
            .on_hover_text(tr(Data::HorizonHint))
            .context_menu(sweep_menu("task.horizon"));
        ui.end_row();
        ui.label(tr(Data::Normalize));
        ui.horizontal(|ui| {
            ui.radio_value(&mut s.normalize, Normalize::ZScore, tr(Data::ZScore));
            ui.radio_value(&mut s.normalize, Normalize::MinMax, tr(Data::MinMax));
        })
        .response
        .on_hover_text(tr(Data::NormalizeHint));
        ui.end_row();
        ui.label(tr(Data::HeldOut));
        ui.add(
            egui::DragValue::new(&mut s.held_out)
                .range(0.01..=0.9)
                .speed(0.005)
                .max_decimals(3),
        )
        .on_hover_text(tr(Data::HeldOutHint));
        ui.end_row();
        ui.label(tr(Data::Missing));
        egui::ComboBox::from_id_salt("csv_missing")
            .selected_text(s.missing.name())
            .show_ui(ui, |ui| {
                for m in [Missing::Interpolate, Missing::Skip, Missing::Refuse] {
                    ui.selectable_value(&mut s.missing, m, m.name());
                }
            })
            .response
            .on_hover_text(tr(Data::MissingHint));
        ui.end_row();
        ui.label(tr(Data::Delimiter));
        egui::ComboBox::from_id_salt("csv_delimiter")
            .selected_text(delimiter_label(s.delimiter))
            .show_ui(ui, |ui| {
                for d in [
                    Delimiter::Auto,
                    Delimiter::Comma,
                    Delimiter::Semicolon,
                    Delimiter::Tab,
                ] {
                    ui.selectable_value(&mut s.delimiter, d, delimiter_label(d));
                }
            });
        ui.end_row();
        ui.label(tr(Data::Header));
        ui.horizontal(|ui| {
            ui.radio_value(&mut s.header, HeaderRow::Auto, tr(Data::Auto));
            ui.radio_value(&mut s.header, HeaderRow::Present, tr(Data::Yes));
            ui.radio_value(&mut s.header, HeaderRow::Absent, tr(Data::No));
        });
        ui.end_row();
    });
}

fn delimiter_label(d: Delimiter) -> &'static str {
    match d {
        Delimiter::Auto => tr(Data::Auto),
        Delimiter::Comma => ",",
        Delimiter::Semicolon => ";",
        Delimiter::Tab => "tab", // i18n-exempt: the key's name, as in presets
    }
}

/// The validated file: its size and split, its baselines, its first lines, its series.
fn preview_ui(ui: &mut Ui, series: &CsvSeries) {
    let (rows, split) = series.rows_and_split();
    ui.add_space(4.0);
    ui.label(
        egui::RichText::new(trf(
            Data::DataSummary,
            &[
                ("rows", &rows),
                ("train", &split),
                ("held", &(rows - split)),
                ("train_windows", &series.train_starts().len()),
                ("eval_windows", &series.eval_starts().len()),
            ],
        ))
        .small(),
    );
    let (missing, filled) = series.missing_and_filled();
    if missing > 0 {
        ui.label(
            egui::RichText::new(trf(
                Data::MissingSummary,
                &[("missing", &missing), ("filled", &filled)],
            ))
            .small(),
        );
    }
    let (p, m) = (series.persistence(), series.training_mean());
    ui.label(
        egui::RichText::new(trf(
            Data::BaselinesSummary,
            &[
                ("p_rmse", &style::num(p.rmse)),
                ("p_mae", &style::num(p.mae)),
                ("m_rmse", &style::num(m.rmse)),
                ("m_mae", &style::num(m.mae)),
            ],
        ))
        .small(),
    );
    if !series.head().is_empty() {
        egui::CollapsingHeader::new(tr(Data::FirstLines))
            .default_open(true)
            .show(ui, |ui| {
                egui::ScrollArea::horizontal()
                    .id_salt("csv_head")
                    .show(ui, |ui| {
                        for line in series.head() {
                            ui.add(
                                egui::Label::new(egui::RichText::new(line).monospace().small())
                                    .extend(),
                            );
                        }
                    });
            });
    }
    series_plot(ui, series, split);
}

/// The predicted column over the rows, the training part and the held-out part in two
/// colours, the split as a dashed line.
fn series_plot(ui: &mut Ui, series: &CsvSeries, split: usize) {
    let values = series.target_column();
    let every = values.len().div_ceil(PREVIEW_POINTS).max(1);
    let part = |lo: usize, hi: usize| -> PlotPoints<'static> {
        (lo..hi)
            .step_by(every)
            .filter(|&r| !values[r].is_nan())
            .map(|r| [r as f64, values[r]])
            .collect()
    };
    ui.weak(tr(Data::SeriesPlotHint));
    Plot::new("csv_series")
        .height(120.0)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .show_axes([true, true])
        .show(ui, |p| {
            p.line(
                Line::new(tr(Data::Training), part(0, split))
                    .color(style::RUN_COLORS[0])
                    .width(1.0),
            );
            p.line(
                Line::new(tr(Data::HeldOutPart), part(split, values.len()))
                    .color(style::RUN_COLORS[1])
                    .width(1.0),
            );
            p.vline(
                VLine::new(tr(Data::Split), split as f64)
                    .color(style::REFERENCE)
                    .style(LineStyle::dashed_dense()),
            );
        });
}
