//! The seven funding sources of a project (资金来源), declared once. The domain type, the
//! API's JSON and its schema, the summary and the database mapping all walk
//! [`FundingSource::ALL`], so a new source is one more line here (and its column).

use std::{
    borrow::Cow,
    ops::{Index, IndexMut},
    sync::LazyLock,
};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de, ser::SerializeStruct};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        ObjectBuilder, RefOr, Schema,
        schema::{AdditionalProperties, SchemaType, Type},
    },
};

use super::{Money, input::Patch};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FundingSource {
    Central,
    Municipal,
    County,
    SpecialBonds,
    SocialCapital,
    Financial,
    Other,
}

impl FundingSource {
    /// Every source, in the contract's order.
    pub const ALL: [Self; 7] = [
        Self::Central,
        Self::Municipal,
        Self::County,
        Self::SpecialBonds,
        Self::SocialCapital,
        Self::Financial,
        Self::Other,
    ];

    /// The field name in the API and the column prefix.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Central => "central",
            Self::Municipal => "municipal",
            Self::County => "county",
            Self::SpecialBonds => "special_bonds",
            Self::SocialCapital => "social_capital",
            Self::Financial => "financial",
            Self::Other => "other",
        }
    }

    /// The name a person reads.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Central => "中央资金",
            Self::Municipal => "市级资金",
            Self::County => "县级财政",
            Self::SpecialBonds => "地方政府专项债券",
            Self::SocialCapital => "社会资本",
            Self::Financial => "金融机构",
            Self::Other => "其他",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.code() == code)
    }
}

/// One value per funding source, indexed by [`FundingSource`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BySource<T>([T; 7]);

impl<T> BySource<T> {
    pub fn from_fn(value: impl FnMut(FundingSource) -> T) -> Self {
        Self(FundingSource::ALL.map(value))
    }

    /// Each source with its value, in the contract's order.
    pub fn iter(&self) -> impl Iterator<Item = (FundingSource, &T)> {
        FundingSource::ALL.into_iter().zip(&self.0)
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }

    pub fn map<U>(self, mut value: impl FnMut(FundingSource, T) -> U) -> BySource<U> {
        let mut sources = FundingSource::ALL.into_iter();
        BySource(
            self.0
                .map(|item| value(sources.next().expect("seven sources"), item)),
        )
    }
}

impl<T> Index<FundingSource> for BySource<T> {
    type Output = T;

    fn index(&self, source: FundingSource) -> &T {
        &self.0[source as usize]
    }
}

impl<T> IndexMut<FundingSource> for BySource<T> {
    fn index_mut(&mut self, source: FundingSource) -> &mut T {
        &mut self.0[source as usize]
    }
}

/// The amount of each funding source, each unset until entered.
pub type FundingSources = BySource<Option<Money>>;

impl FundingSources {
    /// The sum of the sources that are set (`0.00` when none is).
    pub fn secured(&self) -> Money {
        self.values().flatten().copied().sum()
    }
}

/// Planned investment and its funding, in yuan; `secured` and `gap` are derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Investment {
    /// 计划总投资
    pub total: Option<Money>,
    pub sources: FundingSources,
    /// Sum of the funding sources.
    pub secured: Money,
    /// `total − secured`; `None` while `total` is unset.
    pub gap: Option<Money>,
}

impl Investment {
    pub fn new(total: Option<Money>, sources: FundingSources) -> Self {
        let secured = sources.secured();
        Self {
            total,
            sources,
            secured,
            gap: total.map(|total| total - secured),
        }
    }
}

/// `{total, central, …, other, secured, gap}`: the contract's shape.
impl Serialize for Investment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("Investment", 10)?;
        object.serialize_field("total", &self.total)?;
        for (source, amount) in self.sources.iter() {
            object.serialize_field(source.code(), amount)?;
        }
        object.serialize_field("secured", &self.secured)?;
        object.serialize_field("gap", &self.gap)?;
        object.end()
    }
}

/// Amounts as a client writes them (strings such as `"1234.50"`, or exact JSON numbers;
/// at most two decimals), merged member by member: absent leaves an amount, `null`
/// removes it. Registration reads it the same way (there is nothing to remove).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvestmentPatch {
    pub total: Patch<Money>,
    pub sources: BySource<Patch<Money>>,
}

impl InvestmentPatch {
    /// A patch that removes every amount (the whole `investment` set to `null`).
    pub fn clear() -> Self {
        Self {
            total: Patch::Null,
            sources: BySource::from_fn(|_| Patch::Null),
        }
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        !self.total.is_present() && self.sources.values().all(|patch| !patch.is_present())
    }
}

/// The member names of an investment object, `total` first.
static MEMBERS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    std::iter::once("total")
        .chain(FundingSource::ALL.map(FundingSource::code))
        .collect()
});

/// A member name of an investment object; an unknown one is refused while the key is read,
/// as serde's derive does, so error paths end with the unknown member.
enum Member {
    Total,
    Source(FundingSource),
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = Cow::<'de, str>::deserialize(deserializer)?;
        match &*name {
            "total" => Ok(Self::Total),
            other => FundingSource::from_code(other)
                .map(Self::Source)
                .ok_or_else(|| de::Error::unknown_field(other, &MEMBERS)),
        }
    }
}

