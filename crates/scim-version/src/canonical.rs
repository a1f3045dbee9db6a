//! Canonical JSON: one byte sequence per JSON value, whatever order its object keys
//! were built or parsed in, so that a resource's version depends on its content only.
//!
//! The form: no whitespace; object keys sorted by their UTF-8 bytes (explicitly, never
//! relying on serde_json's map order, which the `preserve_order` feature anywhere in a
//! build changes); strings escaped as serde_json escapes them; integers in decimal and
//! other numbers in serde_json's shortest round-trip form (`-0.0` as `0.0`), so
//! spellings such as `1.50` and `1.5` hash alike while `100` and `100.0` (an integer
//! and a decimal in SCIM's type system) do not. The workspace enables serde_json's
//! `float_roundtrip`, so canonical bytes parsed again give the same bytes.

use std::io::{self, Write};

use serde_json::{Number, Value};
use sha2::{Digest, Sha256};

use crate::ScimVersion;

/// Writes `value` in canonical form.
///
/// Nesting is followed recursively; values parsed by serde_json are at most 128
/// levels deep unless its `unbounded_depth` feature is on.
///
/// ```
/// let a = serde_json::json!({"b": 1, "a": [true, null, "x"]});
/// let mut out = Vec::new();
/// scim_version::write_canonical_json(&a, &mut out).unwrap();
/// assert_eq!(out, br#"{"a":[true,null,"x"],"b":1}"#);
/// ```
pub fn write_canonical_json<W: Write + ?Sized>(value: &Value, out: &mut W) -> io::Result<()> {
    match value {
        Value::Null => out.write_all(b"null"),
        Value::Bool(true) => out.write_all(b"true"),
        Value::Bool(false) => out.write_all(b"false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_canonical_json(item, out)?;
            }
            out.write_all(b"]")
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.write_all(b"{")?;
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_string(key, out)?;
                out.write_all(b":")?;
                write_canonical_json(item, out)?;
            }
            out.write_all(b"}")
        }
    }
}

/// `value` in canonical form, as bytes.
///
/// ```
/// let bytes = scim_version::canonical_json(&serde_json::json!({"z": 1.50, "a": "é"}));
/// assert_eq!(bytes, "{\"a\":\"é\",\"z\":1.5}".as_bytes());
/// ```
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical_json(value, &mut out).expect("writing to a Vec cannot fail");
    out
}

impl ScimVersion {
    /// The version of a JSON value: [`from_content`](Self::from_content) of its
    /// [canonical form](canonical_json), hashed as it is written, without building it.
    ///
    /// ```
    /// use scim_version::ScimVersion;
    /// use serde_json::json;
    ///
    /// let a = json!({"userName": "bjensen", "active": true});
    /// let b = json!({"active": true, "userName": "bjensen"});
    /// assert_eq!(ScimVersion::from_json(&a), ScimVersion::from_json(&b));
    /// ```
    pub fn from_json(value: &Value) -> Self {
        let mut hasher = HashWriter(Sha256::new());
        write_canonical_json(value, &mut hasher).expect("hashing cannot fail");
        Self::from_digest(hasher.0.finalize().into())
    }
}

fn write_string<W: Write + ?Sized>(s: &str, out: &mut W) -> io::Result<()> {
    serde_json::to_writer(out, s).map_err(io::Error::from)
}

fn write_number<W: Write + ?Sized>(n: &Number, out: &mut W) -> io::Result<()> {
    let written = if let Some(i) = n.as_i64() {
        serde_json::to_writer(out, &i)
    } else if let Some(u) = n.as_u64() {
        serde_json::to_writer(out, &u)
    } else {
        // Every other number serde_json holds is a finite f64; `-0.0` is written as `0.0`.
        let f = n.as_f64().unwrap_or(0.0);
        serde_json::to_writer(out, &if f == 0.0 { 0.0 } else { f })
    };
    written.map_err(io::Error::from)
}

/// Feeds written bytes into a SHA-256 hasher.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_at_every_level_and_drops_whitespace() {
        let value: Value = serde_json::from_str(
            r#"{ "b": {"y": 1, "x": [ {"d": null, "c": false} ]}, "a": "\u00e9\n" }"#,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(canonical_json(&value)).unwrap(),
            r#"{"a":"é\n","b":{"x":[{"c":false,"d":null}],"y":1}}"#
        );
    }

    #[test]
    fn numbers_have_one_spelling() {
        let cases = [
            ("1.50", "1.5"),
            ("-0", "0.0"),
            ("-0.0", "0.0"),
            ("100", "100"),
            ("18446744073709551615", "18446744073709551615"),
            ("-9223372036854775808", "-9223372036854775808"),
            ("1e2", "100.0"),
            ("2.5E-3", "0.0025"),
        ];
        for (input, canonical) in cases {
            let value: Value = serde_json::from_str(input).unwrap();
            assert_eq!(canonical_json(&value), canonical.as_bytes(), "{input}");
        }
    }

    #[test]
    fn from_json_hashes_the_canonical_form() {
        let value = json!({"b": [1, 2], "a": {"z": true, "y": "s"}});
        assert_eq!(
            ScimVersion::from_json(&value),
            ScimVersion::from_content(&canonical_json(&value))
        );
        assert_ne!(
            ScimVersion::from_json(&json!({"a": 1})),
            ScimVersion::from_json(&json!({"a": "1"}))
        );
    }

    fn json_strategy() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[a-zA-Z0-9é\"\\\\ ]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec(("[a-zA-Z]{1,6}", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// Rebuilds every object with its keys inserted in reverse order.
    fn reversed(value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.reverse();
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), reversed(v)))
                        .collect(),
                )
            }
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn key_order_never_changes_the_version(value in json_strategy()) {
            prop_assert_eq!(ScimVersion::from_json(&value), ScimVersion::from_json(&reversed(&value)));
            // Reparsing the canonical form gives the same value and the same bytes.
            let bytes = canonical_json(&value);
            let reparsed: Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(canonical_json(&reparsed), bytes);
        }
    }
}
