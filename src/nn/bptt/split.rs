//! A training step over two cores: the batch is split in two halves of rows; the first half
//! runs on the calling thread, the second on a [`Helper`] thread that the engine starts at its
//! first split and keeps for its life (no thread is started per step). Each half's loss and
//! gradient are divided by the whole batch's divisor, so their sums are the whole batch's (to
//! rounding).
//!
//! The helper owns its own engine. What it needs of a step travels to it by value and comes
//! back: the parameters (copied into a buffer that is reused), the second half's rows, and the
//! gradient buffer it fills. A panic on the helper is caught there and resumed on the calling
//! thread, where the run's own panic handling reports it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, bounded};
use ndarray::Array3;

use super::super::breakdown::{self, Totals};
use super::super::loss::Batch;
use super::super::{CellKind, Dims, Params, Scalar};
use super::{Bptt, Engine, GradOptions, GradOutput, InitialState, Profile};

/// What the helper is asked to compute: the loss and gradient of `batch` with `params`.
struct Job<F: Scalar> {
    params: Params<F>,
    grads: Params<F>,
    batch: Batch<F>,
    bptt: Bptt,
    divisor: f64,
}

/// What the helper answers: the buffers back, the pass's result or its panic, and what it
/// recorded for the step's time breakdown ([`breakdown`], zero when that is off).
struct Done<F: Scalar> {
    params: Params<F>,
    grads: Params<F>,
    result: Result<(GradOutput<F>, Array3<F>), String>,
    breakdown: Totals,
}

/// The thread that runs the second half of split steps.
pub(crate) struct Helper<F: Scalar> {
    jobs: Option<Sender<Job<F>>>,
    done: Receiver<Done<F>>,
    thread: Option<JoinHandle<()>>,
    /// The parameter and gradient buffers while they are not at the helper.
    buffers: Option<(Params<F>, Params<F>)>,
    /// The second half's readout outputs of the last split pass, `[T, B₂, O]`.
    pub(super) outputs: Array3<F>,
}

impl<F: Scalar> std::fmt::Debug for Helper<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Helper").finish_non_exhaustive()
    }
}

