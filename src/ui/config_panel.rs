//! The left panel: the experiment. Every control says, on hover, what it does and why it
//! matters for vanishing or exploding gradients; settings that do not apply are hidden.

use egui::Ui;

use crate::app::{BpttApp, UiCommand};
use crate::nn::init::{BiasInit, WeightInit};
use crate::nn::{Activation, Bptt, CellKind, Clip, OptimizerConfig, UpdateMode};
use crate::tasks::PixelOrder;
use crate::tasks::TaskConfig;
use crate::tasks::sine::Series;
use crate::train::{Precision, Setup};

/// Draws the experiment panel; edits `app.settings.setup` in place (plain data, validated
/// before any run starts).
pub fn config_panel_ui(app: &mut BpttApp, ui: &mut Ui, out: &mut Vec<UiCommand>) {
    let error = app.validation().as_ref().err().cloned();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(&app.settings.preset_name);
        ui.add(egui::Label::new(egui::RichText::new(&app.settings.description).small()).wrap());
        ui.weak("Right-click a setting to sweep it.");
        ui.separator();
        let field = error.as_ref().map(|e| e.field.clone()).unwrap_or_default();
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
        } = &mut app.settings.setup;

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
            let mut truncated = matches!(bptt, Bptt::Truncated { .. });
            ui.horizontal(|ui| {
                ui.radio_value(&mut truncated, false, "Full")
                    .on_hover_text("Back-propagate through every step of the sequence: the exact gradient.");
                ui.radio_value(&mut truncated, true, "Truncated")
                    .on_hover_text("BPTT(k1, k2): every k1 steps, back-propagate the last k1 losses through k2 steps only. Cheaper, but no gradient reaches dependencies longer than k2.");
            });
            if truncated && *bptt == Bptt::Full {
                *bptt = Bptt::Truncated { k1: 10, k2: 20, mode: UpdateMode::PerSegment };
            } else if !truncated {
                *bptt = Bptt::Full;
            }
            if let Bptt::Truncated { k1, k2, mode } = bptt {
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
                    ui.radio_value(&mut app.settings.threads, 1, "1");
                    ui.radio_value(&mut app.settings.threads, 2, "2");
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
        if let Some(e) = &error
            && !["model", "task", "bptt", "clip", "init", "optimizer", "batch", "steps", "eval"]
                .iter()
                .any(|p| e.field.starts_with(p))
        {
            ui.colored_label(ui.visuals().error_fg_color, e.to_string());
        }
    });
    if let Some(key) = ui
        .ctx()
        .data_mut(|d| d.remove_temp::<String>(egui::Id::unique(SWEEP_REQUEST)))
    {
        out.push(UiCommand::SweepSetting(key));
    }
}

/// Where a context menu leaves the setting to sweep, for [`config_panel_ui`] to pick up.
const SWEEP_REQUEST: &str = "sweep-this-setting";

/// The right-click menu of a sweepable control: "Sweep this setting" opens the Sweep tab with
/// it as the first setting.
fn sweep_menu(key: &'static str) -> impl FnOnce(&mut Ui) {
    move |ui: &mut Ui| {
        if ui
            .button("Sweep this setting…")
            .on_hover_text(format!(
                "Open the Sweep tab with {key} over a range of values"
            ))
            .clicked()
        {
            ui.ctx()
                .data_mut(|d| d.insert_temp(egui::Id::unique(SWEEP_REQUEST), key.to_owned()));
            ui.close();
        }
    }
}

