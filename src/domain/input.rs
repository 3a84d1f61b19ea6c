//! How written input is read where JSON alone cannot say it: members of a merge patch, and
//! whole numbers written as JSON numbers of any form.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// One member of a JSON merge patch (RFC 7396): absent leaves the value, `null` removes
/// it, anything else replaces it. Use with `#[serde(default)]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Self::Value(value),
            None => Self::Null,
        })
    }
}

impl<T> Patch<T> {
    pub fn is_present(&self) -> bool {
        !matches!(self, Self::Absent)
    }

    /// The patched value of an optional field.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Absent => current,
            Self::Null => None,
            Self::Value(value) => Some(value),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Self::Absent => Patch::Absent,
            Self::Null => Patch::Null,
            Self::Value(value) => Patch::Value(f(value)),
        }
    }
}

/// A whole number from JSON: `82`, and also `82.0` or `8.2e1`, which JSON Schema counts as
/// the integer 82 too. Anything with a fraction, or outside `i32`, is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integer(pub i32);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let invalid = || serde::de::Error::custom("must be a whole number");
        let Value::Number(number) = Value::deserialize(deserializer)? else {
            return Err(invalid());
        };
        let text = number.to_string();
        let value = rust_decimal::Decimal::from_str_exact(&text)
            .or_else(|_| rust_decimal::Decimal::from_scientific(&text))
            .map_err(|_| invalid())?;
        if !value.fract().is_zero() {
            return Err(invalid());
        }
        rust_decimal::prelude::ToPrimitive::to_i32(&value)
            .map(Integer)
            .ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_may_be_written_with_a_zero_fraction() {
        let parse = |json: &str| serde_json::from_str::<Integer>(json).map(|i| i.0).ok();
        assert_eq!(parse("82"), Some(82));
        assert_eq!(parse("82.0"), Some(82));
        assert_eq!(parse("8.2e1"), Some(82));
        assert_eq!(parse("-5"), Some(-5));
        for bad in ["82.5", "\"82\"", "3000000000", "1e100", "null"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
