//! The log subscriber, cheap enough for a line per request:
//!
//! - **text lines** (the default) are written by a layer of this crate ([`text`]):
//!   fields `name=value` with `Display` (a value that is not one plain word quoted and
//!   escaped), straight into the thread's buffer, the timestamp's second formatted
//!   once a second;
//! - **JSON lines** are `tracing-subscriber`'s JSON format, with the same timestamps;
//! - **lines** are gathered in a buffer per thread ([`lines`]), merged in time order
//!   and written out every 100 ms, instead of a `write` call per line. A warning or
//!   error is written at once, with what came before it, and the buffers are written
//!   when the server stops.

mod lines;
mod text;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

pub(crate) use self::lines::Lines;
use crate::cli::LogFormat;

/// Installs the subscriber: `RUST_LOG` filters (default `info`); lines go to stdout,
/// or to stderr when stdout carries a protocol or a document. Returns the lines'
/// buffer, to write out at the end.
pub(crate) fn init(format: LogFormat, to_stderr: bool) -> Lines {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let lines = Lines::new(to_stderr);
    let logs = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Text => logs.with(text::Text::new(lines.clone())).init(),
        LogFormat::Json => logs
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(lines.clone())
                    .with_timer(text::Timestamp),
            )
            .init(),
    }
    lines
}
