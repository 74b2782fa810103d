//! From the lab to a framework: a setup handed over as a PyTorch or Keras training script that
//! gives the same numbers.
//!
//! An export is a folder:
//!
//! - `train.py`: readable and self-contained (numpy and the framework only): the same cell,
//!   sizes, loss, BPTT schedule, clipping and optimizer, trained on the batches below from the
//!   weights below; it prints its loss per step, writes it to `losses.csv` and compares it
//!   with the lab's;
//! - `init_weights.npz`: the run's exact initial weights in the framework's own layout
//!   ([`layout`]);
//! - `batches.npz`: the exact batches of the first N steps, in the framework's layout
//!   (`x_00000`, `y_00000`, … one entry per step: a task's sequences may differ in length);
//! - `lab_losses.csv`: the lab's loss of those N steps, trained here (same seed, same
//!   precision).
//!
//! What has no exact counterpart in the framework is refused with a message that says why
//! and what would do instead ([`ExportError::Unsupported`]).

pub mod layout;
mod script;

use std::fmt::Write as _;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ndarray::{Array2, Array3};
use ndarray_npy::NpzWriter;

use crate::fsutil::{write_atomic, write_atomic_with};
use crate::nn::{Batch, Bptt, CellKind, OptimizerConfig, Params, Scalar, Target, UpdateMode};
use crate::preset::Preset;
use crate::train::{ConfigError, Precision, RunError, TrainConfig, Trainer};

pub use layout::{from_keras, to_keras};

/// The framework a setup is exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Framework {
    /// `torch.nn.RNN/LSTM/GRU` and `torch.optim`.
    Pytorch,
    /// `keras.layers.SimpleRNN/LSTM/GRU` trained by a `tf.GradientTape` loop.
    Keras,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Self::Pytorch => "PyTorch",
            Self::Keras => "Keras",
        }
    }
}

/// Default number of training steps whose batches go with an export.
pub const DEFAULT_BATCHES: usize = 100;
/// Most steps an export carries (the batches are stored whole).
pub const MAX_BATCHES: usize = 100_000;
/// Largest `batches.npz` an export writes: N · T · B · (I + targets) values.
pub const MAX_BATCH_VALUES: usize = 200_000_000;

/// Why a setup cannot be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{what} has no exact counterpart in {framework}: {why}")]
    Unsupported {
        framework: &'static str,
        what: String,
        why: String,
    },
    #[error("{0}")]
    Size(String),
    #[error("the lab's run of the setup failed: {0}")]
    Run(#[from] RunError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What an export wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Exported {
    pub files: Vec<PathBuf>,
    /// The lab's loss at each exported step.
    pub lab_losses: Vec<f64>,
}

