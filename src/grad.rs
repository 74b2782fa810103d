//! `bptt-lab grad`: loss and gradients for weights and a batch given as NPZ files, computed in
//! f64, for cross-checking against any other framework (the layout is PyTorch's, see
//! DESIGN.md §2 and `shared/oracle/README.md`).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ndarray::{Array, Array0, Array2, Array3, ArrayD, IxDyn};
use ndarray_npy::{NpzReader, NpzWriter, ReadNpzError};

use crate::nn::{
    Batch, Bptt, CellKind, Dims, Engine, GradOptions, InitialState, LossKind, PARAM_NAMES, Params,
    Reduction, Target, UpdateMode,
};

/// A problem with the input file: names the key, what was expected and what was found.
#[derive(Debug, thiserror::Error)]
pub enum GradInputError {
    #[error("{path}: cannot open as NPZ: {source}")]
    Open { path: PathBuf, source: ReadNpzError },
    #[error("{path}: missing key `{key}` (expected {expected})")]
    Missing {
        path: PathBuf,
        key: String,
        expected: String,
    },
    #[error("{path}: key `{key}` must be {expected}; {found}")]
    Bad {
        path: PathBuf,
        key: String,
        expected: String,
        found: String,
    },
}

/// Settings of a `grad` computation (the command-line flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GradSettings {
    pub cell: CellKind,
    pub loss: LossKind,
    /// Chunk length K of truncated BPTT with accumulated chunk gradients; `None` = full BPTT.
    pub tbptt: Option<usize>,
    pub reduction: Reduction,
}

/// Everything read from the input NPZ.
#[derive(Clone, Debug)]
pub struct GradInputs {
    pub dims: Dims,
    pub params: Params<f64>,
    pub batch: Batch<f64>,
    pub h0: Option<Array2<f64>>,
    pub c0: Option<Array2<f64>>,
}

/// The results written to the output NPZ.
#[derive(Clone, Debug)]
pub struct GradResults {
    pub loss: f64,
    pub grads: Params<f64>,
    pub grad_h0: Option<Array2<f64>>,
    pub grad_c0: Option<Array2<f64>>,
    pub grad_norm: f64,
    pub h: Array3<f64>,
    pub c: Option<Array3<f64>>,
    /// Readout: `[B, O]` for `mse_last`, else `[T, B, O]`.
    pub out: ArrayD<f64>,
}

struct Reader<'p> {
    path: &'p Path,
    npz: NpzReader<File>,
    names: Vec<String>,
}

