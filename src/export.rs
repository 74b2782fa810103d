//! What a run's files hold: the rows of its CSV files (written live by
//! [`crate::store::RunWriter`]), weights NPZ with PyTorch's names, a JSON summary, a history
//! as CSV and a picture as PNG. Every whole file is written atomically.

use std::io::{BufWriter, Write};
use std::path::Path;

use ndarray::{Array1, Array2};
use ndarray_npy::NpzWriter;

use crate::fsutil::write_atomic_with;
use crate::nn::{PARAM_NAMES, Params};
use crate::train::{Diagnostics, Precision, STEP_COLUMNS, StepMetrics};

pub(crate) fn csv_float(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

/// The header of `metrics.csv`: [`STEP_COLUMNS`].
pub fn metrics_header() -> String {
    STEP_COLUMNS.join(",")
}

/// A row of `metrics.csv` (no line end).
pub fn metrics_line(m: &StepMetrics) -> String {
    let row: Vec<String> = m.values().iter().map(|&v| csv_float(v)).collect();
    row.join(",")
}

/// The header of `profile.csv`: `step,t,g` — the gradient profile `g_t = mean_b ‖∂L/∂h_t‖` of
/// each diagnostics row, `t` counted from 0 at the first input.
pub const PROFILE_HEADER: &str = "step,t,g";

/// The rows of `profile.csv` for one diagnostics row.
pub fn profile_lines(d: &Diagnostics) -> Vec<String> {
    d.profile
        .values
        .iter()
        .enumerate()
        .map(|(i, g)| format!("{},{},{}", d.step, d.profile.start + i, csv_float(*g)))
        .collect()
}

/// The header of `terms.csv`: the terms of the BPTT sum ([`crate::nn::BpttTerms`]), a row per
/// time step `t` of the window and gate block (`h` for the RNN; LSTM `i,f,g,o`; GRU `r,z,n`):
/// the Frobenius norms of step t's contributions to `∂L/∂W_hh` and `∂L/∂W_ih` in that block,
/// and the share of the whole tensor's gradient (all blocks) that the steps `t..` to the
/// window's end give, `‖Σ_{t' ≥ t} term_t'‖ / ‖Σ_t' term_t'‖` (the same on every block row of
/// `t`; empty when that gradient is zero). `step` is when the terms were taken.
pub const TERMS_HEADER: &str = "step,t,block,hh_norm,ih_norm,hh_share,ih_share";

/// The rows of `terms.csv` for one diagnostics row: none unless its terms were taken at its
/// step (carried-over terms were written when they were taken).
pub fn terms_lines(d: &Diagnostics, gate_names: &[&str]) -> Vec<String> {
    let terms = &d.terms;
    if d.terms_step != d.step {
        return Vec::new();
    }
    let n = terms.len();
    // share_last_k[k − 1] is the share of the last k steps: step start + i is k = n − i.
    let share = |shares: &[f64], i: usize| {
        shares
            .get(n - 1 - i)
            .map_or(String::new(), |v| csv_float(*v))
    };
    let mut lines = Vec::with_capacity(n * gate_names.len());
    for (i, (hh, ih)) in terms.hh.iter().zip(&terms.ih).enumerate() {
        let (hh_share, ih_share) = (
            share(&terms.share_last_k, i),
            share(&terms.share_last_k_ih, i),
        );
        for (g, name) in gate_names.iter().enumerate() {
            let norm = |v: &[f64]| v.get(g).map_or(String::new(), |x| csv_float(*x));
            lines.push(format!(
                "{},{},{name},{},{},{hh_share},{ih_share}",
                d.step,
                terms.start + i,
                norm(hh),
                norm(ih)
            ));
        }
    }
    lines
}

/// The header of `diagnostics.csv`: held-out loss and metric, saturation, the step the
/// spectra were taken at, ρ and `σ_max` per gate block.
pub fn diagnostics_header(gate_names: &[&str]) -> String {
    let mut header: Vec<String> = [
        "step",
        "eval_loss",
        "eval_metric",
        "saturation_hidden",
        "saturation_gates",
        "spectral_step",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(gate_names.iter().map(|g| format!("rho_{g}")));
    header.extend(gate_names.iter().map(|g| format!("sigma_max_{g}")));
    header.join(",")
}

/// A row of `diagnostics.csv` for a cell with `gates` gate blocks.
pub fn diagnostics_line(d: &Diagnostics, gates: usize) -> String {
    let mut row = vec![
        d.step.to_string(),
        csv_float(d.eval_loss),
        csv_float(d.eval_metric),
        csv_float(d.saturation.hidden),
        d.saturation.gates.map(csv_float).unwrap_or_default(),
        d.spectral.step.to_string(),
    ];
    for per_gate in [&d.spectral.rho, &d.spectral.sigma_max] {
        row.extend((0..gates).map(|g| per_gate.get(g).map(|v| csv_float(*v)).unwrap_or_default()));
    }
    row.join(",")
}

/// `weights.npz` with PyTorch's names (`weight_ih_l0` … `readout.weight`, `readout.bias`), in
/// float32 or float64. The cell's four tensors load into `torch.nn.RNN/LSTM/GRU` with
/// `load_state_dict`, the readout's two (without the `readout.` prefix) into `torch.nn.Linear`.
pub fn write_weights_npz(
    path: &Path,
    params: &Params<f64>,
    precision: Precision,
) -> std::io::Result<()> {
    write_atomic_with(path, |f| {
        let mut npz = NpzWriter::new(BufWriter::new(f));
        let io = |e: ndarray_npy::WriteNpzError| std::io::Error::other(e.to_string());
        let two = [&params.weight_ih, &params.weight_hh];
        let one = [&params.bias_ih, &params.bias_hh];
        let add2 = |npz: &mut NpzWriter<_>, name: &str, a: &Array2<f64>| match precision {
            Precision::F32 => npz.add_array(name, &a.mapv(|v| v as f32)).map_err(io),
            Precision::F64 => npz.add_array(name, a).map_err(io),
        };
        add2(&mut npz, PARAM_NAMES[0], two[0])?;
        add2(&mut npz, PARAM_NAMES[1], two[1])?;
        let add1 = |npz: &mut NpzWriter<_>, name: &str, a: &Array1<f64>| match precision {
            Precision::F32 => npz.add_array(name, &a.mapv(|v| v as f32)).map_err(io),
            Precision::F64 => npz.add_array(name, a).map_err(io),
        };
        add1(&mut npz, PARAM_NAMES[2], one[0])?;
        add1(&mut npz, PARAM_NAMES[3], one[1])?;
        add2(&mut npz, PARAM_NAMES[4], &params.readout_weight)?;
        add1(&mut npz, PARAM_NAMES[5], &params.readout_bias)?;
        npz.finish().map_err(io)?;
        Ok(())
    })
}

/// Writes a JSON value, pretty-printed.
pub fn write_json(path: &Path, value: &serde_json::Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(path, format!("{text}\n").as_bytes())
}

/// A history series as CSV: a `step` column (the last step of each bucket) and the bucket
/// means of every column; exact per-step values while the series holds one step per bucket.
pub fn write_series_csv(
    path: &Path,
    series: &crate::train::history::Series,
) -> std::io::Result<()> {
    write_atomic_with(path, |f| {
        let mut w = BufWriter::new(f);
        let names = series.names();
        let step_col = names.iter().position(|n| n == "step");
        let header: Vec<&str> = std::iter::once("step")
            .chain(names.iter().map(String::as_str).filter(|n| *n != "step"))
            .collect();
        writeln!(w, "{}", header.join(","))?;
        let cols: Vec<Vec<(u64, crate::train::history::Agg)>> = (0..names.len())
            .map(|c| series.buckets(c).collect())
            .collect();
        for i in 0..series.len() {
            let mut row = vec![cols[0][i].0.to_string()];
            for (c, col) in cols.iter().enumerate() {
                if Some(c) != step_col {
                    row.push(csv_float(col[i].1.mean));
                }
            }
            writeln!(w, "{}", row.join(","))?;
        }
        w.flush()
    })
}

/// An image as PNG: `rgb` holds `width × height` pixels, row by row, three bytes each.
pub fn write_png(path: &Path, width: usize, height: usize, rgb: &[u8]) -> std::io::Result<()> {
    if rgb.len() != width * height * 3 {
        return Err(std::io::Error::other(format!(
            "{} bytes are not {width} × {height} RGB pixels",
            rgb.len()
        )));
    }
    let mut bytes = Vec::new();
    image::write_buffer_with_format(
        &mut std::io::Cursor::new(&mut bytes),
        rgb,
        u32::try_from(width).map_err(std::io::Error::other)?,
        u32::try_from(height).map_err(std::io::Error::other)?,
        image::ColorType::Rgb8,
        image::ImageFormat::Png,
    )
    .map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(path, &bytes)
}

/// The curves of several runs as one long CSV that `pandas.read_csv` takes at once: a row per
/// run, step and quantity, with the run's main settings as columns: `run,cell,hidden,task,
/// seq_len,bptt,clip,optimizer,lr,seed,step,metric,value`. Step quantities are the bucket
/// means of the history (every step while it is exact), held-out ones its diagnostics.
pub fn long_csv(runs: &[(String, &crate::train::TrainConfig, &crate::train::History)]) -> String {
    use std::fmt::Write as _;
    let quote = |t: &str| {
        if t.contains([',', '"', '\n']) {
            format!("\"{}\"", t.replace('"', "\"\""))
        } else {
            t.to_owned()
        }
    };
    let mut out = String::from(
        "run,cell,hidden,task,seq_len,bptt,clip,optimizer,lr,seed,step,metric,value\n",
    );
    for (name, config, history) in runs {
        let settings = [
            quote(name),
            config.model.cell.short_name().to_owned(),
            config.model.hidden.to_string(),
            config.task().name().to_owned(),
            config.task().max_seq_len().to_string(),
            quote(&ron::to_string(&config.bptt).unwrap_or_default()),
            quote(&ron::to_string(&config.clip).unwrap_or_default()),
            config.optimizer.name().to_owned(),
            config.optimizer.lr().to_string(),
            config.seed.to_string(),
        ]
        .join(",");
        for (series, agg) in [(&history.steps, true), (&history.diagnostics, false)] {
            for (c, metric) in series.names().iter().enumerate() {
                if metric == "step" {
                    continue;
                }
                for (step, a) in series.buckets(c) {
                    let v = if agg { a.mean } else { a.last };
                    if v.is_finite() {
                        let _ = writeln!(out, "{settings},{step},{metric},{v}");
                    }
                }
            }
        }
    }
    out
}
