//! bptt-lab: train small recurrent networks (vanilla RNN, LSTM, GRU) with backpropagation
//! through time and watch how the gradient flows back through the time steps.
//!
//! The library, from the ground up (each layer uses only those below it):
//!
//! - [`nn`]: the BPTT engine (cells, losses, initialization, clipping, optimizers), with
//!   PyTorch's names, shapes and equations.
//! - [`tasks`]: the sequence tasks (adding, copy, temporal order, embedded Reber, parity,
//!   sine / Mackey–Glass, sequential digits, text), each with its generator, baseline, metric
//!   and "solved" rule.
//! - [`train`]: a run's setup and validated config, the trainer, the worker thread that
//!   streams a run's metrics, and its bounded history.
//! - [`preset`] and [`expect`]: setups in RON files, and the claims [`reproduce`] judges
//!   over seeds; [`ronfile`] is how every RON file is read.
//! - [`headless`], [`store`] and [`export`]: a run without a window, the run folder it writes
//!   while it trains (and that the app reads back), and what the files hold.
//! - [`sweep`]: parameter sweeps (a preset × one or two settings × seeds), run here on all
//!   cores through [`pool`] or emitted as a Slurm job array.
//! - [`grad`]: loss and gradients for weights and a batch given as NPZ files.
//! - [`diagnostics`]: what explains a trained network's gradient profile: eigenvalues of
//!   `W_hh`, Lyapunov exponents, Pascanu's Ω and the LSTM's memory horizons.
//! - [`cli`]: the headless command line, and [`gui`]: the window.
//! - [`fuzzing`]: what each fuzz target (`fuzz/`) feeds to which reader, above them all.
//!
//! Nothing below [`gui`] imports it or egui: the command line, the tests and the window use
//! the same library the same way.

pub mod bench;
pub mod cli;
pub mod diagnostics;
pub mod expect;
pub mod export;
pub mod frameworks;
pub mod fsutil;
pub mod fuzzing;
pub mod grad;
pub mod gui;
pub mod headless;
pub mod nn;
pub mod npycheck;
pub mod pool;
pub mod preset;
pub mod reproduce;
pub mod ronfile;
pub mod store;
pub mod sweep;
pub mod tasks;
pub mod train;
