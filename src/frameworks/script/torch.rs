//! The PyTorch script: `torch.nn.RNN/LSTM/GRU` with a `Linear` readout, `torch.optim`, and the
//! lab's clipping as `torch.nn.utils` does it.

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
    sections(
        s,
        c,
        Layout::TimeMajor,
        &torch_optimizer(c.optimizer),
        &torch_clip(c.clip),
    );
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
