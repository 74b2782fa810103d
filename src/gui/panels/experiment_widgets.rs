//! The experiment panel's widgets for clipping, initialization and the optimizer, and the
//! pieces every section shares (a collapsible section, the "Sweep this setting" menu).

use egui::Ui;

use crate::gui::i18n::setup::Setup as Msg;
use crate::gui::i18n::{tr, trf};
use crate::nn::init::{BiasInit, WeightInit};
use crate::nn::{CellKind, Clip, OptimizerConfig};

/// Where a context menu leaves the setting to sweep, for [`sweep_request`] to pick up.
const SWEEP_REQUEST: &str = "sweep-this-setting"; // i18n-exempt: an egui data key

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
            .button(tr(Msg::SweepThis))
            .on_hover_text(trf(Msg::SweepThisHint, &[("ron_path", &key)]))
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
        Clip::None => tr(Msg::ClipNone),
        Clip::GlobalNorm { .. } => tr(Msg::ClipGlobal),
        Clip::PerTensorNorm { .. } => tr(Msg::ClipPerTensor),
        Clip::Value { .. } => tr(Msg::ClipValue),
    };
    ui.horizontal(|ui| {
        ui.label(tr(Msg::ClipMode));
        egui::ComboBox::from_id_salt("clip")
            .selected_text(label)
            .show_ui(ui, |ui| {
                let t = clip_threshold(clip).map_or(1.0, |t| *t);
                ui.selectable_value(clip, Clip::None, tr(Msg::ClipNone));
                ui.selectable_value(clip, Clip::GlobalNorm { max_norm: t }, tr(Msg::ClipGlobal));
                ui.selectable_value(
                    clip,
                    Clip::PerTensorNorm { max_norm: t },
                    tr(Msg::ClipPerTensor),
                );
                ui.selectable_value(clip, Clip::Value { max_value: t }, tr(Msg::ClipValue));
            })
            .response
            .on_hover_text(tr(Msg::ClipHint));
    });
    let key = if matches!(clip, Clip::Value { .. }) {
        "clip.max_value"
    } else {
        "clip.max_norm"
    };
    if let Some(t) = clip_threshold(clip) {
        ui.horizontal(|ui| {
            ui.label(tr(Msg::Threshold));
            ui.add(egui::Slider::new(t, 1e-3..=1e3).logarithmic(true))
                .on_hover_text(tr(Msg::ThresholdHint))
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
    let name = |w: &WeightInit| {
        tr(match w {
            WeightInit::PytorchDefault => Msg::InitPytorch,
            WeightInit::XavierUniform { .. } => Msg::InitXavierUniform,
            WeightInit::XavierNormal { .. } => Msg::InitXavierNormal,
            WeightInit::Orthogonal { .. } => Msg::InitOrthogonal,
            WeightInit::Identity { .. } => Msg::InitIdentity,
            WeightInit::SpectralRadius { .. } => Msg::InitSpectral,
            WeightInit::Sparse { .. } => Msg::InitSparse,
            WeightInit::Zero => Msg::InitZero,
        })
    };
    let hover = tr(if label == "W_hh" {
        Msg::WhhHint
    } else {
        Msg::WihHint
    });
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
                ui.label(tr(Msg::Gain));
                ui.add(egui::DragValue::new(gain).range(0.0..=10.0).speed(0.01))
                    .on_hover_text(tr(Msg::GainHint))
                    .context_menu(sweep_menu(gain_key));
            });
        }
        WeightInit::SpectralRadius { radius } => {
            ui.horizontal(|ui| {
                ui.label(tr(Msg::Radius));
                ui.add(egui::DragValue::new(radius).range(0.0..=10.0).speed(0.01))
                    .on_hover_text(tr(Msg::RadiusHint))
                    .context_menu(sweep_menu(radius_key));
            });
        }
        WeightInit::Sparse { nonzeros, radius } => {
            ui.horizontal(|ui| {
                ui.label(tr(Msg::NonZeros));
                ui.add(egui::DragValue::new(nonzeros).range(1..=4096))
                    .on_hover_text(tr(Msg::NonZerosHint));
                ui.label("ρ");
                ui.add(egui::DragValue::new(radius).range(0.0..=10.0).speed(0.01))
                    .on_hover_text(tr(Msg::SparseRadiusHint));
            });
        }
        WeightInit::PytorchDefault | WeightInit::Zero => {}
    }
}

pub(super) fn bias_init_ui(ui: &mut Ui, cell: CellKind, b: &mut BiasInit) {
    let name = |b: &BiasInit| {
        tr(match b {
            BiasInit::PytorchDefault => Msg::InitPytorch,
            BiasInit::Zero => Msg::InitZero,
            BiasInit::ForgetBias { .. } => Msg::BiasForget,
            BiasInit::Chrono { .. } => Msg::BiasChrono,
        })
    };
    ui.horizontal(|ui| {
        ui.label(tr(Msg::Biases));
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
            .on_hover_text(tr(Msg::BiasHint));
    });
    match b {
        BiasInit::ForgetBias { value } => {
            ui.horizontal(|ui| {
                ui.label(tr(Msg::ForgetBias));
                ui.add(egui::DragValue::new(value).range(-10.0..=10.0).speed(0.05))
                    .on_hover_text(tr(Msg::ForgetBiasHint))
                    .context_menu(sweep_menu("init.bias.value"));
            });
        }
        BiasInit::Chrono { t_max } => {
            ui.horizontal(|ui| {
                ui.label("    T_max");
                ui.add(egui::DragValue::new(t_max).range(2.5..=100_000.0))
                    .on_hover_text(tr(Msg::TMaxHint))
                    .context_menu(sweep_menu("init.bias.t_max"));
            });
        }
        BiasInit::PytorchDefault | BiasInit::Zero => {}
    }
}