fn shape_str(shape: &[usize]) -> String {
    format!(
        "[{}]",
        shape
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl<'p> Reader<'p> {
    fn open(path: &'p Path) -> Result<Self, GradInputError> {
        let open_err = |source| GradInputError::Open {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path)
            .map_err(|e| open_err(ReadNpzError::from(ndarray_npy::ReadNpyError::Io(e))))?;
        let mut npz = NpzReader::new(file).map_err(open_err)?;
        // Every member's declared size is checked before any array is read.
        crate::npycheck::check_npz(path).map_err(|e| GradInputError::Bad {
            path: path.to_owned(),
            key: e.member.trim_end_matches(".npy").to_owned(),
            expected: "an array whose shape fits its data".to_owned(),
            found: e.message,
        })?;
        let names = npz
            .names()
            .map_err(open_err)?
            .into_iter()
            .map(|n| n.trim_end_matches(".npy").to_owned())
            .collect();
        Ok(Self { path, npz, names })
    }

    fn has(&self, key: &str) -> bool {
        self.names.iter().any(|n| n == key)
    }

    fn bad(&self, key: &str, expected: &str, found: String) -> GradInputError {
        GradInputError::Bad {
            path: self.path.to_owned(),
            key: key.to_owned(),
            expected: expected.to_owned(),
            found,
        }
    }

    /// Reads a float64 array (float32 is widened) and checks its shape against `expected`
    /// (`None` entries are free and returned filled in).
    fn float(
        &mut self,
        key: &str,
        expected: &[Option<usize>],
        what: &str,
    ) -> Result<ArrayD<f64>, GradInputError> {
        let want = format!("{what}, float64");
        let arr = self.float_any(key, &want)?;
        self.check_shape(key, arr.shape(), expected, &want)?;
        Ok(arr)
    }

    /// Reads a float64 array (float32 is widened) of any shape.
    fn float_any(&mut self, key: &str, want: &str) -> Result<ArrayD<f64>, GradInputError> {
        if !self.has(key) {
            return Err(GradInputError::Missing {
                path: self.path.to_owned(),
                key: key.to_owned(),
                expected: want.to_owned(),
            });
        }
        let arr: ArrayD<f64> = match self.npz.by_name::<ndarray::OwnedRepr<f64>, IxDyn>(key) {
            Ok(a) => a,
            Err(e64) => match self.npz.by_name::<ndarray::OwnedRepr<f32>, IxDyn>(key) {
                Ok(a) => a.mapv(f64::from),
                Err(_) => return Err(self.bad(key, want, format!("could not read it: {e64}"))),
            },
        };
        if let Some(v) = arr.iter().find(|v| !v.is_finite()) {
            return Err(self.bad(
                key,
                want,
                format!("it holds {v}: every value must be finite"),
            ));
        }
        // Fortran-ordered arrays (numpy's order='F') are laid out in standard order.
        Ok(arr.as_standard_layout().into_owned())
    }

    /// Reads integer class indices (int64 or int32).
    fn ints(
        &mut self,
        key: &str,
        expected: &[Option<usize>],
        what: &str,
    ) -> Result<ArrayD<i64>, GradInputError> {
        let want = format!("{what}, int64");
        if !self.has(key) {
            return Err(GradInputError::Missing {
                path: self.path.to_owned(),
                key: key.to_owned(),
                expected: want,
            });
        }
        let arr: ArrayD<i64> = match self.npz.by_name::<ndarray::OwnedRepr<i64>, IxDyn>(key) {
            Ok(a) => a,
            Err(e64) => match self.npz.by_name::<ndarray::OwnedRepr<i32>, IxDyn>(key) {
                Ok(a) => a.mapv(i64::from),
                Err(_) => return Err(self.bad(key, &want, format!("could not read it: {e64}"))),
            },
        };
        let arr = arr.as_standard_layout().into_owned();
        self.check_shape(key, arr.shape(), expected, &want)?;
        Ok(arr)
    }

    fn check_shape(
        &self,
        key: &str,
        got: &[usize],
        expected: &[Option<usize>],
        want: &str,
    ) -> Result<(), GradInputError> {
        let fits = got.len() == expected.len()
            && got
                .iter()
                .zip(expected)
                .all(|(g, e)| e.is_none_or(|e| e == *g));
        if fits {
            Ok(())
        } else {
            Err(self.bad(key, want, format!("found shape {}", shape_str(got))))
        }
    }
}

fn into2(a: ArrayD<f64>) -> Array2<f64> {
    a.into_dimensionality().expect("rank checked")
}

fn into3(a: ArrayD<f64>) -> Array3<f64> {
    a.into_dimensionality().expect("rank checked")
}

fn into1(a: ArrayD<f64>) -> ndarray::Array1<f64> {
    a.into_dimensionality().expect("rank checked")
}

/// Reads and checks the input NPZ for `settings`.
#[expect(
    clippy::too_many_lines,
    reason = "one pass over the keys in file order, each with its own expected shape"
)]
pub fn read_inputs(path: &Path, settings: GradSettings) -> Result<GradInputs, GradInputError> {
    let mut r = Reader::open(path)?;
    let x = into3(r.float("x", &[None, None, None], "shape [T, B, I]")?);
    let (t, b, i) = x.dim();
    if t == 0 || b == 0 || i == 0 {
        return Err(r.bad(
            "x",
            "shape [T, B, I] with T, B, I ≥ 1",
            format!("found shape {}", shape_str(x.shape())),
        ));
    }
    let g = settings.cell.gates();
    let gname = match g {
        1 => "H",
        3 => "3·H",
        _ => "4·H",
    };
    let w_hh = r.float(
        "weight_hh_l0",
        &[None, None],
        &format!("shape [{gname}, H]"),
    )?;
    let h = w_hh.shape()[1];
    if h == 0 {
        return Err(r.bad("weight_hh_l0", "H ≥ 1", "found H = 0".to_owned()));
    }
    if w_hh.shape()[0] != g * h {
        return Err(r.bad(
            "weight_hh_l0",
            &format!(
                "shape [{gname}, H] = [{}, {h}] for a {} cell",
                g * h,
                settings.cell.short_name()
            ),
            format!("found shape {}", shape_str(w_hh.shape())),
        ));
    }
    let gh = Some(g * h);
    let w_ih = r.float(
        "weight_ih_l0",
        &[gh, Some(i)],
        &format!("shape [{gname}, I] = [{}, {i}]", g * h),
    )?;
    let b_ih = r.float("bias_ih_l0", &[gh], &format!("shape [{}]", g * h))?;
    let b_hh = r.float("bias_hh_l0", &[gh], &format!("shape [{}]", g * h))?;
    let w_o = r.float(
        "readout.weight",
        &[None, Some(h)],
        &format!("shape [O, H] = [O, {h}]"),
    )?;
    let o = w_o.shape()[0];
    if o == 0 {
        return Err(r.bad("readout.weight", "O ≥ 1", "found O = 0".to_owned()));
    }
    let b_o = r.float("readout.bias", &[Some(o)], &format!("shape [O] = [{o}]"))?;
    let target = match settings.loss {
        LossKind::MseLast => Target::Last(into2(r.float(
            "y",
            &[Some(b), Some(o)],
            &format!("shape [B, O] = [{b}, {o}] for mse_last"),
        )?)),
        LossKind::MseAll => Target::All(into3(r.float(
            "y",
            &[Some(t), Some(b), Some(o)],
            &format!("shape [T, B, O] = [{t}, {b}, {o}] for mse_all"),
        )?)),
        LossKind::Xent => {
            let y = r.ints(
                "y",
                &[Some(t), Some(b)],
                &format!("class indices of shape [T, B] = [{t}, {b}] for xent"),
            )?;
            if let Some(bad) = y
                .iter()
                .find(|&&k| usize::try_from(k).is_ok_and(|k| k >= o) || k < 0)
            {
                return Err(r.bad(
                    "y",
                    &format!("class indices in 0..{o}"),
                    format!("found {bad}"),
                ));
            }
            let labels = y
                .mapv(|k| k as usize)
                .into_dimensionality()
                .expect("rank checked");
            let mask = if r.has("mask") {
                into2(r.float(
                    "mask",
                    &[Some(t), Some(b)],
                    &format!("shape [T, B] = [{t}, {b}]"),
                )?)
            } else {
                Array2::ones((t, b))
            };
            Target::Classes { labels, mask }
        }
    };
    let mut state = |key: &str| -> Result<Option<Array2<f64>>, GradInputError> {
        if r.has(key) {
            Ok(Some(into2(r.float(
                key,
                &[Some(b), Some(h)],
                &format!("shape [B, H] = [{b}, {h}]"),
            )?)))
        } else {
            Ok(None)
        }
    };
    let h0 = state("h0")?;
    let c0 = if settings.cell.has_cell_state() {
        state("c0")?
    } else {
        None
    };
    let params = Params {
        weight_ih: into2(w_ih),
        weight_hh: into2(w_hh),
        bias_ih: into1(b_ih),
        bias_hh: into1(b_hh),
        readout_weight: into2(w_o),
        readout_bias: into1(b_o),
    };
    Ok(GradInputs {
        dims: Dims {
            input: i,
            hidden: h,
            output: o,
        },
        params,
        batch: Batch { x, target },
        h0,
        c0,
    })
}

