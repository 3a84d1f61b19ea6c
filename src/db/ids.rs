//! Typed ids down to the store: each id is bound and read as its text column (the
//! canonical hyphenated uuid), so a query cannot compare a project's id with an
//! organization's, and a stored id is parsed once, where it is read.
//!
//! Written out rather than derived: the derives must sit on the type, and the domain's
//! types know nothing of SQL. What the derives would generate is reproduced here per id.

use std::io::Write;

use diesel::{
    backend::Backend,
    deserialize::{self, FromSql, Queryable},
    expression::AsExpression,
    internal::derives::as_expression::Bound,
    pg::Pg,
    serialize::{self, IsNull, Output, ToSql},
    sql_types::{Nullable, SingleValue, Text},
    sqlite::Sqlite,
};

use super::MultiBackend;
use crate::domain::{
    AdjustmentId, ApiKeyId, CategoryId, OrganizationId, PlanId, ProjectId, ReportId, UserId,
};

macro_rules! text_ids {
    ($($id:ty),* $(,)?) => {$(
        impl ToSql<Text, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                write!(out, "{self}")?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Sqlite> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.to_string());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl<DB: Backend> ToSql<Nullable<Text>, DB> for $id
        where
            Self: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                ToSql::<Text, DB>::to_sql(self, out)
            }
        }

        impl FromSql<Text, Pg> for $id {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text: String = FromSql::<Text, Pg>::from_sql(bytes)?;
                Ok(text.parse()?)
            }
        }

        impl FromSql<Text, Sqlite> for $id {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text: String = FromSql::<Text, Sqlite>::from_sql(bytes)?;
                Ok(text.parse()?)
            }
        }

        impl FromSql<Text, MultiBackend> for $id {
            fn from_sql(
                bytes: <MultiBackend as Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, Text>()
            }
        }

        impl<DB: Backend, ST: SingleValue> Queryable<ST, DB> for $id
        where
            Self: FromSql<ST, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $id {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $id {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $id {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $id {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )*};
}

text_ids!(
    PlanId,
    CategoryId,
    OrganizationId,
    ProjectId,
    UserId,
    ApiKeyId,
    ReportId,
    AdjustmentId
);
