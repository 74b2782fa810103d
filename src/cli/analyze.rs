//! `bptt-lab analyze`: the analysis of a network ([`crate::diagnostics::analyze`]) for saved
//! weights, printed and written as the CSV files a run writes while it trains.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::CliError;
use super::commands::resolve_preset;
use crate::diagnostics::{Analysis, AnalysisOptions, analyze_with, csv};
use crate::preset::Preset;
use crate::store::{ANALYSIS, EIGENVALUES, LYAPUNOV, MEMORY, PRESET, SUMMARY, WEIGHTS};

/// What `bptt-lab analyze` was asked.
pub(super) struct AnalyzeArgs<'a> {
    /// A run folder (its `weights.npz` and `preset.ron`) or a weights NPZ.
    pub target: &'a Path,
    pub preset: Option<&'a str>,
    pub out: Option<PathBuf>,
    pub sequences: usize,
    pub lyapunov_k: Option<usize>,
    pub seed: u64,
}

/// The weights file, the preset and its path, the step the weights were taken at (from a run
/// folder's `summary.json`), and the default output folder of `target`.
fn inputs(
    target: &Path,
    preset: Option<&str>,
) -> Result<(PathBuf, Preset, PathBuf, u64, PathBuf), CliError> {
    if target.is_dir() {
        let weights = target.join(WEIGHTS);
        if !weights.is_file() {
            return Err(CliError::Usage(format!(
                "{} has no {WEIGHTS}: a run writes it when it ends (a run still training, or \
                 one that was killed, has not got it yet)",
                target.display()
            )));
        }
        let (preset, path) = if let Some(p) = preset {
            resolve_preset(p)?
        } else {
            let path = target.join(PRESET);
            (Preset::load(&path)?, path)
        };
        let step = std::fs::read_to_string(target.join(SUMMARY))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v.get("steps").and_then(serde_json::Value::as_u64))
            .unwrap_or(0);
        return Ok((weights, preset, path, step, target.join("analysis")));
    }
    if !target.is_file() {
        return Err(CliError::Usage(format!(
            "{}: no such run folder or weights file",
            target.display()
        )));
    }
    let Some(p) = preset else {
        return Err(CliError::Usage(format!(
            "{} is a weights file: say which setup it belongs to with --preset (a preset file, \
             a built-in preset's name or a run folder's preset.ron)",
            target.display()
        )));
    };
    let (preset, path) = resolve_preset(p)?;
    let stem = target
        .file_stem()
        .map_or_else(|| "weights".into(), |s| s.to_string_lossy().into_owned());
    let out = target.with_file_name(format!("{stem}-analysis"));
    Ok((target.to_owned(), preset, path, 0, out))
}

/// Writes `header` and `lines` to `path` atomically.
fn write_csv(path: &Path, header: &str, lines: &[String]) -> Result<(), CliError> {
    crate::fsutil::write_atomic_with(path, |mut f| {
        writeln!(f, "{header}")?;
        for l in lines {
            writeln!(f, "{l}")?;
        }
        Ok(())
    })
    .map_err(|source| CliError::Write {
        path: path.to_owned(),
        source,
    })
}

fn print_analysis(a: &Analysis) {
    println!(
        "{} held-out sequences of {} steps, state of {} values",
        a.sequences, a.seq_len, a.lyapunov.state_size
    );
    println!("eigenvalues of W_hh per gate block:");
    for s in &a.spectra {
        let outside = s
            .eigenvalues
            .iter()
            .filter(|(re, im)| re.hypot(*im) > s.reference_radius)
            .count();
        println!(
            "  {:<2} rho {:.4}  sigma_max {:.4}  1/gamma {}  ({outside} of {} outside 1/gamma)",
            s.block,
            s.spectral_radius,
            s.sigma_max,
            s.reference_radius,
            s.eigenvalues.len()
        );
    }
    let shown: Vec<String> = a
        .lyapunov
        .exponents
        .iter()
        .take(8)
        .map(|e| format!("{e:.4}"))
        .collect();
    println!(
        "Lyapunov exponents (top {} of {}, ln per step): {}",
        a.lyapunov.exponents.len(),
        a.lyapunov.state_size,
        shown.join(" ")
    );
    match &a.decay.observed {
        Some(o) => println!(
            "decay of ln g_t per step into the past: predicted by lambda_1 {:.4}, fitted {:.4} \
             ({} steps)",
            a.decay.predicted_per_step, o.slope, o.points
        ),
        None => println!(
            "decay predicted by lambda_1 {:.4}; the profile has too few positive values to fit",
            a.decay.predicted_per_step
        ),
    }
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"));
    println!(
        "Omega {:.4} (training script's {}), steps in the past {}",
        a.omega.paper,
        opt(a.omega.script),
        opt(a.omega.steps_in_the_past)
    );
    if let Some(h) = &a.memory_horizons {
        let mut sorted = h.clone();
        sorted.sort_by(f64::total_cmp);
        if let (Some(lo), Some(hi)) = (sorted.first(), sorted.last()) {
            println!(
                "memory horizons -1/mean ln f: median {:.1} steps, from {lo:.1} to {hi:.1}",
                sorted[sorted.len() / 2]
            );
        }
    }
    let c = &a.costs;
    println!(
        "took {:.3} s: spectra {:.3}, forward {:.3}, Lyapunov {:.3}, Omega {:.3}, memory {:.3}",
        c.spectra_secs + c.forward_secs + c.lyapunov_secs + c.omega_secs + c.memory_secs,
        c.spectra_secs,
        c.forward_secs,
        c.lyapunov_secs,
        c.omega_secs,
        c.memory_secs
    );
}

/// `bptt-lab analyze`: analyses the weights of `args.target` on its setup's held-out
/// sequences, prints what it finds and writes the analysis CSV files into the output folder.
pub(super) fn analyze(args: AnalyzeArgs<'_>) -> Result<(), CliError> {
    let (weights, preset, path, step, default_out) = inputs(args.target, args.preset)?;
    let config = preset.validate(&path)?;
    let params = crate::grad::read_params(&weights, "")?;
    let options = AnalysisOptions {
        sequences: args.sequences,
        lyapunov_k: args.lyapunov_k,
        seed: args.seed,
        ..AnalysisOptions::default()
    };
    let analysis = analyze_with(&config, &params, &options)
        .map_err(|e| CliError::Usage(format!("{}: {e}", weights.display())))?;
    print_analysis(&analysis);
    let out = args.out.unwrap_or(default_out);
    std::fs::create_dir_all(&out).map_err(|source| CliError::Write {
        path: out.clone(),
        source,
    })?;
    let files = [
        (
            ANALYSIS,
            csv::ANALYSIS_HEADER,
            vec![csv::analysis_line(step, &analysis)],
        ),
        (
            EIGENVALUES,
            csv::EIGENVALUES_HEADER,
            csv::eigenvalue_lines(step, &analysis),
        ),
        (
            LYAPUNOV,
            csv::LYAPUNOV_HEADER,
            csv::lyapunov_lines(step, &analysis),
        ),
        (
            MEMORY,
            csv::MEMORY_HEADER,
            csv::memory_lines(step, &analysis),
        ),
    ];
    for (name, header, lines) in files {
        let file = out.join(name);
        write_csv(&file, header, &lines)?;
        println!("wrote {}", file.display());
    }
    Ok(())
}
