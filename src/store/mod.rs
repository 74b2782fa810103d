//! The run folder: one format for every run, written while it trains and read back by the app
//! and the command line alike. `bptt-lab train --out`, every sweep run, every Slurm array
//! task and every run started in the app write exactly this:
//!
//! | file | what | written |
//! |---|---|---|
//! | `preset.ron` | the run's full setup | at the start |
//! | `metrics.csv` | a row per step ([`crate::train::STEP_COLUMNS`]) | appended, whole lines, about once a second |
//! | `diagnostics.csv` | a row per diagnostics: held-out loss and metric, saturation, ρ and `σ_max` per gate | appended |
//! | `profile.csv` | `step,t,g`: the gradient profile of each diagnostics row | appended |
//! | `terms.csv` | `step,t,block,hh_norm,ih_norm,hh_share,ih_share`: the terms of the BPTT sum, when taken ([`crate::export::TERMS_HEADER`]) | appended |
//! | `analysis.csv` | a row per analysis of the network: λ₁, the fitted profile slope, Ω, steps in the past, memory horizons ([`crate::diagnostics::csv`]) | appended, when taken |
//! | `eigenvalues.csv`, `lyapunov.csv`, `memory.csv` | `step,block,re,im,…`, `step,index,exponent`, `step,unit,horizon`: the vectors of each analysis | appended, when taken |
//! | `summary.json` | setup, outcome (`running`, `finished`, `stopped`, `diverged`), final figures | replaced |
//! | `weights.npz` | the final weights, PyTorch's names | replaced, at the end |
//! | `checkpoint.npz` | what the run carries on from ([`checkpoint`]) | replaced, every so often and at the end |
//! | `meta.json` | the name and tags given in the app | replaced |
//!
//! Long runs thin their CSV files ([`writer`]), so a folder's size grows with the logarithm
//! of the run's length. [`folder`] reads a folder back (a damaged one gets a message naming
//! the file), [`workspace`] is the app's folder of run folders.

pub mod checkpoint;
pub mod folder;
pub mod recorder;
pub mod workspace;
pub mod writer;

pub use checkpoint::Checkpoint;
pub use folder::{FolderError, FolderStatus, Meta, RunFolder};
pub use recorder::{CHECKPOINT_EVERY, End, Recorder};
pub use workspace::Workspace;
pub use writer::RunWriter;

pub const PRESET: &str = "preset.ron";
pub const METRICS: &str = "metrics.csv";
pub const DIAGNOSTICS: &str = "diagnostics.csv";
pub const PROFILE: &str = "profile.csv";
pub const TERMS: &str = "terms.csv";
pub const ANALYSIS: &str = "analysis.csv";
pub const EIGENVALUES: &str = "eigenvalues.csv";
pub const LYAPUNOV: &str = "lyapunov.csv";
pub const MEMORY: &str = "memory.csv";
pub const SUMMARY: &str = "summary.json";
pub const WEIGHTS: &str = "weights.npz";
pub const CHECKPOINT: &str = "checkpoint.npz";
pub const META: &str = "meta.json";
