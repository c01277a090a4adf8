//! Files: the multipart uploads the generator cannot make (organisation logo, record photo).
//! Downloads (record photo, bulk read result) are generated; `crmkit_runtime::Download`
//! writes them to any sink chunk by chunk.
//!
//! Uploads go to the API host (the spec says so; not the data centre's separate upload
//! host) and run through the same pipeline as every generated call: credentials, limits,
//! retries, tracing, errors. The body is encoded in memory (photos and logos are small), so
//! a retry sends it again byte for byte. Replacing a photo or logo with the same file gives
//! the same result, so these calls count as idempotent: a `503` or a connection lost after
//! sending is retried under the client's [`RetryPolicy`](crmkit_runtime::RetryPolicy).

use bytes::{BufMut, Bytes, BytesMut};
use crmkit_runtime::{Error, Operation, Response};
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use crate::Client;
use crate::types::ActionOutcome;

/// A file to upload: its name, media type and content.
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    file_name: String,
    content_type: String,
    data: Bytes,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl FilePart {
    /// A file named `file_name` of type `content_type` (Zoho takes `image/png`,
    /// `image/jpeg`, `image/gif` and `image/bmp` for photos and logos).
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Bytes>,
    ) -> Self {
        FilePart {
            file_name: file_name.into(),
            content_type: content_type.into(),
            data: data.into(),
        }
    }
}

/// `multipart/form-data` (RFC 7578) with one file part: the body and its boundary. Quotes,
/// CR and LF in the field and file names are percent-encoded, as browsers do.
fn multipart(field: &str, file: &FilePart) -> Result<(String, Bytes), Error> {
    if file.content_type.contains(['\r', '\n']) {
        return Err(Error::InvalidRequest(
            "the content type of an upload cannot hold a line break".into(),
        ));
    }
    let escape = |s: &str| {
        s.replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let boundary = loop {
        let candidate = format!(
            "crmkit-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        let needle = candidate.as_bytes();
        if !file.data.windows(needle.len()).any(|w| w == needle) {
            break candidate;
        }
    };
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
        escape(field),
        escape(&file.file_name),
        file.content_type,
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let mut body = BytesMut::with_capacity(head.len() + file.data.len() + tail.len());
    body.put_slice(head.as_bytes());
    body.put_slice(&file.data);
    body.put_slice(tail.as_bytes());
    Ok((boundary, body.freeze()))
}

/// Whether `s` is a module API name (`^[A-Za-z][A-Za-z0-9_]*$`).
fn is_api_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Client {
    /// Uploads or replaces the organisation's logo (`upload_org_logo`,
    /// `POST /crm/v2/org/photo`, one multipart part `file`).
    pub async fn upload_org_logo(&self, file: &FilePart) -> Result<Response<ActionOutcome>, Error> {
        let url = format!("{}/crm/v2/org/photo", self.base_url());
        self.upload(url, "upload_org_logo", file).await
    }

    /// Uploads or replaces the photo of a lead or contact (`upload_record_photo`,
    /// `POST /crm/v2/{module_api_name}/{record_id}/photo`, one multipart part `file`).
    /// Zoho answers 413 for a file too large and 415 for an unsupported type.
    pub async fn upload_record_photo(
        &self,
        module_api_name: &str,
        record_id: &str,
        file: &FilePart,
    ) -> Result<Response<ActionOutcome>, Error> {
        if !is_api_name(module_api_name) {
            return Err(Error::InvalidRequest(format!(
                "`{module_api_name}` is not a module API name"
            )));
        }
        if record_id.is_empty() || !record_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidRequest(format!(
                "`{record_id}` is not a record id"
            )));
        }
        let url = format!(
            "{}/crm/v2/{module_api_name}/{record_id}/photo",
            self.base_url()
        );
        self.upload(url, "upload_record_photo", file).await
    }

    async fn upload(
        &self,
        url: String,
        operation: &'static str,
        file: &FilePart,
    ) -> Result<Response<ActionOutcome>, Error> {
        let (boundary, body) = multipart("file", file)?;
        let request = self
            .inner
            .http()
            .post(url)
            .header(ACCEPT, "application/json")
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .build()
            .map_err(|e| Error::InvalidRequest(format!("{operation}: {e}")))?;
        // Replacing a photo with the same file gives the same result: safe to repeat.
        let op = Operation {
            id: operation,
            idempotent: true,
            batch: None,
            credits: crmkit_runtime::pipeline::credits::Credits::ONE,
        };
        self.inner.send_json(request, &op).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &Bytes) -> String {
        String::from_utf8_lossy(body).into_owned()
    }

    #[test]
    fn one_file_part_per_rfc_7578() {
        let file = FilePart::new("logo.png", "image/png", &b"\x89PNG\r\n--x"[..]);
        let (boundary, body) = multipart("file", &file).unwrap();
        assert!(boundary.starts_with("crmkit-") && boundary.len() == 39);
        assert_eq!(
            text(&body),
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n\u{FFFD}PNG\r\n--x\r\n--{boundary}--\r\n"
            )
        );
        let (again, _) = multipart("file", &file).unwrap();
        assert_ne!(boundary, again, "a fresh random boundary each time");
    }

    #[test]
    fn quotes_and_line_breaks_in_names_are_escaped() {
        let file = FilePart::new("a\"b\r\nc.png", "image/png", "x");
        let (_, body) = multipart("fi\"le", &file).unwrap();
        assert!(
            text(&body).contains("name=\"fi%22le\"; filename=\"a%22b%0D%0Ac.png\"\r\n"),
            "{}",
            text(&body)
        );
        let bad = FilePart::new("a.png", "image/png\r\nX-Evil: 1", "x");
        assert!(matches!(
            multipart("file", &bad),
            Err(Error::InvalidRequest(_))
        ));
    }

    #[test]
    fn module_names_and_record_ids_are_checked() {
        assert!(is_api_name("Leads") && is_api_name("Price_Books") && is_api_name("a1"));
        assert!(!is_api_name("") && !is_api_name("1a") && !is_api_name("Leads/../x"));
    }
}
