//! The exported `train.py`: one skeleton per framework, with the pieces the setup chooses
//! (cell, loss, BPTT windows, clipping, optimizer) written out, not switched on at run time, so
//! the script reads as what it does.

use std::fmt::Write as _;

use super::Framework;
use crate::nn::{Activation, Bptt, CellKind, Clip, LossKind, OptimizerConfig, UpdateMode};
use crate::preset::Preset;
use crate::tasks::{Series, TaskConfig};
use crate::train::{Precision, TrainConfig};

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
        Framework::Pytorch => pytorch(&mut s, config, dims, dtype, steps),
        Framework::Keras => keras(&mut s, config, dims, dtype, steps),
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

fn pytorch(s: &mut String, c: &TrainConfig, d: crate::nn::Dims, dtype: &str, steps: usize) {
    let cell = c.model.cell;
    let module = match cell {
        CellKind::Rnn(Activation::Tanh) => "torch.nn.RNN(INPUT, HIDDEN, nonlinearity=\"tanh\")",
        CellKind::Rnn(Activation::Relu) => "torch.nn.RNN(INPUT, HIDDEN, nonlinearity=\"relu\")",
        CellKind::Lstm => "torch.nn.LSTM(INPUT, HIDDEN)",
        CellKind::Gru => "torch.nn.GRU(INPUT, HIDDEN)",
    };
    let _ = write!(
        s,
        r#"import torch

HERE = pathlib.Path(__file__).resolve().parent
torch.set_default_dtype({dtype})  # the lab's precision
DTYPE_NP = np.{np_dtype}
INPUT, HIDDEN, OUTPUT = {i}, {h}, {o}
STEPS = {steps}  # the batches in batches.npz


# ---- the model: the cell, and a linear readout on every h_t --------------------------------
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = {module}  # time-major: x is [T, B, I]
        self.readout = torch.nn.Linear(HIDDEN, OUTPUT)

    def forward(self, x, state=None):
        h, state = self.rnn(x, state)
        return self.readout(h), state


model = Net()
# The lab's names are PyTorch's: weight_ih_l0 … bias_hh_l0, readout.weight, readout.bias.
weights = np.load(HERE / "init_weights.npz")
model.load_state_dict(
    {{("" if k.startswith("readout.") else "rnn.") + k: torch.from_numpy(weights[k]) for k in weights.files}}
)
"#,
        np_dtype = match c.precision {
            Precision::F32 => "float32",
            Precision::F64 => "float64",
        },
        i = d.input,
        h = d.hidden,
        o = d.output,
    );
    if !c.model.recurrent_bias {
        s.push_str(
            "# The lab's `recurrent_bias: false`: b_hh stays at zero (one bias per gate, as Keras).\nmodel.rnn.bias_hh_l0.requires_grad_(False)\n",
        );
    }
    s.push_str("params = [p for p in model.parameters() if p.requires_grad]\n");
    s.push_str(&torch_optimizer(c.optimizer));
    s.push_str("\n\n# ---- the loss ------------------------------------------------------------------------------\n");
    s.push_str(&loss_fns(c.task().loss_kind(), Layout::TimeMajor));
    s.push_str("\n\n# ---- backpropagation through time ---------------------------------------------------------\n");
    s.push_str(&windows_fn(c.bptt));
    s.push_str("\n\n# ---- gradient clipping -------------------------------------------------------------------\n");
    s.push_str(&torch_clip(c.clip));
    torch_training(s, c);
}

