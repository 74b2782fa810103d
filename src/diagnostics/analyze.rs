//! All the diagnostics of a trained network on its task's held-out sequences, in one call.

use std::time::Instant;

use ndarray::s;
use serde::{Deserialize, Serialize};

use super::DiagnosticsError;
use super::eigen::{BlockSpectrum, block_spectra};
use super::jacobian::{Net, Trajectory};
use super::lyapunov::{Decay, Lyapunov, fit_log_slope, lyapunov_exponents};
use super::memory::memory_horizons;
use super::omega::{Backward, Omega, STEPS_FLOOR_SQUARED, omega};
use crate::nn::{Params, Profile};
use crate::tasks::evaluation_set;
use crate::train::TrainConfig;

/// How [`analyze_with`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    /// How many of the held-out sequences to follow (the first ones of the evaluation set).
    pub sequences: usize,
    /// Lyapunov exponents to compute; `None`: all for H ≤ 64, else 8
    /// ([`super::lyapunov::default_count`]).
    pub lyapunov_k: Option<usize>,
    /// Steps at the start of each sequence that turn the Lyapunov basis without counting.
    pub lyapunov_warmup: usize,
    /// Seed of the random starting basis of the QR method.
    pub seed: u64,
    /// The floor on `‖δ_t‖²` for "steps in the past" (Pascanu et al.'s 1e-20).
    pub floor_squared: f64,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            sequences: 8,
            lyapunov_k: None,
            lyapunov_warmup: 0,
            seed: 0,
            floor_squared: STEPS_FLOOR_SQUARED,
        }
    }
}

/// Wall time each part took, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    pub spectra_secs: f64,
    /// The forward pass of the sequences (shared by the others).
    pub forward_secs: f64,
    pub lyapunov_secs: f64,
    /// The backward pass, Ω and "steps in the past".
    pub omega_secs: f64,
    pub memory_secs: f64,
}

/// What [`analyze`] finds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The spectrum of each gate block of `W_hh`.
    pub spectra: Vec<BlockSpectrum>,
    pub lyapunov: Lyapunov,
    /// λ₁ against the slope fitted to `profile`.
    pub decay: Decay,
    /// The full-BPTT gradient profile of the analysed sequences.
    pub profile: Profile,
    pub omega: Omega,
    /// The LSTM's memory horizon per unit, in steps.
    pub memory_horizons: Option<Vec<f64>>,
    /// The sequences analysed and their length.
    pub sequences: usize,
    pub seq_len: usize,
    pub costs: Costs,
}

/// [`analyze_with`] with the default options.
pub fn analyze(config: &TrainConfig, params: &Params<f64>) -> Result<Analysis, DiagnosticsError> {
    analyze_with(config, params, &AnalysisOptions::default())
}

