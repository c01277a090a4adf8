//! The recorded payloads of `specs/samples/<vendor>/<operation>/`, named
//! `<source>[.<status>].<request|response>.<ext>` (see `specs/samples/SOURCES.md`).

use std::path::Path;

/// One recorded payload.
pub struct Sample {
    /// The operation id (the folder).
    pub operation: String,
    /// The status the file name gives: `200`, `2XX` when its source states none, `error` or
    /// `unknown` for a failure, `na`.
    pub status: Option<String>,
    /// Whether it is a request body (else an answer).
    pub request: bool,
    /// The file name.
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Every sample of `vendor`, sorted by operation and name.
pub fn samples(vendor: &str) -> Vec<Sample> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/samples")
        .join(vendor);
    let mut out = Vec::new();
    for op in std::fs::read_dir(&dir).expect("specs/samples").flatten() {
        for file in std::fs::read_dir(op.path())
            .expect("a sample folder")
            .flatten()
        {
            let name = file.file_name().to_string_lossy().to_string();
            let parts: Vec<&str> = name.split('.').collect();
            let Some(kind) = parts
                .iter()
                .position(|p| *p == "request" || *p == "response")
            else {
                continue;
            };
            out.push(Sample {
                operation: op.file_name().to_string_lossy().to_string(),
                status: kind.checked_sub(1).map(|i| parts[i].to_string()),
                request: parts[kind] == "request",
                name,
                bytes: std::fs::read(file.path()).expect("a sample"),
            });
        }
    }
    out.sort_by(|a, b| (&a.operation, &a.name).cmp(&(&b.operation, &b.name)));
    out
}