/// The batches, and the training loop of the PyTorch script.
fn torch_training(s: &mut String, c: &TrainConfig) {
    s.push_str(&steps_and_batches(c, Layout::TimeMajor));
    s.push_str(
        r#"

# ---- the batches the lab trained on -------------------------------------------------------
batches = np.load(HERE / "batches.npz")


def batch_at(step):
    return {k.split("_")[0]: torch.from_numpy(batches[k]) for k in batches.files if k.endswith(f"_{step:05d}")}


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def state_at(x, t):
    """The state after the first t steps, from zero, without gradient (None at t = 0)."""
    if t == 0:
        return None
    with torch.no_grad():
        _, state = model.rnn(x[:t])
    return state


# ---- training ------------------------------------------------------------------------------
losses = []
for step in range(steps):
    batch = batch_at(step) if step < STEPS else make_batch(rng)
    x = batch["x"]
    T = x.shape[0]
    total = divisor(batch, 0, T)
"#,
    );
    if c.bptt.mode() == UpdateMode::PerSegment && !matches!(c.bptt, Bptt::Full) {
        s.push_str(
            r"    # One update per window (the windows do not overlap): each window's loss is the mean of
    # its own terms; the state goes on, detached, into the next window.
    state, loss_value = None, 0.0
    for start, loss_start, end in windows(T):
        out, new_state = model(x[start:end], state)
        if has_terms(batch, start, end):
            d = divisor(batch, start, end)
            loss = loss_sum(out, batch, start, end) / d
            opt.zero_grad()
            loss.backward()
            clip(params)
            opt.step()
            loss_value += loss.item() * d / total
        state = detach(new_state)
",
        );
    } else {
        s.push_str(
            r"    # One update per batch: every window back-propagates its losses (divided by the whole
    # sequence's divisor) from the state at its start; the gradients add up in .grad.
    opt.zero_grad()
    loss_value = 0.0
    for start, loss_start, end in windows(T):
        if not has_terms(batch, loss_start, end):
            continue
        out, _ = model(x[start:end], state_at(x, start))
        loss = loss_sum(out[loss_start - start :], batch, loss_start, end) / total
        loss.backward()
        loss_value += loss.item()
    clip(params)
    opt.step()
",
        );
    }
    s.push_str(
        "    losses.append(loss_value)\n    print(f\"step {step + 1:5d}  loss {loss_value:.10g}\")\n",
    );
}

fn torch_optimizer(o: OptimizerConfig) -> String {
    match o {
        OptimizerConfig::Sgd {
            lr,
            momentum,
            dampening,
            nesterov,
            weight_decay,
        } => format!(
            "opt = torch.optim.SGD(params, lr={}, momentum={}, dampening={}, nesterov={}, weight_decay={})\n",
            py(lr),
            py(momentum),
            py(dampening),
            if nesterov { "True" } else { "False" },
            py(weight_decay)
        ),
        OptimizerConfig::RmsProp {
            lr,
            alpha,
            eps,
            weight_decay,
        } => format!(
            "opt = torch.optim.RMSprop(params, lr={}, alpha={}, eps={}, weight_decay={})\n",
            py(lr),
            py(alpha),
            py(eps),
            py(weight_decay)
        ),
        OptimizerConfig::Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } => format!(
            "opt = torch.optim.Adam(params, lr={}, betas=({}, {}), eps={}, weight_decay={})\n",
            py(lr),
            py(beta1),
            py(beta2),
            py(eps),
            py(weight_decay)
        ),
        OptimizerConfig::KerasAdam { .. } => {
            unreachable!("refused by check_supported: no torch.optim counterpart")
        }
    }
}

