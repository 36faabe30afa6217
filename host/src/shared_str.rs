//! [`SharedStr`]: a string that many owners share, whole or as a slice of a larger one.
//!
//! An evaluation of 2,000 candidates writes thousands of the same names, tiers and
//! sentences into its result and its trace, and reads thousands of notes and reasons out of
//! a module's outcome, where they lie back to back in one string. Copying each into a
//! `String` of its own cost an allocation apiece (and as many frees); a `SharedStr` costs a
//! reference count.

use std::borrow::Borrow;
use std::fmt;
use std::ops::{Deref, Range};
use std::sync::{Arc, OnceLock};

/// An immutable string: `range` of a shared buffer. Compares, hashes, prints and
/// serializes as the string it is.
#[derive(Clone)]
pub struct SharedStr {
    buffer: Arc<str>,
    range: Range<usize>,
}

impl SharedStr {
    /// `range` of `buffer`, or `None` when it is not within it at character boundaries.
    pub fn slice(buffer: &Arc<str>, range: Range<usize>) -> Option<Self> {
        buffer.get(range.clone())?;
        Some(Self {
            buffer: buffer.clone(),
            range,
        })
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        // Checked when made: `slice` refuses a range that is not a `str` of the buffer.
        &self.buffer[self.range.clone()]
    }
}

impl Default for SharedStr {
    /// The empty string, one buffer shared by all.
    fn default() -> Self {
        static EMPTY: OnceLock<Arc<str>> = OnceLock::new();
        EMPTY.get_or_init(|| Arc::from("")).clone().into()
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(buffer: Arc<str>) -> Self {
        let range = 0..buffer.len();
        Self { buffer, range }
    }
}

impl From<String> for SharedStr {
    fn from(text: String) -> Self {
        Arc::<str>::from(text).into()
    }
}

impl From<&str> for SharedStr {
    fn from(text: &str) -> Self {
        Arc::<str>::from(text).into()
    }
}

impl From<SharedStr> for String {
    fn from(text: SharedStr) -> Self {
        text.as_str().to_owned()
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for SharedStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_is_the_text_it_covers_and_nothing_outside_the_buffer() {
        let buffer: Arc<str> = Arc::from("in appetitedéclinée");
        let first = SharedStr::slice(&buffer, 0..11).unwrap();
        assert_eq!(first, "in appetite");
        assert_eq!(first, SharedStr::from("in appetite"));
        assert_eq!(serde_json::to_string(&first).unwrap(), r#""in appetite""#);
        assert_eq!(format!("{first:?}"), r#""in appetite""#);
        // Past the end, or inside a character: refused.
        assert!(SharedStr::slice(&buffer, 11..40).is_none());
        assert!(SharedStr::slice(&buffer, 11..13).is_none());
        assert_eq!(SharedStr::default(), "");
    }
}
