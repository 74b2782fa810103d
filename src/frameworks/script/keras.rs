//! The Keras script: `keras.layers.SimpleRNN/LSTM/GRU` and `Dense`, trained by a
//! `tf.GradientTape` loop with Keras's optimizers and the lab's clipping written out.

use std::fmt::Write as _;

use super::{Layout, py, sections, steps_and_batches};
use crate::nn::{Activation, Bptt, CellKind, Clip, OptimizerConfig, UpdateMode};
use crate::train::{Precision, TrainConfig};

pub(super) fn script(
    s: &mut String,
    c: &TrainConfig,
    d: crate::nn::Dims,
    dtype: &str,
    steps: usize,
) {
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
    sections(
        s,
        c,
        Layout::BatchMajor,
        &keras_optimizer(c.optimizer),
        &keras_clip(c.clip, cell),
    );
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
