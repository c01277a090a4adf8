//! How answers reach stdout: JSON (pretty on a terminal, compact otherwise), JSON lines for
//! `--all`, raw bytes for downloads; progress on stderr only when stderr is a terminal.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use crmkit::runtime::futures_util::{Stream, StreamExt};
use crmkit::{ByteStream, Response};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

/// Where and how answers are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pretty: bool,
    progress: bool,
}

impl Output {
    /// Pretty JSON when stdout is a terminal; progress when stderr is one.
    pub fn detect() -> Self {
        Output {
            pretty: std::io::stdout().is_terminal(),
            progress: std::io::stderr().is_terminal(),
        }
    }

    /// Prints a JSON answer (nothing for a body-less success).
    pub fn one<T: Serialize>(&self, answer: crmkit::Result<Response<T>>) -> Result<()> {
        self.value(answer.map(Response::into_inner))
    }

    /// Prints a value as JSON (nothing when it is `null`, the body-less `()`).
    pub fn value<T: Serialize>(&self, value: crmkit::Result<T>) -> Result<()> {
        let value = value?;
        let text = if self.pretty {
            serde_json::to_string_pretty(&value)?
        } else {
            serde_json::to_string(&value)?
        };
        if text == "null" {
            return Ok(());
        }
        write_stdout(|out| writeln!(out, "{text}"))
    }

    /// Prints every item of a paged list (a client's `into_stream()` or page stream) as one
    /// compact JSON line, as it arrives.
    pub async fn stream<T, S>(&self, mut items: S) -> Result<()>
    where
        T: Serialize,
        S: Stream<Item = crmkit::Result<T>> + Unpin,
    {
        let bar = self.bar(None, "{spinner} {pos} items ({elapsed})");
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let result = async {
            while let Some(item) = items.next().await {
                let item = item?;
                serde_json::to_writer(&mut out, &item)?;
                out.write_all(b"\n")?;
                bar.inc(1);
            }
            out.flush()?;
            Ok(())
        }
        .await;
        bar.finish_and_clear();
        quiet_broken_pipe(result)
    }

    /// Copies a binary answer (a photo, a bulk-read ZIP) to stdout as it arrives.
    pub async fn download(&self, answer: crmkit::Result<Response<ByteStream>>) -> Result<()> {
        let answer = answer?;
        let length = answer
            .headers()
            .get(crmkit::runtime::reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let bar = self.bar(
            length,
            match length {
                Some(_) => "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ({eta})",
                None => "{spinner} {bytes} {bytes_per_sec} ({elapsed})",
            },
        );
        let mut stream = answer.into_inner();
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let result = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                out.write_all(&chunk)?;
                bar.inc(chunk.len() as u64);
            }
            out.flush()?;
            Ok(())
        }
        .await;
        bar.finish_and_clear();
        quiet_broken_pipe(result)
    }

    fn bar(&self, length: Option<u64>, template: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar
    }
}

fn write_stdout(f: impl FnOnce(&mut std::io::StdoutLock<'_>) -> std::io::Result<()>) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    quiet_broken_pipe(f(&mut out).and_then(|()| out.flush()).map_err(Into::into))
}

/// A reader that went away (`crmkit … | head`) is not a failure of the command.
fn quiet_broken_pipe(result: Result<()>) -> Result<()> {
    match result {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        Err(e)
            if e.downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}