/// Whether `config` can be trained by `framework` with the same numbers, and why not.
pub fn check_supported(framework: Framework, config: &TrainConfig) -> Result<(), ExportError> {
    let unsupported = |what: &str, why: &str| ExportError::Unsupported {
        framework: framework.name(),
        what: what.to_owned(),
        why: why.to_owned(),
    };
    if let Bptt::Truncated {
        k1,
        k2,
        mode: UpdateMode::PerSegment,
    } = config.bptt
        && k1 != k2
    {
        return Err(unsupported(
            &format!("truncated BPTT({k1}, {k2}) with an update after every segment"),
            "its overlapping windows reuse activations computed before the previous update \
             (Williams & Peng); use `bptt=chunked(k: K, mode: per_segment)`, what PyTorch and \
             Keras users write, or `mode: accumulate`",
        ));
    }
    match framework {
        Framework::Pytorch => {
            if let OptimizerConfig::KerasAdam { .. } = config.optimizer {
                return Err(unsupported(
                    "optimizer `keras_adam`",
                    "torch.optim.Adam adds ε after the bias correction; use `adam` for PyTorch",
                ));
            }
        }
        Framework::Keras => {
            if config.model.recurrent_bias && !matches!(config.model.cell, CellKind::Gru) {
                return Err(unsupported(
                    "a trained recurrent bias b_hh",
                    "Keras's SimpleRNN and LSTM have one bias per gate (PyTorch's b_ih + b_hh), \
                     and two biases with the same gradient train differently from one; set \
                     `model.recurrent_bias=false` (b_hh fixed at zero)",
                ));
            }
            match config.optimizer {
                OptimizerConfig::Adam { .. } => {
                    return Err(unsupported(
                        "optimizer `adam` (PyTorch's)",
                        "keras.optimizers.Adam adds ε (1e-7) before the bias correction; use \
                         `optimizer=keras_adam(lr: …)`, which is Keras's",
                    ));
                }
                OptimizerConfig::RmsProp { .. } => {
                    return Err(unsupported(
                        "optimizer `rms_prop`",
                        "keras.optimizers.RMSprop divides by √(v + ε), PyTorch's by √v + ε; use \
                         `sgd` or `keras_adam`",
                    ));
                }
                OptimizerConfig::Sgd {
                    dampening,
                    weight_decay,
                    ..
                } if dampening != 0.0 || weight_decay != 0.0 => {
                    return Err(unsupported(
                        "SGD with dampening or weight decay",
                        "keras.optimizers.SGD has no dampening, and its weight_decay is \
                         decoupled (PyTorch's is an L2 term in the gradient)",
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Exports `preset` for `framework` into `out` with the batches of its first `batches` steps.
pub fn export(
    preset: &Preset,
    framework: Framework,
    batches: usize,
    out: &Path,
) -> Result<Exported, ExportError> {
    let config = preset.config.validate()?;
    check_supported(framework, &config)?;
    if batches == 0 || batches > MAX_BATCHES {
        return Err(ExportError::Size(format!(
            "{batches} batches: an export carries 1 to {MAX_BATCHES}"
        )));
    }
    let steps = batches.min(usize::try_from(config.steps).unwrap_or(usize::MAX));
    let task = config.task();
    let per_step = config.batch_size
        * task.max_seq_len()
        * (config.dims().input + config.dims().output.max(2));
    if per_step.saturating_mul(steps) > MAX_BATCH_VALUES {
        return Err(ExportError::Size(format!(
            "{steps} batches of {} sequences of up to {} steps are {} values, more than the \
             {MAX_BATCH_VALUES} an export writes: export fewer batches",
            config.batch_size,
            task.max_seq_len(),
            per_step.saturating_mul(steps)
        )));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ExportError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let LabRun {
        init,
        batches: drawn,
        losses: lab_losses,
    } = match config.precision {
        Precision::F32 => lab_run::<f32>(&config, steps)?,
        Precision::F64 => lab_run::<f64>(&config, steps)?,
    };
    if let Bptt::Truncated { k1, .. } = config.bptt
        && config.bptt.mode() == UpdateMode::PerSegment
        && let Some(b) = drawn.iter().find(|b| b.seq_len() % k1 != 0)
    {
        return Err(ExportError::Unsupported {
            framework: framework.name(),
            what: format!(
                "truncated BPTT({k1}, {k1}) per segment on sequences of {} steps",
                b.seq_len()
            ),
            why: "its last window reaches back k2 steps into the segment before, over \
                  activations computed before that segment's update; use \
                  `bptt=chunked(k: K, mode: per_segment)`"
                .to_owned(),
        });
    }
    let precision = config.precision;
    let mut files = Vec::new();
    let weights_path = out.join("init_weights.npz");
    write_weights(
        &weights_path,
        framework,
        config.model.cell,
        &init,
        precision,
    )
    .map_err(io(&weights_path))?;
    files.push(weights_path);
    let batches_path = out.join("batches.npz");
    write_batches(&batches_path, framework, &drawn, precision).map_err(io(&batches_path))?;
    files.push(batches_path);
    let losses_path = out.join("lab_losses.csv");
    let mut csv = String::from("step,loss\n");
    for (i, l) in lab_losses.iter().enumerate() {
        let _ = writeln!(csv, "{},{l:e}", i + 1);
    }
    write_atomic(&losses_path, csv.as_bytes()).map_err(io(&losses_path))?;
    files.push(losses_path);
    let script_path = out.join("train.py");
    let text = script::train_py(framework, preset, &config, lab_losses.len());
    write_atomic(&script_path, text.as_bytes()).map_err(io(&script_path))?;
    files.push(script_path);
    Ok(Exported { files, lab_losses })
}

/// What the lab's own run of the exported steps gives.
struct LabRun {
    init: Params<f64>,
    batches: Vec<Batch<f64>>,
    losses: Vec<f64>,
}

/// The run's initial weights, the batches of its first `steps` steps and its loss at each,
/// trained by the lab in `F`. A run that diverges stops the list there.
fn lab_run<F: Scalar>(config: &TrainConfig, steps: usize) -> Result<LabRun, RunError> {
    let mut trainer = Trainer::<F>::new(config)?;
    let init = trainer.state().params.cast::<f64>();
    let mut rng = crate::tasks::train_rng(config.seed);
    let task = config.task();
    let mut batches = Vec::with_capacity(steps);
    let mut losses = Vec::with_capacity(steps);
    for _ in 0..steps {
        // The trainer draws its batch from the same stream, one batch per step.
        let b = task.batch(&mut rng, config.batch_size);
        match trainer.step() {
            Ok(m) => losses.push(m.loss),
            Err(e) if e.is_divergence() => break,
            Err(e) => return Err(e),
        }
        batches.push(b.cast::<F>().cast::<f64>());
    }
    Ok(LabRun {
        init,
        batches,
        losses,
    })
}

/// `init_weights.npz` in the framework's layout, at the run's precision.
fn write_weights(
    path: &Path,
    framework: Framework,
    cell: CellKind,
    params: &Params<f64>,
    precision: Precision,
) -> std::io::Result<()> {
    match framework {
        Framework::Pytorch => crate::export::write_weights_npz(path, params, precision),
        Framework::Keras => {
            let tensors = to_keras(cell, params);
            write_atomic_with(path, |f| {
                let mut npz = NpzWriter::new(BufWriter::new(f));
                for (name, a) in &tensors {
                    add(&mut npz, name, a, precision)?;
                }
                npz.finish().map_err(npz_io)?;
                Ok(())
            })
        }
    }
}

#[expect(clippy::needless_pass_by_value, reason = "the signature map_err calls")]
fn npz_io(e: ndarray_npy::WriteNpzError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn add<W: std::io::Write + std::io::Seek, D: ndarray::Dimension>(
    npz: &mut NpzWriter<W>,
    name: &str,
    a: &ndarray::Array<f64, D>,
    precision: Precision,
) -> std::io::Result<()> {
    match precision {
        Precision::F32 => npz.add_array(name, &a.mapv(|v| v as f32)),
        Precision::F64 => npz.add_array(name, a),
    }
    .map_err(npz_io)
}

/// `batches.npz`: per step `x_NNNNN` and its targets (`y_NNNNN`, or `labels_NNNNN` and
/// `mask_NNNNN` for cross-entropy), time-major `[T, B, ·]` for PyTorch, batch-major `[B, T, ·]`
/// for Keras.
fn write_batches(
    path: &Path,
    framework: Framework,
    batches: &[Batch<f64>],
    precision: Precision,
) -> std::io::Result<()> {
    let keras = framework == Framework::Keras;
    let major3 = |a: &Array3<f64>| {
        if keras {
            a.view()
                .permuted_axes([1, 0, 2])
                .as_standard_layout()
                .to_owned()
        } else {
            a.clone()
        }
    };
    let major2 = |a: &Array2<f64>| if keras { a.t().to_owned() } else { a.clone() };
    write_atomic_with(path, |f| {
        let mut npz = NpzWriter::new(BufWriter::new(f));
        for (i, b) in batches.iter().enumerate() {
            add(&mut npz, &format!("x_{i:05}"), &major3(&b.x), precision)?;
            match &b.target {
                Target::Last(y) => add(&mut npz, &format!("y_{i:05}"), y, precision)?,
                Target::All(y) => add(&mut npz, &format!("y_{i:05}"), &major3(y), precision)?,
                Target::Classes { labels, mask } => {
                    let labels = labels.mapv(|l| i64::try_from(l).unwrap_or(i64::MAX));
                    let labels = if keras { labels.t().to_owned() } else { labels };
                    npz.add_array(format!("labels_{i:05}"), &labels)
                        .map_err(npz_io)?;
                    add(&mut npz, &format!("mask_{i:05}"), &major2(mask), precision)?;
                }
            }
        }
        npz.finish().map_err(npz_io)?;
        Ok(())
    })
}
