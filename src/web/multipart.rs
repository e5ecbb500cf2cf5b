//! `multipart/form-data` bodies (the bulk CSV upload), parsed once, by
//! `actix-multipart`, as they arrive.
//!
//! CSRF stays a layer, not a call a handler could forget: the CSRF layer
//! ([`crate::web::csrf::protect`]) starts the parser with [`open`], reads the
//! first part, which must be the `csrf_token` field, and checks it before
//! any handler runs. Our forms put the hidden token field first and
//! browsers send parts in document order, so the layer reads a few dozen
//! bytes, never the file. The parser, standing just after the token, then
//! travels in the request's extensions to the handler's [`Upload`]
//! extractor, which reads the remaining parts: one parser, one pass, and no
//! copy of the whole body in memory. A form whose first part is not the
//! token is refused like a wrong token; a handler that does not ask for an
//! [`Upload`] sees an empty body, never an unchecked one.
//!
//! Limits hold while reading: a `Content-Length` over [`BODY_LIMIT`] is
//! refused before a byte is read, a body that turns out longer (chunked)
//! is cut off at the limit, and every part is read only up to the limit its
//! reader names, so a handler stops at the first part that is too large.

use std::{
    cell::Cell,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::{
    FromRequest, HttpMessage, HttpRequest,
    dev::{Payload, ServiceRequest},
    error::PayloadError,
    http::header,
    web::Bytes,
};
use futures_util::{
    Stream, StreamExt,
    future::{Ready, ready},
};

use super::{error::AppError, forms::BODY_LIMIT};

/// The longest token part the CSRF layer reads (tokens are 43 characters).
const TOKEN_LIMIT: usize = 256;

/// Why a multipart body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// A part is longer than the limit its reader named.
    #[error("a part is larger than its limit")]
    PartTooLarge,
    /// The whole body is longer than [`BODY_LIMIT`].
    #[error("the request body is larger than {BODY_LIMIT} bytes")]
    BodyTooLarge,
    /// Not multipart/form-data as RFC 7578 writes it.
    #[error("malformed multipart body: {0}")]
    Malformed(String),
}

impl From<UploadError> for AppError {
    fn from(e: UploadError) -> Self {
        match e {
            // The 413 layer says which limit, for the page it was sent from.
            UploadError::PartTooLarge | UploadError::BodyTooLarge => AppError::TooLarge,
            UploadError::Malformed(detail) => AppError::BadRequest(format!(
                "The upload could not be read ({detail}). Go back, choose the file again and resubmit the form."
            )),
        }
    }
}

/// Whether a `Content-Type` names a multipart form.
pub fn is_form_data(content_type: &str) -> bool {
    content_type.trim_start().to_ascii_lowercase().starts_with("multipart/form-data")
}

/// A multipart form whose CSRF token the layer has checked; the parts
/// after the token, read as they arrive.
pub struct Upload {
    parts: Multipart,
    /// Set when the body ran past [`BODY_LIMIT`] (see [`Capped`]).
    over: Rc<Cell<bool>>,
}

/// One part of an [`Upload`]: a form field or a file.
pub struct Part {
    pub name: String,
    /// The file name the browser sent (file inputs only).
    pub filename: Option<String>,
    field: Field,
    over: Rc<Cell<bool>>,
}

/// Start reading a multipart POST (for the CSRF layer): the parser, and the
/// first part's value when that part is the `token_field`.
pub(super) async fn open(req: &mut ServiceRequest, token_field: &str) -> Result<(Upload, Option<String>), UploadError> {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Err(UploadError::BodyTooLarge);
    }
    let over = Rc::new(Cell::new(false));
    let body = Capped { inner: req.take_payload(), read: 0, over: over.clone() };
    let mut upload = Upload { parts: Multipart::new(req.headers(), body), over };
    let token = match upload.next_part().await? {
        Some(mut part) if part.name == token_field => match part.bytes(TOKEN_LIMIT).await {
            Ok(value) => String::from_utf8(value).ok(),
            Err(UploadError::PartTooLarge) => None,
            Err(e) => return Err(e),
        },
        _ => None,
    };
    Ok((upload, token))
}

impl Upload {
    /// The next part, or None after the last.
    pub async fn next_part(&mut self) -> Result<Option<Part>, UploadError> {
        match self.parts.next().await {
            None => Ok(None),
            Some(Ok(field)) => Ok(Some(Part {
                name: field.name().unwrap_or_default().to_string(),
                filename: field.content_disposition().and_then(|d| d.get_filename()).map(str::to_string),
                field,
                over: self.over.clone(),
            })),
            Some(Err(e)) => Err(read_error(&self.over, e)),
        }
    }
}