fn section(ui: &mut Ui, title: &str, body: impl FnOnce(&mut Ui)) {
    egui::CollapsingHeader::new(title)
        .default_open(true)
        .show(ui, body);
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

fn clip_ui(ui: &mut Ui, clip: &mut Clip) {
    let label = match clip {
        Clip::None => "none",
        Clip::GlobalNorm { .. } => "global norm",
        Clip::PerTensorNorm { .. } => "per-tensor norm",
        Clip::Value { .. } => "element value",
    };
    ui.horizontal(|ui| {
        ui.label("Mode");
        egui::ComboBox::from_id_salt("clip")
            .selected_text(label)
            .show_ui(ui, |ui| {
                let t = clip_threshold(clip).map_or(1.0, |t| *t);
                ui.selectable_value(clip, Clip::None, "none");
                ui.selectable_value(clip, Clip::GlobalNorm { max_norm: t }, "global norm");
                ui.selectable_value(clip, Clip::PerTensorNorm { max_norm: t }, "per-tensor norm");
                ui.selectable_value(clip, Clip::Value { max_value: t }, "element value");
            })
            .response
            .on_hover_text("Pascanu et al. (2013): rescale an exploding gradient before the update. Global norm keeps its direction (clip_grad_norm_); per tensor is Keras clipnorm; element value clamps each entry.");
    });
    let key = if matches!(clip, Clip::Value { .. }) {
        "clip.max_value"
    } else {
        "clip.max_norm"
    };
    if let Some(t) = clip_threshold(clip) {
        ui.horizontal(|ui| {
            ui.label("Threshold");
            ui.add(egui::Slider::new(t, 1e-3..=1e3).logarithmic(true))
                .on_hover_text("Gradients larger than this are scaled down to it; the threshold is drawn in the gradient-norm plot.")
                .context_menu(sweep_menu(key));
        });
    }
}

/// The threshold of a clipping mode, to read or edit.
fn clip_threshold(c: &mut Clip) -> Option<&mut f64> {
    match c {
        Clip::None => None,
        Clip::GlobalNorm { max_norm } | Clip::PerTensorNorm { max_norm } => Some(max_norm),
        Clip::Value { max_value } => Some(max_value),
    }
}

fn weight_init_ui(ui: &mut Ui, label: &str, id: &str, w: &mut WeightInit) {
    let name = |w: &WeightInit| match w {
        WeightInit::PytorchDefault => "PyTorch default",
        WeightInit::XavierUniform { .. } => "Xavier uniform",
        WeightInit::XavierNormal { .. } => "Xavier normal",
        WeightInit::Orthogonal { .. } => "orthogonal",
        WeightInit::Identity { .. } => "identity",
        WeightInit::SpectralRadius { .. } => "Gaussian at spectral radius",
        WeightInit::Sparse { .. } => "sparse",
        WeightInit::Zero => "zero",
    };
    let hover = if label == "W_hh" {
        "The recurrent matrix decides gradient flow at initialization: its spectral radius ρ is the rate at which gradients shrink (ρ < 1) or grow (ρ > 1) per step back. Orthogonal and identity start at ρ = gain."
    } else {
        "Input weights: they set the scale of the pre-activations, hence how saturated tanh and the gates start."
    };
    let (gain_key, radius_key) = if label == "W_hh" {
        ("init.weight_hh.gain", "init.weight_hh.radius")
    } else {
        ("init.weight_ih.gain", "init.weight_ih.radius")
    };
    ui.horizontal(|ui| {
        ui.label(label);
        egui::ComboBox::from_id_salt(id)
            .selected_text(name(w))
            .show_ui(ui, |ui| {
                for c in [
                    WeightInit::PytorchDefault,
                    WeightInit::XavierUniform { gain: 1.0 },
                    WeightInit::XavierNormal { gain: 1.0 },
                    WeightInit::Orthogonal { gain: 1.0 },
                    WeightInit::Identity { gain: 1.0 },
                    WeightInit::SpectralRadius { radius: 1.0 },
                    WeightInit::Sparse {
                        nonzeros: 15,
                        radius: 1.1,
                    },
                    WeightInit::Zero,
                ] {
                    let selected = std::mem::discriminant(w) == std::mem::discriminant(&c);
                    if ui.selectable_label(selected, name(&c)).clicked() && !selected {
                        *w = c;
                    }
                }
            })
            .response
            .on_hover_text(hover);
    });
    match w {
        WeightInit::XavierUniform { gain }
        | WeightInit::XavierNormal { gain }
        | WeightInit::Orthogonal { gain }
        | WeightInit::Identity { gain } => {
            ui.horizontal(|ui| {
                ui.label("    gain");
                ui.add(egui::DragValue::new(gain).range(0.0..=10.0).speed(0.01))
                    .on_hover_text("Scale of the matrix; for orthogonal and identity blocks it is exactly the spectral radius.")
                    .context_menu(sweep_menu(gain_key));
            });
        }
        WeightInit::SpectralRadius { radius } => {
            ui.horizontal(|ui| {
                ui.label("    radius ρ");
                ui.add(egui::DragValue::new(radius).range(0.0..=10.0).speed(0.01))
                    .on_hover_text("Each gate block is rescaled to this spectral radius: ρ < 1 vanishing, ρ > 1 exploding (for a linear RNN).")
                    .context_menu(sweep_menu(radius_key));
            });
        }
        WeightInit::Sparse { nonzeros, radius } => {
            ui.horizontal(|ui| {
                ui.label("    non-zeros");
                ui.add(egui::DragValue::new(nonzeros).range(1..=4096))
                    .on_hover_text("Non-zero entries per row (Martens 2010 used 15).");
                ui.label("ρ");
                ui.add(egui::DragValue::new(radius).range(0.0..=10.0).speed(0.01))
                    .on_hover_text(
                        "Spectral radius after rescaling (Pascanu et al. used 1.1 for tanh).",
                    );
            });
        }
        WeightInit::PytorchDefault | WeightInit::Zero => {}
    }
}

fn bias_init_ui(ui: &mut Ui, cell: CellKind, b: &mut BiasInit) {
    let name = |b: &BiasInit| match b {
        BiasInit::PytorchDefault => "PyTorch default",
        BiasInit::Zero => "zero",
        BiasInit::ForgetBias { .. } => "forget-gate bias",
        BiasInit::Chrono { .. } => "chrono",
    };
    ui.horizontal(|ui| {
        ui.label("Biases");
        egui::ComboBox::from_id_salt("init_bias")
            .selected_text(name(b))
            .show_ui(ui, |ui| {
                let mut options = vec![BiasInit::PytorchDefault, BiasInit::Zero];
                if cell == CellKind::Lstm {
                    options.push(BiasInit::ForgetBias { value: 1.0 });
                    options.push(BiasInit::Chrono { t_max: 100.0 });
                }
                for c in options {
                    let selected = std::mem::discriminant(b) == std::mem::discriminant(&c);
                    if ui.selectable_label(selected, name(&c)).clicked() && !selected {
                        *b = c;
                    }
                }
            })
            .response
            .on_hover_text("A positive LSTM forget-gate bias keeps the cell state (σ(1) ≈ 0.73 instead of 0.5 per step), so memory and gradients last longer. Chrono init draws forget biases for memories of 1 to T_max steps. (LSTM only.)");
    });
    match b {
        BiasInit::ForgetBias { value } => {
            ui.horizontal(|ui| {
                ui.label("    forget bias");
                ui.add(egui::DragValue::new(value).range(-10.0..=10.0).speed(0.05))
                    .on_hover_text(
                        "Added to one bias vector only, so the effective bias is this value.",
                    )
                    .context_menu(sweep_menu("init.bias.value"));
            });
        }
        BiasInit::Chrono { t_max } => {
            ui.horizontal(|ui| {
                ui.label("    T_max");
                ui.add(egui::DragValue::new(t_max).range(2.5..=100_000.0))
                    .on_hover_text("Longest memory the forget gates start with (Tallec & Ollivier 2018); about the task's longest dependency.")
                    .context_menu(sweep_menu("init.bias.t_max"));
            });
        }
        BiasInit::PytorchDefault | BiasInit::Zero => {}
    }
}

fn optimizer_ui(ui: &mut Ui, o: &mut OptimizerConfig) {
    let lr = o.lr();
    ui.horizontal(|ui| {
        ui.label("Method");
        egui::ComboBox::from_id_salt("optimizer")
            .selected_text(match o {
                OptimizerConfig::Sgd { .. } => "SGD",
                OptimizerConfig::RmsProp { .. } => "RMSProp",
                OptimizerConfig::Adam { .. } => "Adam",
            })
            .show_ui(ui, |ui| {
                let is = |o: &OptimizerConfig, i: usize| {
                    matches!((o, i), (OptimizerConfig::Sgd { .. }, 0) | (OptimizerConfig::RmsProp { .. }, 1) | (OptimizerConfig::Adam { .. }, 2))
                };
                if ui.selectable_label(is(o, 0), "SGD").clicked() && !is(o, 0) {
                    *o = OptimizerConfig::sgd(lr);
                }
                if ui.selectable_label(is(o, 1), "RMSProp").clicked() && !is(o, 1) {
                    *o = OptimizerConfig::RmsProp { lr, alpha: 0.99, eps: 1e-8, weight_decay: 0.0 };
                }
                if ui.selectable_label(is(o, 2), "Adam").clicked() && !is(o, 2) {
                    *o = OptimizerConfig::adam(lr);
                }
            })
            .response
            .on_hover_text("PyTorch's update formulas. Adam and RMSProp divide by a running gradient scale, which hides (but does not cure) vanishing gradients.");
    });
    let lr_slider = |ui: &mut Ui, lr: &mut f64| {
        ui.horizontal(|ui| {
            ui.label("Learning rate");
            ui.add(egui::Slider::new(lr, 1e-5..=1.0).logarithmic(true))
                .on_hover_text("Step size. With exploding gradients and no clipping, one large step can throw the weights far away.")
                    .context_menu(sweep_menu("optimizer.lr"));
        });
    };
    let wd = |ui: &mut Ui, weight_decay: &mut f64| {
        ui.horizontal(|ui| {
            ui.label("Weight decay");
            ui.add(
                egui::DragValue::new(weight_decay)
                    .range(0.0..=1.0)
                    .speed(1e-5),
            )
            .on_hover_text("L2 penalty added to the gradient (PyTorch's weight_decay).")
            .context_menu(sweep_menu("optimizer.weight_decay"));
        });
    };
    match o {
        OptimizerConfig::Sgd {
            lr,
            momentum,
            dampening: _,
            nesterov,
            weight_decay,
        } => {
            lr_slider(ui, lr);
            ui.horizontal(|ui| {
                ui.label("Momentum");
                ui.add(
                    egui::DragValue::new(momentum)
                        .range(0.0..=0.999)
                        .speed(0.01),
                )
                .on_hover_text("Velocity kept between updates (0 = plain SGD).")
                .context_menu(sweep_menu("optimizer.momentum"));
                ui.checkbox(nesterov, "Nesterov")
                    .on_hover_text("Look-ahead momentum; needs momentum > 0.");
            });
            wd(ui, weight_decay);
        }
        OptimizerConfig::RmsProp {
            lr,
            alpha,
            eps: _,
            weight_decay,
        } => {
            lr_slider(ui, lr);
            ui.horizontal(|ui| {
                ui.label("Alpha");
                ui.add(egui::DragValue::new(alpha).range(0.0..=0.9999).speed(0.001))
                    .on_hover_text("Decay of the running average of squared gradients.");
            });
            wd(ui, weight_decay);
        }
        OptimizerConfig::Adam {
            lr,
            beta1,
            beta2,
            eps: _,
            weight_decay,
        } => {
            lr_slider(ui, lr);
            ui.horizontal(|ui| {
                ui.label("β1");
                ui.add(egui::DragValue::new(beta1).range(0.0..=0.9999).speed(0.001))
                    .on_hover_text("Decay of the first-moment (mean gradient) average.");
                ui.label("β2");
                ui.add(
                    egui::DragValue::new(beta2)
                        .range(0.0..=0.99999)
                        .speed(0.0001),
                )
                .on_hover_text("Decay of the second-moment (squared gradient) average.");
            });
            wd(ui, weight_decay);
        }
    }
}