/// Computes loss, gradients, states and outputs in f64.
pub fn compute(inputs: &GradInputs, settings: GradSettings) -> GradResults {
    let GradInputs {
        dims,
        params,
        batch,
        h0,
        c0,
    } = inputs;
    let bptt = match settings.tbptt {
        None => Bptt::Full,
        Some(k) => Bptt::Chunked {
            k,
            mode: UpdateMode::Accumulate,
        },
    };
    let mut engine = Engine::new(settings.cell, *dims);
    let mut grads = Params::zeros(settings.cell, *dims);
    let init = InitialState {
        h0: h0.as_ref().map(|a| a.view()),
        c0: c0.as_ref().map(|a| a.view()),
    };
    let options = GradOptions {
        bptt,
        reduction: settings.reduction,
        grad_x: false,
    };
    let out = engine.loss_and_grad(params, batch, init, options, &mut grads);
    let outputs = engine.outputs();
    let out_arr = match settings.loss {
        LossKind::MseLast => outputs
            .index_axis(ndarray::Axis(0), batch.seq_len() - 1)
            .to_owned()
            .into_dyn(),
        _ => outputs.into_dyn(),
    };
    GradResults {
        loss: out.loss,
        grad_norm: grads.global_norm(),
        grads,
        grad_h0: h0.as_ref().map(|_| out.grad_h0.clone()),
        grad_c0: c0.as_ref().and(out.grad_c0),
        h: engine.hidden_states(),
        c: engine.cell_states(),
        out: out_arr,
    }
}

