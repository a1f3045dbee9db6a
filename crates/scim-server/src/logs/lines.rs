//! Where lines wait before they are written: a buffer per thread, merged in time
//! order and written out every [`FLUSH_EVERY`].

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait in the buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The size at which a thread's buffer is written out before its time: above what a
/// thread gathers in [`FLUSH_EVERY`] at full load, so lines are nearly always written
/// merged in time order.
const FLUSH_AT: usize = 1024 * 1024;

/// How many bytes of a line's head are compared when threads' lines are merged: the
/// timestamp, at the start of a text line or after `{"timestamp":"` in JSON.
const HEAD: usize = 48;

/// Lines waiting to be written, and where they go. Each thread gathers its lines in
/// a buffer of its own (a shared one had the server's threads taking turns at one
/// lock and one stretch of memory on every request), and a buffer is written out
/// outside its lock. The threads' lines are merged by timestamp when they are
/// written; a buffer that reaches [`FLUSH_AT`] before its time is written alone.
/// Buffers are reused, emptied, so that a busy thread's next 100 ms of lines go into
/// memory that is already there.
#[derive(Clone)]
pub(crate) struct Lines {
    shards: Arc<Mutex<Vec<Shard>>>,
    /// Buffers written out and emptied, for the next [`flush`](Self::flush) to hand out.
    spares: Arc<Mutex<Vec<Buffer>>>,
    /// Where threads' lines are merged; its lock also keeps flushes in order.
    merged: Arc<Mutex<Vec<u8>>>,
    to_stderr: bool,
}

/// One thread's buffer.
type Shard = Arc<Mutex<Buffer>>;

/// Whole lines, and where each ends (so merging them scans no bytes).
#[derive(Default)]
pub(crate) struct Buffer {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Buffer {
    /// Appends one line with `write`, which must end it with `\n`.
    pub(crate) fn line(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.bytes);
        self.ends.push(self.bytes.len());
    }

    /// The lines, in the order they were appended.
    fn lines(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.bytes[start..end])
    }
}

