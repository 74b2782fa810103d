//! What the engine offers: the loss and gradient of one fixed-parameter pass (full BPTT or
//! accumulated truncation), a training step (forward, BPTT, clip, update; per segment or
//! once), and a forward-only evaluation.

use ndarray::{Array2, Array3, s};

use super::super::clip::ClipReport;
use super::super::loss::{Batch, Reduction};
use super::super::optim::Optimizer;
use super::super::{Model, Params, Scalar};
use super::{
    Bptt, Engine, GradOptions, GradOutput, InitialState, Profile, StepConfig, StepError, StepStats,
    UpdateMode,
};

impl<F: Scalar> Engine<F> {
    /// Loss and gradient of one fixed-parameter pass over `batch`: forward over the whole
    /// sequence from `h0`/`c0` (zero when `None`), then every window of `bptt` backward, with the
    /// global divisor, gradients summed into `grads` (which is zeroed first). This is
    /// [`UpdateMode::Accumulate`]; with [`Bptt::Full`] it is the exact gradient.
    #[track_caller]
    pub fn loss_and_grad(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        init: InitialState<'_, F>,
        options: GradOptions,
        grads: &mut Params<F>,
    ) -> GradOutput<F> {
        let GradOptions {
            bptt,
            reduction,
            grad_x: want_grad_x,
        } = options;
        self.check(params, batch);
        let divisor = batch.divisor(0, batch.seq_len(), reduction);
        self.loss_and_grad_with(params, batch, init, (bptt, want_grad_x), divisor, grads)
    }

    /// [`Engine::loss_and_grad`] with the loss divided by `divisor` (that of a larger batch
    /// when `batch` is part of one).
    pub(super) fn loss_and_grad_with(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        init: InitialState<'_, F>,
        (bptt, want_grad_x): (Bptt, bool),
        divisor: f64,
        grads: &mut Params<F>,
    ) -> GradOutput<F> {
        let (t_len, b) = (batch.seq_len(), batch.batch_size());
        self.prepare(t_len, b);
        self.forward_range(params, &batch.x, init.h0, init.c0, 0, t_len);
        grads.fill_zero();
        let mut grad_x = want_grad_x.then(|| Array3::zeros(batch.x.dim()));
        let hidden = self.dims.hidden;
        let mut grad_h0 = Array2::zeros((b, hidden));
        let mut grad_c0 = self
            .cell
            .has_cell_state()
            .then(|| Array2::zeros((b, hidden)));
        let mut loss = 0.0;
        let mut profile = Profile::default();
        for w in bptt.windows(t_len) {
            if !batch.has_terms(w.loss_start, w.end) {
                continue;
            }
            let (l, p) = self.backward_window(params, batch, w, divisor, grads, grad_x.as_mut());
            loss += l;
            profile = p;
            if w.start == 0 {
                grad_h0 += &self.dh_next.slice(s![0..b, ..]);
                if let Some(gc) = grad_c0.as_mut() {
                    *gc += &self.dc.slice(s![0..b, ..]);
                }
            }
        }
        GradOutput {
            loss,
            profile,
            grad_h0,
            grad_c0,
            grad_x,
        }
    }

    /// One training step on `batch` from a zero initial state: forward, BPTT as `config` says,
    /// clip, and update the model through `optimizer`. `grads` is scratch space of the model's
    /// shapes. A non-finite loss or gradient stops the step before that update is applied.
    #[track_caller]
    pub fn train_step(
        &mut self,
        model: &mut Model<F>,
        optimizer: &mut Optimizer<F>,
        config: StepConfig,
        batch: &Batch<F>,
        grads: &mut Params<F>,
    ) -> Result<StepStats, StepError> {
        let StepConfig {
            bptt,
            clip,
            reduction,
            train_bias_hh,
        } = config;
        let mut stats = StepStats::default();
        let mut apply = |params: &mut Params<F>,
                         grads: &mut Params<F>,
                         loss: f64,
                         segment_end: usize,
                         stats: &mut StepStats|
         -> Result<(), StepError> {
            if !loss.is_finite() {
                return Err(StepError::NonFinite {
                    quantity: "loss",
                    value: loss,
                    segment_end,
                });
            }
            if !train_bias_hh {
                grads.bias_hh.fill(F::zero());
            }
            let tensor_norms = grads.norms();
            let report: ClipReport = clip.apply(grads);
            if !report.finite {
                return Err(StepError::NonFinite {
                    quantity: "gradient norm",
                    value: report.norm_pre,
                    segment_end,
                });
            }
            optimizer.step(params, grads);
            stats.updates += 1;
            stats.clipped_updates += usize::from(report.engaged);
            if stats.updates == 1 || report.norm_pre > stats.grad_norm_pre_clip {
                stats.grad_norm_pre_clip = report.norm_pre;
                stats.grad_norm_post_clip = report.norm_post;
                stats.tensor_grad_norms = tensor_norms;
            }
            Ok(())
        };

        let t_len = batch.seq_len();
        match bptt.mode() {
            UpdateMode::Accumulate => {
                let options = GradOptions {
                    bptt,
                    reduction,
                    grad_x: false,
                };
                let (loss, profile) = if self.splits(batch.batch_size()) {
                    self.loss_and_grad_split(&model.params, batch, options, grads)
                } else {
                    let out = self.loss_and_grad(
                        &model.params,
                        batch,
                        InitialState::default(),
                        options,
                        grads,
                    );
                    (out.loss, out.profile)
                };
                stats.loss = loss;
                stats.profile = profile;
                apply(&mut model.params, grads, loss, t_len, &mut stats)?;
            }
            UpdateMode::PerSegment => {
                self.check(&model.params, batch);
                self.prepare(t_len, batch.batch_size());
                let total_divisor = batch.divisor(0, t_len, reduction);
                let mut done = 0;
                for w in bptt.windows(t_len) {
                    self.forward_range(&model.params, &batch.x, None, None, done, w.end);
                    done = w.end;
                    if !batch.has_terms(w.loss_start, w.end) {
                        continue;
                    }
                    let divisor = batch.divisor(w.loss_start, w.end, reduction);
                    grads.fill_zero();
                    let (loss, profile) =
                        self.backward_window(&model.params, batch, w, divisor, grads, None);
                    if total_divisor > 0.0 {
                        stats.loss += loss * divisor / total_divisor;
                    }
                    stats.profile = profile;
                    apply(&mut model.params, grads, loss, w.end, &mut stats)?;
                }
            }
        }
        Ok(stats)
    }

    /// Forward only: the loss of `batch` (global divisor) from the state `init`, without
    /// gradients. The readout outputs of the loss steps are left in [`Engine::outputs`].
    #[track_caller]
    pub fn evaluate(
        &mut self,
        params: &Params<F>,
        batch: &Batch<F>,
        init: InitialState<'_, F>,
        reduction: Reduction,
    ) -> f64 {
        self.check(params, batch);
        let (t_len, b) = (batch.seq_len(), batch.batch_size());
        self.prepare(t_len, b);
        self.forward_range(params, &batch.x, init.h0, init.c0, 0, t_len);
        let divisor = batch.divisor(0, t_len, reduction);
        // The loss steps: the last for mse_last, all otherwise (xent masks the rest).
        let t0 = if matches!(batch.target, super::super::Target::Last(_)) {
            t_len - 1
        } else {
            0
        };
        self.readout_loss(params, batch, t0, t_len, divisor)
    }
}
