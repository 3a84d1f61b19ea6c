//! Exact money in yuan with two decimal places (元, to the 分).

use std::{fmt, iter::Sum, str::FromStr};

use rust_decimal::Decimal;
use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer},
};

/// A non-negative amount of yuan, exact to the fen.
///
/// The domain and the API hold it as a `Decimal` with scale 2; the database holds it as
/// integer fen (see `db::schema`). It is written in JSON as a string, `"18460000000.00"`,
/// so that no client reads it through a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

/// At most 15 digits before the decimal point (under a quadrillion yuan), so that any
/// amount fits an `i64` of fen with room for sums of many amounts.
pub const MAX_INTEGER_DIGITS: usize = 15;

/// The text of an amount as the contract states it.
pub const PATTERN: &str = r"^[0-9]{1,15}(\.[0-9]{1,2})?$";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error(
        "must be an amount in yuan such as \"1234.50\": digits, optionally a point and one or two decimals; no sign, exponent or spaces"
    )]
    Malformed,
    #[error("must have at most two decimal places")]
    TooManyDecimals,
    #[error("must have at most 15 digits before the decimal point")]
    TooLarge,
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// An amount stored as integer fen. Callers hold non-negative fen (the database checks it).
    pub fn from_fen(fen: i64) -> Self {
        Self(Decimal::new(fen, 2))
    }

    /// A sum of fen, which may exceed `i64` (sums over a whole province).
    pub fn from_fen_sum(fen: i128) -> Self {
        Self(Decimal::from_i128_with_scale(fen, 2))
    }

    /// The amount in fen. Exact: the scale is always 2 and the digits are bounded.
    pub fn to_fen(self) -> i64 {
        i64::try_from(self.0.mantissa()).expect("a Money has at most 17 digits of fen")
    }

    /// Parses the text of an amount exactly as written: `123`, `123.4`, `123.45`.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let (integer, fraction) = match text.split_once('.') {
            Some((integer, fraction)) => (integer, Some(fraction)),
            None => (text, None),
        };
        let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(integer) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(MoneyError::Malformed);
        }
        let fraction = fraction.unwrap_or("");
        if fraction.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let significant = integer.trim_start_matches('0');
        if significant.len() > MAX_INTEGER_DIGITS {
            return Err(MoneyError::TooLarge);
        }
        let fen_text = format!("{significant}{fraction:0<2}");
        let fen: i64 = fen_text
            .parse()
            .expect("at most 17 digits of fen fit an i64");
        Ok(Self::from_fen(fen))
    }
}

/// The unit an amount is written in: 元, or 万元 (ten thousand yuan), as Chinese ledgers
/// and the plan itself state them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    #[default]
    Yuan,
    Wan,
}

impl Unit {
    /// How many decimals an exact amount has in this unit: 分 is 0.01 元, 0.000001 万元.
    pub fn decimals(self) -> u32 {
        match self {
            Self::Yuan => 2,
            Self::Wan => 6,
        }
    }

    /// The unit as a person reads it.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Yuan => "元",
            Self::Wan => "万元",
        }
    }

    fn yuan_per_unit(self) -> Decimal {
        match self {
            Self::Yuan => Decimal::ONE,
            Self::Wan => Decimal::from(10_000),
        }
    }
}

impl Money {
    /// The amount in `unit`, exact: in 万元 up to six decimals, trailing zeros dropped
    /// (`1200.5`); in 元 always two (`12005000.00`).
    pub fn in_unit(self, unit: Unit) -> Decimal {
        match unit {
            Unit::Yuan => self.0,
            Unit::Wan => (self.0 / unit.yuan_per_unit()).normalize(),
        }
    }

    /// An amount written in `unit`: at most as many decimals as a fen needs in that unit,
    /// no sign, at most 15 digits of yuan before the point. Never rounded.
    pub fn from_unit(value: Decimal, unit: Unit) -> Result<Self, MoneyError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Malformed);
        }
        let value = value.abs().normalize();
        if value.scale() > unit.decimals() {
            return Err(MoneyError::TooManyDecimals);
        }
        let yuan = value
            .checked_mul(unit.yuan_per_unit())
            .ok_or(MoneyError::TooLarge)?;
        Self::parse(&yuan.normalize().to_string())
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Input: a string (`"1234.50"`) or a JSON number, parsed exactly as written (the JSON
/// parser keeps the number's text), by the same rules.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AmountVisitor)
    }
}

