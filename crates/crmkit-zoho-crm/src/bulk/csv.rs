//! The CSV of an export, parsed incrementally as its bytes arrive: csv-core, the csv crate's
//! push parser, fed from a fixed buffer, so a file of any size takes the memory of one row.

use std::sync::Arc;

use crmkit_runtime::ExportErrorKind;
use csv_core::{ReadRecordResult, Reader};
use futures_util::io::{AsyncRead, AsyncReadExt};

use super::record::{BulkRecord, Header};

/// The longest row accepted (every field's text together): Zoho's longest fields are
/// 32,000-character text areas, so 16 MiB is far beyond any real row.
pub(crate) const MAX_ROW_BYTES: usize = 16 << 20;
/// The most fields a row may have.
pub(crate) const MAX_FIELDS: usize = 10_000;
const READ_CHUNK: usize = 16 << 10;

/// Rows of a CSV read from a source handed to each call, the first row the header.
pub(crate) struct Rows {
    parser: Reader,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    header: Option<Arc<Header>>,
    /// Rows read after the header.
    pub(crate) rows: u64,
    /// The row being parsed and its field ends, reused from row to row: each record gets
    /// an exact copy.
    out: Vec<u8>,
    ends: Vec<usize>,
}

/// What went wrong reading a row: the CSV itself, or the bytes under it.
pub(crate) enum RowError {
    Csv(ExportErrorKind),
    Io(std::io::Error),
}

impl Rows {
    pub(crate) fn new() -> Self {
        Rows {
            parser: Reader::new(),
            buf: vec![0; READ_CHUNK].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            header: None,
            rows: 0,
            out: vec![0; 1024],
            ends: vec![0; 64],
        }
    }

    /// Reads the header row (a UTF-8 byte-order mark before it is dropped).
    pub(crate) async fn header(
        &mut self,
        source: &mut (impl AsyncRead + Unpin),
    ) -> Result<Arc<Header>, RowError> {
        if let Some(header) = &self.header {
            return Ok(header.clone());
        }
        let (text, ends) = self.row(source, 0).await?.unwrap_or_default();
        let mut names = Vec::with_capacity(ends.len());
        let mut start = 0;
        for &end in &ends {
            names.push(text[start..end].to_string());
            start = end;
        }
        if let Some(first) = names.first_mut()
            && let Some(rest) = first.strip_prefix('\u{feff}')
        {
            *first = rest.to_string();
        }
        let header = Arc::new(Header::new(names));
        self.header = Some(header.clone());
        Ok(header)
    }

    /// The next record after the header, or `None` at the end of the file.
    pub(crate) async fn next(
        &mut self,
        source: &mut (impl AsyncRead + Unpin),
    ) -> Result<Option<BulkRecord>, RowError> {
        let header = self.header(source).await?;
        let row = self.rows + 1;
        let Some((text, ends)) = self.row(source, row).await? else {
            return Ok(None);
        };
        if ends.len() != header.names().len() {
            return Err(RowError::Csv(ExportErrorKind::RowLength {
                row,
                expected: header.names().len(),
                got: ends.len(),
            }));
        }
        self.rows = row;
        Ok(Some(BulkRecord::new(header, text, ends)))
    }

    /// One row as its text and the end of each field in it.
    async fn row(
        &mut self,
        source: &mut (impl AsyncRead + Unpin),
        row: u64,
    ) -> Result<Option<(String, Vec<usize>)>, RowError> {
        let (mut nout, mut nend) = (0usize, 0usize);
        loop {
            if self.pos == self.len && !self.eof {
                self.len = source.read(&mut self.buf).await.map_err(RowError::Io)?;
                self.pos = 0;
                self.eof = self.len == 0;
            }
            let input = &self.buf[self.pos..self.len];
            let (result, nin, o, e) =
                self.parser
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            self.pos += nin;
            nout += o;
            nend += e;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.out.len() >= MAX_ROW_BYTES {
                        return Err(csv(row, format!("longer than {MAX_ROW_BYTES} bytes")));
                    }
                    let grown = (self.out.len() * 2).min(MAX_ROW_BYTES);
                    self.out.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        return Err(csv(row, format!("more than {MAX_FIELDS} fields")));
                    }
                    let grown = (self.ends.len() * 2).min(MAX_FIELDS);
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    let text = std::str::from_utf8(&self.out[..nout])
                        .map_err(|e| csv(row, format!("not UTF-8: {e}")))?;
                    let ends = &self.ends[..nend];
                    // The fields are stored back to back: a row can be UTF-8 as a whole
                    // while a field is not (`\xEA,\x82\xAA` joins into one character), and
                    // the field would end inside a character.
                    if let Some(field) = ends.iter().position(|&end| !text.is_char_boundary(end)) {
                        return Err(csv(row, format!("field {} is not UTF-8", field + 1)));
                    }
                    return Ok(Some((text.to_owned(), ends.to_vec())));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }
}

fn csv(row: u64, reason: String) -> RowError {
    RowError::Csv(ExportErrorKind::Csv { row, reason })
}