impl<F: Scalar> Helper<F> {
    /// Starts the helper thread with an engine for `cell` and `dims`.
    fn spawn(cell: CellKind, dims: Dims) -> std::io::Result<Self> {
        let (job_tx, job_rx) = bounded::<Job<F>>(1);
        let (done_tx, done_rx) = bounded::<Done<F>>(1);
        let thread = std::thread::Builder::new()
            .name("bptt-half".into())
            .spawn(move || {
                let mut engine = Engine::new(cell, dims);
                while let Ok(mut job) = job_rx.recv() {
                    let result = catch_unwind(AssertUnwindSafe(|| {
                        let out = engine.loss_and_grad_with(
                            &job.params,
                            &job.batch,
                            InitialState::default(),
                            (job.bptt, false),
                            job.divisor,
                            &mut job.grads,
                        );
                        (out, engine.outputs())
                    }))
                    .map_err(|p| crate::pool::panic_message(p.as_ref()));
                    let reply = Done {
                        params: job.params,
                        grads: job.grads,
                        result,
                        breakdown: breakdown::take(),
                    };
                    if done_tx.send(reply).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Self {
            jobs: Some(job_tx),
            done: done_rx,
            thread: Some(thread),
            buffers: Some((Params::zeros(cell, dims), Params::zeros(cell, dims))),
            outputs: Array3::zeros((0, 0, 0)),
        })
    }

    /// Hands the second half to the helper; [`Helper::finish`] waits for it.
    fn start(&mut self, params: &Params<F>, batch: Batch<F>, bptt: Bptt, divisor: f64) {
        let (mut own_params, grads) = self.buffers.take().expect("no job is running");
        for (dst, src) in own_params.slices_mut().into_iter().zip(params.slices()) {
            dst.copy_from_slice(src);
        }
        let job = Job {
            params: own_params,
            grads,
            batch,
            bptt,
            divisor,
        };
        self.jobs
            .as_ref()
            .expect("present until drop")
            .send(job)
            .expect("the split helper thread has ended");
    }

    /// Waits for the helper's pass; adds its gradient into `grads` and returns its output.
    fn finish(&mut self, grads: &mut Params<F>) -> GradOutput<F> {
        let done = self.done.recv().expect("the split helper thread has ended");
        breakdown::add_helper(&done.breakdown);
        let (out, outputs) = match done.result {
            Ok(r) => r,
            Err(message) => {
                self.buffers = Some((done.params, done.grads));
                std::panic::panic_any(format!("split helper: {message}"));
            }
        };
        for (g, h) in grads.slices_mut().into_iter().zip(done.grads.slices()) {
            for (a, &v) in g.iter_mut().zip(h) {
                *a += v;
            }
        }
        self.buffers = Some((done.params, done.grads));
        self.outputs = outputs;
        out
    }
}

impl<F: Scalar> Drop for Helper<F> {
    fn drop(&mut self) {
        drop(self.jobs.take()); // ends the helper's loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<F: Scalar> Engine<F> {
    /// [`Engine::loss_and_grad`] from a zero state with the batch split in two halves of rows,
    /// the second half on the engine's helper thread: each half's loss and gradient are divided
    /// by the whole batch's divisor, so their sums are the whole batch's (to rounding). Returns
    /// the loss and the gradient profile (mean over all rows); `∂L/∂x` and `∂L/∂h0` are not
    /// computed (`options.grad_x` is ignored). If the helper thread cannot be started, the
    /// whole batch runs on this thread.
    #[track_caller]
    pub fn loss_and_grad_split(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        options: GradOptions,
        grads: &mut Params<F>,
    ) -> (f64, Profile) {
        self.check(params, batch);
        let GradOptions {
            bptt,
            reduction,
            grad_x: _,
        } = options;
        let b = batch.batch_size();
        let divisor = batch.divisor(0, batch.seq_len(), reduction);
        if self.helper.is_none() {
            self.helper = Helper::spawn(self.cell, self.dims).ok();
        }
        let Some(mut helper) = self.helper.take() else {
            let out = self.loss_and_grad_with(
                params,
                batch,
                InitialState::default(),
                (bptt, false),
                divisor,
                grads,
            );
            return (out.loss, out.profile);
        };
        let b1 = b / 2;
        helper.start(params, batch.rows(b1..b), bptt, divisor);
        let out_a = self.loss_and_grad_with(
            params,
            &batch.rows(0..b1),
            InitialState::default(),
            (bptt, false),
            divisor,
            grads,
        );
        let out_b = helper.finish(grads);
        self.helper = Some(helper);
        self.last_split = true;
        let loss = out_a.loss + out_b.loss;
        (
            loss,
            merge_profiles(&[(out_a.profile, b1), (out_b.profile, b - b1)]),
        )
    }
}

/// The gradient profile of the whole batch from its halves' (each with its number of rows):
/// the profile of the last window with loss terms in the whole batch, the one that ends
/// latest (windows are told apart by their end: several may start at 0). A half without terms
/// there reported an earlier window (or none), and its rows' gradient in the last one is zero.
fn merge_profiles(halves: &[(Profile, usize); 2]) -> Profile {
    let b: usize = halves.iter().map(|(_, rows)| rows).sum();
    let end = |p: &Profile| p.start + p.values.len();
    let last = halves
        .iter()
        .filter(|(p, _)| !p.values.is_empty())
        .map(|(p, _)| end(p))
        .max();
    let mut profile = Profile::default();
    if let Some(last_end) = last {
        for (p, rows) in halves {
            if !p.values.is_empty() && end(p) == last_end {
                let w = *rows as f64 / b as f64;
                profile.values.resize(p.values.len(), 0.0);
                profile.start = p.start;
                for (acc, v) in profile.values.iter_mut().zip(&p.values) {
                    *acc += w * v;
                }
            }
        }
    }
    profile
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(start: usize, values: &[f64]) -> Profile {
        Profile {
            start,
            values: values.to_vec(),
        }
    }

    #[test]
    fn the_latest_window_wins_even_when_both_start_at_zero() {
        // Half A's last window with terms is 0..4, half B's 0..2 (an earlier window that
        // also starts at 0): the batch's profile is A's window, B's rows count as zero in it.
        let merged = merge_profiles(&[
            (profile(0, &[1.0, 2.0, 3.0, 4.0]), 3),
            (profile(0, &[10.0, 20.0]), 1),
        ]);
        assert_eq!(merged, profile(0, &[0.75, 1.5, 2.25, 3.0]));
        // The same window in both halves: the row-weighted mean.
        let merged = merge_profiles(&[(profile(2, &[1.0, 1.0]), 1), (profile(2, &[3.0, 5.0]), 1)]);
        assert_eq!(merged, profile(2, &[2.0, 3.0]));
        assert_eq!(
            merge_profiles(&[(Profile::default(), 2), (Profile::default(), 2)]),
            Profile::default()
        );
    }
}
