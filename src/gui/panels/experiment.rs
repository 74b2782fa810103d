//! The left panel: the experiment. Every control says, on hover, what it does and why it
//! matters for vanishing or exploding gradients; settings that do not apply are hidden.

use egui::Ui;

use super::experiment_widgets::{
    bias_init_ui, clip_ui, optimizer_ui, section, sweep_menu, sweep_request, weight_init_ui,
};
use crate::gui::state::{SavedState, UiCommand};
use crate::nn::init::BiasInit;
use crate::nn::{Activation, Bptt, CellKind, UpdateMode};
use crate::tasks::PixelOrder;
use crate::tasks::TaskConfig;
use crate::tasks::sine::Series;
use crate::train::{ConfigError, Precision, Setup, TrainConfig};

/// Draws the experiment panel; edits `state.setup` in place (plain data, validated before any
/// run starts). `validation` is the setup's: its error is shown beside its section, and the
/// truncation's depths at the task's length.
pub fn experiment_ui(
    ui: &mut Ui,
    state: &mut SavedState,
    validation: &Result<TrainConfig, ConfigError>,
    out: &mut Vec<UiCommand>,
) {
    let error = validation.as_ref().err();
    let seq_len = validation.as_ref().ok().map(|c| c.task().max_seq_len());
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(&state.preset_name);
        ui.add(egui::Label::new(egui::RichText::new(&state.description).small()).wrap());
        ui.weak("Right-click a setting to sweep it.");
        ui.separator();
        let field = error.map(|e| e.field.clone()).unwrap_or_default();
        let show_error = |ui: &mut Ui, prefix: &str| {
            if let Some(e) = &error
                && field.starts_with(prefix)
            {
                ui.colored_label(ui.visuals().error_fg_color, e.to_string());
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

        section(ui, "Model", |ui| {
            ui.horizontal(|ui| {
                ui.label("Cell");
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
                    .on_hover_text(
                        "The recurrent cell. A tanh RNN multiplies the gradient by W_hh·diag(1−h²) at every step back, so it vanishes or explodes geometrically; the LSTM's additive cell state and the GRU's update gate give it a path that can stay near 1.",
                    )
                    .context_menu(sweep_menu("model.cell"));
            });
            ui.horizontal(|ui| {
                ui.label("Hidden size H");
                ui.add(egui::DragValue::new(&mut model.hidden).range(1..=1024))
                    .on_hover_text("Units in the hidden state. Larger H gives more memory and more compute (the recurrent GEMM is H×H per step).")
                    .context_menu(sweep_menu("model.hidden"));
            });
            if matches!(init.bias, BiasInit::ForgetBias { .. } | BiasInit::Chrono { .. })
                && model.cell != CellKind::Lstm
            {
                init.bias = BiasInit::Zero;
            }
            show_error(ui, "model");
        });

        section(ui, "Task", |ui| {
            task_ui(ui, task);
            show_error(ui, "task");
        });

        section(ui, "Backpropagation through time", |ui| {
            let kind = |b: &Bptt| match b {
                Bptt::Full => 0,
                Bptt::Truncated { .. } => 1,
                Bptt::Chunked { .. } => 2,
            };
            let mut chosen = kind(bptt);
            ui.horizontal(|ui| {
                ui.radio_value(&mut chosen, 0, "Full")
                    .on_hover_text("Back-propagate through every step of the sequence: the exact gradient.");
                ui.radio_value(&mut chosen, 1, "Truncated")
                    .on_hover_text("BPTT(k1, k2): every k1 steps, back-propagate the last k1 losses through k2 steps. Cheaper, but no gradient reaches dependencies longer than k2.");
                ui.radio_value(&mut chosen, 2, "Chunks")
                    .on_hover_text("What PyTorch and Keras users write: cut the sequence into chunks of k from t = 0 and detach between them. The last chunk is short when T is not a multiple of k, so a loss at the last step may get far fewer than k steps.");
            });
            if chosen != kind(bptt) {
                let mode = bptt.mode();
                *bptt = match chosen {
                    0 => Bptt::Full,
                    1 => Bptt::Truncated { k1: 10, k2: 20, mode: UpdateMode::PerSegment },
                    _ => Bptt::Chunked { k: 10, mode: if *bptt == Bptt::Full { UpdateMode::PerSegment } else { mode } },
                };
            }
            if let Bptt::Chunked { k, .. } = bptt {
                ui.horizontal(|ui| {
                    ui.label("k");
                    ui.add(egui::DragValue::new(k).range(1..=100_000))
                        .on_hover_text("Steps per chunk; the state is detached between chunks.")
                        .context_menu(sweep_menu("bptt.k"));
                });
            }
            if let Bptt::Truncated { k1, k2, .. } = bptt {
                ui.horizontal(|ui| {
                    ui.label("k1");
                    ui.add(egui::DragValue::new(k1).range(1..=100_000))
                        .on_hover_text("Steps between backward passes (and updates, per segment).")
                    .context_menu(sweep_menu("bptt.k1"));
                    ui.label("k2");
                    ui.add(egui::DragValue::new(k2).range(1..=100_000))
                        .on_hover_text("How far back each backward pass goes (k2 ≥ k1). Windows overlap when k2 > k1.")
                    .context_menu(sweep_menu("bptt.k2"));
                });
            }
            if let Bptt::Truncated { mode, .. } | Bptt::Chunked { mode, .. } = bptt {
                ui.horizontal(|ui| {
                    ui.label("Update");
                    egui::ComboBox::from_id_salt("update_mode")
                        .selected_text(match mode {
                            UpdateMode::PerSegment => "after every segment",
                            UpdateMode::Accumulate => "once per sequence",
                        })
                        .show_ui(ui, |ui| {
                            ui.selectable_value(mode, UpdateMode::PerSegment, "after every segment");
                            ui.selectable_value(mode, UpdateMode::Accumulate, "once per sequence");
                        })
                        .response
                        .on_hover_text("Per segment: clip and update after each window (Keras stateful, PyTorch detach). Once per sequence: sum the windows' gradients with fixed weights.");
                });
                if let Some(t) = seq_len {
                    let d = bptt.depths(t);
                    ui.weak(format!(
                        "At T = {t}: windows of {}–{} steps; every loss term gets ≥ {} steps, a loss at the last step {}.",
                        d.window_min, d.window_max, d.term_min, d.last_step
                    ));
                }
            }
            show_error(ui, "bptt");
        });

        section(ui, "Gradient clipping", |ui| {
            clip_ui(ui, clip);
            show_error(ui, "clip");
        });

        section(ui, "Initialization", |ui| {
            weight_init_ui(ui, "W_ih", "init_ih", &mut init.weight_ih);
            weight_init_ui(ui, "W_hh", "init_hh", &mut init.weight_hh);
            bias_init_ui(ui, model.cell, &mut init.bias);
            show_error(ui, "init");
        });

        section(ui, "Optimizer", |ui| {
            optimizer_ui(ui, optimizer);
            show_error(ui, "optimizer");
        });

        section(ui, "Training", |ui| {
            egui::Grid::new("training").num_columns(2).show(ui, |ui| {
                ui.label("Batch size");
                ui.add(egui::DragValue::new(batch_size).range(1..=4096))
                    .on_hover_text("Sequences per step. Larger batches give smoother gradient estimates.")
                    .context_menu(sweep_menu("batch_size"));
                ui.end_row();
                ui.label("Steps");
                ui.add(egui::DragValue::new(steps).range(1..=10_000_000).speed(10.0))
                    .on_hover_text("Training steps of a run (one batch each).");
                ui.end_row();
                ui.label("Seed");
                ui.add(egui::DragValue::new(seed))
                    .on_hover_text("Seeds the initial weights and the data: the same seed gives the same run, bit for bit.");
                ui.end_row();
                ui.label("Held-out set");
                ui.add(egui::DragValue::new(&mut eval.size).range(1..=100_000))
                    .on_hover_text("Sequences in the fixed evaluation set, drawn from its own seed stream.");
                ui.end_row();
                ui.label("Diagnostics every");
                ui.add(egui::DragValue::new(&mut eval.every).range(0..=1_000_000))
                    .on_hover_text("Steps between diagnostics (gradient profile, spectra, held-out loss); 0 = about 4 times a second.");
                ui.end_row();
                ui.label("Threads per run");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut state.threads, 1, "1");
                    ui.radio_value(&mut state.threads, 2, "2");
                })
                .response
                .on_hover_text("2 splits each batch over two cores (full BPTT and accumulated truncation, H ≥ 32): about twice the steps per second when this is the only run training; with several runs at once, keep 1. The numbers agree with 1 thread to rounding. (A setting of this machine, not of the experiment: not saved in presets.)");
                ui.end_row();
                ui.label("Precision");
                egui::ComboBox::from_id_salt("precision")
                    .selected_text(match precision { Precision::F32 => "f32", Precision::F64 => "f64" })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(precision, Precision::F32, "f32");
                        ui.selectable_value(precision, Precision::F64, "f64");
                    })
                    .response
                    .on_hover_text("f32 trains faster; f64 is what gradient checks use.");
                ui.end_row();
            });
            show_error(ui, "batch");
            show_error(ui, "steps");
            show_error(ui, "eval");
        });
        if let Some(e) = error
            && !["model", "task", "bptt", "clip", "init", "optimizer", "batch", "steps", "eval"]
                .iter()
                .any(|p| e.field.starts_with(p))
        {
            ui.colored_label(ui.visuals().error_fg_color, e.to_string());
        }
    });
    if let Some(key) = sweep_request(ui) {
        out.push(UiCommand::SweepSetting(key));
    }
}

