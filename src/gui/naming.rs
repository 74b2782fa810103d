//! Names of new runs that say what differs: a run started from the panel right after another
//! is named by the settings that changed ("lstm · k2=40 · lr=0.01"), not by a number alone.

use serde_json::Value;

use crate::train::Setup;

/// At most this many changed settings go into a name; more and the name is the cell and a
/// number.
const MAX_NAMED: usize = 2;

/// The leaves of a JSON tree as (path, value), the path's parts joined by dots.
fn leaves(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(child, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                leaves(child, &format!("{path}.{i}"), out);
            }
        }
        Value::String(s) => out.push((path.to_owned(), s.to_lowercase())),
        other => out.push((path.to_owned(), other.to_string())),
    }
}

/// The settings of `new` that differ from `old`, as `key=value` with the last part of the
/// key (`k2=40`, `lr=0.01`, `cell=gru`), in the setup's order; a changed variant is named by
/// its new variant (`bptt=truncated`).
pub fn differences(old: &Setup, new: &Setup) -> Vec<String> {
    let (Ok(a), Ok(b)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return Vec::new();
    };
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    leaves(&a, "", &mut la);
    leaves(&b, "", &mut lb);
    let mut out: Vec<String> = Vec::new();
    for (path, value) in &lb {
        let same = la.iter().any(|(p, v)| p == path && v == value);
        if same {
            continue;
        }
        let parts: Vec<&str> = path.split('.').collect();
        let existed = la.iter().any(|(p, _)| p == path);
        let item = if existed || parts.len() < 3 {
            format!("{}={value}", parts[parts.len() - 1])
        } else {
            // A field of a variant the old setup did not have: name the variant.
            format!("{}={}", parts[0], parts[1].to_lowercase())
        };
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The name of a run of `new` started after a run of `previous` (if any): its cell and the
/// settings that changed, or its cell and `number` when nothing or too much changed.
pub fn run_name(cell: &str, number: u64, previous: Option<&Setup>, new: &Setup) -> String {
    let changed = previous.map(|p| differences(p, new)).unwrap_or_default();
    if changed.is_empty() || changed.len() > MAX_NAMED {
        format!("{cell} #{number}")
    } else {
        format!("{cell} · {}", changed.join(" · "))
    }
}

#[cfg(test)]
mod tests {
    use super::{differences, run_name};
    use crate::gui::state::SavedState;
    use crate::preset::apply_set;

    #[test]
    fn a_run_is_named_by_what_changed_since_the_last() {
        let base = SavedState::default().setup;
        let mut lr = base.clone();
        apply_set(&mut lr, "optimizer.lr=0.01").expect("a setting");
        assert_eq!(differences(&base, &lr), vec!["lr=0.01".to_owned()]);
        assert_eq!(run_name("lstm", 3, Some(&base), &lr), "lstm · lr=0.01");
        let mut seed = base.clone();
        seed.seed += 1;
        assert_eq!(
            run_name("lstm", 4, Some(&base), &seed),
            format!("lstm · seed={}", base.seed + 1)
        );
        assert_eq!(run_name("lstm", 5, Some(&base), &base), "lstm #5");
        assert_eq!(run_name("lstm", 6, None, &lr), "lstm #6");
    }

    #[test]
    fn a_new_variant_is_named_by_the_variant() {
        let base = SavedState::default().setup;
        let mut t = base.clone();
        apply_set(&mut t, "bptt=truncated(k1: 10, k2: 20, mode: per_segment)").expect("bptt");
        let d = differences(&base, &t);
        assert!(d.iter().any(|s| s.starts_with("bptt=")), "{d:?}");
        let mut k2 = t.clone();
        apply_set(&mut k2, "bptt.k2=40").expect("k2");
        assert_eq!(differences(&t, &k2), vec!["k2=40".to_owned()]);
    }
}
