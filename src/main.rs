//! The `bptt-lab` binary: a thin shell over [`bptt_lab::cli`].

fn main() -> std::process::ExitCode {
    bptt_lab::cli::main()
}
