//! The headless command line (`bptt-lab SUBCOMMAND`), on the same library code as the tests.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::grad::{self, GradSettings};

mod analyze;
mod commands;
mod runs;
mod sweep;
use crate::nn::{Activation, CellKind, LossKind, Reduction};

/// Train small recurrent networks with backpropagation through time and watch the gradients
/// flow.
#[derive(Debug, Parser)]
#[command(name = "bptt-lab", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the window (what `bptt-lab` without arguments does), optionally with a preset.
    Gui {
        /// A preset file or a built-in preset name; default: the setup of last time.
        preset: Option<String>,
        /// Start training at once (for teaching and demos).
        #[arg(long)]
        autostart: bool,
        /// With --autostart: start this many runs of the preset, seeds seed, seed+1, … (how
        /// much of a curve is luck?).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=16))]
        runs: u64,
        /// Open this sweep file in the Sweep tab (its base in the experiment panel); with
        /// --autostart, run it.
        #[arg(long, value_name = "SWEEP.ron", conflicts_with = "preset")]
        sweep: Option<std::path::PathBuf>,
        /// The workspace: the folder every run started in the window is recorded in, and
        /// whose runs it lists (default: `BPTT_LAB_WORKSPACE` if set, else the platform's data
        /// directory, ~/.local/share/bptt-lab/workspace on Linux).
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
    },
    /// Train a preset without a window; writes metrics.csv, profile.csv, diagnostics.csv,
    /// weights.npz (PyTorch names) and summary.json into the output directory.
    Train {
        /// A preset file, or the name of a built-in preset (see `bptt-lab presets list`).
        #[arg(required_unless_present = "resume")]
        preset: Option<String>,
        /// Number of steps (default: the preset's); with --resume, the steps to reach in all.
        #[arg(long)]
        steps: Option<u64>,
        /// Random seed (default: the preset's).
        #[arg(long)]
        seed: Option<u64>,
        /// Change a setting by its RON path, e.g. `optimizer.lr=0.01`, `model.cell=gru`,
        /// `bptt=truncated(k1: 10, k2: 20, mode: per_segment)`. Repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Output directory (default: runs/PRESET-seedSEED).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Threads per training step: 2 splits the batch over two cores (full BPTT and
        /// accumulated truncation, H ≥ 32); the numbers agree with 1 thread to rounding.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=2))]
        threads: u64,
        /// Carry on the run in this folder from its checkpoint (a run stopped by Ctrl-C, killed,
        /// or finished and given more --steps), bit-identical to a run never interrupted.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["preset", "seed", "set", "out", "init_from"])]
        resume: Option<PathBuf>,
        /// Start from these weights (an NPZ with PyTorch's names, as `weights.npz` and
        /// `model.state_dict()` hold them) instead of the preset's initialization.
        #[arg(long, value_name = "WEIGHTS.npz")]
        init_from: Option<PathBuf>,
    },
    /// Run the presets that have an `expect` clause and print expected against observed.
    /// Exits non-zero if one fails.
    Reproduce {
        /// Only the quick presets (minutes in all), not the paper-scale ones in presets/paper/.
        #[arg(long)]
        quick: bool,
        /// The first seed of every claim instead of the preset's own (seed, seed+1, …).
        #[arg(long)]
        seed: Option<u64>,
        /// Judge every claim on this many seeds instead of its own; the number that must hold
        /// scales with it (to measure a claim's distribution, e.g. --seeds 20).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        seeds: Option<u32>,
        /// Runs at the same time (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Where the per-seed table goes (CSV).
        #[arg(long, value_name = "FILE", default_value = "runs/reproduce.csv")]
        csv: PathBuf,
        /// Preset files or built-in names (default: all built-in presets).
        presets: Vec<String>,
    },
    /// Run a sweep: a base preset × one or two settings × seeds (a RON file, see sweeps/),
    /// on all cores; writes DIR/results.csv (one row per run) and each run's files under
    /// DIR/runs/. Run again into the same DIR to resume. Or emit it as a Slurm job array.
    Sweep {
        /// The sweep file.
        #[arg(required_unless_present = "collect")]
        sweep: Option<PathBuf>,
        /// Runs at the same time (default: the number of cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
        jobs: Option<u64>,
        /// Output directory (default: runs/sweep-STEM, STEM the sweep file's name).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Instead of running: write one preset per run and a Slurm job-array script
        /// (`sbatch DIR/array.sh`) whose task i trains preset i into DIR/runs/i.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["jobs", "out", "collect"])]
        emit: Option<PathBuf>,
        /// Gather DIR/results.csv from the runs of an emitted (or local) sweep directory.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["sweep", "jobs", "out"])]
        collect: Option<PathBuf>,
        /// Run a sweep of more than 200 runs (without it, such a sweep says how many runs and
        /// about how long, and stops).
        #[arg(long)]
        yes: bool,
    },
    /// One run of a sweep directory written by `sweep --emit`, as a Slurm array task runs it
    /// (array.sh calls this): trains DIR/presets/I.ron into DIR/runs/I unless its result is
    /// there, carrying on an interrupted run from its checkpoint. Exits 0 for a run that
    /// diverged (a result), non-zero only when the run could not be trained.
    SweepTask {
        /// The sweep directory.
        dir: PathBuf,
        /// The run's number (Slurm's array task id).
        index: usize,
        /// The rung of a successive-halving sweep (0 for other sweeps).
        #[arg(long, default_value_t = 0)]
        rung: usize,
        /// Refuse to run unless this executable's SHA-256 is this (array.sh passes the hash
        /// of the binary the sweep was emitted with).
        #[arg(long, value_name = "HEX")]
        pinned_sha256: Option<String>,
    },
    /// Training throughput on workload W (adding, batch 32, f32, full BPTT, clip 1, Adam),
    /// one JSON line per point with the keys of the peer scripts in shared/peers/.
    Bench {
        /// Cells, comma-separated (rnn = tanh RNN).
        #[arg(long, default_value = "rnn,lstm,gru", value_delimiter = ',')]
        cell: Vec<CellArg>,
        /// Hidden sizes, comma-separated.
        #[arg(long, default_value = "32,128,256", value_delimiter = ',')]
        hidden: Vec<usize>,
        /// Sequence lengths, comma-separated.
        #[arg(long, default_value = "50,200", value_delimiter = ',')]
        seq: Vec<usize>,
        /// Batch sizes, comma-separated.
        #[arg(long, default_value = "32", value_delimiter = ',')]
        batch: Vec<usize>,
        /// Threads per training step: 2 splits the batch over two threads where that pays
        /// (H ≥ 32; run the process on as many cores, e.g. `taskset -c 0,1`).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Timed steps per window (default: about 1.5 s per window).
        #[arg(long, default_value_t = 0)]
        steps: usize,
        /// Timing windows per point (the median is reported).
        #[arg(long, default_value_t = 3)]
        repeats: usize,
        /// Measure the f32 GEMM peak first (as --gemm-peak does, 1024×1024 through the
        /// engine's GEMM) and add it to every line with the whole step's and the GEMMs' own
        /// GFLOP/s as shares of it.
        #[arg(long)]
        with_peak: bool,
        /// Leave out the breakdown window (the gemm/elementwise/rest shares and the GFLOP/s,
        /// timed in one more window per point after the steps/s windows).
        #[arg(long)]
        no_breakdown: bool,
        /// Instead: print this machine's f32 GEMM throughput (1024×1024 through matrixmultiply
        /// and through the engine's GEMM, and the engine's per-step LSTM H=256 product), the
        /// yardstick for the GEMM-bound points.
        #[arg(long)]
        gemm_peak: bool,
    },
    #[expect(
        clippy::doc_markdown,
        reason = "clap prints these comments as the --help text, where backticks would show"
    )]
    /// The analysis of saved weights on their setup's held-out sequences: eigenvalues of W_hh
    /// per gate block, Lyapunov exponents against the slope of the gradient profile, Pascanu's
    /// Ω and steps in the past, LSTM memory horizons; printed, and written as analysis.csv,
    /// eigenvalues.csv, lyapunov.csv and memory.csv (the files a run writes as it trains).
    Analyze {
        /// A run folder (its weights.npz and preset.ron) or a weights NPZ (PyTorch's names).
        target: PathBuf,
        /// The setup the weights belong to (needed for an NPZ; default for a run folder: its
        /// preset.ron).
        #[arg(long)]
        preset: Option<String>,
        /// Output folder (default: RUN_DIR/analysis, or WEIGHTS-analysis beside the NPZ).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Held-out sequences to follow.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=4096))]
        sequences: u64,
        /// Lyapunov exponents to compute (default: all for H ≤ 64, else 8).
        #[arg(long, value_name = "K")]
        lyapunov_k: Option<usize>,
        /// Seed of the Lyapunov method's starting basis.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// The tasks: input and output sizes, loss, metric and the trivial baseline behind the
    /// dashed line in the loss plot.
    Tasks,
    /// The workspace's run folders (where the window records its runs): list them, show one,
    /// or move some to the workspace's trash.
    Runs {
        #[command(subcommand)]
        action: RunsAction,
        /// The workspace (default: as for `gui`).
        #[arg(long, value_name = "DIR", global = true)]
        workspace: Option<PathBuf>,
    },
    /// List or check presets.
    Presets {
        #[command(subcommand)]
        action: PresetsAction,
    },
    /// Hand a setup over to PyTorch or Keras: a commented train.py that trains it on the lab's
    /// own batches from the lab's initial weights, and checks its loss per step against the
    /// lab's (`init_weights.npz` in the framework's layout, `batches.npz`, `lab_losses.csv`).
    Export {
        /// `pytorch` (torch.nn and torch.optim) or `keras` (keras.layers with a
        /// tf.GradientTape loop).
        #[arg(value_enum)]
        framework: crate::frameworks::Framework,
        /// A preset file, a built-in preset's name, or a run folder (its preset.ron).
        preset: String,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Training steps whose batches go with the script.
        #[arg(long, default_value_t = crate::frameworks::DEFAULT_BATCHES)]
        batches: usize,
        /// Random seed (default: the preset's).
        #[arg(long)]
        seed: Option<u64>,
        /// Change a setting by its RON path first (e.g. `precision=f64`). Repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Loss and gradients (float64) for weights and a batch in an NPZ file, written as NPZ.
    ///
    /// IN holds `x [T,B,I]`, `y`, `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`,
    /// `readout.weight`, `readout.bias` and optionally `mask [T,B]`, `h0`, `c0 [B,H]`
    /// (PyTorch's names and gate order). OUT receives `loss`, `grad.<name>`, `grad.h0`,
    /// `grad.c0` (when given), `grad_norm`, `h [T,B,H]` (and `c` for the LSTM), `out`.
    Grad {
        /// Recurrent cell.
        #[arg(long, value_enum)]
        cell: CellArg,
        /// Loss: `y` is `[B,O]` for `mse_last`, `[T,B,O]` for `mse_all`, `[T,B]` class indices for `xent`.
        #[arg(long, value_enum)]
        loss: LossArg,
        /// Truncated BPTT: chunks of K steps from t=0, state carried and detached between
        /// chunks, chunk gradients summed with fixed parameters (global loss divisor).
        #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
        tbptt: Option<u64>,
        /// Loss reduction over the terms.
        #[arg(long, value_enum, default_value_t = ReductionArg::Mean)]
        reduction: ReductionArg,
        /// Input NPZ.
        input: PathBuf,
        /// Output NPZ (written atomically).
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// A line per run: folder, status, steps, held-out loss, name and tags.
    List,
    /// One run: its folder, status, figures, and whether it can be carried on.
    Show {
        /// A folder name in the workspace, or a path.
        run: String,
    },
    /// Move runs to the workspace's trash.
    Rm {
        /// Folder names in the workspace, or paths.
        #[arg(required = true)]
        runs: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PresetsAction {
    /// The built-in presets with their names and descriptions.
    List,
    /// Validate every preset in DIR (default: ./presets if it exists, else the built-ins)
    /// and report each error.
    Check { dir: Option<PathBuf> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum CellArg {
    /// tanh RNN.
    Rnn,
    /// ReLU RNN.
    RnnRelu,
    Lstm,
    Gru,
}

impl From<CellArg> for CellKind {
    fn from(c: CellArg) -> Self {
        match c {
            CellArg::Rnn => CellKind::Rnn(Activation::Tanh),
            CellArg::RnnRelu => CellKind::Rnn(Activation::Relu),
            CellArg::Lstm => CellKind::Lstm,
            CellArg::Gru => CellKind::Gru,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum LossArg {
    MseLast,
    MseAll,
    Xent,
}

impl From<LossArg> for LossKind {
    fn from(l: LossArg) -> Self {
        match l {
            LossArg::MseLast => LossKind::MseLast,
            LossArg::MseAll => LossKind::MseAll,
            LossArg::Xent => LossKind::Xent,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ReductionArg {
    Mean,
    Sum,
}

impl From<ReductionArg> for Reduction {
    fn from(r: ReductionArg) -> Self {
        match r {
            ReductionArg::Mean => Reduction::Mean,
            ReductionArg::Sum => Reduction::Sum,
        }
    }
}

/// Exit code for bad input (a file, a flag): the message names what is wrong.
pub const EXIT_BAD_INPUT: u8 = 2;
pub use crate::headless::EXIT_DIVERGED;

/// Parses the process arguments and runs the command; prints errors (with their causes) to
/// stderr and exits with the error's code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::from(e.exit_code())
        }
    }
}

/// An error and its causes, one line each; a cause whose text the message already holds is
/// not repeated.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str("\n  caused by: ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// Why a command failed. [`CliError::exit_code`] maps the kinds to exit codes: 2 for bad
/// input (the message names the file, the key or the setting), 1 for everything else.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A preset that cannot be read, parsed or validated, or a `--set` that does not fit.
    #[error(transparent)]
    Preset(#[from] crate::preset::PresetError),
    /// A sweep file or sweep directory (bad input), or writing one (not).
    #[error(transparent)]
    Sweep(#[from] crate::sweep::SweepError),
    /// A `grad` input file.
    #[error(transparent)]
    GradInput(#[from] grad::GradInputError),
    /// Arguments that do not go together, said in words.
    #[error("{0}")]
    Usage(String),
    /// A task that cannot be built (the shipped table's, or a corpus).
    #[error(transparent)]
    Task(#[from] crate::tasks::TaskError),
    /// A run that could not start or diverged.
    #[error(transparent)]
    Run(#[from] crate::train::RunError),
    /// A run folder that could not be written, or cannot be carried on.
    #[error(transparent)]
    Headless(#[from] crate::headless::HeadlessError),
    #[error(transparent)]
    Restart(#[from] crate::headless::RestartError),
    #[error(transparent)]
    Folder(#[from] crate::store::FolderError),
    #[error(transparent)]
    Checkpoint(#[from] crate::store::checkpoint::CheckpointError),
    /// A run that diverged after its files were written.
    #[error("{source}; the files in {} hold the run up to there", .dir.display())]
    DivergedRun {
        dir: PathBuf,
        #[source]
        source: crate::train::RunError,
    },
    /// An output that could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A `grad` whose loss or gradient overflowed (the results were still written).
    #[error(
        "the loss is {loss} and the gradient norm {grad_norm}: the weights overflow f64 \
         (results written to {})", .path.display()
    )]
    NotFinite {
        loss: f64,
        grad_norm: f64,
        path: PathBuf,
    },
    /// Presets whose claims did not hold.
    #[error("{failed} of {total} preset(s) did not reproduce")]
    NotReproduced { failed: usize, total: usize },
    /// One task of a sweep directory (boxed: it holds a run's failure, which is large).
    #[error(transparent)]
    SweepTask(Box<crate::sweep::task::TaskError>),
    /// Sweep runs that failed without a result.
    #[error("{count} run(s) failed ({list}); run the sweep again to retry them")]
    RunsFailed { count: usize, list: String },
    /// A collected sweep with runs still missing.
    #[error(
        "{missing} of {total} runs have no summary.json yet: {list}; resubmit them with `{resubmit}`"
    )]
    Incomplete {
        missing: usize,
        total: usize,
        list: String,
        /// The `sbatch` commands that resubmit just them (`--array=10,17-19`).
        resubmit: String,
    },
    /// A collected sweep with runs whose files could not be read (each named above).
    #[error("{count} of {total} runs could not be read ({list}); the others are in results.csv")]
    Unreadable {
        count: usize,
        total: usize,
        list: String,
    },
    /// This program's own path (for the Slurm script) is unknown.
    #[error("cannot find this executable: {0}")]
    CurrentExe(#[source] std::io::Error),
    /// The window could not open.
    #[error(transparent)]
    Gui(#[from] crate::gui::GuiError),
    /// A setup that cannot be exported (what has no counterpart, or too many batches).
    #[error(transparent)]
    Export(#[from] crate::frameworks::ExportError),
}

impl From<crate::sweep::task::TaskError> for CliError {
    fn from(e: crate::sweep::task::TaskError) -> Self {
        Self::SweepTask(Box::new(e))
    }
}

impl CliError {
    /// The process exit code: [`EXIT_BAD_INPUT`] for what the user gave, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            // What the user gave: files, flags, and given weights or a checkpoint that do not
            // fit the setup.
            Self::Preset(_)
            | Self::GradInput(_)
            | Self::Usage(_)
            | Self::Restart(_)
            | Self::Folder(_)
            | Self::Checkpoint(_)
            | Self::Run(crate::train::RunError::State(_))
            | Self::Headless(crate::headless::HeadlessError::Run(crate::train::RunError::State(
                _,
            ))) => EXIT_BAD_INPUT,
            Self::Sweep(e) if e.is_bad_input() => EXIT_BAD_INPUT,
            Self::SweepTask(e) if e.is_bad_input() => EXIT_BAD_INPUT,
            Self::DivergedRun {
                source: crate::train::RunError::Diverged { .. },
                ..
            } => EXIT_DIVERGED,
            Self::Sweep(_)
            | Self::Task(_)
            | Self::Run(_)
            | Self::Headless(_)
            | Self::DivergedRun {
                source:
                    crate::train::RunError::Init(_)
                    | crate::train::RunError::Panicked(_)
                    | crate::train::RunError::Thread(_)
                    | crate::train::RunError::State(_),
                ..
            }
            | Self::Write { .. }
            | Self::NotFinite { .. }
            | Self::NotReproduced { .. }
            | Self::SweepTask(_)
            | Self::RunsFailed { .. }
            | Self::Incomplete { .. }
            | Self::Unreadable { .. }
            | Self::CurrentExe(_)
            | Self::Gui(_)
            | Self::Export(
                crate::frameworks::ExportError::Io { .. } | crate::frameworks::ExportError::Run(_),
            ) => 1,
            Self::Export(_) => EXIT_BAD_INPUT,
        }
    }
}

/// Runs one parsed command.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per subcommand, each handing its flags on"
)]
pub fn run(cli: Cli) -> Result<(), CliError> {
    let Some(command) = cli.command else {
        return Ok(crate::gui::run_gui(crate::gui::GuiOptions::default())?);
    };
    match command {
        Command::Gui {
            preset,
            autostart,
            runs,
            sweep,
            workspace,
        } => commands::gui(
            preset.as_deref(),
            sweep,
            if autostart { runs } else { 0 },
            workspace,
        ),
        Command::Train {
            preset,
            steps,
            seed,
            set,
            out,
            threads,
            resume,
            init_from,
        } => match (preset, resume) {
            (_, Some(dir)) => commands::resume(&dir, steps, threads as usize),
            (Some(preset), None) => commands::train(
                &preset,
                commands::TrainArgs {
                    steps,
                    seed,
                    set: &set,
                    out,
                    threads: threads as usize,
                    init_from,
                },
            ),
            (None, None) => Err(CliError::Usage(
                "train: give a preset, or --resume DIR".into(),
            )),
        },
        Command::Reproduce {
            quick,
            seed,
            seeds,
            jobs,
            csv,
            presets,
        } => commands::reproduce(
            quick,
            crate::reproduce::SeedChoice {
                base: seed,
                count: seeds,
            },
            jobs,
            &csv,
            &presets,
        ),
        Command::Sweep {
            sweep: file,
            jobs,
            out,
            emit,
            collect,
            yes,
        } => sweep::command(
            file.as_deref(),
            jobs,
            out,
            emit.as_deref(),
            collect.as_deref(),
            yes,
        ),
        Command::SweepTask {
            dir,
            index,
            rung,
            pinned_sha256,
        } => sweep::task(&dir, index, rung, pinned_sha256.as_deref()),
        Command::Bench {
            cell,
            hidden,
            seq,
            batch,
            threads,
            steps,
            repeats,
            with_peak,
            no_breakdown,
            gemm_peak,
        } if !gemm_peak => commands::bench(
            &cell,
            (&hidden, &seq, &batch),
            threads,
            crate::bench::Timing {
                steps,
                repeats,
                ..crate::bench::Timing::default()
            },
            crate::bench::Options {
                breakdown: !no_breakdown,
                with_peak,
            },
        ),
        Command::Bench { .. } => {
            commands::gemm_peak();
            Ok(())
        }
        Command::Tasks => {
            let rows = crate::tasks::table::task_table()?;
            print!("{}", crate::tasks::table::format_task_table(&rows));
            Ok(())
        }
        Command::Runs { action, workspace } => match action {
            RunsAction::List => runs::list(workspace),
            RunsAction::Show { run } => runs::show(workspace, &run),
            RunsAction::Rm { runs: list } => runs::remove(workspace, &list),
        },
        Command::Presets { action } => match action {
            PresetsAction::List => {
                commands::presets_list();
                Ok(())
            }
            PresetsAction::Check { dir } => commands::presets_check(dir),
        },
        Command::Analyze {
            target,
            preset,
            out,
            sequences,
            lyapunov_k,
            seed,
        } => analyze::analyze(analyze::AnalyzeArgs {
            target: &target,
            preset: preset.as_deref(),
            out,
            sequences: usize::try_from(sequences).unwrap_or(usize::MAX),
            lyapunov_k,
            seed,
        }),
        Command::Export {
            framework,
            preset,
            out,
            batches,
            seed,
            set,
        } => commands::export(framework, &preset, &out, batches, seed, &set),
        Command::Grad {
            cell,
            loss,
            tbptt,
            reduction,
            input,
            output,
        } => {
            let settings = GradSettings {
                cell: cell.into(),
                loss: loss.into(),
                tbptt: tbptt.map(|k| usize::try_from(k).unwrap_or(usize::MAX)),
                reduction: reduction.into(),
            };
            let inputs = grad::read_inputs(&input, settings)?;
            let results = grad::compute(&inputs, settings);
            grad::write_results(&output, &results).map_err(|source| CliError::Write {
                path: output.clone(),
                source,
            })?;
            if !(results.loss.is_finite() && results.grad_norm.is_finite()) {
                return Err(CliError::NotFinite {
                    loss: results.loss,
                    grad_norm: results.grad_norm,
                    path: output,
                });
            }
            println!(
                "loss {:.12e}  grad_norm {:.12e}  -> {}",
                results.loss,
                results.grad_norm,
                output.display()
            );
            Ok(())
        }
    }
}
