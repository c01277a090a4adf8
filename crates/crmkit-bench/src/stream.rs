//! A stream of many records through crmkit (`list_records().into_stream()`) against a
//! hand-written page loop with reqwest + serde into the same generated types.
//!
//! - `serve-pages <pages>`: a local Zoho CRM answering `GET /crm/v2/Leads?page=N` with the
//!   200-record page of [`crate::decode::page`], `more_records` until page `pages`;
//! - `stream <pages> crmkit|baseline`: reads every record of the `pages` pages from that
//!   server (a child process, so its work is not counted) and prints records, seconds and
//!   the peak resident memory.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Instant;

use crmkit::StaticToken;
use crmkit::prelude::*;
use futures_util::TryStreamExt;

type BoxError = Box<dyn std::error::Error>;

/// The page body with `more_records` set as given.
fn body(more: bool) -> Result<Vec<u8>, BoxError> {
    let mut page: serde_json::Value = serde_json::from_slice(&crate::decode::page()?)?;
    page["info"]["more_records"] = more.into();
    Ok(serde_json::to_vec(&page)?)
}

pub fn serve(pages: u32) -> Result<(), BoxError> {
    let answer = |body: Vec<u8>| {
        let mut a = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        a.extend_from_slice(&body);
        a
    };
    let (more, last) = (answer(body(true)?), answer(body(false)?));
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    std::io::stdout().flush()?;
    for stream in listener.incoming() {
        let stream = stream?;
        let (more, last) = (more.clone(), last.clone());
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut writer = stream;
            let mut line = String::new();
            loop {
                // The request line names the page; the rest of the head is skipped.
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let page: u32 = line
                    .split(['?', '&', ' '])
                    .find_map(|p| p.strip_prefix("page="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                let mut head = String::new();
                while head != "\r\n" {
                    head.clear();
                    match reader.read_line(&mut head) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                }
                let answer = if page >= pages { &last } else { &more };
                if writer.write_all(answer).is_err() {
                    return;
                }
            }
        });
    }
    Ok(())
}

pub fn run(pages: u32, variant: &str) -> Result<(), BoxError> {
    let (mut server, base) = crate::server(&["serve-pages", &pages.to_string()])?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let records = runtime.block_on(async {
        match variant {
            "crmkit" => crmkit_stream(&base).await,
            "baseline" => baseline(&base).await,
            _ => Err("unknown variant".into()),
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    let _ = server.kill();
    let records = records?;
    println!(
        "stream {variant}: {records} records, {seconds:.3} s, peak {} KiB",
        crate::peak_kib()?
    );
    Ok(())
}

async fn crmkit_stream(base: &str) -> Result<u64, BoxError> {
    let crm = crmkit::zoho_crm::Client::builder()
        .base_url(base)
        .credentials(StaticToken::zoho("bench-token"))
        .http_client(crate::http())
        .allow_insecure_http(true)
        .build()?;
    let mut records = crm
        .list_records()
        .module_api_name("Leads")
        .per_page(200u32)
        .into_stream();
    let mut n = 0u64;
    while let Some(record) = records.try_next().await? {
        std::hint::black_box(&record);
        n += 1;
    }
    Ok(n)
}

async fn baseline(base: &str) -> Result<u64, BoxError> {
    let http = crate::http();
    let url = format!("{base}/crm/v2/Leads");
    let mut n = 0u64;
    for page in 1u32.. {
        let list =
            crate::zoho_by_hand(http.get(&url).query(&[("page", page), ("per_page", 200)])).await?;
        let more = list
            .info
            .as_ref()
            .and_then(|i| i.more_records)
            .unwrap_or(false);
        for record in list.data {
            std::hint::black_box(&record);
            n += 1;
        }
        if !more {
            break;
        }
    }
    Ok(n)
}