impl Part {
    /// The part's bytes, or [`UploadError::PartTooLarge`] as soon as they
    /// pass `limit` (the rest is not read).
    pub async fn bytes(&mut self, limit: usize) -> Result<Vec<u8>, UploadError> {
        let mut data = Vec::new();
        while let Some(chunk) = self.field.next().await {
            let chunk = chunk.map_err(|e| read_error(&self.over, e))?;
            if data.len() + chunk.len() > limit {
                return Err(UploadError::PartTooLarge);
            }
            data.extend_from_slice(&chunk);
        }
        Ok(data)
    }
}

fn read_error(over: &Cell<bool>, e: MultipartError) -> UploadError {
    if over.get() { UploadError::BodyTooLarge } else { UploadError::Malformed(e.to_string()) }
}

/// The request body, cut off with an error once it passes [`BODY_LIMIT`]
/// (a chunked body declares no length to refuse up front).
struct Capped {
    inner: Payload,
    read: usize,
    over: Rc<Cell<bool>>,
}

impl Stream for Capped {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.over.get() {
            return Poll::Ready(None);
        }
        let item = std::task::ready!(Pin::new(&mut self.inner).poll_next(cx));
        if let Some(Ok(chunk)) = &item {
            self.read += chunk.len();
            if self.read > BODY_LIMIT {
                self.over.set(true);
                return Poll::Ready(Some(Err(PayloadError::Overflow)));
            }
        }
        Poll::Ready(item)
    }
}

/// The checked multipart form the CSRF layer left for this request; a
/// request that is not one fails to extract (so `Option<Upload>` is None).
impl FromRequest for Upload {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let upload = req.extensions_mut().remove::<Upload>();
        ready(upload.ok_or_else(|| AppError::BadRequest("This form must be sent as multipart/form-data.".into())))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn request(body: &'static [u8]) -> ServiceRequest {
        TestRequest::post()
            .insert_header((header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ"))
            .set_payload(body)
            .to_srv_request()
    }

    async fn rest(upload: &mut Upload) -> Vec<(String, Option<String>, Vec<u8>)> {
        let mut parts = Vec::new();
        while let Some(mut p) = upload.next_part().await.unwrap() {
            let data = p.bytes(1024).await.unwrap();
            parts.push((p.name, p.filename, data));
        }
        parts
    }

    #[tokio::test]
    async fn the_token_comes_first_then_fields_and_files_are_read_whole() {
        // The file's lines end in LF, so "--XyZ" inside it is no delimiter:
        // only CRLF "--XyZ" is (RFC 2046).
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\nContent-Type: text/csv\r\n\r\nemail\n--XyZ--,a@x.io\n--XyZ\r\n\r\n--XyZ--\r\n";
        let mut req = request(body);
        let (mut upload, token) = open(&mut req, "csrf_token").await.unwrap();
        assert_eq!(token.as_deref(), Some("abc"));
        let parts = rest(&mut upload).await;
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].0, "file");
        assert_eq!(parts[0].1.as_deref(), Some("p.csv"));
        assert_eq!(parts[0].2, b"email\n--XyZ--,a@x.io\n--XyZ\r\n");
    }

    #[tokio::test]
    async fn a_token_after_other_parts_is_not_looked_for() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\ncsv\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ--\r\n";
        let (_, token) = open(&mut request(body), "csrf_token").await.unwrap();
        assert_eq!(token, None);
    }

    #[tokio::test]
    async fn a_part_over_its_limit_stops_the_reading() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\n\r\n0123456789\r\n--XyZ--\r\n";
        let (mut upload, _) = open(&mut request(body), "csrf_token").await.unwrap();
        let mut file = upload.next_part().await.unwrap().unwrap();
        assert!(matches!(file.bytes(4).await, Err(UploadError::PartTooLarge)));
    }

    #[tokio::test]
    async fn a_body_that_is_not_multipart_is_malformed() {
        let opened = open(&mut request(b"csrf_token=abc"), "csrf_token").await;
        assert!(opened.map_or(true, |(_, token)| token.is_none()), "no boundary, so no token");
        let err = open(&mut request(b"--XyZ\r\nno headers end"), "csrf_token").await.err();
        assert!(matches!(err, Some(UploadError::Malformed(_))), "{err:?}");
    }
}