/// The optimizer's name, the same in both languages (PyTorch spells it `RMSprop`).
const RMSPROP: &str = "RMSProp"; // i18n-exempt: an optimizer's name, not translated
/// Keras's Adam (ε outside the bias correction), by its framework's name.
const KERAS_ADAM: &str = "Adam (Keras)"; // i18n-exempt: an optimizer's name, not translated

pub(super) fn optimizer_ui(ui: &mut Ui, o: &mut OptimizerConfig) {
    let lr = o.lr();
    ui.horizontal(|ui| {
        ui.label(tr(Msg::Method));
        egui::ComboBox::from_id_salt("optimizer")
            .selected_text(match o {
                OptimizerConfig::Sgd { .. } => "SGD",
                OptimizerConfig::RmsProp { .. } => RMSPROP,
                OptimizerConfig::Adam { .. } => "Adam",
                OptimizerConfig::KerasAdam { .. } => KERAS_ADAM,
            })
            .show_ui(ui, |ui| {
                let is = |o: &OptimizerConfig, i: usize| {
                    matches!(
                        (o, i),
                        (OptimizerConfig::Sgd { .. }, 0)
                            | (OptimizerConfig::RmsProp { .. }, 1)
                            | (OptimizerConfig::Adam { .. }, 2)
                            | (OptimizerConfig::KerasAdam { .. }, 3)
                    )
                };
                if ui.selectable_label(is(o, 0), "SGD").clicked() && !is(o, 0) {
                    *o = OptimizerConfig::sgd(lr);
                }
                if ui.selectable_label(is(o, 1), RMSPROP).clicked() && !is(o, 1) {
                    *o = OptimizerConfig::RmsProp {
                        lr,
                        alpha: 0.99,
                        eps: 1e-8,
                        weight_decay: 0.0,
                    };
                }
                if ui.selectable_label(is(o, 2), "Adam").clicked() && !is(o, 2) {
                    *o = OptimizerConfig::adam(lr);
                }
                if ui
                    .selectable_label(is(o, 3), KERAS_ADAM)
                    .on_hover_text(tr(Msg::KerasAdamHint))
                    .clicked()
                    && !is(o, 3)
                {
                    *o = OptimizerConfig::keras_adam(lr);
                }
            })
            .response
            .on_hover_text(tr(Msg::OptimizerHint));
    });
    let lr_slider = |ui: &mut Ui, lr: &mut f64| {
        ui.horizontal(|ui| {
            ui.label(tr(Msg::LearningRate));
            ui.add(egui::Slider::new(lr, 1e-5..=1.0).logarithmic(true))
                .on_hover_text(tr(Msg::LearningRateHint))
                .context_menu(sweep_menu("optimizer.lr"));
        });
    };
    let wd = |ui: &mut Ui, weight_decay: &mut f64| {
        ui.horizontal(|ui| {
            ui.label(tr(Msg::WeightDecay));
            ui.add(
                egui::DragValue::new(weight_decay)
                    .range(0.0..=1.0)
                    .speed(1e-5),
            )
            .on_hover_text(tr(Msg::WeightDecayHint))
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
                ui.label(tr(Msg::Momentum));
                ui.add(
                    egui::DragValue::new(momentum)
                        .range(0.0..=0.999)
                        .speed(0.01),
                )
                .on_hover_text(tr(Msg::MomentumHint))
                .context_menu(sweep_menu("optimizer.momentum"));
                ui.checkbox(nesterov, tr(Msg::Nesterov))
                    .on_hover_text(tr(Msg::NesterovHint));
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
                ui.label(tr(Msg::Alpha));
                ui.add(egui::DragValue::new(alpha).range(0.0..=0.9999).speed(0.001))
                    .on_hover_text(tr(Msg::AlphaHint));
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
            betas_ui(ui, beta1, beta2);
            wd(ui, weight_decay);
        }
        OptimizerConfig::KerasAdam {
            lr,
            beta1,
            beta2,
            eps: _,
        } => {
            lr_slider(ui, lr);
            betas_ui(ui, beta1, beta2);
        }
    }
}

/// Adam's β1 and β2 (PyTorch's and Keras's alike).
fn betas_ui(ui: &mut Ui, beta1: &mut f64, beta2: &mut f64) {
    ui.horizontal(|ui| {
        ui.label("β1");
        ui.add(egui::DragValue::new(beta1).range(0.0..=0.9999).speed(0.001))
            .on_hover_text(tr(Msg::Beta1Hint));
        ui.label("β2");
        ui.add(
            egui::DragValue::new(beta2)
                .range(0.0..=0.99999)
                .speed(0.0001),
        )
        .on_hover_text(tr(Msg::Beta2Hint));
    });
}
