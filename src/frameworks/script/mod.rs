//! The exported `train.py`: one skeleton per framework, with the pieces the setup chooses
//! (cell, loss, BPTT windows, clipping, optimizer) written out, not switched on at run time, so
//! the script reads as what it does.

use std::fmt::Write as _;

use super::Framework;
use crate::nn::{Bptt, LossKind};
use crate::preset::Preset;
use crate::tasks::{Series, TaskConfig};
use crate::train::{Precision, TrainConfig};

mod keras;
mod torch;

/// A float as Python reads it back to the same value.
fn py(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains(['.', 'e', 'E', 'n', 'i']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// The script's text.
pub fn train_py(
    framework: Framework,
    preset: &Preset,
    config: &TrainConfig,
    steps: usize,
) -> String {
    let setup = ron::to_string(config.setup()).unwrap_or_default();
    let dims = config.dims();
    let (deps, dtype) = match (framework, config.precision) {
        (Framework::Pytorch, Precision::F32) => ("numpy torch", "torch.float32"),
        (Framework::Pytorch, Precision::F64) => ("numpy torch", "torch.float64"),
        (Framework::Keras, Precision::F32) => ("numpy tensorflow", "\"float32\""),
        (Framework::Keras, Precision::F64) => ("numpy tensorflow", "\"float64\""),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"#!/usr/bin/env python3
"""{name}

Exported from bptt-lab {version} for {framework}. It trains the lab's setup on the very batches
the lab drew (batches.npz) from the lab's initial weights (init_weights.npz), for the {steps}
steps exported, prints its loss at each step, writes it to losses.csv and compares it with the
lab's (lab_losses.csv).

    pip install {deps}
    python train.py

The setup, as the lab writes it (`bptt-lab train --set KEY=VALUE` edits it):

    {setup}
"""

import argparse
import csv
{os_import}import pathlib

import numpy as np
"#,
        os_import = if framework == Framework::Keras {
            "import os\n"
        } else {
            ""
        },
        name = preset.name,
        version = env!("CARGO_PKG_VERSION"),
        framework = framework.name(),
    );
    match framework {
        Framework::Pytorch => torch::script(&mut s, config, dims, dtype, steps),
        Framework::Keras => keras::script(&mut s, config, dims, dtype, steps),
    }
    s.push_str(COMPARE);
    s
}

/// The comparison with the lab's losses, the same in both scripts.
const COMPARE: &str = r#"
# ---- the same numbers? ---------------------------------------------------------------------
with open(HERE / "losses.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["step", "loss"])
    w.writerows((i + 1, repr(loss)) for i, loss in enumerate(losses))
with open(HERE / "lab_losses.csv", newline="") as f:
    lab = [float(row["loss"]) for row in csv.DictReader(f)]
worst = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(losses, lab))
print(f"worst relative difference from the lab's loss over {len(lab)} steps: {worst:.3e}")
"#;

/// The sections both scripts have, in order: the optimizer, the loss, the BPTT windows and
/// the clipping (the framework's own optimizer and clipping code given).
fn sections(s: &mut String, c: &TrainConfig, layout: Layout, optimizer: &str, clip: &str) {
    s.push_str(optimizer);
    s.push_str("\n\n# ---- the loss ------------------------------------------------------------------------------\n");
    s.push_str(&loss_fns(c.task().loss_kind(), layout));
    s.push_str("\n\n# ---- backpropagation through time ---------------------------------------------------------\n");
    s.push_str(&windows_fn(c.bptt));
    s.push_str("\n\n# ---- gradient clipping -------------------------------------------------------------------\n");
    s.push_str(clip);
}

/// The windows of the sequence each backward pass covers, as the lab's `Bptt::windows`.
fn windows_fn(bptt: Bptt) -> String {
    match bptt {
        Bptt::Full => "def windows(T):\n    \"\"\"Full BPTT: one window over the whole sequence.\"\"\"\n    return [(0, 0, T)]\n".to_owned(),
        Bptt::Truncated { k1, k2, .. } => format!(
            "K1, K2 = {k1}, {k2}\n\n\ndef windows(T):\n    \"\"\"BPTT(k1, k2): every K1 steps, the losses of the last K1 steps, back-propagated\n    through K2 steps: (start, loss_start, end) with start = end - K2 (at least 0).\"\"\"\n    return [(max(min(s + K1, T) - K2, 0), s, min(s + K1, T)) for s in range(0, T, K1)]\n"
        ),
        Bptt::Chunked { k, .. } => format!(
            "K = {k}\n\n\ndef windows(T):\n    \"\"\"Chunks of K steps from t = 0 (the last may be shorter), each back-propagated\n    within itself: (start, loss_start, end) with start = loss_start.\"\"\"\n    return [(s, s, min(s + K, T)) for s in range(0, T, K)]\n"
        ),
    }
}

/// A numpy generator of fresh batches for the tasks simple enough to write in a few lines
/// (adding, sum of sines): the lab's distribution, numpy's random stream. It makes `x` and the
/// target time-major; `to_framework` then puts them in the script's layout.
fn generator(c: &TrainConfig) -> Option<String> {
    let b = c.batch_size;
    match c.setup().task {
        TaskConfig::Adding { seq_len } => Some(format!(
            r#"SEQ_LEN, BATCH = {seq_len}, {b}


def make_batch(rng):
    """A fresh batch of the adding problem: values U[0, 1) on channel 0, a marker (1) on
    channel 1 at one step of each half; the target is the sum of the two marked values."""
    x = np.zeros((SEQ_LEN, BATCH, 2))
    x[:, :, 0] = rng.random((SEQ_LEN, BATCH))
    rows = np.arange(BATCH)
    i1 = rng.integers(0, SEQ_LEN // 2, BATCH)
    i2 = rng.integers(SEQ_LEN // 2, SEQ_LEN, BATCH)
    x[i1, rows, 1] = 1.0
    x[i2, rows, 1] = 1.0
    y = (x[i1, rows, 0] + x[i2, rows, 0])[:, None]
    return to_framework(x, y)
"#
        )),
        TaskConfig::Sine {
            seq_len,
            series: Series::Sines,
            noise,
        } => Some(format!(
            r#"SEQ_LEN, BATCH, NOISE = {seq_len}, {b}, {noise}
SINES = [(1.0, 30.0), (0.5, 12.0), (0.25, 7.0)]  # amplitude, period in steps


def make_batch(rng):
    """A fresh batch of the noisy sum of sines: random phases per sequence, Gaussian noise
    of NOISE; the input is v_t and the target the next value v_(t+1) at every step."""
    t = np.arange(SEQ_LEN + 1)[:, None]
    v = sum(a * np.sin(2 * np.pi / period * t + rng.uniform(0, 2 * np.pi, BATCH)) for a, period in SINES)
    v = v + NOISE * rng.standard_normal((SEQ_LEN + 1, BATCH))
    return to_framework(v[:-1, :, None], v[1:, :, None])
"#,
            noise = py(noise)
        )),
        _ => None,
    }
}

/// The loop's head: how many steps, and where each step's batch comes from.
fn steps_and_batches(c: &TrainConfig, layout: Layout) -> String {
    let Some(make) = generator(c) else {
        return "steps = STEPS  # this task has no generator in the script: the lab's batches only
"
        .to_owned();
    };
    let convert = match layout {
        Layout::TimeMajor => {
            r#"def to_framework(x, y):
    return {"x": torch.from_numpy(x.astype(DTYPE_NP)), "y": torch.from_numpy(y.astype(DTYPE_NP))}
"#
        }
        Layout::BatchMajor => {
            r#"def to_framework(x, y):
    """Keras is batch-major: [T, B, .] becomes [B, T, .] (a last-step target is [B, O])."""
    y = np.transpose(y, (1, 0, 2)) if y.ndim == 3 else y
    return {"x": tf.constant(np.transpose(x, (1, 0, 2)).astype(DTYPE_NP)), "y": tf.constant(y.astype(DTYPE_NP))}
"#
        }
    };
    format!(
        r#"

# ---- beyond the lab's batches: fresh ones from the same distribution -----------------------
# python train.py --steps 5000 --seed 0: the first STEPS steps are the lab's batches, the rest
# drawn here (numpy's random stream, not the lab's).
{convert}

{make}

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=STEPS, help="training steps (default: the lab's batches)")
parser.add_argument("--seed", type=int, default=0, help="seed of the batches after the lab's")
args = parser.parse_args()
steps = args.steps
rng = np.random.default_rng(args.seed)
"#
    )
}

/// Where the time axis is in the batches: PyTorch's `[T, B, ·]` or Keras's `[B, T, ·]`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    TimeMajor,
    BatchMajor,
}

/// `has_terms`, `divisor` and `loss_sum` of a loss, as the lab's `Batch` computes them.
fn loss_fns(kind: LossKind, layout: Layout) -> String {
    let tm = layout == Layout::TimeMajor;
    let (last, steps, steps_y) = if tm {
        ("out[-1]", "[t0:t1]", "batch[\"y\"][t0:t1]")
    } else {
        ("out[:, -1]", "[:, t0:t1]", "batch[\"y\"][:, t0:t1]")
    };
    let t_axis = usize::from(!tm);
    let sum = if tm { "" } else { "tf.reduce_sum" };
    match kind {
        LossKind::MseLast => format!(
            "# mse_last: the squared error of the last step's readout, mean over the batch and outputs.\ndef has_terms(batch, t0, t1):\n    return t1 == batch[\"x\"].shape[{t_axis}]\n\n\ndef divisor(batch, t0, t1):\n    return {div}\n\n\ndef loss_sum(out, batch, t0, t1):\n    return {sumq}\n",
            div = if tm {
                "batch[\"y\"].numel()"
            } else {
                "int(tf.size(batch[\"y\"]))"
            },
            sumq = if tm {
                format!("(({last} - batch[\"y\"]) ** 2).sum()")
            } else {
                format!("{sum}(({last} - batch[\"y\"]) ** 2)")
            },
        ),
        LossKind::MseAll => format!(
            "# mse_all: the squared error at every step, mean over steps, batch and outputs.\ndef has_terms(batch, t0, t1):\n    return t1 > t0\n\n\ndef divisor(batch, t0, t1):\n    return (t1 - t0) * {per_step}\n\n\ndef loss_sum(out, batch, t0, t1):\n    return {sumq}\n",
            per_step = if tm {
                "batch[\"y\"][0].numel()"
            } else {
                "batch[\"y\"].shape[0] * batch[\"y\"].shape[2]"
            },
            sumq = if tm {
                format!("((out - {steps_y}) ** 2).sum()")
            } else {
                format!("{sum}((out - {steps_y}) ** 2)")
            },
        ),
        LossKind::Xent => {
            let ce = if tm {
                format!(
                    "torch.nn.functional.cross_entropy(\n        out.reshape(-1, OUTPUT), batch[\"labels\"]{steps}.reshape(-1), reduction=\"none\"\n    )\n    return (ce * batch[\"mask\"]{steps}.reshape(-1)).sum()"
                )
            } else {
                format!(
                    "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=batch[\"labels\"]{steps}, logits=out)\n    return tf.reduce_sum(ce * batch[\"mask\"]{steps})"
                )
            };
            let marked = if tm {
                format!("float(batch[\"mask\"]{steps}.sum())")
            } else {
                format!("float(tf.reduce_sum(batch[\"mask\"]{steps}))")
            };
            format!(
                "# xent: softmax cross-entropy at the steps the mask marks, mean over the marked terms.\ndef has_terms(batch, t0, t1):\n    return {marked} > 0\n\n\ndef divisor(batch, t0, t1):\n    return {marked}\n\n\ndef loss_sum(out, batch, t0, t1):\n    ce = {ce}\n"
            )
        }
    }
}
