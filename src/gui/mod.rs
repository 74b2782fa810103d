//! The window: the only part of the crate that knows egui, eframe and `egui_plot`. Nothing
//! outside this folder imports it but the command line's `gui` subcommand.
//!
//! Its rooms, each with one concern:
//!
//! - [`app`]: the `eframe::App` (drain events, lend the panels their pieces, apply commands)
//!   and [`run_gui`];
//! - [`state`]: what is saved between sessions, the session's window state, the commands;
//! - [`runs`]: the runs by id, their status, colour and worker, and their events;
//! - [`commands`]: what each command does;
//! - [`dialogs`], [`plot_export`], [`heatmap`]: file dialogs, plots saved as PNG, the
//!   heatmap's texture;
//! - [`sweep`]: the Sweep tab's editor and the sweep its runs make;
//! - [`panels`]: drawing only, each panel given the pieces of state it draws;
//! - [`i18n`]: every word the window shows, in English and 简体中文;
//! - [`script_export`]: training scripts for PyTorch and Keras, written on a thread;
//! - [`tour`], [`tour_moves`]: the guided tour of BPTT (its steps read from
//!   `assets/tour.ron`) and what its moves do;
//! - [`style`]: colours, fonts and number formats; [`naming`]: names of new runs.

pub mod app;
pub mod commands;
pub mod dialogs;
pub mod heatmap;
pub mod i18n;
pub mod naming;
pub mod notebook;
pub mod panels;
pub mod plot_export;
pub mod runs;
pub mod script_export;
pub mod state;
pub mod style;
pub mod sweep;
pub mod tour;
pub mod tour_moves;
pub mod validated;
pub mod views;

pub use app::{BpttApp, GuiError, GuiOptions, check_sweep_file, dropped_command, run_gui};
pub use runs::{RunFactory, RunStatus, RunView, Runs, trainer_factory};
pub use state::{SavedState, UiCommand, View};
