//! A bulk export of many records through crmkit against the same file unzipped and parsed
//! from disk by hand (the `zip` and `csv` crates): records per second and peak memory.
//!
//! - `bulk-file <rows> <path>`: writes a result archive of `rows` records of 40 fields
//!   (the `Id` column and 39 fields), deflated, as Zoho serves it.
//! - `serve-bulk <path> <pages>`: a local Zoho CRM answering bulk read jobs: every page's
//!   job completes at once and its result is the archive at `path`, streamed from disk;
//!   `more_records` until page `pages`.
//! - `bulk <path> <pages> crmkit|baseline`: reads `pages` pages, through crmkit from the
//!   server (a child process, so its work is not counted), or by hand from the file; prints
//!   records, seconds and the peak resident memory.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Instant;

use crmkit::StaticToken;
use futures_util::TryStreamExt;

type BoxError = Box<dyn std::error::Error>;

/// The 39 fields after `Id`: the kinds of values a Contacts export holds.
fn field_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "Last_Name",
        "First_Name",
        "Email",
        "Phone",
        "Mobile",
        "Owner",
        "Account_Name",
        "Lead_Source",
        "Mailing_City",
        "Description",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    names.extend((names.len()..39).map(|i| format!("Custom_{i}__c")));
    names
}

pub fn write_file(rows: u64, path: &str) -> Result<(), BoxError> {
    let file = std::fs::File::create(path)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("1000000031045.csv", options)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut zip);
    let names = field_names();
    write!(out, "Id")?;
    for name in &names {
        write!(out, ",{name}")?;
    }
    writeln!(out)?;
    for i in 0..rows {
        write!(
            out,
            "{},Lovelace {i},Ada,ada.{i}@example.com,+44 20 7946 {:04},,3652397000000186017,\
             3652397000000{:06},Web,London,\"Notes, with a comma, row {i}\"",
            4_000_000_000_000u64 + i,
            i % 10_000,
            i % 1_000_000
        )?;
        for f in 10..39 {
            write!(out, ",v{}", (i * 31 + f) % 9973)?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    drop(out);
    zip.finish()?;
    Ok(())
}

/// Rows in the file's CSV (its lines, less the header).
fn rows_in(path: &str) -> Result<u64, BoxError> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path)?)?;
    let entry = archive.by_index(0)?;
    let mut lines = 0u64;
    let mut reader = BufReader::with_capacity(1 << 20, entry);
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let n = buf.len();
        reader.consume(n);
    }
    Ok(lines.saturating_sub(1))
}

pub fn serve(path: &str, pages: u32) -> Result<(), BoxError> {
    let rows = rows_in(path)?;
    let size = std::fs::metadata(path)?.len();
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    std::io::stdout().flush()?;
    for stream in listener.incoming() {
        let stream = stream?;
        let path = path.to_string();
        std::thread::spawn(move || {
            let _ = answer(stream, &path, rows, size, pages);
        });
    }
    Ok(())
}

fn answer(
    stream: std::net::TcpStream,
    path: &str,
    rows: u64,
    size: u64,
    pages: u32,
) -> Result<(), BoxError> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse()?;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let target = request.split(' ').nth(1).unwrap_or("").to_string();
        let json = |writer: &mut std::net::TcpStream,
                    v: serde_json::Value|
         -> std::io::Result<()> {
            let body = v.to_string();
            write!(
                writer,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
        };
        if request.starts_with("POST") {
            let sent: serde_json::Value = serde_json::from_slice(&body)?;
            let page = sent["query"]["page"].as_u64().unwrap_or(1);
            json(
                &mut writer,
                serde_json::json!({"data": [{"status": "success", "code": "ADDED_SUCCESSFULLY",
                    "message": "Added successfully.", "details": {"id": page.to_string(),
                    "operation": "read", "state": "ADDED"}}], "info": {}}),
            )?;
        } else if let Some(id) = target.strip_suffix("/result") {
            let _ = id;
            write!(
                writer,
                "HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\ncontent-length: {size}\r\n\r\n"
            )?;
            std::io::copy(&mut std::fs::File::open(path)?, &mut writer)?;
        } else {
            let page: u32 = target.rsplit('/').next().unwrap_or("1").parse()?;
            json(
                &mut writer,
                serde_json::json!({"data": [{"id": page.to_string(), "operation": "read",
                    "state": "COMPLETED", "result": {"page": page, "count": rows,
                    "per_page": 200000, "more_records": page < pages,
                    "download_url": format!("/crm/bulk/v2/read/{page}/result")}}]}),
            )?;
        }
    }
}

pub fn run(path: &str, pages: u32, variant: &str) -> Result<(), BoxError> {
    let (records, fields, seconds) = match variant {
        "crmkit" => through_crmkit(path, pages)?,
        "baseline" => {
            let started = Instant::now();
            let (records, fields) = by_hand(path, pages)?;
            (records, fields, started.elapsed().as_secs_f64())
        }
        other => return Err(format!("unknown variant {other}").into()),
    };
    println!(
        "bulk {variant}: {records} records, {fields} field bytes, {seconds:.3} s, peak {} KiB",
        crate::peak_kib()?
    );
    Ok(())
}

/// Records, field bytes and seconds, timed from when the server is ready.
fn through_crmkit(path: &str, pages: u32) -> Result<(u64, u64, f64), BoxError> {
    let (mut server, base) = crate::server(&["serve-bulk", path, &pages.to_string()])?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let counted = runtime.block_on(async {
        let crm = crmkit::zoho_crm::Client::builder()
            .base_url(&base)
            .credentials(StaticToken::zoho("t"))
            .allow_insecure_http(true)
            .http_client(crate::http())
            .build()?;
        let query = crmkit::zoho_crm::types::BulkReadQuery::builder()
            .module("Contacts")
            .try_into()
            .map_err(|e| crmkit::Error::InvalidRequest(format!("{e}")))?;
        let mut stream = crm
            .bulk_export(query)
            .poll_interval(
                std::time::Duration::from_millis(1),
                std::time::Duration::from_millis(1),
            )
            .into_stream();
        let (mut records, mut bytes) = (0u64, 0u64);
        while let Some(record) = stream.try_next().await? {
            records += 1;
            bytes += record.iter().map(|(_, v)| v.len() as u64).sum::<u64>();
        }
        Ok::<_, crmkit::Error>((records, bytes))
    });
    let seconds = started.elapsed().as_secs_f64();
    let _ = server.kill();
    let (records, bytes) = counted?;
    Ok((records, bytes, seconds))
}

fn by_hand(path: &str, pages: u32) -> Result<(u64, u64), BoxError> {
    let (mut records, mut bytes) = (0u64, 0u64);
    for _ in 0..pages {
        let mut archive = zip::ZipArchive::new(std::fs::File::open(path)?)?;
        let entry = archive.by_index(0)?;
        let mut csv = csv::ReaderBuilder::new().from_reader(entry);
        let mut record = csv::StringRecord::new();
        while csv.read_record(&mut record)? {
            records += 1;
            bytes += record.iter().map(|v| v.len() as u64).sum::<u64>();
        }
    }
    Ok((records, bytes))
}