fn cell_label(c: CellKind) -> &'static str {
    match c {
        CellKind::Rnn(Activation::Tanh) => "RNN (tanh)",
        CellKind::Rnn(Activation::Relu) => "RNN (ReLU)",
        CellKind::Lstm => "LSTM",
        CellKind::Gru => "GRU",
    }
}

fn task_ui(ui: &mut Ui, task: &mut TaskConfig) {
    let current = task.name();
    ui.horizontal(|ui| {
        ui.label("Task");
        egui::ComboBox::from_id_salt("task")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for t in TaskConfig::all_defaults() {
                    let name = t.name();
                    let label = match &t {
                        TaskConfig::Sine { series: Series::MackeyGlass, .. } => "sine (Mackey–Glass)",
                        TaskConfig::Sine { .. } => "sine (sum of sines)",
                        _ => name,
                    };
                    let same = name == current
                        && match (&t, &*task) {
                            (TaskConfig::Sine { series: a, .. }, TaskConfig::Sine { series: b, .. }) => a == b,
                            _ => true,
                        };
                    if ui.selectable_label(same, label).clicked() && !same {
                        *task = t;
                    }
                }
            })
            .response
            .on_hover_text("The sequence task. Its trivial baseline (what a model without memory scores) is the dashed line in the loss plot.");
    });
    let len = |ui: &mut Ui, label: &str, v: &mut usize, hover: &str, key: &'static str| {
        ui.horizontal(|ui| {
            ui.label(label);
            ui.add(egui::DragValue::new(v).range(1..=100_000))
                .on_hover_text(hover)
                .context_menu(sweep_menu(key));
        });
    };
    match task {
        TaskConfig::Adding { seq_len } => len(
            ui,
            "Sequence length T",
            seq_len,
            "The two marked values are ~T/2 apart: the dependency the gradient must span.",
            "task.seq_len",
        ),
        TaskConfig::Copy { delay } => len(
            ui,
            "Delay T",
            delay,
            "Steps between reading the 10 symbols and writing them back.",
            "task.delay",
        ),
        TaskConfig::TemporalOrder { length } => len(
            ui,
            "Length L",
            length,
            "Sequences of U[L, 1.1L] steps; the relevant symbols sit at 10–20 % and 50–60 % of L.",
            "task.length",
        ),
        TaskConfig::Reber => {}
        TaskConfig::Parity { seq_len, at_end } => {
            len(
                ui,
                "Sequence length",
                seq_len,
                "Bits per sequence.",
                "task.seq_len",
            );
            ui.checkbox(at_end, "Parity only at the end")
                .on_hover_text("Off: predict the running XOR at every step (short dependencies). On: only the parity of the whole stream, a dependency on every bit.");
        }
        TaskConfig::Sine {
            seq_len,
            series,
            noise,
        } => {
            len(
                ui,
                "Sequence length",
                seq_len,
                "Steps per window.",
                "task.seq_len",
            );
            ui.horizontal(|ui| {
                ui.label("Series");
                ui.selectable_value(series, Series::Sines, "sum of sines");
                ui.selectable_value(series, Series::MackeyGlass, "Mackey–Glass");
            });
            ui.horizontal(|ui| {
                ui.label("Noise σ");
                ui.add(egui::DragValue::new(noise).range(0.0..=1.0).speed(0.005))
                    .on_hover_text(
                        "Standard deviation of the observation noise; no model can go below σ².",
                    );
            });
        }
        TaskConfig::Digits { order } => {
            ui.horizontal(|ui| {
                ui.label("Order");
                ui.selectable_value(order, PixelOrder::Rows, "rows (T = 8)");
                ui.selectable_value(order, PixelOrder::Pixels, "pixels (T = 64)");
            })
            .response
            .on_hover_text("Feed each image one row or one pixel per step; pixel order makes the dependency 8× longer.");
        }
        TaskConfig::Text { seq_len, path } => {
            len(
                ui,
                "Window length",
                seq_len,
                "Characters per training window.",
                "task.seq_len",
            );
            ui.horizontal(|ui| {
                ui.label("Corpus");
                ui.label(path.as_ref().map_or_else(
                    || "Shakespeare's Sonnets".to_owned(),
                    |p| p.display().to_string(),
                ));
                if path.is_some() && ui.small_button("use the Sonnets").clicked() {
                    *path = None;
                }
            });
        }
    }
}
