//! Measures the cost of each diagnostic of `bptt_lab::diagnostics` for a tanh RNN, an LSTM and
//! a GRU at H = 32, 128, 256 on the adding task at T = 100 (8 held-out sequences, default k),
//! how far the trainer's hand-written ρ and `σ_max` (`train::Spectral`) are from nalgebra's, and
//! theory against observation on the three orthogonal-gain presets.
//!
//! `cargo run --release --example diagnostics_cost`

use std::time::Instant;

use bptt_lab::diagnostics::{AnalysisOptions, analyze_with};
use bptt_lab::nn::Params;
use bptt_lab::nn::init::init_params;
use bptt_lab::preset::{Preset, apply_set, find_builtin};

fn config(name: &str, sets: &[String]) -> bptt_lab::train::TrainConfig {
    let (path, text) = find_builtin(name).expect("a shipped preset");
    let mut setup = Preset::from_ron(text, &path).expect("it parses").config;
    for s in sets {
        apply_set(&mut setup, s).expect("a valid setting");
    }
    setup.validate().expect("it validates")
}

fn main() {
    let mut agreement = Vec::new();
    println!("cell  H    spectra_s  forward_s  lyapunov_s(k)  omega_s  memory_s  total_s");
    for cell in ["rnn(tanh)", "lstm", "gru"] {
        for hidden in [32usize, 128, 256] {
            let sets = [
                format!("model.cell={cell}"),
                format!("model.hidden={hidden}"),
                "task=adding(seq_len: 100)".to_owned(),
            ];
            let c = config("adding_rnn_t100", &sets);
            let p: Params<f64> = init_params(c.model.cell, c.dims(), c.init, c.seed).expect("init");
            let clock = Instant::now();
            let a = analyze_with(&c, &p, &AnalysisOptions::default()).expect("analysis");
            let total = clock.elapsed().as_secs_f64();
            let k = &a.costs;
            let old = bptt_lab::train::Spectral::of(0, &p.weight_hh, c.model.cell.gates());
            let worst = |f: &dyn Fn(usize) -> (f64, f64)| {
                (0..a.spectra.len())
                    .map(|g| {
                        let (x, y) = f(g);
                        (x - y).abs() / y
                    })
                    .fold(0.0_f64, f64::max)
            };
            agreement.push(format!(
                "{:5} {hidden:<4} ρ: {:.1e}  σ_max: {:.1e}",
                c.model.cell.short_name(),
                worst(&|g| (old.rho[g], a.spectra[g].spectral_radius)),
                worst(&|g| (old.sigma_max[g], a.spectra[g].sigma_max)),
            ));
            println!(
                "{:5} {hidden:<4} {:9.4}  {:9.4}  {:9.4} ({:3})  {:7.4}  {:8.6}  {total:7.4}",
                c.model.cell.short_name(),
                k.spectra_secs,
                k.forward_secs,
                k.lyapunov_secs,
                a.lyapunov.exponents.len(),
                k.omega_secs,
                k.memory_secs,
            );
        }
    }
    println!("\nlargest relative difference from the trainer's Spectral (Gelfand 16, power 40):");
    for line in &agreement {
        println!("{line}");
    }
    println!("\npreset                 λ1/step   fitted slope  ρ(W_hh)  σ_max   Ω       steps");
    for name in [
        "orthogonal_gain_0_5",
        "orthogonal_gain_1_0",
        "orthogonal_gain_1_5",
    ] {
        let c = config(name, &[]);
        let p: Params<f64> = init_params(c.model.cell, c.dims(), c.init, c.seed).expect("init");
        let a = analyze_with(&c, &p, &AnalysisOptions::default()).expect("analysis");
        println!(
            "{name:22} {:8.4}  {:12.4}  {:7.4}  {:6.4}  {:6.3}  {:.3}",
            a.decay.predicted_per_step,
            a.decay.observed.map_or(f64::NAN, |s| s.slope),
            a.spectra[0].spectral_radius,
            a.spectra[0].sigma_max,
            a.omega.paper,
            a.omega.steps_in_the_past.unwrap_or(f64::NAN),
        );
    }
}
