//! bptt-lab: train small recurrent networks (vanilla RNN, LSTM, GRU) with backpropagation
//! through time and watch how the gradient flows back through the time steps.
//!
//! - [`nn`]: the BPTT engine (cells, losses, initialization, clipping, optimizers), with
//!   PyTorch's names, shapes and equations.
//! - [`tasks`]: the sequence tasks (adding, copy, temporal order, embedded Reber, parity,
//!   sine / Mackey–Glass, sequential digits, text), each with its generator, baseline, metric
//!   and "solved" rule.
//! - [`grad`]: loss and gradients for weights and a batch given as NPZ files.
//! - [`sweep`]: parameter sweeps (a preset × one or two settings × seeds), run here on all
//!   cores or emitted as a Slurm job array.
//! - [`cli`]: the headless command line.
//!
//! The library never depends on the GUI; the binary's command line and the tests use it the
//! same way.

pub mod app;
pub mod bench;
pub mod cli;
pub mod export;
pub mod fsutil;
pub mod grad;
pub mod headless;
pub mod nn;
pub mod preset;
pub mod sweep;
pub mod tasks;
pub mod train;
pub mod ui;
