//! The left panel: the experiment. Every control says, on hover, what it does and why it
//! matters for vanishing or exploding gradients; settings that do not apply are hidden.

use egui::Ui;

use super::experiment_widgets::{
    bias_init_ui, clip_ui, optimizer_ui, section, sweep_menu, sweep_request, weight_init_ui,
};
use crate::gui::i18n::setup::{Setup as Msg, config_error};
use crate::gui::i18n::{tr, trf};
use crate::gui::state::{SavedState, UiCommand};
use crate::nn::init::BiasInit;
use crate::nn::{Activation, Bptt, CellKind, UpdateMode};
use crate::tasks::PixelOrder;
use crate::tasks::TaskConfig;
use crate::tasks::sine::Series;
use crate::train::{ConfigError, Precision, Setup, TrainConfig};

/// Draws the experiment panel; edits `state.setup` in place (plain data, validated before any
/// run starts). `validation` is the setup's: its error is shown beside its section, and the
/// truncation's depths at the task's length. `selected` is the selected run (name, setup):
/// the panel says whether it is that run's setup or what the next run changes of it.
pub fn experiment_ui(
    ui: &mut Ui,
    state: &mut SavedState,
    validation: &Result<TrainConfig, ConfigError>,
    selected: Option<(&str, &Setup)>,
    out: &mut Vec<UiCommand>,
) {
    let error = validation.as_ref().err();
    let seq_len = validation.as_ref().ok().map(|c| c.task().max_seq_len());
    egui::ScrollArea::vertical().show(ui, |ui| {
        let (name, description) = state.preset_text();
        ui.heading(name);
        // The title is the preset's: say what the panel has changed of it.
        if let Some(p) = &state.preset_setup {
            let changed = crate::gui::naming::differences(p, &state.setup);
            if !changed.is_empty() {
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(trf(
                            Msg::ChangedFromPreset,
                            &[("changes", &changed.join(", "))],
                        ))
                        .color(ui.visuals().warn_fg_color),
                    )
                    .wrap(),
                );
            }
        }
        ui.add(egui::Label::new(egui::RichText::new(description).small()).wrap());
        ui.weak(tr(Msg::SweepHint));
        ui.separator();
        next_run_banner(ui, state, selected);
        let field = error.map(|e| e.field.clone()).unwrap_or_default();
        let show_error = |ui: &mut Ui, prefix: &str| {
            if let Some(e) = &error
                && field.starts_with(prefix)
            {
                ui.colored_label(ui.visuals().error_fg_color, config_error(e));
            }
        };
        let Setup {
            seed,
            model,
            task,
            init,
            bptt,
            clip,
            optimizer,
            batch_size,
            steps,
            eval,
            precision,
        } = &mut state.setup;

        section(ui, tr(Msg::Model), |ui| {
            ui.horizontal(|ui| {
                ui.label(tr(Msg::Cell));
                egui::ComboBox::from_id_salt("cell")
                    .selected_text(cell_label(model.cell))
                    .show_ui(ui, |ui| {
                        for c in [
                            CellKind::Rnn(Activation::Tanh),
                            CellKind::Rnn(Activation::Relu),
                            CellKind::Lstm,
                            CellKind::Gru,
                        ] {
                            ui.selectable_value(&mut model.cell, c, cell_label(c));
                        }
                    })
                    .response
                    .on_hover_text(tr(Msg::CellHint))
                    .context_menu(sweep_menu("model.cell"));
            });
            ui.horizontal(|ui| {
                ui.label(tr(Msg::Hidden));
                ui.add(egui::DragValue::new(&mut model.hidden).range(1..=1024))
                    .on_hover_text(tr(Msg::HiddenHint))
                    .context_menu(sweep_menu("model.hidden"));
            });
            ui.checkbox(&mut model.recurrent_bias, tr(Msg::RecurrentBias))
                .on_hover_text(tr(Msg::RecurrentBiasHint));
            if matches!(
                init.bias,
                BiasInit::ForgetBias { .. } | BiasInit::Chrono { .. }
            ) && model.cell != CellKind::Lstm
            {
                init.bias = BiasInit::Zero;
            }
            show_error(ui, "model"); // i18n-exempt: a field path prefix, not shown
        });

        section(ui, tr(Msg::Task), |ui| {
            task_ui(ui, task);
            let built = validation.as_ref().ok().and_then(|c| c.task().csv_series());
            super::csv_task::csv_task_ui(ui, task, built, out);
            show_error(ui, "task"); // i18n-exempt: a field path prefix, not shown
        });

        section(ui, tr(Msg::Bptt), |ui| {
            let kind = |b: &Bptt| match b {
                Bptt::Full => 0,
                Bptt::Truncated { .. } => 1,
                Bptt::Chunked { .. } => 2,
            };
            let mut chosen = kind(bptt);
            ui.horizontal(|ui| {
                ui.radio_value(&mut chosen, 0, tr(Msg::Full))
                    .on_hover_text(tr(Msg::FullHint));
                ui.radio_value(&mut chosen, 1, tr(Msg::Truncated))
                    .on_hover_text(tr(Msg::TruncatedHint));
                ui.radio_value(&mut chosen, 2, tr(Msg::Chunks))
                    .on_hover_text(tr(Msg::ChunksHint));
            });
            if chosen != kind(bptt) {
                let mode = bptt.mode();
                *bptt = match chosen {
                    0 => Bptt::Full,
                    1 => Bptt::Truncated {
                        k1: 10,
                        k2: 20,
                        mode: UpdateMode::PerSegment,
                    },
                    _ => Bptt::Chunked {
                        k: 10,
                        mode: if *bptt == Bptt::Full {
                            UpdateMode::PerSegment
                        } else {
                            mode
                        },
                    },
                };
            }
            if let Bptt::Chunked { k, .. } = bptt {
                ui.horizontal(|ui| {
                    ui.label("k");
                    ui.add(egui::DragValue::new(k).range(1..=100_000))
                        .on_hover_text(tr(Msg::ChunkHint))
                        .context_menu(sweep_menu("bptt.k"));
                });
            }
            if let Bptt::Truncated { k1, k2, .. } = bptt {
                ui.horizontal(|ui| {
                    ui.label("k1");
                    ui.add(egui::DragValue::new(k1).range(1..=100_000))
                        .on_hover_text(tr(Msg::K1Hint))
                        .context_menu(sweep_menu("bptt.k1"));
                    ui.label("k2");
                    ui.add(egui::DragValue::new(k2).range(1..=100_000))
                        .on_hover_text(tr(Msg::K2Hint))
                        .context_menu(sweep_menu("bptt.k2"));
                });
            }
            if let Bptt::Truncated { mode, .. } | Bptt::Chunked { mode, .. } = bptt {
                ui.horizontal(|ui| {
                    ui.label(tr(Msg::Update));
                    egui::ComboBox::from_id_salt("update_mode")
                        .selected_text(match mode {
                            UpdateMode::PerSegment => tr(Msg::UpdatePerSegment),
                            UpdateMode::Accumulate => tr(Msg::UpdateOnce),
                        })
                        .show_ui(ui, |ui| {
                            ui.selectable_value(
                                mode,
                                UpdateMode::PerSegment,
                                tr(Msg::UpdatePerSegment),
                            );
                            ui.selectable_value(mode, UpdateMode::Accumulate, tr(Msg::UpdateOnce));
                        })
                        .response
                        .on_hover_text(tr(Msg::UpdateHint));
                });
                if let Some(t) = seq_len {
                    let d = bptt.depths(t);
                    ui.weak(trf(
                        Msg::WindowsInfo,
                        &[
                            ("t", &t),
                            ("lo", &d.window_min),
                            ("hi", &d.window_max),
                            ("min", &d.term_min),
                            ("last_step", &d.last_step),
                        ],
                    ));
                }
            }
            show_error(ui, "bptt"); // i18n-exempt: a field path prefix, not shown
        });

        section(ui, tr(Msg::Clipping), |ui| {
            clip_ui(ui, clip);
            show_error(ui, "clip"); // i18n-exempt: a field path prefix, not shown
        });

        section(ui, tr(Msg::Init), |ui| {
            weight_init_ui(ui, "W_ih", "init_ih", &mut init.weight_ih);
            weight_init_ui(ui, "W_hh", "init_hh", &mut init.weight_hh);
            bias_init_ui(ui, model.cell, &mut init.bias);
            show_error(ui, "init"); // i18n-exempt: a field path prefix, not shown
        });

        section(ui, tr(Msg::Optimizer), |ui| {
            optimizer_ui(ui, optimizer);
            show_error(ui, "optimizer"); // i18n-exempt: a field path prefix, not shown
        });

        section(ui, tr(Msg::Training), |ui| {
            egui::Grid::new("training").num_columns(2).show(ui, |ui| {
                ui.label(tr(Msg::BatchSize));
                ui.add(egui::DragValue::new(batch_size).range(1..=4096))
                    .on_hover_text(tr(Msg::BatchSizeHint))
                    .context_menu(sweep_menu("batch_size"));
                ui.end_row();
                ui.label(tr(Msg::Steps));
                ui.add(
                    egui::DragValue::new(steps)
                        .range(1..=10_000_000)
                        .speed(10.0),
                )
                .on_hover_text(tr(Msg::StepsHint));
                ui.end_row();
                ui.label(tr(Msg::Seed));
                ui.add(egui::DragValue::new(seed))
                    .on_hover_text(tr(Msg::SeedHint));
                ui.end_row();
                ui.label(tr(Msg::HeldOut));
                ui.add(egui::DragValue::new(&mut eval.size).range(1..=100_000))
                    .on_hover_text(tr(Msg::HeldOutHint));
                ui.end_row();
                ui.label(tr(Msg::DiagnosticsEvery));
                ui.add(egui::DragValue::new(&mut eval.every).range(0..=1_000_000))
                    .on_hover_text(tr(Msg::DiagnosticsHint));
                ui.end_row();
                ui.label(tr(Msg::Analysis));
                ui.checkbox(&mut eval.analysis, "")
                    .on_hover_text(tr(Msg::AnalysisHint));
                ui.end_row();
                ui.label(tr(Msg::Threads));
                ui.horizontal(|ui| {
                    ui.radio_value(&mut state.threads, 1, "1");
                    ui.radio_value(&mut state.threads, 2, "2");
                })
                .response
                .on_hover_text(tr(Msg::ThreadsHint));
                ui.end_row();
                ui.label(tr(Msg::Precision));
                egui::ComboBox::from_id_salt("precision")
                    .selected_text(match precision {
                        Precision::F32 => "f32",
                        Precision::F64 => "f64",
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(precision, Precision::F32, "f32");
                        ui.selectable_value(precision, Precision::F64, "f64");
                    })
                    .response
                    .on_hover_text(tr(Msg::PrecisionHint));
                ui.end_row();
            });
            show_error(ui, "batch"); // i18n-exempt: a field path prefix, not shown
            show_error(ui, "steps"); // i18n-exempt: a field path prefix, not shown
            show_error(ui, "eval"); // i18n-exempt: a field path prefix, not shown
        });
        if let Some(e) = error
            && !SECTIONS.iter().any(|p| e.field.starts_with(p))
        {
            ui.colored_label(ui.visuals().error_fg_color, config_error(e));
        }
    });
    if let Some(key) = sweep_request(ui) {
        out.push(UiCommand::SweepSetting(key));
    }
}

