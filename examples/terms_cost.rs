//! The cost of one [`Engine::bptt_terms`] computation against one training step, on the
//! adding problem (T = 100, batch 32, I = 2, O = 1, f32, full BPTT, one thread): the median of
//! `REPEATS` timings of each, per cell and hidden size. Run with
//! `cargo run --release --example terms_cost`.

use std::time::Instant;

use bptt_lab::nn::init::init_params;
use bptt_lab::nn::{
    Activation, Bptt, CellKind, Clip, Dims, Engine, GradOptions, Init, InitialState, Model,
    Optimizer, OptimizerConfig, Params, Reduction, StepConfig,
};
use bptt_lab::tasks::Task as _;
use bptt_lab::tasks::adding::Adding;

const SEQ_LEN: usize = 100;
const BATCH: usize = 32;
const REPEATS: usize = 15;

fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[REPEATS / 2]
}

fn main() {
    let task = Adding::new(SEQ_LEN).expect("T ≥ 2");
    let mut rng = bptt_lab::tasks::train_rng(0);
    let batch = task.batch(&mut rng, BATCH).cast::<f32>();
    println!("cell  H    train_step_ms  terms_ms  terms/step");
    for cell in [
        CellKind::Rnn(Activation::Tanh),
        CellKind::Lstm,
        CellKind::Gru,
    ] {
        for hidden in [32, 128, 256] {
            let dims = Dims {
                input: 2,
                hidden,
                output: 1,
            };
            let params =
                init_params::<f32>(cell, dims, Init::default(), 0).expect("the default init");
            let mut model = Model::new(cell, dims, params.clone());
            let mut optimizer = Optimizer::new(OptimizerConfig::adam(1e-3), &model.params);
            let mut engine = Engine::<f32>::new(cell, dims);
            let mut grads = Params::zeros(cell, dims);
            let config = StepConfig {
                bptt: Bptt::Full,
                clip: Clip::GlobalNorm { max_norm: 1.0 },
                reduction: Reduction::Mean,
                train_bias_hh: true,
            };
            let step_ms = median_ms(|| {
                engine
                    .train_step(&mut model, &mut optimizer, config, &batch, &mut grads)
                    .expect("finite");
            });
            let options = GradOptions {
                bptt: Bptt::Full,
                reduction: Reduction::Mean,
                grad_x: false,
            };
            let mut share = 0.0;
            let terms_ms = median_ms(|| {
                let terms = engine.bptt_terms(
                    &params,
                    &batch,
                    InitialState::default(),
                    options,
                    &mut grads,
                    |_| {},
                );
                share = terms.share_last_k[SEQ_LEN / 10 - 1];
            });
            println!(
                "{:<5} {hidden:<4} {step_ms:>13.2} {terms_ms:>9.2} {:>11.2}   (share of the last 10 steps {share:.3})",
                cell.short_name(),
                terms_ms / step_ms
            );
        }
    }
}
