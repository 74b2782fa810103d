//! The f32 engine at sizes where its GEMMs run the AVX-512 kernel (`bptt_lab::nn::gemm`) gives
//! the loss and every gradient of the f64 engine (matrixmultiply) to f32 rounding.
//!
//! `tests/gradcheck.rs` holds f32 to f64 at H = 3, where every product is narrower than the
//! kernel's tiles and goes to matrixmultiply; here H = 121 and B = 19 (odd, so every tile edge
//! is exercised; `B · H² ≥ gemm::MIN_KERNEL_MNK`) put the per-step recurrent products of every
//! cell, `dW_hh` and the readout gradient on the kernel.

use bptt_lab::nn::gemm::{MIN_KERNEL_MNK, avx512_available};
use bptt_lab::nn::init::init_params;
use bptt_lab::nn::{
    Activation, Batch, Bptt, CellKind, Dims, Engine, GradOptions, Init, InitialState, Params,
    Reduction, Target, UpdateMode,
};
use ndarray::Array3;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DIMS: Dims = Dims {
    input: 3,
    hidden: 121,
    output: 2,
};
const SEQ_LEN: usize = 7;
const BATCH: usize = 19;

fn grad<F: bptt_lab::nn::Scalar>(
    cell: CellKind,
    params: &Params<F>,
    batch: &Batch<F>,
    bptt: Bptt,
) -> (f64, Params<F>) {
    let mut engine = Engine::new(cell, DIMS);
    let mut grads = Params::zeros(cell, DIMS);
    let options = GradOptions {
        bptt,
        reduction: Reduction::Mean,
        grad_x: false,
    };
    let out = engine.loss_and_grad(params, batch, InitialState::default(), options, &mut grads);
    (out.loss, grads)
}

#[test]
fn f32_kernel_gradients_match_f64() {
    println!("AVX-512 kernel in use: {}", avx512_available());
    const {
        assert!(
            BATCH * DIMS.hidden * DIMS.hidden >= MIN_KERNEL_MNK,
            "the sizes must put h W_hhᵀ on the kernel"
        );
    }
    let cells = [
        CellKind::Rnn(Activation::Tanh),
        CellKind::Lstm,
        CellKind::Gru,
    ];
    let truncated = Bptt::Truncated {
        k1: 3,
        k2: 5,
        mode: UpdateMode::Accumulate,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let mut worst = 0.0f64;
    for (seed, cell) in (40..).zip(cells) {
        let params64: Params<f64> = init_params(cell, DIMS, Init::default(), seed).expect("init");
        let x = Array3::from_shape_simple_fn((SEQ_LEN, BATCH, DIMS.input), || {
            rng.random_range(-1.0..1.0)
        });
        let y = Array3::from_shape_simple_fn((SEQ_LEN, BATCH, DIMS.output), || {
            rng.random_range(-1.0..1.0)
        });
        let batch64 = Batch {
            x,
            target: Target::All(y),
        };
        let params32: Params<f32> = params64.cast();
        let batch32: Batch<f32> = batch64.cast();
        for bptt in [Bptt::Full, truncated] {
            let (loss64, g64) = grad(cell, &params64, &batch64, bptt);
            let (loss32, g32) = grad(cell, &params32, &batch32, bptt);
            let loss_err = (loss32 - loss64).abs() / loss64.abs();
            assert!(
                loss_err < 1e-5,
                "{cell:?} {bptt:?}: loss f32 {loss32} vs f64 {loss64}"
            );
            let g32: Params<f64> = g32.cast();
            for (name, (a, b)) in bptt_lab::nn::PARAM_NAMES
                .iter()
                .zip(g32.slices().into_iter().zip(g64.slices()))
            {
                let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let diff = a
                    .iter()
                    .zip(b)
                    .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
                let err = diff / scale.max(1e-8);
                worst = worst.max(err);
                assert!(
                    err < 1e-5,
                    "{cell:?} {bptt:?} ∂L/∂{name}: max |f32 − f64| = {diff:e} of largest {scale:e} ({err:e})"
                );
            }
        }
    }
    println!("largest relative error f32 vs f64: {worst:.3e}");
}