/// The field path prefixes whose errors the sections show beside them.
#[rustfmt::skip]
const SECTIONS: [&str; 9] = ["model", "task", "bptt", "clip", "init", "optimizer", "batch", "steps", "eval"]; // i18n-exempt: field path prefixes, not shown

fn cell_label(c: CellKind) -> &'static str {
    match c {
        CellKind::Rnn(Activation::Tanh) => "RNN (tanh)",
        CellKind::Rnn(Activation::Relu) => "RNN (ReLU)",
        CellKind::Lstm => "LSTM",
        CellKind::Gru => "GRU",
    }
}

/// The task's kind as the combo box names it: its name in the presets (with what it is, in
/// Chinese).
fn task_kind(t: &TaskConfig) -> Msg {
    match t {
        TaskConfig::Adding { .. } => Msg::TaskAdding,
        TaskConfig::Copy { .. } => Msg::TaskCopy,
        TaskConfig::TemporalOrder { .. } => Msg::TaskTemporalOrder,
        TaskConfig::Reber => Msg::TaskReber,
        TaskConfig::Parity { .. } => Msg::TaskParity,
        TaskConfig::Sine { .. } => Msg::TaskSine,
        TaskConfig::Digits { .. } => Msg::TaskDigits,
        TaskConfig::Text { .. } => Msg::TaskText,
        TaskConfig::Csv { .. } => Msg::TaskCsv,
    }
}