/// Reads a JSON amount as the parser hands it over. The parser keeps each number's text,
/// but hands a number that fits a machine integer over as one, and `-0` as the signed
/// integer 0: a signed integer is refused for being signed, whatever its value, since its
/// text is gone. Every other number arrives as its text (or as a float whose shortest form
/// is that text), where `Money::parse` refuses any sign.
struct AmountVisitor;

impl<'de> Visitor<'de> for AmountVisitor {
    type Value = Money;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an amount in yuan, as a string or a number")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Money, E> {
        Money::parse(text).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Money, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_u128<E: de::Error>(self, number: u128) -> Result<Money, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_i64<E: de::Error>(self, _signed: i64) -> Result<Money, E> {
        Err(E::custom(MoneyError::Malformed))
    }

    fn visit_i128<E: de::Error>(self, _signed: i128) -> Result<Money, E> {
        Err(E::custom(MoneyError::Malformed))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Money, E> {
        match serde_json::Number::from_f64(number) {
            Some(number) => self.visit_str(&number.to_string()),
            None => Err(E::custom(MoneyError::Malformed)),
        }
    }

    /// A number no machine type holds exactly arrives as a map holding its text.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Money, A::Error> {
        match serde_json::Value::deserialize(MapAccessDeserializer::new(map))? {
            serde_json::Value::Number(number) => self.visit_str(&number.to_string()),
            _ => Err(de::Error::custom(MoneyError::Malformed)),
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Money, E> {
        Err(E::custom(MoneyError::Malformed))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Money, E> {
        Err(E::custom(MoneyError::Malformed))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Money, A::Error> {
        Err(de::Error::custom(MoneyError::Malformed))
    }
}

impl std::ops::Add for Money {
    type Output = Money;

    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

/// Exact difference; used for `gap = total − secured`, which writes keep non-negative by
/// refusing sources above the total.
impl std::ops::Sub for Money {
    type Output = Money;

    fn sub(self, other: Money) -> Money {
        Money(self.0 - other.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(amounts: I) -> Money {
        amounts.fold(Money::ZERO, |sum, amount| sum + amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_exactly_two_decimals() {
        assert_eq!(
            Money::from_fen(1_846_000_000_000).to_string(),
            "18460000000.00"
        );
        assert_eq!(Money::from_fen(10).to_string(), "0.10");
        assert_eq!(Money::from_fen(0).to_string(), "0.00");
        assert_eq!(
            serde_json::to_string(&Money::from_fen(99_999_999_999_999_999)).unwrap(),
            "\"999999999999999.99\""
        );
    }

    #[test]
    fn parses_exactly_as_written() {
        let cases = [
            ("0", 0),
            ("0.1", 10),
            ("0.10", 10),
            ("1.23", 123),
            ("18460000000", 1_846_000_000_000),
            ("999999999999999.99", 99_999_999_999_999_999),
            ("000123.40", 12_340),
        ];
        for (text, fen) in cases {
            assert_eq!(Money::parse(text).map(Money::to_fen), Ok(fen), "{text:?}");
        }
    }

    #[test]
    fn refuses_anything_but_plain_digits_with_at_most_two_decimals() {
        let cases = [
            ("", MoneyError::Malformed),
            (".5", MoneyError::Malformed),
            ("5.", MoneyError::Malformed),
            ("-1.00", MoneyError::Malformed),
            ("+1.00", MoneyError::Malformed),
            ("1e3", MoneyError::Malformed),
            (" 1.00", MoneyError::Malformed),
            ("1,000.00", MoneyError::Malformed),
            ("１２", MoneyError::Malformed),
            ("1.230", MoneyError::TooManyDecimals),
            ("1000000000000000", MoneyError::TooLarge),
        ];
        for (text, error) in cases {
            assert_eq!(Money::parse(text), Err(error), "{text:?}");
        }
    }

    #[test]
    fn json_input_is_a_string_or_a_number_taken_exactly_as_written() {
        let parse = |json: &str| serde_json::from_str::<Money>(json).map(|m| m.to_string());
        assert_eq!(parse("\"1.23\"").unwrap(), "1.23");
        assert_eq!(parse("1.23").unwrap(), "1.23");
        assert_eq!(parse("123456789012345.67").unwrap(), "123456789012345.67");
        for bad in [
            "1.230",
            "\"1.230\"",
            "-1",
            "1e3",
            "true",
            "null",
            "[1]",
            "\" 1\"",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    /// `-0` as a JSON number once read as `0`: the parser hands it over as the integer 0.
    /// The service reads a body into a `Value` first, so both paths are checked.
    #[test]
    fn a_signed_amount_is_refused_even_when_it_is_zero() {
        let direct = |json: &str| serde_json::from_str::<Money>(json);
        let through_a_value =
            |json: &str| serde_json::from_value::<Money>(serde_json::from_str(json).unwrap());
        for signed in [
            "-0",
            "-0.0",
            "-0.00",
            "\"-0\"",
            "\"-0.00\"",
            "\"+0\"",
            "-1",
            "-1.5",
            "-99999999999999999999",
            "-0e0",
        ] {
            assert!(direct(signed).is_err(), "{signed}");
            assert!(through_a_value(signed).is_err(), "{signed}");
        }
        for zero in ["0", "0.0", "0.00", "\"0\"", "\"0.00\""] {
            assert_eq!(direct(zero).unwrap(), Money::ZERO, "{zero}");
            assert_eq!(through_a_value(zero).unwrap(), Money::ZERO, "{zero}");
        }
    }

    #[test]
    fn amounts_convert_between_yuan_and_wan_exactly() {
        let yuan = |text: &str| Money::parse(text).unwrap();
        let decimal = |text: &str| Decimal::from_str_exact(text).unwrap();
        assert_eq!(yuan("12005000.00").in_unit(Unit::Wan), decimal("1200.5"));
        assert_eq!(yuan("0.01").in_unit(Unit::Wan), decimal("0.000001"));
        assert_eq!(
            yuan("12005000.00").in_unit(Unit::Yuan).to_string(),
            "12005000.00"
        );
        assert_eq!(
            Money::from_unit(decimal("1200.123456"), Unit::Wan),
            Ok(yuan("12001234.56"))
        );
        assert_eq!(
            Money::from_unit(decimal("0.0000001"), Unit::Wan),
            Err(MoneyError::TooManyDecimals)
        );
        assert_eq!(
            Money::from_unit(decimal("12.345"), Unit::Yuan),
            Err(MoneyError::TooManyDecimals)
        );
        assert_eq!(
            Money::from_unit(decimal("-1"), Unit::Yuan),
            Err(MoneyError::Malformed)
        );
        assert_eq!(
            Money::from_unit(decimal("100000000000"), Unit::Wan),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn sums_exactly() {
        let sum: Money = ["0.10", "0.20", "9999999999999.99"]
            .iter()
            .map(|text| Money::parse(text).unwrap())
            .sum();
        assert_eq!(sum.to_string(), "10000000000000.29");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any amount written with up to 15 integer digits and up to 2 decimals parses to
        /// the same value, formats with exactly two decimals, and parses back unchanged.
        #[test]
        fn parse_then_format_round_trips(integer in 0u64..1_000_000_000_000_000, decimals in 0usize..=2, fraction in 0u32..100) {
            let fraction = format!("{fraction:02}");
            let text = match decimals {
                0 => integer.to_string(),
                1 => format!("{integer}.{}", &fraction[..1]),
                _ => format!("{integer}.{fraction}"),
            };
            let money = Money::parse(&text).unwrap();
            let formatted = money.to_string();
            let expected_fraction = match decimals {
                0 => "00".to_owned(),
                1 => format!("{}0", &fraction[..1]),
                _ => fraction.clone(),
            };
            prop_assert_eq!(&formatted, &format!("{integer}.{expected_fraction}"));
            prop_assert_eq!(Money::parse(&formatted).unwrap(), money);
            prop_assert_eq!(Money::from_fen(money.to_fen()), money);
        }

        /// Summing fen and summing decimals agree exactly.
        #[test]
        fn sums_of_fen_and_of_amounts_agree(fen in proptest::collection::vec(0i64..100_000_000_000_000_000, 0..50)) {
            let amounts: Money = fen.iter().map(|fen| Money::from_fen(*fen)).sum();
            let total: i128 = fen.iter().map(|fen| i128::from(*fen)).sum();
            prop_assert_eq!(amounts, Money::from_fen_sum(total));
        }
    }
}
