//! Spreadsheets: the ledger exported, the import template, imports (docs/SPREADSHEETS.md).

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, HeaderValue},
    web,
};
use futures_util::StreamExt;
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, schema::SchemaType, schema::Type},
};

use super::{compression, extract::request_id, projects::parse_list_query, query};
use crate::{
    auth::Caller,
    db::{Database, imports::ImportRecord},
    domain::{Error, import::ImportReport, money::Unit},
    error::{AppError, Problem},
    ops::{
        exports,
        imports::{self, Upload},
        projects::ListQuery,
    },
    sheets::read::{Format, Limits, XLSX},
};

/// A file in a request or response body.
pub struct File;

impl PartialSchema for File {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .into()
    }
}

impl ToSchema for File {}

/// `attachment` with a file name any browser takes, Chinese included (RFC 6266, 5987).
fn attachment(name: &str) -> (header::HeaderName, HeaderValue) {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let value = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    (
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment")),
    )
}

/// The export's own parameters, and the list's.
fn parse_export_query(text: &str) -> Result<(Format, Unit, ListQuery), Error> {
    let mut errors = query::Errors::default();
    let mut format = Format::Xlsx;
    let mut unit = Unit::Yuan;
    let mut rest = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        match name.as_ref() {
            "format" => match value.as_ref() {
                "xlsx" => format = Format::Xlsx,
                "csv" => format = Format::Csv,
                _ => errors.0.push(crate::domain::FieldError::new(
                    "format",
                    "must be xlsx or csv",
                )),
            },
            "unit" => match value.as_ref() {
                "yuan" => unit = Unit::Yuan,
                "wan" => unit = Unit::Wan,
                _ => errors.0.push(crate::domain::FieldError::new(
                    "unit",
                    "must be yuan or wan",
                )),
            },
            "limit" | "cursor" => errors.0.push(crate::domain::FieldError::new(
                name.as_ref(),
                "is not a parameter of the export: it answers every page",
            )),
            _ => {
                rest.append_pair(&name, &value);
            }
        }
    }
    let list = parse_list_query(&rest.finish());
    match (list, errors.finish()) {
        (Ok(list), Ok(())) => Ok((format, unit, list)),
        (Err(Error::Validation(mut more)), Err(Error::Validation(first))) => {
            more.extend(first);
            Err(Error::Validation(more))
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    }
}

