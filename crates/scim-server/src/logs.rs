//! The log subscriber: `tracing-subscriber`'s fmt layer, made cheap enough for a line
//! per request. Three parts of it cost most of a request's time at `info` and are
//! replaced here:
//!
//! - **fields** are written `name=value` with `Display` (`Fields`), not through
//!   `Debug` with escaping. Values that are not a plain word are quoted and escaped.
//! - **timestamps** reuse the formatted second (`Timestamp`): only the microseconds
//!   are written per line.
//! - **lines** are gathered in a buffer per thread (`Lines`), merged in time order and
//!   written out every 100 ms, instead of a `write` call per line. A warning or error
//!   is written at once, with what came before it, and the buffers are written when
//!   the server stops.

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scim_schema::DateTime;
use tracing::field::{Field, Visit};
use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use crate::cli::LogFormat;

/// How long a line may wait in the buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The size at which a thread's buffer is written out before its time: above what a
/// thread gathers in [`FLUSH_EVERY`] at full load, so lines are nearly always written
/// merged in time order.
const FLUSH_AT: usize = 1024 * 1024;

/// Installs the subscriber: `RUST_LOG` filters (default `info`); lines go to stdout,
/// or to stderr when stdout carries a protocol or a document. Returns the lines'
/// buffer, to write out at the end.
pub(crate) fn init(format: LogFormat, to_stderr: bool) -> Lines {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let lines = Lines::new(to_stderr);
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(lines.clone())
        .with_timer(Timestamp);
    match format {
        LogFormat::Text => logs.fmt_fields(Fields).event_format(TextLine).init(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    lines
}

/// Lines waiting to be written, and where they go. Each thread gathers its lines in
/// a buffer of its own (a shared one had the server's threads taking turns at one
/// lock and one stretch of memory on every request), and a buffer is written out
/// outside its lock. The threads' lines are merged by timestamp when they are
/// written; a buffer that reaches [`FLUSH_AT`] before its time is written alone.
#[derive(Clone)]
pub(crate) struct Lines {
    shards: Arc<Mutex<Vec<Shard>>>,
    to_stderr: bool,
}

/// One thread's buffer.
type Shard = Arc<Mutex<Vec<u8>>>;

impl Lines {
    fn new(to_stderr: bool) -> Self {
        Self {
            shards: Arc::default(),
            to_stderr,
        }
    }

    /// Writes the buffered lines out every [`FLUSH_EVERY`], from a task of the
    /// runtime (a line never waits much longer).
    pub(crate) fn flush_periodically(&self) {
        let lines = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(FLUSH_EVERY).await;
                lines.flush();
            }
        });
    }

    /// Writes every thread's buffered lines out now.
    pub(crate) fn flush(&self) {
        let shards = self
            .shards
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let taken: Vec<Vec<u8>> = shards.iter().filter_map(take).collect();
        self.emit(&merge(taken));
    }

    /// Takes a buffer's lines under its lock and writes them outside it.
    fn write_out(&self, shard: &Shard) {
        if let Some(taken) = take(shard) {
            self.emit(&taken);
        }
    }

    /// Writes lines to stdout or stderr.
    fn emit(&self, lines: &[u8]) {
        if lines.is_empty() {
            return;
        }
        // A log line that cannot be written has nowhere to be reported.
        let _ = match self.to_stderr {
            true => std::io::stderr().lock().write_all(lines),
            false => std::io::stdout().lock().write_all(lines),
        };
    }

    /// This thread's buffer, made and registered on its first line.
    fn shard(&self) -> Shard {
        thread_local! {
            static SHARD: std::cell::RefCell<Option<(usize, Shard)>> = const { std::cell::RefCell::new(None) };
        }
        let owner = Arc::as_ptr(&self.shards) as usize;
        SHARD.with(|cell| {
            let mut cell = cell.borrow_mut();
            match &*cell {
                Some((of, shard)) if *of == owner => shard.clone(),
                _ => {
                    let shard = Shard::default();
                    let mut shards = self.shards.lock().unwrap_or_else(|e| e.into_inner());
                    shards.push(shard.clone());
                    *cell = Some((owner, shard.clone()));
                    shard
                }
            }
        })
    }
}

/// A buffer's lines, taken under its lock; `None` when it has none.
fn take(shard: &Shard) -> Option<Vec<u8>> {
    let mut buffer = shard.lock().unwrap_or_else(|e| e.into_inner());
    (!buffer.is_empty()).then(|| std::mem::take(&mut *buffer))
}

/// The lines of several threads' buffers, in time order: every line starts with its
/// timestamp (after `{"timestamp":"` in JSON), and each buffer is in order already, so
/// a stable sort by the line's head merges them.
fn merge(mut buffers: Vec<Vec<u8>>) -> Vec<u8> {
    if buffers.len() < 2 {
        return buffers.pop().unwrap_or_default();
    }
    let mut lines: Vec<&[u8]> = buffers
        .iter()
        .flat_map(|buffer| buffer.split_inclusive(|&b| b == b'\n'))
        .collect();
    lines.sort_by(|a, b| a[..a.len().min(48)].cmp(&b[..b.len().min(48)]));
    lines.concat()
}

/// Where one event's line goes: the fmt layer writes a whole line in one call, which
/// is appended to the thread's buffer. A warning or an error is written out at once,
/// with every line before it.
pub(crate) struct Line<'a> {
    lines: &'a Lines,
    urgent: bool,
}

impl std::io::Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let shard = self.lines.shard();
        let full = {
            let mut buffer = shard.lock().unwrap_or_else(|e| e.into_inner());
            buffer.extend_from_slice(bytes);
            buffer.len() >= FLUSH_AT
        };
        match (self.urgent, full) {
            (true, _) => self.lines.flush(),
            (false, true) => self.lines.write_out(&shard),
            (false, false) => {}
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line {
            lines: self,
            urgent: false,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line<'a> {
        Line {
            lines: self,
            urgent: *meta.level() <= Level::WARN,
        }
    }
}

