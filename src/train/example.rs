//! One held-out sequence of a run's task with what the run's weights make of it: the inputs
//! step by step, the target and the model's readout, for the app to show what the data looks
//! like and how the model answers (the first sequence of the evaluation set: the same one at
//! every refresh, so a change is the model's).

use ndarray::{Array2, s};

use super::config::TrainConfig;
use crate::nn::{Engine, InitialState, Model, Params, Reduction, Target};
use crate::tasks::evaluation_set;

/// What the model is asked at each step, and what it answered.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// One value (per output) after the last step (`mse_last`): the target and the readout.
    Last { target: Vec<f64>, output: Vec<f64> },
    /// A value per step and output (`mse_all`): `[T, O]` each.
    All {
        target: Array2<f64>,
        output: Array2<f64>,
    },
    /// A class per step where the mask is on (`xent`): the target class, the model's most
    /// likely class and the probability it gives the target, per counted step.
    Classes {
        steps: Vec<usize>,
        target: Vec<usize>,
        predicted: Vec<usize>,
        p_target: Vec<f64>,
    },
}

/// One example sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Inputs `[T, I]`.
    pub x: Array2<f64>,
    /// Whether every input step is one-hot (a symbol): then `symbols` holds its index.
    pub symbols: Option<Vec<usize>>,
    pub answer: Answer,
}

/// The first held-out sequence of `config`'s task and the readout of the weights `params` on
/// it, from a zero state as evaluation runs.
#[expect(
    clippy::float_cmp,
    reason = "one-hot inputs are written as exactly 0 and 1"
)]
pub fn example_sequence(config: &TrainConfig, params: &Params<f64>) -> Example {
    let task = config.task();
    let batch = evaluation_set(task, config.seed, 1);
    let model = Model::new(config.model.cell, config.dims(), params.clone());
    let mut engine = Engine::new(model.cell, model.dims);
    engine.evaluate(
        &model.params,
        &batch,
        InitialState::default(),
        Reduction::Mean,
    );
    let out = engine.outputs();
    let t_len = batch.seq_len();
    let x = batch.x.slice(s![.., 0, ..]).to_owned();
    let symbols = x
        .rows()
        .into_iter()
        .map(|row| {
            let ones = row.iter().filter(|&&v| v == 1.0).count();
            let zeros = row.iter().filter(|&&v| v == 0.0).count();
            (row.len() > 1 && ones == 1 && ones + zeros == row.len())
                .then(|| row.iter().position(|&v| v == 1.0).unwrap_or(0))
        })
        .collect::<Option<Vec<usize>>>();
    let answer = match &batch.target {
        Target::Last(y) => Answer::Last {
            target: y.row(0).to_vec(),
            output: out.slice(s![t_len - 1, 0, ..]).to_vec(),
        },
        Target::All(y) => Answer::All {
            target: y.slice(s![.., 0, ..]).to_owned(),
            output: out.slice(s![.., 0, ..]).to_owned(),
        },
        Target::Classes { labels, mask } => {
            let steps: Vec<usize> = (0..t_len).filter(|&t| mask[[t, 0]] > 0.0).collect();
            let mut predicted = Vec::with_capacity(steps.len());
            let mut p_target = Vec::with_capacity(steps.len());
            for &t in &steps {
                let logits = out.slice(s![t, 0, ..]);
                let top = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = logits.iter().map(|z| (z - top).exp()).sum();
                let k = labels[[t, 0]];
                predicted.push(
                    logits
                        .iter()
                        .enumerate()
                        .fold((0, f64::NEG_INFINITY), |best, (i, &z)| {
                            if z > best.1 { (i, z) } else { best }
                        })
                        .0,
                );
                p_target.push((logits[k] - top).exp() / total);
            }
            Answer::Classes {
                target: steps.iter().map(|&t| labels[[t, 0]]).collect(),
                steps,
                predicted,
                p_target,
            }
        }
    };
    Example { x, symbols, answer }
}

#[cfg(test)]
mod tests {
    use super::{Answer, example_sequence};
    use crate::nn::Params;

    fn config(task: &str) -> crate::train::TrainConfig {
        let (file, text) = crate::preset::builtin()[0];
        let mut setup = crate::preset::Preset::from_ron(text, std::path::Path::new(file))
            .unwrap()
            .config;
        setup.model.hidden = 4;
        crate::preset::apply_set(&mut setup, &format!("task={task}")).unwrap();
        setup.validate().unwrap()
    }

    #[test]
    fn adding_shows_two_channels_and_one_answer_at_the_end() {
        let c = config("adding(seq_len: 20)");
        let mut p = Params::zeros(c.model.cell, c.dims());
        p.readout_bias[0] = 0.25;
        let e = example_sequence(&c, &p);
        assert_eq!(e.x.shape(), [20, 2]);
        assert_eq!(e.symbols, None, "values, not symbols");
        // Two marked steps (marker 1, else 0); the target is the sum of their values.
        let marked: Vec<usize> = (0..20).filter(|&t| e.x[[t, 1]] > 0.5).collect();
        assert_eq!(marked.len(), 2);
        let Answer::Last { target, output } = &e.answer else {
            panic!("adding answers at the end: {:?}", e.answer);
        };
        let sum = e.x[[marked[0], 0]] + e.x[[marked[1], 0]];
        assert!((target[0] - sum).abs() < 1e-12);
        assert!((output[0] - 0.25).abs() < 1e-12, "zero weights: the bias");
    }

    #[test]
    fn a_symbol_task_shows_symbols_and_uniform_answers_for_zero_weights() {
        let c = config("copy(delay: 5)");
        let p = Params::zeros(c.model.cell, c.dims());
        let e = example_sequence(&c, &p);
        let symbols = e.symbols.as_ref().expect("copy's inputs are one-hot");
        assert_eq!(symbols.len(), e.x.shape()[0]);
        let Answer::Classes {
            steps,
            target,
            p_target,
            ..
        } = &e.answer
        else {
            panic!("copy answers with classes: {:?}", e.answer);
        };
        assert_eq!(steps.len(), target.len());
        assert!(!steps.is_empty());
        let classes = c.dims().output as f64;
        assert!(p_target.iter().all(|p| (p - 1.0 / classes).abs() < 1e-12));
    }
}