/// Every page of a project list as a spreadsheet: the same filters and order as
/// `GET /projects`, only what the caller may read.
#[utoipa::path(get, path = "/api/v1/projects/export", operation_id = "sheets_export", tag = "spreadsheets",
    params(
        ("format" = Option<String>, Query, pattern = "^(xlsx|csv)$", description = "`xlsx` (default: the ledger and the plan's summary) or `csv` (UTF-8 with a byte-order mark)"),
        ("unit" = Option<String>, Query, pattern = "^(yuan|wan)$", description = "amounts in `yuan` (default) or `wan` (万元, exact to six decimals)"),
        super::projects::FilterParams,
        ("sort" = Option<String>, Query, pattern = r"^-?(code|name|updated_at|total_investment)$"),
    ),
    responses(
        (status = 200, description = "the ledger, as an attachment", content(
            (File = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (File = "text/csv"))),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn export(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (format, unit, query) = parse_export_query(request.query_string())?;
    let name = format!(
        "项目台账-{}.{}",
        query.filter.plan.as_deref().unwrap_or("全部"),
        match format {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    );
    let mut response = HttpResponse::Ok();
    response
        .insert_header(attachment(&name))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    match format {
        Format::Xlsx => {
            let file = db
                .run(move |conn| exports::xlsx(conn, &caller, query, unit))
                .await?;
            let length = file
                .metadata()
                .map_err(|error| anyhow::anyhow!("the finished workbook: {error}"))?
                .len();
            Ok(response
                .content_type(XLSX)
                .insert_header(compression::ALREADY_COMPRESSED)
                .no_chunking(length)
                .streaming(file_chunks(file)))
        }
        Format::Csv => {
            // The first page is read before answering, so that a bad filter is a 422; the
            // rest streams, a page at a time.
            let reader = caller.clone();
            let (names, (first, next)) = db
                .run(move |conn| {
                    let names = exports::names(conn, &reader)?;
                    let first = exports::page(conn, &reader, query)?;
                    Ok::<_, Error>((names, first))
                })
                .await?;
            let writer = std::sync::Arc::new(exports::csv(unit));
            let names = std::sync::Arc::new(names);
            let mut head = writer.header();
            head.extend(writer.rows(&first, &names));
            let pages = futures_util::stream::unfold(next, move |next| {
                let (db, caller, writer, names) =
                    (db.clone(), caller.clone(), writer.clone(), names.clone());
                async move {
                    let query = next?;
                    match db
                        .run(move |conn| exports::page(conn, &caller, query))
                        .await
                    {
                        Ok((projects, following)) => Some((
                            Ok::<_, AppError>(web::Bytes::from(writer.rows(&projects, &names))),
                            following,
                        )),
                        Err(error) => Some((Err(error.into()), None)),
                    }
                }
            });
            let body =
                futures_util::stream::once(async move { Ok(web::Bytes::from(head)) }).chain(pages);
            Ok(response
                .content_type("text/csv; charset=utf-8")
                .streaming(body))
        }
    }
}

/// A file read a chunk at a time on the blocking threads, as a response body.
fn file_chunks(
    file: std::fs::File,
) -> impl futures_util::Stream<Item = Result<web::Bytes, AppError>> {
    const CHUNK: usize = 64 * 1024;
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = web::block(move || {
            let mut chunk = vec![0; CHUNK];
            let read = std::io::Read::read(&mut file, &mut chunk)?;
            chunk.truncate(read);
            Ok::<_, std::io::Error>((file, chunk))
        })
        .await;
        match read.map_err(anyhow::Error::from).and_then(|read| Ok(read?)) {
            Ok((_, chunk)) if chunk.is_empty() => None,
            Ok((file, chunk)) => Some((Ok(web::Bytes::from(chunk)), Some(file))),
            Err(error) => Some((Err(error.context("reading the workbook").into()), None)),
        }
    })
}

/// The import template of a plan: the ledger's columns to fill in, dropdowns for category,
/// status and organizations, and instructions (Chinese).
#[utoipa::path(get, path = "/api/v1/plans/{code}/import-template", operation_id = "sheets_template", tag = "spreadsheets",
    params(("code" = String, Path, description = "the plan's code", example = "yunyang-eco-2021-2025")),
    responses(
        (status = 200, description = "the template", content((File = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "no such plan", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn template(
    db: web::Data<Database>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let name = format!("项目台账导入模板-{code}.xlsx");
    let bytes = db
        .run(move |conn| exports::template(conn, &caller, &code))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(attachment(&name))
        .content_type(XLSX)
        .insert_header(compression::ALREADY_COMPRESSED)
        .body(bytes))
}

/// The file name the client gave: `Content-Disposition: attachment; filename*=UTF-8''…`
/// (RFC 5987) or `filename="…"`, whose bytes clients send as UTF-8.
fn file_name(request: &HttpRequest, format: Format) -> String {
    let header = request
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    let parameter = |name: &str| {
        header.split(';').find_map(|part| {
            let (key, value) = part.trim().split_once('=')?;
            (key.trim().eq_ignore_ascii_case(name)).then(|| value.trim().to_owned())
        })
    };
    let extended = parameter("filename*").and_then(|value| {
        let (_, encoded) = value.split_once("''")?;
        let bytes: Vec<u8> = percent_decoded(encoded)?;
        String::from_utf8(bytes).ok()
    });
    let plain = parameter("filename").map(|value| value.trim_matches('"').to_owned());
    extended
        .or(plain)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| match format {
            Format::Xlsx => "upload.xlsx".to_owned(),
            Format::Csv => "upload.csv".to_owned(),
        })
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// `%XX` escapes decoded; `None` for a malformed one.
fn percent_decoded(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    Some(decoded)
}

/// Imports a ledger (`.xlsx` or `.csv`) into the plan: a dry run (the default) tries every
/// row and writes nothing; a real run writes every row or, when any fails, none.
#[utoipa::path(post, path = "/api/v1/plans/{code}/imports", operation_id = "sheets_import", tag = "spreadsheets",
    params(
        ("code" = String, Path, description = "the plan's code", example = "yunyang-eco-2021-2025"),
        ("dry_run" = Option<bool>, Query, description = "`true` (default): try every row and write nothing"),
        ("Content-Disposition" = Option<String>, Header, description = "`attachment; filename=\"台账.xlsx\"`: the file's name, recorded"),
    ),
    request_body(description = "the file", content(
        (File = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (File = "text/csv"))),
    responses(
        (status = 200, description = "a dry run: what each row would do", body = ImportReport),
        (status = 201, description = "imported: every row written", body = ImportReport),
        (status = 403, description = "the caller may not import (a real run needs a role that edits projects)", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "no such plan", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "the file, or the workbook inflated, is too large", body = Problem,
            content_type = "application/problem+json"),
        (status = 415, description = "not a spreadsheet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "an unreadable file, an unknown header, or (a real run) rows with errors: \
            `counts` and `rows` say which; nothing was written", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn import(
    db: web::Data<Database>,
    limits: web::Data<Limits>,
    caller: Caller,
    request: HttpRequest,
    code: web::Path<String>,
    mut payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let mut dry_run = true;
    let mut errors = query::Errors::default();
    for (name, value) in query::pairs(request.query_string(), &["dry_run"], &[], &mut errors) {
        dry_run = errors
            .take(
                &name,
                value.parse::<bool>().map_err(|_| "must be true or false"),
            )
            .unwrap_or(true);
    }
    errors.finish()?;
    let media = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let format = match media.as_str() {
        XLSX => Format::Xlsx,
        "text/csv" => Format::Csv,
        _ => {
            return Err(AppError::UnsupportedMediaType(format!(
                "the body must be a .xlsx workbook ({XLSX}) or text/csv"
            )));
        }
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > limits.bytes {
            return Err(Error::TooLarge(format!(
                "文件超过 {} MiB 的上限",
                limits.bytes / (1024 * 1024)
            ))
            .into());
        }
        bytes.extend_from_slice(&chunk);
    }
    let upload = Upload {
        file_name: file_name(&request, format),
        format,
        bytes,
    };
    let limits = **limits;
    let parsed = web::block(move || imports::parse(upload, &limits))
        .await
        .map_err(|error| anyhow::anyhow!("reading the upload: {error}"))??;
    let caller = Caller {
        request_id: request_id(&request),
        ..caller
    };
    let plan = code.into_inner();
    let report = db
        .run_writing(move |conn| imports::run(conn, &caller, &plan, parsed, dry_run, &|| {}))
        .await?;
    let mut response = if dry_run {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    Ok(response.json(report))
}

/// Recorded imports, newest first: the plan office sees all, others their own.
#[utoipa::path(get, path = "/api/v1/imports", operation_id = "sheets_imports", tag = "spreadsheets",
    responses(
        (status = 200, description = "the imports", body = Vec<ImportRecord>),
        (status = 403, description = "API keys read projects only", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list(db: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    let imports = db
        .run(move |conn| imports::list(conn, &caller, None))
        .await?;
    Ok(HttpResponse::Ok().json(imports))
}

/// One recorded import (the plan office, or whoever made it).
#[utoipa::path(get, path = "/api/v1/imports/{id}", operation_id = "sheets_import_get", tag = "spreadsheets",
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, description = "the import", body = ImportRecord),
        (status = 403, description = "API keys read projects only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such import (or not the caller's)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let lookup = id.clone();
    let found = db
        .run(move |conn| imports::list(conn, &caller, Some(&lookup)))
        .await?;
    let record = found
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found(format!("no import has the id {id}")))?;
    Ok(HttpResponse::Ok().json(record))
}
