//! `checkpoint.npz`: what a run carries on from ([`AnyTrainState`]), in the run's own
//! precision so that carrying on is bit-identical to never having stopped. Keys: the six
//! tensors by their PyTorch names; `optimizer.step` (u64), `optimizer.lr` (f64),
//! `optimizer.buf1.<k>` and `optimizer.buf2.<k>` per tensor k (the moment buffers that the
//! optimizer has); `rng.word_pos` (u64 ×2, high and low half of the training stream's
//! position); `run.step` (u64) and `run.elapsed_secs` (f64); `log.diagnostics_seen` (u64, how
//! many diagnostics the run folder's log had seen, for its thinning). Written to a temporary
//! file and renamed, so a crash leaves the previous checkpoint whole.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use ndarray::{Array1, Array2, ArrayD, IxDyn};
use ndarray_npy::{NpzReader, NpzWriter, ReadableElement, WritableElement};

use crate::fsutil::write_atomic_with;
use crate::nn::{OptimizerState, PARAM_NAMES, Params, Scalar};
use crate::train::{AnyTrainState, TrainState};

/// Why a checkpoint cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot read {}: {message}", .path.display())]
    Read {
        path: std::path::PathBuf,
        message: String,
    },
}

fn io(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn write_state<F, W>(npz: &mut NpzWriter<W>, s: &TrainState<F>) -> std::io::Result<()>
where
    F: Scalar + WritableElement,
    W: std::io::Write + std::io::Seek,
{
    let p = &s.params;
    npz.add_array(PARAM_NAMES[0], &p.weight_ih).map_err(io)?;
    npz.add_array(PARAM_NAMES[1], &p.weight_hh).map_err(io)?;
    npz.add_array(PARAM_NAMES[2], &p.bias_ih).map_err(io)?;
    npz.add_array(PARAM_NAMES[3], &p.bias_hh).map_err(io)?;
    npz.add_array(PARAM_NAMES[4], &p.readout_weight)
        .map_err(io)?;
    npz.add_array(PARAM_NAMES[5], &p.readout_bias).map_err(io)?;
    let o = &s.optimizer;
    npz.add_array("optimizer.step", &Array1::from(vec![o.step]))
        .map_err(io)?;
    npz.add_array("optimizer.lr", &Array1::from(vec![o.lr]))
        .map_err(io)?;
    for (name, bufs) in [("buf1", &o.buf1), ("buf2", &o.buf2)] {
        for (k, b) in bufs.iter().enumerate() {
            npz.add_array(format!("optimizer.{name}.{k}"), &Array1::from(b.clone()))
                .map_err(io)?;
        }
    }
    let pos = s.rng_word_pos;
    npz.add_array(
        "rng.word_pos",
        &Array1::from(vec![(pos >> 64) as u64, pos as u64]),
    )
    .map_err(io)?;
    npz.add_array("run.step", &Array1::from(vec![s.step]))
        .map_err(io)?;
    npz.add_array("run.elapsed_secs", &Array1::from(vec![s.elapsed_secs]))
        .map_err(io)?;
    Ok(())
}

/// A run's state and its log's position.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub state: AnyTrainState,
    /// Diagnostics the run folder's log had seen.
    pub diagnostics_seen: u64,
}

/// Writes `state` (and the log's `diagnostics_seen`) to `path` atomically.
pub fn save(path: &Path, state: &AnyTrainState, diagnostics_seen: u64) -> std::io::Result<()> {
    write_atomic_with(path, |f| {
        let mut npz = NpzWriter::new(BufWriter::new(f));
        match state {
            AnyTrainState::F32(s) => write_state(&mut npz, s)?,
            AnyTrainState::F64(s) => write_state(&mut npz, s)?,
        }
        npz.add_array(
            "log.diagnostics_seen",
            &Array1::from(vec![diagnostics_seen]),
        )
        .map_err(io)?;
        npz.finish().map_err(io)?;
        Ok(())
    })
}

struct Reader<'p> {
    path: &'p Path,
    npz: NpzReader<File>,
    names: Vec<String>,
}

