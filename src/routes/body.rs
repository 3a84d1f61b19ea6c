//! Reading JSON request bodies into typed requests, with errors that name the field.

use std::{
    future::Future,
    io,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use actix_web::{
    HttpMessage,
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    middleware::Next,
    rt::time::{Sleep, sleep},
    web,
};
use serde::de::{
    self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor,
    value::{MapDeserializer, SeqDeserializer},
};
use serde_json::Value;

use crate::domain::Error;

pub const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// The path of the first string (or member name) holding U+0000, which no text column of
/// PostgreSQL can store: such input is refused everywhere, on both backends alike.
fn nul_at(value: &Value, path: &str) -> Option<String> {
    let within = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    match value {
        Value::String(text) if text.contains('\0') => Some(if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, &within(&i.to_string()))),
        Value::Object(members) => members.iter().find_map(|(name, member)| {
            if name.contains('\0') {
                Some(within(name))
            } else {
                nul_at(member, &within(name))
            }
        }),
        _ => None,
    }
}

/// Fields the registry computes or owns: sending one is refused with a clear message.
const READ_ONLY_FIELDS: &[&str] = &[
    "id",
    "code",
    "status",
    "version",
    "secured",
    "gap",
    "completed_investment",
    "progress_pct",
    "created_at",
    "updated_at",
    "registered_count",
    "key",
    "revoked_at",
    "created_by",
];

/// A request's JSON read so that a struct comes only from a JSON object. serde's derived
/// structs also accept an array (members by position), so `{"changes": [null, null]}`
/// would pass for an empty change; no serde attribute turns that off, hence this thin
/// deserializer over `Value` that refuses it at every depth and forwards all else.
struct ObjectsOnly(Value);

impl<'de> IntoDeserializer<'de, serde_json::Error> for ObjectsOnly {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for ObjectsOnly {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(items) => {
                let mut items = SeqDeserializer::new(items.into_iter().map(ObjectsOnly));
                let read = visitor.visit_seq(&mut items)?;
                items.end()?;
                Ok(read)
            }
            Value::Object(members) => {
                let mut members = MapDeserializer::new(
                    members
                        .into_iter()
                        .map(|(name, member)| (name, ObjectsOnly(member))),
                );
                let read = visitor.visit_map(&mut members)?;
                members.end()?;
                Ok(read)
            }
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(_) => Err(de::Error::invalid_type(
                de::Unexpected::Seq,
                &"a JSON object",
            )),
            other => ObjectsOnly(other).deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(ObjectsOnly(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier
    }
}

/// Parses a JSON object body into `T` (which denies unknown fields): a wrong type, an
/// unknown or read-only field is a 422 naming the field.
pub fn parse<T: DeserializeOwned>(body: web::Json<Value>) -> Result<T, Error> {
    let value = body.into_inner();
    if !value.is_object() {
        return Err(Error::validation("body", "must be a JSON object"));
    }
    if let Some(field) = nul_at(&value, "") {
        return Err(Error::validation(field, NUL_MESSAGE));
    }
    serde_path_to_error::deserialize(ObjectsOnly(value)).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        let quoted = |prefix: &str| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(str::to_owned)
        };
        let within = |name: &str| match path.as_str() {
            "." => name.to_owned(),
            parent => format!("{parent}.{name}"),
        };
        if quoted("unknown field `").is_some() {
            // The path already ends with the unknown field.
            let leaf = path.rsplit('.').next().unwrap_or(&path);
            let why = if READ_ONLY_FIELDS.contains(&leaf) {
                "is read-only"
            } else {
                "is not a field of this request"
            };
            return Error::validation(path.clone(), why);
        }
        if let Some(missing) = quoted("missing field `") {
            return Error::validation(within(&missing), "is required");
        }
        let field = if path == "." { "body".to_owned() } else { path };
        Error::validation(field, message)
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;
    use crate::domain::Money;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        total: Option<Money>,
    }

    fn field_of(value: Value) -> (String, String) {
        match parse::<Outer>(web::Json(value)) {
            Err(Error::Validation(errors)) => (errors[0].field.clone(), errors[0].message.clone()),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field_wherever_it_is() {
        assert_eq!(field_of(json!({"name": 5})).0, "name");
        assert_eq!(
            field_of(json!({"name": "x", "inner": {"total": "1.234"}})).0,
            "inner.total"
        );
        assert_eq!(
            field_of(json!({"name": "x", "colour": 1})),
            ("colour".into(), "is not a field of this request".into())
        );
        assert_eq!(
            field_of(json!({"name": "x", "inner": {"gap": "1"}})),
            ("inner.gap".into(), "is read-only".into())
        );
        assert_eq!(
            field_of(json!({"name": "x", "status": "completed"})).1,
            "is read-only"
        );
        assert_eq!(field_of(json!({})), ("name".into(), "is required".into()));
        assert_eq!(field_of(json!([1])).0, "body");
        assert_eq!(
            field_of(json!({"name": "x", "inner": [null]})),
            (
                "inner".into(),
                "invalid type: sequence, expected a JSON object".into()
            )
        );
        assert_eq!(
            field_of(json!({"name": "a\u{0}b"})),
            ("name".into(), NUL_MESSAGE.into())
        );
        assert_eq!(
            field_of(json!({"name": "x", "inner": {"total": "\u{0}"}})).0,
            "inner.total"
        );
    }
}

/// How long a request body may take to arrive, from the moment its head was read.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// Middleware: the body must arrive within [`BodyTimeout`]; a client trickling a byte at a
/// time gets 408 instead of holding its connection for as long as it likes. (actix bounds
/// the time to read a request's head, not its body.)
pub async fn body_deadline(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // A request without a body (most of them: every GET) needs no timer.
    let has_body = request
        .headers()
        .contains_key(actix_web::http::header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0");
    if !has_body {
        return next.call(request).await;
    }
    let timeout = request
        .app_data::<web::Data<BodyTimeout>>()
        .map(|timeout| timeout.0)
        .unwrap_or(DEFAULT_BODY_TIMEOUT);
    let body = Deadline {
        body: request.take_payload(),
        timer: Box::pin(sleep(timeout)),
    };
    request.set_payload(Payload::Stream {
        payload: Box::pin(body),
    });
    next.call(request).await
}

const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// A request body that fails with [`TIMED_OUT`] once its timer fires.
struct Deadline {
    body: Payload,
    timer: Pin<Box<Sleep>>,
}

/// The error a body past its deadline ends with; `error.rs` maps it to 408.
pub const TIMED_OUT: &str = "the request body did not arrive in time";

impl futures_util::Stream for Deadline {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.body).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                TIMED_OUT,
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }
}