impl<'de> Deserialize<'de> for InvestmentPatch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> de::Visitor<'de> for Members {
            type Value = InvestmentPatch;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of amounts")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut patch = InvestmentPatch::default();
                while let Some(member) = map.next_key::<Member>()? {
                    let slot = match member {
                        Member::Total => &mut patch.total,
                        Member::Source(source) => &mut patch.sources[source],
                    };
                    if slot.is_present() {
                        return Err(de::Error::custom("a member is given twice"));
                    }
                    *slot = map.next_value()?;
                }
                Ok(patch)
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// The schema of one amount: a decimal string in yuan, or null.
fn amount_schema(
    nullable: bool,
    pattern: bool,
    description: Option<&str>,
    example: Option<&str>,
) -> ObjectBuilder {
    let schema_type = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    // `example` (not 3.1's `examples`): the committed contract has always said it so.
    #[allow(deprecated)]
    let mut amount = ObjectBuilder::new()
        .schema_type(schema_type)
        .description(description)
        .example(example.map(serde_json::Value::from));
    if pattern {
        amount = amount.pattern(Some(super::money::PATTERN));
    }
    amount
}

/// The schema of an investment object written by a client.
fn input_schema(description: &str, total_documented: bool) -> RefOr<Schema> {
    let (total_description, total_example) = if total_documented {
        (Some("计划总投资"), Some("120000000.00"))
    } else {
        (None, None)
    };
    let mut object = ObjectBuilder::new()
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .property(
            "total",
            amount_schema(true, true, total_description, total_example),
        );
    for source in FundingSource::ALL {
        object = object.property(source.code(), amount_schema(true, true, None, None));
    }
    object.into()
}

impl PartialSchema for Investment {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new()
            .description(Some(
                "Planned investment and its funding, in yuan; `secured` and `gap` are derived.",
            ))
            .property(
                "total",
                amount_schema(true, false, Some("计划总投资"), Some("120000000.00")),
            );
        for source in FundingSource::ALL {
            object = object.property(
                source.code(),
                amount_schema(true, false, Some(source.name_zh()), None),
            );
        }
        object
            .property(
                "secured",
                amount_schema(
                    false,
                    false,
                    Some("Sum of the funding sources (read-only)."),
                    Some("0.00"),
                ),
            )
            .required("secured")
            .property(
                "gap",
                amount_schema(
                    true,
                    false,
                    Some("`total − secured`; `null` while `total` is unset (read-only)."),
                    None,
                ),
            )
            .into()
    }
}

impl ToSchema for Investment {}

/// The investment of a project being registered (schema name `InvestmentInput`).
pub struct InvestmentInput;

impl PartialSchema for InvestmentInput {
    fn schema() -> RefOr<Schema> {
        input_schema(
            "Planned investment and funding sources as written by a client, in yuan: strings\n\
             (`\"1234.50\"`) or exact JSON numbers, at most two decimals.",
            true,
        )
    }
}

impl ToSchema for InvestmentInput {}

impl PartialSchema for InvestmentPatch {
    fn schema() -> RefOr<Schema> {
        input_schema(
            "Changes to investment, merged member by member; `null` removes an amount.",
            false,
        )
    }
}

impl ToSchema for InvestmentPatch {}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn codes_name_each_source_once() {
        for source in FundingSource::ALL {
            assert_eq!(FundingSource::from_code(source.code()), Some(source));
        }
        assert_eq!(FundingSource::from_code("total"), None);
    }

    #[test]
    fn secured_is_the_exact_sum_of_the_sources_that_are_set() {
        let mut sources = FundingSources::default();
        sources[FundingSource::Central] = Some(yuan("0.10"));
        sources[FundingSource::County] = Some(yuan("0.20"));
        sources[FundingSource::Other] = Some(yuan("9999999999999.99"));
        let investment = Investment::new(Some(yuan("10000000000000.30")), sources);
        assert_eq!(investment.secured, yuan("10000000000000.29"));
        assert_eq!(investment.gap, Some(yuan("0.01")));
    }

    #[test]
    fn without_sources_secured_is_zero_and_without_total_gap_is_unset() {
        let investment = Investment::new(None, FundingSources::default());
        assert_eq!(investment.secured.to_string(), "0.00");
        assert_eq!(investment.gap, None);
    }

    #[test]
    fn an_investment_reads_as_the_contract_shows_it() {
        let mut sources = FundingSources::default();
        sources[FundingSource::SpecialBonds] = Some(yuan("1.50"));
        let json = serde_json::to_value(Investment::new(Some(yuan("2")), sources)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "total": "2.00", "central": null, "municipal": null, "county": null,
                "special_bonds": "1.50", "social_capital": null, "financial": null,
                "other": null, "secured": "1.50", "gap": "0.50",
            })
        );
    }

    #[test]
    fn a_patch_tells_absent_null_and_value_apart_and_refuses_unknown_members() {
        let patch: InvestmentPatch =
            serde_json::from_str(r#"{"total": "5.00", "county": null}"#).unwrap();
        assert_eq!(patch.total, Patch::Value(yuan("5")));
        assert_eq!(patch.sources[FundingSource::County], Patch::Null);
        assert_eq!(patch.sources[FundingSource::Central], Patch::Absent);
        let error = serde_json::from_str::<InvestmentPatch>(r#"{"gap": "1"}"#).unwrap_err();
        assert!(
            error.to_string().starts_with("unknown field `gap`"),
            "{error}"
        );
    }
}