/// Writes the results as NPZ (float64), atomically: a temporary file renamed into place.
pub fn write_results(path: &Path, results: &GradResults) -> std::io::Result<()> {
    crate::fsutil::write_atomic_with(path, |file| {
        let mut npz = NpzWriter::new(BufWriter::new(file));
        let io = |e: ndarray_npy::WriteNpzError| std::io::Error::other(e.to_string());
        let mut add = |name: &str, a: ArrayD<f64>| npz.add_array(name, &a).map_err(io);
        add("loss", Array0::from_elem((), results.loss).into_dyn())?;
        for (name, slice) in PARAM_NAMES.iter().zip(results.grads.shapes()) {
            let data = grad_by_name(&results.grads, name);
            add(
                &format!("grad.{name}"),
                Array::from_shape_vec(IxDyn(&slice), data).expect("shape"),
            )?;
        }
        if let Some(g) = &results.grad_h0 {
            add("grad.h0", g.clone().into_dyn())?;
        }
        if let Some(g) = &results.grad_c0 {
            add("grad.c0", g.clone().into_dyn())?;
        }
        add(
            "grad_norm",
            Array0::from_elem((), results.grad_norm).into_dyn(),
        )?;
        add("h", results.h.clone().into_dyn())?;
        if let Some(c) = &results.c {
            add("c", c.clone().into_dyn())?;
        }
        add("out", results.out.clone())?;
        npz.finish().map_err(io)?;
        Ok(())
    })
}

fn grad_by_name(grads: &Params<f64>, name: &str) -> Vec<f64> {
    let idx = PARAM_NAMES
        .iter()
        .position(|n| *n == name)
        .expect("known name");
    grads.slices()[idx].to_vec()
}

/// Reads a parameter-shaped set of arrays with a prefix (`grad.` or `train.`) from an NPZ, as
/// the oracle files store them. For tests and comparison scripts.
pub fn read_params(path: &Path, prefix: &str) -> Result<Params<f64>, GradInputError> {
    let mut r = Reader::open(path)?;
    let mut get = |name: &str, rank: usize| {
        r.float(&format!("{prefix}{name}"), &vec![None; rank], "an array")
    };
    Ok(Params {
        weight_ih: into2(get("weight_ih_l0", 2)?),
        weight_hh: into2(get("weight_hh_l0", 2)?),
        bias_ih: into1(get("bias_ih_l0", 1)?),
        bias_hh: into1(get("bias_hh_l0", 1)?),
        readout_weight: into2(get("readout.weight", 2)?),
        readout_bias: into1(get("readout.bias", 1)?),
    })
}

/// Reads one float64 array of any shape by key.
pub fn read_array(path: &Path, key: &str) -> Result<ArrayD<f64>, GradInputError> {
    Reader::open(path)?.float_any(key, "a float64 array")
}
