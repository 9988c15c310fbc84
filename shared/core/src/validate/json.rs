//! Reading JSON into the same untyped value as YAML. serde_json does the parsing, so syntax
//! errors read like JSON errors ("trailing comma at line 2 column 36"); and, unlike
//! `serde_json::Value`, a repeated key is an error rather than silently replacing the first
//! (YAML rejects it too): a second `ScalingPolicies` must not quietly drop the first.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_yaml_ng::{Mapping, Number, Value};

pub(super) fn parse(text: &str) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Strict.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Builds a `serde_yaml_ng::Value`, rejecting repeated keys.
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(Number::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(Number::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(Number::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict)? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut mapping = Mapping::new();
        while let Some(key) = map.next_key::<String>()? {
            if mapping.contains_key(key.as_str()) {
                return Err(de::Error::custom(format_args!("duplicate key \"{key}\"")));
            }
            let value = map.next_value_seed(Strict)?;
            mapping.insert(Value::String(key), value);
        }
        Ok(Value::Mapping(mapping))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_into_the_yaml_value_model() {
        let value = parse(r#"{"a": [1, -2, 2.5, "x", true, null]}"#).unwrap();
        let expected: Value = serde_yaml_ng::from_str("a: [1, -2, 2.5, x, true, null]").unwrap();
        assert_eq!(value, expected);
    }

    #[test]
    fn a_repeated_key_is_an_error_with_its_position() {
        let error = parse("{\"a\": 1,\n \"a\": 2}").unwrap_err().to_string();
        assert!(error.contains("duplicate key \"a\""), "{error}");
        assert!(error.contains("line 2"), "{error}");
    }

    #[test]
    fn trailing_input_is_an_error() {
        assert!(parse("{} {}").is_err());
    }
}
