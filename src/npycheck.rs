//! Checking an NPZ file before any array is read: every member's header is parsed and the
//! bytes its shape and dtype declare are compared with the bytes it holds, so that a file
//! declaring an enormous shape is an error, not an allocation the process cannot survive.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Most bytes one array may declare (4 GiB): far above any weights or batch the lab uses.
pub const MAX_ARRAY_BYTES: u64 = 1 << 32;

/// Why an NPZ member cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("`{member}`: {message}")]
pub struct NpyCheckError {
    pub member: String,
    pub message: String,
}

/// The shape and item size an NPY header declares, from its first bytes.
fn declared(head: &[u8]) -> Result<(Vec<u64>, u64), String> {
    if head.len() < 10 || &head[..6] != b"\x93NUMPY" {
        return Err("not an NPY array".into());
    }
    let (len, start) = match head[6] {
        1 => (usize::from(u16::from_le_bytes([head[8], head[9]])), 10),
        2 | 3 if head.len() >= 12 => (
            u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize,
            12,
        ),
        v => return Err(format!("NPY format version {v} is not supported")),
    };
    let text = head
        .get(start..start + len)
        .ok_or("the header is cut short")?;
    let text = String::from_utf8_lossy(text);
    let descr = text
        .split("'descr':")
        .nth(1)
        .and_then(|r| r.split('\'').nth(1))
        .ok_or("no dtype in the header")?;
    let itemsize: u64 = descr
        .trim_start_matches(['<', '>', '|', '='])
        .get(1..)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("dtype {descr} is not a number type"))?;
    let shape_text = text
        .split("'shape':")
        .nth(1)
        .and_then(|r| r.split('(').nth(1))
        .and_then(|r| r.split(')').next())
        .ok_or("no shape in the header")?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.trim_end_matches('L').parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("shape ({shape_text}) is not a list of sizes"))?;
    Ok((shape, itemsize))
}

/// Checks every member of the NPZ at `path`: its declared size fits in [`MAX_ARRAY_BYTES`]
/// and in the bytes it holds.
pub fn check_npz(path: &Path) -> Result<(), NpyCheckError> {
    let err = |member: &str, message: String| NpyCheckError {
        member: member.to_owned(),
        message,
    };
    let file = File::open(path).map_err(|e| err("(file)", e.to_string()))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| err("(file)", format!("not an NPZ (zip) file: {e}")))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| err("(file)", e.to_string()))?;
        let name = entry.name().to_owned();
        let held = entry.size();
        let mut head = Vec::with_capacity(1024);
        (&mut entry)
            .take(65_536)
            .read_to_end(&mut head)
            .map_err(|e| err(&name, format!("cannot read: {e}")))?;
        let (shape, itemsize) = declared(&head).map_err(|m| err(&name, m))?;
        let bytes = shape
            .iter()
            .try_fold(itemsize, |acc, &d| acc.checked_mul(d))
            .filter(|&b| b <= MAX_ARRAY_BYTES)
            .ok_or_else(|| {
                err(
                    &name,
                    format!(
                        "shape {shape:?} of {itemsize}-byte values is more than {MAX_ARRAY_BYTES} bytes"
                    ),
                )
            })?;
        if bytes > held {
            return Err(err(
                &name,
                format!("shape {shape:?} needs {bytes} bytes of data but the file holds {held}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::declared;

    fn header(dict: &str) -> Vec<u8> {
        let mut h = b"\x93NUMPY\x01\x00".to_vec();
        h.extend(u16::try_from(dict.len()).unwrap().to_le_bytes());
        h.extend(dict.as_bytes());
        h
    }

    #[test]
    fn shapes_and_item_sizes_are_read_from_the_header() {
        let h = header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }");
        assert_eq!(declared(&h).unwrap(), (vec![3, 4], 8));
        let h = header("{'descr': '<i4', 'fortran_order': True, 'shape': (7,), }");
        assert_eq!(declared(&h).unwrap(), (vec![7], 4));
        let h = header("{'descr': '<f4', 'fortran_order': False, 'shape': (), }");
        assert_eq!(declared(&h).unwrap(), (vec![], 4));
        assert!(declared(b"garbage!!!!!").is_err());
    }
}
