//! The experiment panel's widgets for clipping, initialization and the optimizer, and the
//! pieces every section shares (a collapsible section, the "Sweep this setting" menu).

use egui::Ui;

use crate::nn::init::{BiasInit, WeightInit};
use crate::nn::{CellKind, Clip, OptimizerConfig};

/// Where a context menu leaves the setting to sweep, for [`sweep_request`] to pick up.
const SWEEP_REQUEST: &str = "sweep-this-setting";

/// The setting whose "Sweep this setting…" was clicked in this frame, if one was.
pub(super) fn sweep_request(ui: &Ui) -> Option<String> {
    ui.ctx()
        .data_mut(|d| d.remove_temp::<String>(egui::Id::unique(SWEEP_REQUEST)))
}

/// The right-click menu of a sweepable control: "Sweep this setting" opens the Sweep tab with
/// it as the first setting.
pub(super) fn sweep_menu(key: &'static str) -> impl FnOnce(&mut Ui) {
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

pub(super) fn section(ui: &mut Ui, title: &str, body: impl FnOnce(&mut Ui)) {
    egui::CollapsingHeader::new(title)
        .default_open(true)
        .show(ui, body);
}

pub(super) fn clip_ui(ui: &mut Ui, clip: &mut Clip) {
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

pub(super) fn weight_init_ui(ui: &mut Ui, label: &str, id: &str, w: &mut WeightInit) {
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

pub(super) fn bias_init_ui(ui: &mut Ui, cell: CellKind, b: &mut BiasInit) {
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

pub(super) fn optimizer_ui(ui: &mut Ui, o: &mut OptimizerConfig) {
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
