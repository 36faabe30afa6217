//! Where two JSON documents first differ: the byte offset, and the JSON path of the first
//! value that differs, so that a failed replay says what changed, not only that it did.

use std::fmt;

use serde_json::Value;

/// Bytes of context shown on each side of a difference.
const CONTEXT: usize = 60;

/// The first difference between a stored document and its replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// Byte offset of the first byte that differs.
    pub offset: usize,
    /// The JSON path of a value that differs (`$.candidates[3].tier`; arrays in order,
    /// object keys in sorted order), when both parse; `None` when they differ only in
    /// layout or key order.
    pub path: Option<String>,
    /// The stored bytes around the offset.
    pub stored: String,
    /// The replayed bytes around the offset.
    pub replayed: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}", self.offset)?;
        if let Some(path) = &self.path {
            write!(f, " ({path})")?;
        }
        write!(
            f,
            ":\n    stored:   …{}…\n    replayed: …{}…",
            self.stored, self.replayed
        )
    }
}

/// Where `replayed` first differs from `stored`; `None` when they are byte-identical.
pub fn first_difference(stored: &[u8], replayed: &[u8]) -> Option<Difference> {
    if stored == replayed {
        return None;
    }
    let offset = stored
        .iter()
        .zip(replayed)
        .position(|(a, b)| a != b)
        .unwrap_or(stored.len().min(replayed.len()));
    let around = |bytes: &[u8]| {
        let start = offset.saturating_sub(CONTEXT);
        let end = (offset + CONTEXT).min(bytes.len());
        String::from_utf8_lossy(&bytes[start.min(end)..end]).into_owned()
    };
    let path = match (
        serde_json::from_slice::<Value>(stored),
        serde_json::from_slice::<Value>(replayed),
    ) {
        (Ok(a), Ok(b)) => value_difference(&a, &b, "$".to_owned()),
        _ => None,
    };
    Some(Difference {
        offset,
        path,
        stored: around(stored),
        replayed: around(replayed),
    })
}

/// The path of the first value where `a` and `b` differ: arrays in order, object keys in
/// sorted order.
fn value_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                match y.get(key) {
                    Some(other) => {
                        if let Some(found) = value_difference(value, other, format!("{path}.{key}"))
                        {
                            return Some(found);
                        }
                    }
                    None => return Some(format!("{path}.{key}")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}"))
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                if let Some(found) = value_difference(u, v, format!("{path}[{i}]")) {
                    return Some(found);
                }
            }
            (x.len() != y.len()).then(|| format!("{path}[{}]", x.len().min(y.len())))
        }
        _ => (a != b).then_some(path),
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn identical_bytes_have_no_difference() {
        assert_eq!(first_difference(b"{\"a\":1}", b"{\"a\":1}"), None);
    }

    #[test]
    fn a_difference_names_its_offset_and_path() {
        let stored = br#"{"candidates":[{"tier":"A"},{"tier":"B"}],"x":1}"#;
        let replayed = br#"{"candidates":[{"tier":"A"},{"tier":"C"}],"x":1}"#;
        let d = first_difference(stored, replayed).unwrap();
        assert_eq!(d.offset, 37);
        assert_eq!(d.path.as_deref(), Some("$.candidates[1].tier"));
        assert!(d.to_string().contains("$.candidates[1].tier"), "{d}");

        let shorter = first_difference(br#"[1,2,3]"#, br#"[1,2]"#).unwrap();
        assert_eq!(shorter.path.as_deref(), Some("$[2]"));
        let layout = first_difference(br#"{"a":1}"#, br#"{ "a":1}"#).unwrap();
        assert_eq!((layout.offset, layout.path), (1, None));
    }
}
