//! Every size and rate limit of the launcher, in one place (docs/ipc.md "Limits",
//! docs/security.md). Platform-neutral and unit-tested; the platforms call these.

use std::time::Instant;

/// One protocol line, either way (without its token and newline). Longer lines are dropped
/// with a `line_too_long` error; a reader never holds more than this.
pub const MAX_LINE_BYTES: usize = 2 * 1024 * 1024;
/// A page message (`window.taupy.postMessage`) as JSON text; larger ones are dropped.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// Window and dialog titles: X11 rejects very long window properties, and GDK then ends the
/// program; Win32 title bars show a few hundred characters anyway.
pub const MAX_TITLE_CHARS: usize = 4096;
/// Dialog message text, filter names, paths: anything else that reaches GTK or Win32.
pub const MAX_TEXT_CHARS: usize = 64 * 1024;
/// Events waiting for the backend to read its stdin; beyond this they are dropped (the UI
/// thread never blocks on the pipe).
pub const MAX_QUEUED_EVENT_BYTES: usize = 16 * 1024 * 1024;
/// Page messages: a burst of this many, refilled at this rate per second.
pub const PAGE_MESSAGE_BURST: f64 = 200.0;
pub const PAGE_MESSAGES_PER_SECOND: f64 = 100.0;
/// External opens from the page (links, window.open) need a user gesture, and even then at
/// most a burst of 3, one more per 2 seconds: a loop cannot open a flood of browser tabs.
pub const EXTERNAL_OPEN_BURST: f64 = 3.0;
pub const EXTERNAL_OPENS_PER_SECOND: f64 = 0.5;

/// The one helper for text handed to the native toolkit: at most `max_chars` characters, no
/// NUL (C strings end there). Protocol parsing refuses longer values with a clear error first;
/// this is the last guard for strings from elsewhere (command line, config, composed titles).
pub fn ui_text(s: &str, max_chars: usize) -> String {
    s.chars().filter(|c| *c != '\0').take(max_chars).collect()
}

/// A token bucket: `allow()` is true while tokens last; they refill continuously.
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl RateLimiter {
    pub const fn new(burst: f64, per_second: f64) -> RateLimiter {
        RateLimiter { burst, per_second, tokens: burst, last: None }
    }

    pub fn allow(&mut self) -> bool {
        self.allow_at(Instant::now())
    }

    pub fn allow_at(&mut self, now: Instant) -> bool {
        if let Some(last) = self.last {
            let elapsed = now.saturating_duration_since(last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Result of reading one line with `read_line_capped`.
#[derive(Debug, PartialEq)]
pub enum LineRead {
    Eof,
    /// A whole line is in the buffer (without its `\n`).
    Line,
    /// The line was longer than the cap: the buffer holds its first `max` bytes, the rest was
    /// read and thrown away; `usize` is its full length.
    TooLong(usize),
}

/// `read_until(b'\n')` that never holds more than `max` bytes of one line.
pub fn read_line_capped<R: std::io::BufRead>(r: &mut R, buf: &mut Vec<u8>, max: usize) -> std::io::Result<LineRead> {
    buf.clear();
    let mut total = 0usize;
    loop {
        let (done, used) = {
            let available = match r.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if total == 0 {
                    return Ok(LineRead::Eof);
                }
                (true, 0)
            } else {
                let (part, done) = match available.iter().position(|b| *b == b'\n') {
                    Some(i) => (&available[..i], Some(i + 1)),
                    None => (available, None),
                };
                let room = max.saturating_sub(buf.len());
                buf.extend_from_slice(&part[..part.len().min(room)]);
                total += part.len();
                match done {
                    Some(n) => (true, n),
                    None => (false, available.len()),
                }
            }
        };
        r.consume(used);
        if done {
            return Ok(if total > max { LineRead::TooLong(total) } else { LineRead::Line });
        }
    }
}

#[cfg(test)]
fn seconds(s: f64) -> std::time::Duration {
    std::time::Duration::from_millis((s * 1000.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_text_caps_and_strips_nul() {
        assert_eq!(ui_text("ab\0c", 10), "abc");
        assert_eq!(ui_text(&"é".repeat(10), 3), "ééé");
        assert_eq!(ui_text(&"y".repeat(MAX_TITLE_CHARS * 4), MAX_TITLE_CHARS).chars().count(), MAX_TITLE_CHARS);
    }

    #[test]
    fn a_rate_limiter_allows_a_burst_then_the_rate() {
        let mut r = RateLimiter::new(3.0, 0.5);
        let t0 = Instant::now();
        assert!(r.allow_at(t0) && r.allow_at(t0) && r.allow_at(t0));
        assert!(!r.allow_at(t0));
        assert!(!r.allow_at(t0 + seconds(1.0)));
        assert!(r.allow_at(t0 + seconds(2.1)));
        assert!(!r.allow_at(t0 + seconds(2.2)));
    }

    #[test]
    fn lines_are_capped() {
        let input = format!("short\n{}\nafter\nlast", "x".repeat(100));
        let mut r = std::io::BufReader::with_capacity(7, input.as_bytes());
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), LineRead::Line);
        assert_eq!(buf, b"short");
        assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), LineRead::TooLong(100));
        assert_eq!(buf.len(), 10);
        assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), LineRead::Line);
        assert_eq!(buf, b"after");
        assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), LineRead::Line);
        assert_eq!(buf, b"last");
        assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), LineRead::Eof);
    }
}