/// Every diagnostic of `params` on the first `options.sequences` sequences of `config`'s
/// held-out evaluation set (the one the trainer evaluates on, [`evaluation_set`]).
pub fn analyze_with(
    config: &TrainConfig,
    params: &Params<f64>,
    options: &AnalysisOptions,
) -> Result<Analysis, DiagnosticsError> {
    let cell = config.model.cell;
    let dims = config.dims();
    if options.sequences == 0 {
        return Err(DiagnosticsError::Setting {
            field: "sequences",
            value: "0".into(),
            allowed: "must be at least 1".into(),
        });
    }
    if !(options.floor_squared >= 0.0 && options.floor_squared.is_finite()) {
        return Err(DiagnosticsError::Setting {
            field: "floor_squared",
            value: options.floor_squared.to_string(),
            allowed: "must be finite and ≥ 0".into(),
        });
    }
    let net = Net::new(cell, dims, params)?;
    let mut costs = Costs::default();

    let clock = Instant::now();
    let spectra = block_spectra(cell, &params.weight_hh)?;
    costs.spectra_secs = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let held_out = evaluation_set(config.task(), config.seed, config.eval.size);
    let batch = held_out.rows(0..options.sequences.min(held_out.batch_size()));
    let trajectories = (0..batch.batch_size())
        .map(|b| {
            net.run(&batch.x.slice(s![.., b, ..]), None)
                .map_err(|e| match e {
                    DiagnosticsError::Sequence { what, .. } => {
                        DiagnosticsError::Sequence { sequence: b, what }
                    }
                    other => other,
                })
        })
        .collect::<Result<Vec<Trajectory>, _>>()?;
    costs.forward_secs = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let lyapunov = lyapunov_exponents(
        &net,
        &trajectories,
        options.lyapunov_k,
        options.lyapunov_warmup,
        options.seed,
    )?;
    costs.lyapunov_secs = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let backward = Backward::of(
        &net,
        (&params.readout_weight, &params.readout_bias),
        &batch,
        &trajectories,
    )?;
    let profile = backward.profile();
    let omega = omega(&backward, options.floor_squared);
    costs.omega_secs = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let memory_horizons = memory_horizons(cell, dims.hidden, &trajectories);
    costs.memory_secs = clock.elapsed().as_secs_f64();

    let decay = Decay {
        predicted_per_step: lyapunov.largest().unwrap_or(f64::NAN),
        observed: fit_log_slope(&profile),
    };
    Ok(Analysis {
        spectra,
        lyapunov,
        decay,
        profile,
        omega,
        memory_horizons,
        sequences: batch.batch_size(),
        seq_len: batch.seq_len(),
        costs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::init::init_params;
    use crate::nn::{Bptt, Engine, GradOptions, InitialState, Reduction};

    fn preset(name: &str) -> TrainConfig {
        let (path, text) = crate::preset::find_builtin(name).unwrap();
        crate::preset::Preset::from_ron(text, &path)
            .unwrap()
            .validate(&path)
            .unwrap()
    }

    /// The tanh RNN of the orthogonal-gain presets at initialization: every eigenvalue of
    /// `g·Q` has modulus g, `σ_max = g`; each step Jacobian `diag(1 − h²)·gQ` has norm ≤ g, so every
    /// exponent and the fitted slope of the (last-step loss) profile are at most ln g; the
    /// profile is the engine's for the same sequences.
    #[test]
    #[expect(
        clippy::float_cmp,
        reason = "the reference radius is a constant and the prediction a copy of λ₁"
    )]
    fn orthogonal_gain_presets_at_initialization() {
        for (name, gain) in [
            ("orthogonal_gain_0_5", 0.5_f64),
            ("orthogonal_gain_1_0", 1.0),
        ] {
            let config = preset(name);
            let params: Params<f64> =
                init_params(config.model.cell, config.dims(), config.init, config.seed).unwrap();
            let options = AnalysisOptions {
                sequences: 3,
                ..AnalysisOptions::default()
            };
            let a = analyze_with(&config, &params, &options).unwrap();
            assert_eq!((a.sequences, a.seq_len), (3, 50));
            let spec = &a.spectra[0];
            assert_eq!(spec.eigenvalues.len(), 64);
            for &(re, im) in &spec.eigenvalues {
                assert!(
                    (re.hypot(im) - gain).abs() < 1e-9,
                    "{name}: |λ| = {}",
                    re.hypot(im)
                );
            }
            assert!((spec.sigma_max - gain).abs() < 1e-9);
            assert_eq!(spec.reference_radius, 1.0);
            assert_eq!(a.lyapunov.exponents.len(), 64, "all of them for H ≤ 64");
            let ln_g = gain.ln();
            assert!(
                a.lyapunov.exponents.iter().all(|&e| e <= ln_g + 1e-9),
                "{name}: {:?}",
                a.lyapunov.exponents
            );
            let observed = a.decay.observed.unwrap();
            assert!(
                observed.slope <= ln_g + 1e-9,
                "{name}: slope {} vs ln g {ln_g}",
                observed.slope
            );
            assert_eq!(a.decay.predicted_per_step, a.lyapunov.exponents[0]);
            assert!(a.memory_horizons.is_none());
            // The same sequences through the engine, full BPTT, f64.
            let held = evaluation_set(config.task(), config.seed, config.eval.size).rows(0..3);
            let mut engine = Engine::<f64>::new(config.model.cell, config.dims());
            let mut grads = Params::zeros(config.model.cell, config.dims());
            let opts = GradOptions {
                bptt: Bptt::Full,
                reduction: Reduction::Mean,
                grad_x: false,
            };
            let out =
                engine.loss_and_grad(&params, &held, InitialState::default(), opts, &mut grads);
            for (x, y) in a.profile.values.iter().zip(&out.profile.values) {
                assert!((x - y).abs() <= 1e-12 * y, "{x} vs {y}");
            }
            eprintln!(
                "{name}: λ1 {:.4} slope {:.4} (ln g {ln_g:.4}) Ω {:.3} script {:?} steps {:?} costs {:?}",
                a.decay.predicted_per_step,
                observed.slope,
                a.omega.paper,
                a.omega.script,
                a.omega.steps_in_the_past,
                a.costs
            );
        }
    }

    /// An LSTM preset gives its 2H-state exponents (2·64 > 8 would be 8 for H > 64; here all
    /// 2H), one memory horizon per unit, and four gate spectra; bad options are errors.
    #[test]
    fn lstm_preset_and_bad_options() {
        let config = preset("adding_lstm_t100");
        let params: Params<f64> =
            init_params(config.model.cell, config.dims(), config.init, config.seed).unwrap();
        let options = AnalysisOptions {
            sequences: 2,
            lyapunov_k: Some(8),
            ..AnalysisOptions::default()
        };
        let a = analyze_with(&config, &params, &options).unwrap();
        let h = config.model.hidden;
        assert_eq!(a.lyapunov.state_size, 2 * h);
        assert_eq!(a.lyapunov.exponents.len(), 8);
        assert!(a.lyapunov.exponents.windows(2).all(|w| w[0] >= w[1]));
        let tau = a.memory_horizons.as_ref().unwrap();
        assert_eq!(tau.len(), h);
        assert!(tau.iter().all(|t| *t > 0.0));
        assert_eq!(a.spectra.len(), 4);
        eprintln!(
            "lstm: λ {:?} slope {:?} Ω {:?}",
            a.lyapunov.exponents, a.decay.observed, a.omega
        );
        let bad = |o: AnalysisOptions| analyze_with(&config, &params, &o).unwrap_err().to_string();
        assert!(
            bad(AnalysisOptions {
                sequences: 0,
                ..options
            })
            .contains("sequences")
        );
        assert!(
            bad(AnalysisOptions {
                lyapunov_k: Some(0),
                ..options
            })
            .contains("lyapunov.k")
        );
        assert!(
            bad(AnalysisOptions {
                floor_squared: f64::NAN,
                ..options
            })
            .contains("floor_squared")
        );
        let wrong = Params::<f64>::zeros(crate::nn::CellKind::Gru, config.dims());
        assert!(
            analyze(&config, &wrong)
                .unwrap_err()
                .to_string()
                .contains("weight_ih_l0")
        );
    }
}