fn torch_clip(clip: Clip) -> String {
    match clip {
        Clip::None => "def clip(params):\n    \"\"\"No clipping.\"\"\"\n".to_owned(),
        Clip::GlobalNorm { max_norm } => format!(
            "MAX_NORM = {}\n\n\ndef clip(params):\n    \"\"\"Rescale all gradients together to a global L2 norm of at most MAX_NORM.\"\"\"\n    torch.nn.utils.clip_grad_norm_(params, MAX_NORM)\n",
            py(max_norm)
        ),
        Clip::PerTensorNorm { max_norm } => format!(
            "MAX_NORM = {}\n\n\ndef clip(params):\n    \"\"\"Rescale each tensor's gradient to an L2 norm of at most MAX_NORM (Keras's clipnorm).\"\"\"\n    for p in params:\n        n = p.grad.norm()\n        p.grad.mul_(MAX_NORM / torch.clamp(n, min=MAX_NORM))\n",
            py(max_norm)
        ),
        Clip::Value { max_value } => format!(
            "MAX_VALUE = {}\n\n\ndef clip(params):\n    \"\"\"Clamp every gradient element to [-MAX_VALUE, MAX_VALUE].\"\"\"\n    torch.nn.utils.clip_grad_value_(params, MAX_VALUE)\n",
            py(max_value)
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

fn keras(s: &mut String, c: &TrainConfig, d: crate::nn::Dims, dtype: &str, steps: usize) {
    let cell = c.model.cell;
    let layer = match cell {
        CellKind::Rnn(Activation::Tanh) => {
            "keras.layers.SimpleRNN(HIDDEN, activation=\"tanh\", return_sequences=True, return_state=True)"
        }
        CellKind::Rnn(Activation::Relu) => {
            "keras.layers.SimpleRNN(HIDDEN, activation=\"relu\", return_sequences=True, return_state=True)"
        }
        CellKind::Lstm => "keras.layers.LSTM(HIDDEN, return_sequences=True, return_state=True)",
        CellKind::Gru => {
            "keras.layers.GRU(HIDDEN, reset_after=True, return_sequences=True, return_state=True)"
        }
    };
    let _ = write!(
        s,
        r#"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up notes
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
keras.backend.set_floatx({dtype})  # the lab's precision
DTYPE_NP = np.{np_dtype}
INPUT, HIDDEN, OUTPUT = {i}, {h}, {o}
STEPS = {steps}  # the batches in batches.npz

# ---- the model: the cell, and a linear readout on every h_t --------------------------------
# Keras is batch-major: x is [B, T, I]. Its weights: kernel [I, G*H] and recurrent_kernel
# [H, G*H] (PyTorch's transposed), {bias_note}
rnn = {layer}
readout = keras.layers.Dense(OUTPUT)
rnn.build((None, None, INPUT))
readout.build((None, HIDDEN))
weights = np.load(HERE / "init_weights.npz")
rnn.set_weights([weights["rnn_kernel"], weights["rnn_recurrent_kernel"], weights["rnn_bias"]])
readout.set_weights([weights["readout_kernel"], weights["readout_bias"]])
variables = rnn.trainable_variables + readout.trainable_variables


def run(x, state):
    """The readout of every step of x from `state` (None: zeros), and the state after."""
    h, *new_state = rnn(x, initial_state=state)
    return readout(h), new_state


"#,
        np_dtype = match c.precision {
            Precision::F32 => "float32",
            Precision::F64 => "float64",
        },
        i = d.input,
        h = d.hidden,
        o = d.output,
        bias_note = match cell {
            CellKind::Gru =>
                "and a bias [2, 3H] (input, recurrent);\n# gate order z, r, h (PyTorch's r, z, n with the first two swapped).",
            CellKind::Lstm =>
                "one bias (the lab's b_hh is fixed at zero);\n# gate order i, f, c, o, as PyTorch's i, f, g, o.",
            CellKind::Rnn(_) => "one bias (the lab's b_hh is fixed at zero).",
        },
    );
    s.push_str(&keras_optimizer(c.optimizer));
    s.push_str("\n\n# ---- the loss ------------------------------------------------------------------------------\n");
    s.push_str(&loss_fns(c.task().loss_kind(), Layout::BatchMajor));
    s.push_str("\n\n# ---- backpropagation through time ---------------------------------------------------------\n");
    s.push_str(&windows_fn(c.bptt));
    s.push_str("\n\n# ---- gradient clipping -------------------------------------------------------------------\n");
    s.push_str(&keras_clip(c.clip, cell));
    keras_training(s, c);
}

/// The batches, and the `tf.GradientTape` loop of the Keras script.
fn keras_training(s: &mut String, c: &TrainConfig) {
    s.push_str(&steps_and_batches(c, Layout::BatchMajor));
    s.push_str(
        r#"

# ---- the batches the lab trained on -------------------------------------------------------
batches = np.load(HERE / "batches.npz")


def batch_at(step):
    return {k.split("_")[0]: tf.constant(batches[k]) for k in batches.files if k.endswith(f"_{step:05d}")}


def state_at(x, t):
    """The state after the first t steps, from zero (None at t = 0); no tape records it."""
    if t == 0:
        return None
    return run(x[:, :t], None)[1]


# ---- training: a tf.GradientTape loop ------------------------------------------------------
losses = []
for step in range(steps):
    batch = batch_at(step) if step < STEPS else make_batch(rng)
    x = batch["x"]
    T = x.shape[1]
    total = divisor(batch, 0, T)
"#,
    );
    if c.bptt.mode() == UpdateMode::PerSegment && !matches!(c.bptt, Bptt::Full) {
        s.push_str(
            r"    # One update per window (the windows do not overlap): each window's loss is the mean of
    # its own terms; the state goes on, without gradient, into the next window.
    state, loss_value = None, 0.0
    for start, loss_start, end in windows(T):
        with tf.GradientTape() as tape:
            out, new_state = run(x[:, start:end], state)
            terms = has_terms(batch, start, end)
            if terms:
                d = divisor(batch, start, end)
                loss = loss_sum(out, batch, start, end) / d
        if terms:
            grads = tape.gradient(loss, variables)
            opt.apply_gradients(zip(clip(grads), variables))
            loss_value += float(loss) * d / total
        state = [tf.stop_gradient(s) for s in new_state]
",
        );
    } else if matches!(c.bptt, Bptt::Full) {
        s.push_str(
            r"    # Full BPTT: the tape records the forward pass over all T steps; one gradient, one update.
    with tf.GradientTape() as tape:
        out, _ = run(x, None)
        loss = loss_sum(out, batch, 0, T) / total
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(clip(grads), variables))
    loss_value = float(loss)
",
        );
    } else {
        s.push_str(
            r"    # One update per batch: every window back-propagates its losses (divided by the whole
    # sequence's divisor) from the state at its start; the gradients are summed.
    summed = [tf.zeros_like(v) for v in variables]
    loss_value = 0.0
    for start, loss_start, end in windows(T):
        if not has_terms(batch, loss_start, end):
            continue
        state = state_at(x, start)
        with tf.GradientTape() as tape:
            out, _ = run(x[:, start:end], state)
            loss = loss_sum(out[:, loss_start - start :], batch, loss_start, end) / total
        summed = [a + g for a, g in zip(summed, tape.gradient(loss, variables))]
        loss_value += float(loss)
    opt.apply_gradients(zip(clip(summed), variables))
",
        );
    }
    s.push_str(
        "    losses.append(loss_value)\n    print(f\"step {step + 1:5d}  loss {loss_value:.10g}\")\n",
    );
}

fn keras_optimizer(o: OptimizerConfig) -> String {
    match o {
        OptimizerConfig::KerasAdam {
            lr,
            beta1,
            beta2,
            eps,
        } => format!(
            "opt = keras.optimizers.Adam(learning_rate={}, beta_1={}, beta_2={}, epsilon={})\n",
            py(lr),
            py(beta1),
            py(beta2),
            py(eps)
        ),
        OptimizerConfig::Sgd {
            lr,
            momentum,
            nesterov,
            ..
        } => format!(
            "# Keras's momentum v = m·v − lr·g equals PyTorch's b = m·b + g times −lr (constant lr).\nopt = keras.optimizers.SGD(learning_rate={}, momentum={}, nesterov={})\n",
            py(lr),
            py(momentum),
            if nesterov { "True" } else { "False" }
        ),
        OptimizerConfig::Adam { .. } | OptimizerConfig::RmsProp { .. } => {
            unreachable!("refused by check_supported: Keras's formula differs")
        }
    }
}

fn keras_clip(clip: Clip, cell: CellKind) -> String {
    match clip {
        Clip::None => {
            "def clip(grads):\n    \"\"\"No clipping.\"\"\"\n    return grads\n".to_owned()
        }
        Clip::GlobalNorm { max_norm } => format!(
            "MAX_NORM = {}\n\n\ndef clip(grads):\n    \"\"\"PyTorch's clip_grad_norm_, which the lab follows: every gradient times\n    min(1, MAX_NORM / (norm + 1e-6)), norm the global L2 norm (Keras's global_clipnorm has\n    no 1e-6).\"\"\"\n    norm = tf.sqrt(tf.add_n([tf.reduce_sum(g * g) for g in grads]))\n    scale = tf.minimum(1.0, MAX_NORM / (norm + 1e-6))\n    return [g * scale for g in grads]\n",
            py(max_norm)
        ),
        Clip::PerTensorNorm { max_norm } => {
            let gru = matches!(cell, CellKind::Gru);
            format!(
                "MAX_NORM = {}\n\n\ndef clip(grads):\n    \"\"\"Each tensor's gradient rescaled to an L2 norm of at most MAX_NORM, as Keras's clipnorm{}.\"\"\"\n    out = [tf.clip_by_norm(g, MAX_NORM) for g in grads]\n{}    return out\n",
                py(max_norm),
                if gru {
                    "; the\n    GRU's bias [2, 3H] holds two of the lab's tensors (b_ih, b_hh), clipped one by one"
                } else {
                    ""
                },
                if gru {
                    "    out[2] = tf.stack([tf.clip_by_norm(grads[2][0], MAX_NORM), tf.clip_by_norm(grads[2][1], MAX_NORM)])\n"
                } else {
                    ""
                }
            )
        }
        Clip::Value { max_value } => format!(
            "MAX_VALUE = {}\n\n\ndef clip(grads):\n    \"\"\"Every gradient element clamped to [-MAX_VALUE, MAX_VALUE] (Keras's clipvalue).\"\"\"\n    return [tf.clip_by_value(g, -MAX_VALUE, MAX_VALUE) for g in grads]\n",
            py(max_value)
        ),
    }
}