impl Lines {
    pub(crate) fn new(to_stderr: bool) -> Self {
        Self {
            shards: Arc::default(),
            spares: Arc::default(),
            merged: Arc::default(),
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
        // Taken first, so that lines taken later are written later.
        let mut merged = lock(&self.merged);
        let shards = lock(&self.shards).clone();
        let mut spares = std::mem::take(&mut *lock(&self.spares));
        let taken: Vec<Buffer> = shards
            .iter()
            .filter_map(|shard| swap(shard, &mut spares))
            .collect();
        match &*taken {
            [only] => self.emit(&only.bytes),
            _ => {
                merge(&taken, &mut merged);
                self.emit(&merged);
                merged.clear();
            }
        }
        drop(merged);
        self.keep(taken.into_iter().chain(spares));
    }

    /// Keeps written buffers, emptied, for reuse.
    fn keep(&self, written: impl IntoIterator<Item = Buffer>) {
        lock(&self.spares).extend(written.into_iter().map(|mut buffer| {
            buffer.bytes.clear();
            buffer.ends.clear();
            buffer
        }));
    }

    /// Appends a line to this thread's buffer with `write`. A warning or an error
    /// (`urgent`) is written out at once, with every line before it.
    pub(crate) fn append(&self, urgent: bool, write: impl FnOnce(&mut Vec<u8>)) {
        let full = self.with_shard(|shard| {
            let mut buffer = lock(shard);
            buffer.line(write);
            (buffer.bytes.len() >= FLUSH_AT).then(|| shard.clone())
        });
        match (urgent, full) {
            (true, _) => self.flush(),
            (false, Some(shard)) => {
                let in_order = lock(&self.merged);
                let spare = lock(&self.spares).pop().unwrap_or_default();
                let taken = std::mem::replace(&mut *lock(&shard), spare);
                self.emit(&taken.bytes);
                drop(in_order);
                self.keep([taken]);
            }
            (false, None) => {}
        }
    }

    /// Every thread's buffered lines, merged, taken instead of written.
    #[cfg(test)]
    pub(crate) fn take_all(&self) -> Vec<u8> {
        let shards = lock(&self.shards).clone();
        let taken: Vec<Buffer> = shards
            .iter()
            .filter_map(|shard| swap(shard, &mut Vec::new()))
            .collect();
        let mut merged = Vec::new();
        merge(&taken, &mut merged);
        merged
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

    /// Runs `f` on this thread's buffer, made and registered on its first line.
    fn with_shard<R>(&self, f: impl FnOnce(&Shard) -> R) -> R {
        thread_local! {
            static SHARD: std::cell::RefCell<Option<(usize, Shard)>> = const { std::cell::RefCell::new(None) };
        }
        let owner = Arc::as_ptr(&self.shards) as usize;
        SHARD.with(|cell| {
            if let Some((of, shard)) = &*cell.borrow()
                && *of == owner
            {
                return f(shard);
            }
            let shard = Shard::default();
            lock(&self.shards).push(shard.clone());
            let result = f(&shard);
            *cell.borrow_mut() = Some((owner, shard));
            result
        })
    }
}

/// A buffer's lines, taken under its lock and replaced by a spare; `None` when it
/// has none.
fn swap(shard: &Shard, spares: &mut Vec<Buffer>) -> Option<Buffer> {
    let mut buffer = lock(shard);
    if buffer.bytes.is_empty() {
        return None;
    }
    Some(std::mem::replace(
        &mut *buffer,
        spares.pop().unwrap_or_default(),
    ))
}

/// Locks `mutex`; a thread that panicked while writing a line leaves nothing broken.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Appends the lines of several threads' buffers to `out`, in time order. Each
/// buffer is in order already, so they are merged by each one's next line's head;
/// lines with the same head keep the order of the buffers.
fn merge(buffers: &[Buffer], out: &mut Vec<u8>) {
    out.reserve(buffers.iter().map(|b| b.bytes.len()).sum());
    let mut rests: Vec<_> = buffers.iter().map(|b| b.lines().peekable()).collect();
    loop {
        let next = rests
            .iter_mut()
            .enumerate()
            .filter_map(|(i, rest)| Some((i, head(rest.peek()?))))
            .min_by(|(_, a), (_, b)| a.cmp(b))
            .map(|(i, _)| i);
        let Some(line) = next.and_then(|i| rests[i].next()) else {
            return;
        };
        out.extend_from_slice(line);
    }
}

/// What lines are ordered by.
fn head(line: &[u8]) -> &[u8] {
    &line[..line.len().min(HEAD)]
}

/// Where one event's line goes from `tracing-subscriber`'s fmt layer (the JSON
/// format), which writes a whole line in one call.
pub(crate) struct Line<'a> {
    lines: &'a Lines,
    urgent: bool,
}

impl std::io::Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.lines
            .append(self.urgent, |buffer| buffer.extend_from_slice(bytes));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(lines: &[&str]) -> Buffer {
        let mut buffer = Buffer::default();
        for line in lines {
            buffer.line(|bytes| bytes.extend_from_slice(format!("{line}\n").as_bytes()));
        }
        buffer
    }

    #[test]
    fn threads_lines_are_merged_in_time_order() {
        let first = buffer(&[
            "2026-01-01T00:00:00.000001Z a",
            "2026-01-01T00:00:00.000003Z c",
        ]);
        let second = buffer(&[
            "2026-01-01T00:00:00.000002Z b",
            "2026-01-01T00:00:00.000004Z d",
        ]);
        let third = buffer(&[]);
        let mut merged = Vec::new();
        merge(&[first, third, second], &mut merged);
        assert_eq!(
            String::from_utf8(merged).unwrap(),
            "2026-01-01T00:00:00.000001Z a\n2026-01-01T00:00:00.000002Z b\n\
             2026-01-01T00:00:00.000003Z c\n2026-01-01T00:00:00.000004Z d\n"
        );
    }

    #[test]
    fn lines_at_the_same_time_keep_the_order_of_their_buffers() {
        // The heads (48 bytes) are the same; the rest would sort the other way.
        let head = "2026-01-01T00:00:00.000001Z  INFO some::target: ";
        let first = buffer(&[&format!("{head}z")]);
        let second = buffer(&[&format!("{head}a")]);
        let mut merged = Vec::new();
        merge(&[first, second], &mut merged);
        assert_eq!(
            String::from_utf8(merged).unwrap(),
            format!("{head}z\n{head}a\n")
        );
    }
}
