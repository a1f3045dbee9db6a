//! Text lines: `TIMESTAMP LEVEL span{fields}:span{fields}: target: message fields`,
//! written straight into the thread's buffer by a layer of its own
//! (`tracing-subscriber`'s fmt layer formats into a `String` through `dyn Write`
//! and then copies it, which cost more than the rest of a request's log line).

use std::fmt::Write as _;

use scim_schema::DateTime;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::lines::Lines;

/// The layer that writes text lines into [`Lines`].
pub(crate) struct Text {
    lines: Lines,
}

impl Text {
    pub(crate) fn new(lines: Lines) -> Self {
        Self { lines }
    }
}

/// A span's fields, formatted once when they are recorded.
struct SpanFields(Vec<u8>);

impl<S> Layer<S> for Text
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Vec::new();
        attrs.record(&mut FieldWriter::new(&mut fields));
        span.extensions_mut().insert(SpanFields(fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            let mut writer = FieldWriter::new(fields);
            writer.first = writer.out.is_empty();
            values.record(&mut writer);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let urgent = *meta.level() <= Level::WARN;
        self.lines.append(urgent, |out| {
            timestamp(out);
            out.extend_from_slice(match *meta.level() {
                Level::ERROR => b" ERROR ",
                Level::WARN => b"  WARN ",
                Level::INFO => b"  INFO ",
                Level::DEBUG => b" DEBUG ",
                Level::TRACE => b" TRACE ",
            });
            if let Some(scope) = ctx.event_scope(event) {
                for span in scope.from_root() {
                    out.extend_from_slice(span.name().as_bytes());
                    if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>()
                        && !fields.is_empty()
                    {
                        out.push(b'{');
                        out.extend_from_slice(fields);
                        out.push(b'}');
                    }
                    out.push(b':');
                }
                out.push(b' ');
            }
            out.extend_from_slice(meta.target().as_bytes());
            out.extend_from_slice(b": ");
            event.record(&mut FieldWriter::new(out));
            out.push(b'\n');
        });
    }
}

/// Writes the current time, RFC 3339 UTC with microseconds: the part up to the
/// second is formatted once a second per thread.
fn timestamp(out: &mut Vec<u8>) {
    thread_local! {
        static SECOND: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let micros = DateTime::now().unix_micros();
    let (seconds, fraction) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != seconds {
            let text = DateTime::from_unix(seconds, 0).to_string();
            // `…T12:34:56Z` or `…T12:34:56.000Z`: keep up to the seconds.
            second.1 = text.get(..19).unwrap_or(&text).to_owned();
            second.0 = seconds;
        }
        out.extend_from_slice(second.1.as_bytes());
    });
    let mut digits = *b".000000Z";
    let mut rest = fraction;
    for digit in digits[1..7].iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend_from_slice(&digits);
}

/// The same timestamps for `tracing-subscriber`'s fmt layer (the JSON format).
pub(crate) struct Timestamp;

impl FormatTime for Timestamp {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let mut text = Vec::with_capacity(27);
        timestamp(&mut text);
        // Every byte written is ASCII.
        w.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?)
    }
}

/// Writes fields as `name=value`, separated by spaces; the `message` field bare.
/// A string that is not one plain word is quoted and escaped.
struct FieldWriter<'a> {
    out: &'a mut Vec<u8>,
    /// No field written yet: the next one needs no space before it.
    first: bool,
}

impl<'a> FieldWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Self { out, first: true }
    }

    /// Writes the separator and `name=` (nothing for the message).
    fn name(&mut self, field: &Field) {
        if !std::mem::replace(&mut self.first, false) {
            self.out.push(b' ');
        }
        if field.name() != "message" {
            self.out.extend_from_slice(field.name().as_bytes());
            self.out.push(b'=');
        }
    }

    /// Writes `value` with `Debug`: quoted and escaped for a string.
    fn debug(&mut self, value: &dyn std::fmt::Debug) {
        // Writing into a `Vec` cannot fail.
        let _ = write!(Bytes(self.out), "{value:?}");
    }
}

/// A `Vec<u8>` written to as text.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The bytes a value may have and still be written unquoted: visible ASCII but `"`,
/// `\` and `=`.
const PLAIN: [bool; 256] = {
    let mut plain = [false; 256];
    let mut byte = b'!';
    while byte <= b'~' {
        plain[byte as usize] = !matches!(byte, b'"' | b'\\' | b'=');
        byte += 1;
    }
    plain
};

impl Visit for FieldWriter<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.name(field);
        let plain = field.name() == "message"
            || !value.is_empty() && value.bytes().all(|b| PLAIN[usize::from(b)]);
        match plain {
            true => self.out.extend_from_slice(value.as_bytes()),
            false => self.debug(&value),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.name(field);
        decimal(value, self.out);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.name(field);
        if value < 0 {
            self.out.push(b'-');
        }
        decimal(value.unsigned_abs(), self.out);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.name(field);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.name(field);
        self.debug(value);
    }
}

/// Writes `value` in decimal (a `write!` costs several times more).
fn decimal(mut value: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt as _;

    /// The lines `log` writes through [`Text`] and leaves in the buffer (a warning
    /// or an error would be written out at once).
    fn written(log: impl FnOnce()) -> String {
        let lines = Lines::new(true);
        let subscriber = tracing_subscriber::registry().with(Text::new(lines.clone()));
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(lines.take_all()).unwrap()
    }

    #[test]
    fn a_line_has_the_time_level_spans_target_message_and_fields() {
        let text = written(|| {
            let span = tracing::info_span!("request", request_id = "r-1", method = "GET");
            let _entered = span.enter();
            tracing::info!(target: "scim_http::request", route = "/{type}/{id}", status = 404_u64, latency_us = 17_u64, "request answered");
        });
        let (time, rest) = text.split_at(27);
        assert!(DateTime::parse(time).is_some(), "{text}");
        assert_eq!(
            rest,
            "  INFO request{request_id=r-1 method=GET}: scim_http::request: request answered \
             route=/{type}/{id} status=404 latency_us=17\n"
        );
    }

    #[test]
    fn values_that_are_not_one_plain_word_are_quoted_and_escaped() {
        let text = written(|| {
            tracing::info!(
                target: "t",
                empty = "",
                spaced = "a b",
                quoted = "say \"hi\"",
                negative = -12_i64,
                yes = true,
                listed = ?["x"],
                "careful"
            );
        });
        assert!(
            text.ends_with(
                "  INFO t: careful empty=\"\" spaced=\"a b\" quoted=\"say \\\"hi\\\"\" \
                 negative=-12 yes=true listed=[\"x\"]\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn fields_recorded_later_join_the_span() {
        let text = written(|| {
            let span = tracing::info_span!("job", id = 1_u64, state = tracing::field::Empty);
            span.record("state", "done");
            let _entered = span.enter();
            tracing::info!(target: "t", "finished");
        });
        assert!(
            text.contains(" job{id=1 state=done}: t: finished\n"),
            "{text}"
        );
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for value in [0, 7, 10, 1_234_567, u64::MAX] {
            let mut out = Vec::new();
            decimal(value, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), value.to_string());
        }
    }
}
