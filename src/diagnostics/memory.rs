//! The LSTM's memory horizon per unit: with forget gate values `f_t` the cell keeps
//! `Π f_t ≈ exp(t · mean log f)` of its content after t steps, so unit j forgets with the time
//! constant `τ_j = −1 / mean_t log f_{t,j}` steps (the mean over held-out sequences and their
//! steps). One value per unit, ready for a histogram.

use super::jacobian::Trajectory;
use crate::nn::CellKind;

/// `τ_j = −1 / mean log f_j` for every hidden unit j of an LSTM, over all steps of
/// `trajectories`; `f64::INFINITY` for a unit whose forget gate is 1 to double precision
/// throughout. `None` for other cells (no forget gate) or no steps.
pub fn memory_horizons(
    cell: CellKind,
    hidden: usize,
    trajectories: &[Trajectory],
) -> Option<Vec<f64>> {
    if cell != CellKind::Lstm {
        return None;
    }
    let mut sums = vec![0.0; hidden];
    let mut count = 0usize;
    for step in trajectories.iter().flat_map(|t| &t.steps) {
        for (s, &f) in sums.iter_mut().zip(&step.gates[hidden..2 * hidden]) {
            *s += f.ln();
        }
        count += 1;
    }
    (count > 0).then(|| {
        sums.iter()
            .map(|&s| {
                let mean = s / count as f64;
                if mean == 0.0 {
                    f64::INFINITY
                } else {
                    -1.0 / mean
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::super::jacobian::Net;
    use super::super::jacobian::tests::{inputs, params};
    use super::*;
    use crate::nn::Dims;
    use crate::nn::sigmoid;

    /// With no recurrent or input weights on the f block, `f_j = σ(b_j)` at every step, so
    /// `τ_j = −1 / log σ(b_j)` exactly: b = 0 gives 1/ln 2, a chrono-style bias of 4 about 55
    /// steps; a random network against the mean taken by hand; other cells have none.
    #[test]
    fn horizons_of_constant_and_varying_forget_gates() {
        let dims = Dims {
            input: 2,
            hidden: 3,
            output: 1,
        };
        let mut p = params(CellKind::Lstm, dims, 0.7, 5);
        let biases = [0.0, 4.0, -1.0];
        for (j, &b) in biases.iter().enumerate() {
            p.weight_hh.row_mut(3 + j).fill(0.0);
            p.weight_ih.row_mut(3 + j).fill(0.0);
            p.bias_ih[3 + j] = b;
            p.bias_hh[3 + j] = 0.0;
        }
        let net = Net::new(CellKind::Lstm, dims, &p).unwrap();
        let trajs: Vec<Trajectory> = (0..2)
            .map(|k| net.run(&inputs(9, 2, 1.0, k).view(), None).unwrap())
            .collect();
        let tau = memory_horizons(CellKind::Lstm, 3, &trajs).unwrap();
        for (t, b) in tau.iter().zip(biases) {
            let want = -1.0 / sigmoid(b).ln();
            assert!((t - want).abs() < 1e-12 * want, "{t} vs {want}");
        }
        assert!((tau[0] - 1.0 / std::f64::consts::LN_2).abs() < 1e-12);

        let q = params(CellKind::Lstm, dims, 0.9, 6);
        let net = Net::new(CellKind::Lstm, dims, &q).unwrap();
        let trajs: Vec<Trajectory> = (0..3)
            .map(|k| net.run(&inputs(5, 2, 1.0, 10 + k).view(), None).unwrap())
            .collect();
        let tau = memory_horizons(CellKind::Lstm, 3, &trajs).unwrap();
        for (j, tau_j) in tau.iter().enumerate() {
            let logs: Vec<f64> = trajs
                .iter()
                .flat_map(|t| t.steps.iter().map(move |s| s.gates[3 + j].ln()))
                .collect();
            let want = -(logs.len() as f64) / logs.iter().sum::<f64>();
            assert!((tau_j - want).abs() < 1e-12 * want);
        }
        assert_eq!(memory_horizons(CellKind::Gru, 3, &trajs), None);
        assert_eq!(memory_horizons(CellKind::Lstm, 3, &[]), None);
    }
}