/// RFC 3339 UTC timestamps with microseconds; the part up to the second is formatted
/// once a second per thread.
struct Timestamp;

impl FormatTime for Timestamp {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        thread_local! {
            static SECOND: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
        }
        let now = DateTime::now();
        let micros = now.unix_micros();
        let (seconds, fraction) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
        SECOND.with(|second| {
            let mut second = second.borrow_mut();
            if second.0 != seconds {
                let text = DateTime::from_unix(seconds, 0).to_string();
                // `…T12:34:56Z` or `…T12:34:56.000Z`: keep up to the seconds.
                second.1 = text.get(..19).unwrap_or(&text).to_owned();
                second.0 = seconds;
            }
            w.write_str(&second.1)?;
            let mut digits = *b".000000Z";
            let mut rest = fraction;
            for digit in digits[1..7].iter_mut().rev() {
                *digit = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            // Every byte is ASCII.
            w.write_str(std::str::from_utf8(&digits).unwrap_or(".000000Z"))
        })
    }
}

/// A text line: `TIMESTAMP LEVEL span{fields}:span{fields}: target: message fields`,
/// written with `write_str` (the fmt layer's own formatter spends more on `write!`
/// than on the line).
struct TextLine;

impl<S, N> FormatEvent<S, N> for TextLine
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        Timestamp.format_time(&mut w)?;
        let meta = event.metadata();
        w.write_str(match *meta.level() {
            Level::ERROR => " ERROR ",
            Level::WARN => "  WARN ",
            Level::INFO => "  INFO ",
            Level::DEBUG => " DEBUG ",
            Level::TRACE => " TRACE ",
        })?;
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                w.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    w.write_char('{')?;
                    w.write_str(fields)?;
                    w.write_char('}')?;
                }
                w.write_char(':')?;
            }
            w.write_char(' ')?;
        }
        w.write_str(meta.target())?;
        w.write_str(": ")?;
        ctx.format_fields(w.by_ref(), event)?;
        w.write_char('\n')
    }
}

/// Writes fields as `name=value`, separated by spaces; the `message` field bare.
/// A string that is not one plain word is quoted and escaped.
struct Fields;

impl<'w> MakeVisitor<Writer<'w>> for Fields {
    type Visitor = FieldWriter<'w>;

    fn make_visitor(&self, writer: Writer<'w>) -> FieldWriter<'w> {
        FieldWriter {
            writer,
            first: true,
            result: Ok(()),
        }
    }
}

/// The visitor of [`Fields`].
struct FieldWriter<'w> {
    writer: Writer<'w>,
    /// No field written yet: the next one needs no space before it.
    first: bool,
    result: std::fmt::Result,
}

impl FieldWriter<'_> {
    /// Writes the separator and `name=` (nothing for the message).
    fn name(&mut self, field: &Field) -> std::fmt::Result {
        if !std::mem::replace(&mut self.first, false) {
            self.writer.write_char(' ')?;
        }
        if field.name() != "message" {
            self.writer.write_str(field.name())?;
            self.writer.write_char('=')?;
        }
        Ok(())
    }

    fn write(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> std::fmt::Result) {
        if self.result.is_ok() {
            self.result = self.name(field).and_then(|()| value(&mut self.writer));
        }
    }
}

impl Visit for FieldWriter<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let plain = field.name() == "message"
            || !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b'=');
        self.write(field, |w| match plain {
            true => w.write_str(value),
            false => write!(w, "{value:?}"),
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.write(field, |w| w.write_str(decimal(value, &mut [0; 20])));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.write(field, |w| {
            if value < 0 {
                w.write_char('-')?;
            }
            w.write_str(decimal(value.unsigned_abs(), &mut [0; 20]))
        });
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.write(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.write(field, |w| write!(w, "{value:?}"));
    }
}

/// `value` in decimal, written into the end of `buffer` (a `write!` costs several
/// times more).
fn decimal(mut value: u64, buffer: &mut [u8; 20]) -> &str {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    std::str::from_utf8(&buffer[at..]).unwrap_or("0")
}

impl VisitOutput<std::fmt::Result> for FieldWriter<'_> {
    fn finish(self) -> std::fmt::Result {
        self.result
    }
}

impl VisitFmt for FieldWriter<'_> {
    fn writer(&mut self) -> &mut dyn std::fmt::Write {
        &mut self.writer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_lines_are_merged_in_time_order() {
        let first = b"2026-01-01T00:00:00.000001Z a\n2026-01-01T00:00:00.000003Z c\n".to_vec();
        let second = b"2026-01-01T00:00:00.000002Z b\n2026-01-01T00:00:00.000004Z d\n".to_vec();
        let merged = merge(vec![first, second]);
        assert_eq!(
            String::from_utf8(merged).unwrap(),
            "2026-01-01T00:00:00.000001Z a\n2026-01-01T00:00:00.000002Z b\n\
             2026-01-01T00:00:00.000003Z c\n2026-01-01T00:00:00.000004Z d\n"
        );
    }

    #[test]
    fn timestamps_are_rfc_3339_with_microseconds() {
        let mut text = String::new();
        Timestamp.format_time(&mut Writer::new(&mut text)).unwrap();
        assert_eq!(text.len(), 27, "{text}");
        assert!(DateTime::parse(&text).is_some(), "{text}");
        assert_eq!(decimal(0, &mut [0; 20]), "0");
        assert_eq!(decimal(u64::MAX, &mut [0; 20]), u64::MAX.to_string());
    }
}