impl Reader<'_> {
    fn err(&self, message: impl Into<String>) -> CheckpointError {
        CheckpointError::Read {
            path: self.path.to_owned(),
            message: message.into(),
        }
    }

    fn array<T: ReadableElement>(&mut self, key: &str) -> Result<ArrayD<T>, CheckpointError> {
        let file = format!("{key}.npy");
        let name = if self.names.contains(&file) {
            file
        } else if self.names.iter().any(|n| n == key) {
            key.to_owned()
        } else {
            return Err(self.err(format!("no `{key}`")));
        };
        self.npz
            .by_name::<ndarray::OwnedRepr<T>, IxDyn>(&name)
            .map_err(|e| self.err(format!("`{key}`: {e}")))
    }

    fn vector<T: ReadableElement + Clone>(&mut self, key: &str) -> Result<Vec<T>, CheckpointError> {
        let a = self.array::<T>(key)?;
        if a.ndim() != 1 {
            return Err(self.err(format!("`{key}` should be a vector")));
        }
        Ok(a.iter().cloned().collect())
    }

    fn matrix<T: ReadableElement + Clone>(
        &mut self,
        key: &str,
    ) -> Result<Array2<T>, CheckpointError> {
        let a = self.array::<T>(key)?;
        let err = self.err(format!("`{key}` should be a matrix"));
        a.into_dimensionality().map_err(|_| err)
    }

    fn scalar<T: ReadableElement + Clone>(&mut self, key: &str) -> Result<T, CheckpointError> {
        let v = self.vector::<T>(key)?;
        match v.as_slice() {
            [x] => Ok(x.clone()),
            _ => Err(self.err(format!("`{key}` should hold one value"))),
        }
    }

    fn state<F: Scalar + ReadableElement>(&mut self) -> Result<TrainState<F>, CheckpointError> {
        let params = Params {
            weight_ih: self.matrix(PARAM_NAMES[0])?,
            weight_hh: self.matrix(PARAM_NAMES[1])?,
            bias_ih: Array1::from(self.vector(PARAM_NAMES[2])?),
            bias_hh: Array1::from(self.vector(PARAM_NAMES[3])?),
            readout_weight: self.matrix(PARAM_NAMES[4])?,
            readout_bias: Array1::from(self.vector(PARAM_NAMES[5])?),
        };
        let mut bufs = |name: &str| -> Result<Vec<Vec<F>>, CheckpointError> {
            (0..PARAM_NAMES.len())
                .map_while(|k| {
                    let key = format!("optimizer.{name}.{k}");
                    let file = format!("{key}.npy");
                    let present = self.names.iter().any(|n| *n == file || *n == key);
                    present.then(|| self.vector::<F>(&key))
                })
                .collect()
        };
        let (buf1, buf2) = (bufs("buf1")?, bufs("buf2")?);
        let optimizer = OptimizerState {
            step: self.scalar("optimizer.step")?,
            lr: self.scalar("optimizer.lr")?,
            buf1,
            buf2,
        };
        let pos = self.vector::<u64>("rng.word_pos")?;
        let [hi, lo] = pos[..] else {
            return Err(self.err("`rng.word_pos` should hold two values"));
        };
        Ok(TrainState {
            step: self.scalar("run.step")?,
            params,
            optimizer,
            rng_word_pos: (u128::from(hi) << 64) | u128::from(lo),
            elapsed_secs: self.scalar("run.elapsed_secs")?,
        })
    }
}

/// Reads a checkpoint; its precision is that of its weights.
pub fn load(path: &Path) -> Result<Checkpoint, CheckpointError> {
    let err = |message: String| CheckpointError::Read {
        path: path.to_owned(),
        message,
    };
    let file = File::open(path).map_err(|e| err(e.to_string()))?;
    crate::npycheck::check_npz(path).map_err(|e| err(e.to_string()))?;
    let mut npz = NpzReader::new(file).map_err(|e| err(format!("not an NPZ file: {e}")))?;
    let names = npz.names().map_err(|e| err(e.to_string()))?;
    let mut r = Reader { path, npz, names };
    // The weights' dtype says the precision: f32 if they read as f32.
    let state = if r.array::<f32>(PARAM_NAMES[0]).is_ok() {
        AnyTrainState::F32(Box::new(r.state::<f32>()?))
    } else {
        AnyTrainState::F64(Box::new(r.state::<f64>()?))
    };
    Ok(Checkpoint {
        state,
        diagnostics_seen: r.scalar("log.diagnostics_seen")?,
    })
}
