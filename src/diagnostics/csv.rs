//! The analysis of a network as CSV files, written beside `diagnostics.csv` by every run
//! (when `eval.analysis` is on) and by `bptt-lab analyze`: a row per analysis in
//! `analysis.csv`, and the vectors it holds, one value per row keyed by `step`, in
//! `eigenvalues.csv`, `lyapunov.csv` and `memory.csv`.

use super::Analysis;
use crate::export::csv_float;

/// `analysis.csv`: one row per analysis.
///
/// | column | what |
/// |---|---|
/// | `step` | training steps done when the weights were analysed |
/// | `sequences`, `seq_len` | the held-out sequences followed and their length |
/// | `state_size` | n: H, or 2H for the LSTM's `(h, c)` |
/// | `lyapunov_count` | the exponents computed (`lyapunov.csv`) |
/// | `lyapunov_1` | the largest, λ₁, natural log per step: the growth of `ln g_t` per step into the past it predicts |
/// | `observed_slope` | the least-squares slope of `ln g_t` per step into the past, over the full-BPTT profile of the same sequences |
/// | `observed_points` | the steps with a positive, finite `g_t` that slope was fitted on |
/// | `omega` | Pascanu et al.'s Ω, `Σ_t mean_b (‖δ_t J_t‖ / ‖δ_t‖ − 1)²` |
/// | `omega_script` | Ω as their training script computes it (squared norms, divided by the steps above the floor) |
/// | `steps_in_the_past` | the share of steps whose `‖δ_t‖²` is above the floor (1e-20) |
/// | `memory_median`, `memory_max` | the LSTM's per-unit memory horizon `−1/mean ln f`, in steps (`memory.csv`); empty for other cells |
/// | `secs` | the wall time the analysis took |
///
/// An empty field is a value the analysis has not got (no positive profile, no LSTM).
pub const ANALYSIS_HEADER: &str = "step,sequences,seq_len,state_size,lyapunov_count,lyapunov_1,\
observed_slope,observed_points,omega,omega_script,steps_in_the_past,memory_median,memory_max,secs";

/// `eigenvalues.csv`: every eigenvalue of each gate block of `W_hh` (`block` is PyTorch's gate
/// name), largest modulus first, with Pascanu's `1/γ` for the block (`reference`: 1 for tanh
/// and relu blocks, 4 for sigmoid gates) and the block's largest singular value.
pub const EIGENVALUES_HEADER: &str = "step,block,re,im,modulus,reference,sigma_max";

/// `lyapunov.csv`: the top exponents, largest first (`index` 1 is λ₁), natural log per step,
/// averaged over the sequences.
pub const LYAPUNOV_HEADER: &str = "step,index,exponent";

/// `memory.csv`: the LSTM's memory horizon of each hidden unit, in steps.
pub const MEMORY_HEADER: &str = "step,unit,horizon";

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), csv_float)
}

/// The median of `v` (`None` when empty); NaNs sort last.
fn median(v: &[f64]) -> Option<f64> {
    let mut sorted = v.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some(0.5 * (sorted[n / 2 - 1] + sorted[n / 2])),
    }
}

/// The `analysis.csv` row of `a`, taken at `step`.
pub fn analysis_line(step: u64, a: &Analysis) -> String {
    let horizons = a.memory_horizons.as_deref();
    let observed = a.decay.observed.as_ref();
    let secs = a.costs.spectra_secs
        + a.costs.forward_secs
        + a.costs.lyapunov_secs
        + a.costs.omega_secs
        + a.costs.memory_secs;
    [
        step.to_string(),
        a.sequences.to_string(),
        a.seq_len.to_string(),
        a.lyapunov.state_size.to_string(),
        a.lyapunov.exponents.len().to_string(),
        opt(a.lyapunov.largest()),
        opt(observed.map(|o| o.slope)),
        observed.map_or(String::new(), |o| o.points.to_string()),
        csv_float(a.omega.paper),
        opt(a.omega.script),
        opt(a.omega.steps_in_the_past),
        opt(horizons.and_then(median)),
        opt(horizons.and_then(|h| h.iter().copied().reduce(f64::max))),
        csv_float(secs),
    ]
    .join(",")
}

/// The `eigenvalues.csv` rows of `a`.
pub fn eigenvalue_lines(step: u64, a: &Analysis) -> Vec<String> {
    a.spectra
        .iter()
        .flat_map(|s| {
            s.eigenvalues.iter().map(move |&(re, im)| {
                format!(
                    "{step},{},{},{},{},{},{}",
                    s.block,
                    csv_float(re),
                    csv_float(im),
                    csv_float(re.hypot(im)),
                    csv_float(s.reference_radius),
                    csv_float(s.sigma_max)
                )
            })
        })
        .collect()
}

/// The `lyapunov.csv` rows of `a`.
pub fn lyapunov_lines(step: u64, a: &Analysis) -> Vec<String> {
    a.lyapunov
        .exponents
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{step},{},{}", i + 1, csv_float(*e)))
        .collect()
}

/// The `memory.csv` rows of `a` (none for cells other than the LSTM).
pub fn memory_lines(step: u64, a: &Analysis) -> Vec<String> {
    a.memory_horizons
        .iter()
        .flatten()
        .enumerate()
        .map(|(u, h)| format!("{step},{u},{}", csv_float(*h)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