fn task_ui(ui: &mut Ui, task: &mut TaskConfig) {
    let current = task.name();
    ui.horizontal(|ui| {
        ui.label(tr(Msg::Task));
        egui::ComboBox::from_id_salt("task")
            .selected_text(tr(task_kind(task)))
            // Every task in view, the csv task at the bottom included (no scrolling).
            .height(400.0)
            .show_ui(ui, |ui| {
                for t in TaskConfig::all_defaults() {
                    let name = t.name();
                    let label = match &t {
                        TaskConfig::Sine {
                            series: Series::MackeyGlass,
                            ..
                        } => tr(Msg::TaskSineMackeyGlass),
                        TaskConfig::Sine { .. } => tr(Msg::TaskSineSines),
                        _ => tr(task_kind(&t)),
                    };
                    let same = name == current
                        && match (&t, &*task) {
                            (
                                TaskConfig::Sine { series: a, .. },
                                TaskConfig::Sine { series: b, .. },
                            ) => a == b,
                            _ => true,
                        };
                    if ui.selectable_label(same, label).clicked() && !same {
                        *task = t;
                    }
                }
            })
            .response
            .on_hover_text(tr(Msg::TaskHint));
    });
    let len = |ui: &mut Ui, label: Msg, v: &mut usize, hover: Msg, key: &'static str| {
        ui.horizontal(|ui| {
            ui.label(tr(label));
            ui.add(egui::DragValue::new(v).range(1..=100_000))
                .on_hover_text(tr(hover))
                .context_menu(sweep_menu(key));
        });
    };
    match task {
        TaskConfig::Adding { seq_len } => len(
            ui,
            Msg::SeqLenT,
            seq_len,
            Msg::AddingLenHint,
            "task.seq_len",
        ),
        TaskConfig::Copy { delay } => len(ui, Msg::DelayT, delay, Msg::DelayHint, "task.delay"),
        TaskConfig::TemporalOrder { length } => {
            len(ui, Msg::LengthL, length, Msg::LengthHint, "task.length");
        }
        // The csv task's controls and its file's preview: `csv_task`.
        TaskConfig::Reber | TaskConfig::Csv { .. } => {}
        TaskConfig::Parity { seq_len, at_end } => {
            len(ui, Msg::SeqLen, seq_len, Msg::ParityLenHint, "task.seq_len");
            ui.checkbox(at_end, tr(Msg::ParityAtEnd))
                .on_hover_text(tr(Msg::ParityAtEndHint));
        }
        TaskConfig::Sine {
            seq_len,
            series,
            noise,
        } => {
            len(ui, Msg::SeqLen, seq_len, Msg::SineLenHint, "task.seq_len");
            ui.horizontal(|ui| {
                ui.label(tr(Msg::Series));
                ui.selectable_value(series, Series::Sines, tr(Msg::SumOfSines));
                ui.selectable_value(series, Series::MackeyGlass, tr(Msg::MackeyGlass));
            });
            ui.horizontal(|ui| {
                ui.label(tr(Msg::Noise));
                ui.add(egui::DragValue::new(noise).range(0.0..=1.0).speed(0.005))
                    .on_hover_text(tr(Msg::NoiseHint));
            });
        }
        TaskConfig::Digits { order } => {
            ui.horizontal(|ui| {
                ui.label(tr(Msg::Order));
                ui.selectable_value(order, PixelOrder::Rows, tr(Msg::OrderRows));
                ui.selectable_value(order, PixelOrder::Pixels, tr(Msg::OrderPixels));
            })
            .response
            .on_hover_text(tr(Msg::OrderHint));
        }
        TaskConfig::Text { seq_len, path } => {
            len(
                ui,
                Msg::WindowLen,
                seq_len,
                Msg::WindowLenHint,
                "task.seq_len",
            );
            ui.horizontal(|ui| {
                ui.label(tr(Msg::Corpus));
                ui.label(
                    path.as_ref()
                        .map_or_else(|| tr(Msg::Sonnets).to_owned(), |p| p.display().to_string()),
                );
                if path.is_some() && ui.small_button(tr(Msg::UseSonnets)).clicked() {
                    *path = None;
                }
            });
        }
    }
}

/// What the panel is, beside the selected run: its setup, or the next run's with what it
/// changes (and a way back to the run's setup).
fn next_run_banner(ui: &mut Ui, state: &mut SavedState, selected: Option<(&str, &Setup)>) {
    let Some((run, setup)) = selected else {
        ui.weak(tr(Msg::PanelIsNextRun));
        return;
    };
    let changed = crate::gui::naming::differences(setup, &state.setup);
    if changed.is_empty() {
        ui.weak(trf(Msg::PanelIsRunSetup, &[("run", &run)]));
        return;
    }
    ui.add(
        egui::Label::new(trf(
            Msg::PanelDiffers,
            &[("run", &run), ("changes", &changed.join(", "))],
        ))
        .wrap(),
    );
    if ui
        .button(trf(Msg::BackToRunSetup, &[("run", &run)]))
        .on_hover_text(tr(Msg::BackToRunSetupHint))
        .clicked()
    {
        state.setup = setup.clone();
    }
    ui.separator();
}
