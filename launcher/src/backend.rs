//! The backend child process: spawn it, read its stdout (protocol + log) and stderr (log,
//! last lines kept for the error page), write events to its stdin, notice when it exits.
//! In `--url` mode there is no child: commands come from our stdin, events go to our stdout.
//!
//! Framing (docs/ipc.md, docs/security.md): the backend's stdout is also where `console.log`
//! writes, so a command counts only when its line starts with a per-launch secret token, which
//! the backend gets in `TAUPY_IPC_TOKEN` and removes from its environment at once. Every other
//! line is log. Events go through a writer thread with a bounded queue: the UI thread never
//! blocks on a backend that does not read its stdin.

use crate::app::UiMsg;
use crate::json::Json;
use crate::limits::{read_line_capped, LineRead, MAX_LINE_BYTES, MAX_QUEUED_EVENT_BYTES};
use crate::platform;
use crate::protocol::{error_event, parse_line, reply_err, reply_ok, Command, Line, ProtocolError};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const TAIL_LINES: usize = 40;
/// The environment variable that carries the framing token to the backend.
pub const TOKEN_VAR: &str = "TAUPY_IPC_TOKEN";

/// Where events go: a writer thread that owns the backend's stdin (or our stdout in `--url` mode).
static SINK: Mutex<Option<SyncSender<Vec<u8>>>> = Mutex::new(None);
static QUEUED: AtomicUsize = AtomicUsize::new(0);
static DROP_WARNED: AtomicBool = AtomicBool::new(false);

fn start_writer(mut w: Box<dyn Write + Send>) {
    let (tx, rx) = sync_channel::<Vec<u8>>(4096);
    thread::spawn(move || {
        for line in rx {
            let written = w.write_all(&line).and_then(|_| w.flush());
            QUEUED.fetch_sub(line.len(), Ordering::SeqCst);
            if written.is_err() {
                break; // the backend is gone; its exit is reported separately
            }
        }
        // Dropping `w` closes the backend's stdin: it sees EOF once every queued event is written.
    });
    *SINK.lock().unwrap() = Some(tx);
}

/// Queues one event line; never blocks. Dropped (with one warning) when the backend does not
/// read its stdin and more than `MAX_QUEUED_EVENT_BYTES` wait.
pub fn emit(ev: &Json) {
    let mut line = ev.to_string();
    line.push('\n');
    let mut guard = match SINK.lock() {
        Ok(g) => g,
        Err(_) => return,
    };
    let tx = match guard.as_ref() {
        Some(tx) => tx,
        None => return,
    };
    let n = line.len();
    if QUEUED.load(Ordering::SeqCst) + n > MAX_QUEUED_EVENT_BYTES {
        return warn_dropped();
    }
    QUEUED.fetch_add(n, Ordering::SeqCst);
    match tx.try_send(line.into_bytes()) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => {
            QUEUED.fetch_sub(n, Ordering::SeqCst);
            warn_dropped();
        }
        Err(TrySendError::Disconnected(_)) => {
            QUEUED.fetch_sub(n, Ordering::SeqCst);
            *guard = None;
        }
    }
}

fn warn_dropped() {
    if !DROP_WARNED.swap(true, Ordering::SeqCst) {
        eprintln!("taupy-launcher: the backend is not reading its stdin; dropping events");
    }
}

/// A new framing token: 128 bits from the OS's CSPRNG, as hex.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    platform::random_bytes(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{:02x}", b)).collect())
}

/// Answers a command that has nothing to return (only commands with an `id` get replies).
pub fn ack(id: &Option<Json>) {
    if let Some(id) = id {
        emit(&reply_ok(id, Json::Null));
    }
}

/// Reports a failed command: a reply when it had an `id`, an `error` event otherwise.
pub fn fail(id: &Option<Json>, command: &str, code: &'static str, message: &str) {
    match id {
        Some(id) => emit(&reply_err(id, code, message)),
        None => emit(&error_event(&ProtocolError {
            code,
            message: message.to_string(),
            command: Some(command.to_string()),
            id: None,
        })),
    }
}

/// Closes the event stream: the backend sees EOF on stdin and exits (the contract in docs/ipc.md).
pub fn close_sink() {
    if let Ok(mut guard) = SINK.lock() {
        *guard = None;
    }
}

/// Before the launcher exits: closes the event stream and gives the writer thread up to `max` to
/// write what is queued (the last reply in `--url` mode, say), without hanging on a full pipe.
pub fn finish(max: Duration) {
    close_sink();
    let deadline = std::time::Instant::now() + max;
    while QUEUED.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
}

pub fn send(tx: &Sender<UiMsg>, msg: UiMsg) {
    let _ = tx.send(msg);
    platform::wake();
}

pub struct Backend {
    child: Arc<Mutex<Child>>,
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl Backend {
    /// `env`: extra variables on top of ours (the packaged app's `launch.env`).
    pub fn spawn(argv: &[String], env: &[(String, String)], app_id: Option<&str>, tx: Sender<UiMsg>) -> std::io::Result<Backend> {
        let token = new_token()?;
        let mut cmd = Process::new(&argv[0]);
        cmd.args(&argv[1..]).envs(env.iter().map(|(k, v)| (k, v))).env("TAUPY_LAUNCHER", "1").env(TOKEN_VAR, &token);
        if let Some(id) = app_id {
            cmd.env("TAUPY_APP_ID", id);
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        platform::prepare_backend(&mut cmd);
        let mut child = cmd.spawn()?;
        crate::trace::mark("backend_spawned");
        platform::adopt_backend(&child);
        let stdin: ChildStdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        start_writer(Box::new(stdin));
        let child = Arc::new(Mutex::new(child));
        let tail = Arc::new(Mutex::new(VecDeque::new()));

        let t = tail.clone();
        let err_done = thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let _ = std::io::stderr().write_all(&buf);
                        let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                        let mut q = t.lock().unwrap();
                        q.push_back(line);
                        while q.len() > TAIL_LINES {
                            q.pop_front();
                        }
                    }
                }
            }
        });

        let c = child.clone();
        let t = tail.clone();
        thread::spawn(move || {
            read_commands(BufReader::new(stdout), &tx, Some(&token));
            // stdout closed: the child is exiting (or closed it on purpose); wait for it.
            let status = loop {
                if let Ok(Some(s)) = c.lock().unwrap().try_wait() {
                    break s;
                }
                thread::sleep(Duration::from_millis(20));
            };
            let _ = err_done.join();
            let tail: Vec<String> = t.lock().unwrap().iter().cloned().collect();
            send(&tx, UiMsg::BackendExited { code: status.code(), signal: signal_of(&status), tail });
        });
        Ok(Backend { child, tail })
    }

    pub fn kill(&self) {
        let _ = self.child.lock().unwrap().kill();
    }

    pub fn stderr_tail(&self) -> Vec<String> {
        self.tail.lock().unwrap().iter().cloned().collect()
    }
}

#[cfg(unix)]
fn signal_of(s: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    s.signal()
}
#[cfg(not(unix))]
fn signal_of(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

/// `--url` mode: commands on our stdin, events on our stdout.
pub fn use_own_stdio(tx: Sender<UiMsg>) {
    start_writer(Box::new(std::io::stdout()));
    thread::spawn(move || {
        read_commands(BufReader::new(std::io::stdin()), &tx, None);
        send(&tx, UiMsg::InputClosed);
    });
}

/// Reads protocol lines until EOF. With a token (a backend child) only lines that start with it
/// are protocol, the rest is log copied to stderr. Without (`--url` mode: our own stdin, no app
/// code) every JSON object line is a command and other lines are ignored.
fn read_commands<R: BufRead>(mut r: R, tx: &Sender<UiMsg>, token: Option<&str>) {
    let mut buf = Vec::new();
    let mut warned_unframed = false;
    loop {
        let read = match read_line_capped(&mut r, &mut buf, MAX_LINE_BYTES) {
            Ok(LineRead::Eof) | Err(_) => return,
            Ok(read) => read,
        };
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches('\r');
        let protocol = match token {
            Some(t) => line.strip_prefix(t),
            None => Some(line),
        };
        let text = match protocol {
            Some(text) => text,
            None => {
                log_line(line, &read);
                if !warned_unframed && matches!(parse_line(line), Line::Request(ref q) if matches!(q.command, Command::Ready { .. })) {
                    warned_unframed = true;
                    eprintln!(
                        "taupy-launcher: the backend printed a ready line without the IPC token ({}); \
                         its taupy/ipc is older than this launcher, or the line came from app code: ignored",
                        TOKEN_VAR
                    );
                }
                continue;
            }
        };
        if let LineRead::TooLong(n) = read {
            send(tx, UiMsg::Invalid(ProtocolError {
                code: "line_too_long",
                message: format!("a protocol line of {} bytes is longer than the limit of {} bytes; dropped", n, MAX_LINE_BYTES),
                command: None,
                id: None,
            }));
            continue;
        }
        match parse_line(text) {
            Line::Request(req) => send(tx, UiMsg::Request(req)),
            Line::Invalid(e) => send(tx, UiMsg::Invalid(e)),
            Line::Log if token.is_some() && !text.trim().is_empty() => send(tx, UiMsg::Invalid(ProtocolError {
                code: "malformed",
                message: "a framed line must be a JSON object".into(),
                command: None,
                id: None,
            })),
            Line::Log => {}
        }
    }
}

/// The backend's log on its stdout goes to our stderr (the blank separator lines the framing
/// writes are skipped; an overlong line is cut).
fn log_line(line: &str, read: &LineRead) {
    if line.is_empty() {
        return;
    }
    let mut err = std::io::stderr();
    let _ = match read {
        LineRead::TooLong(n) => writeln!(err, "{} [… {} bytes cut]", line, n.saturating_sub(line.len())),
        _ => writeln!(err, "{}", line),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    fn commands(input: &str, token: Option<&str>) -> Vec<String> {
        let (tx, rx) = channel();
        read_commands(BufReader::new(input.as_bytes()), &tx, token);
        rx.try_iter()
            .map(|m| match m {
                UiMsg::Request(r) => format!("{:?}", r.command),
                UiMsg::Invalid(e) => e.code.to_string(),
                _ => "other".into(),
            })
            .collect()
    }

    #[test]
    fn only_lines_framed_with_the_token_are_commands() {
        let t = "0123456789abcdef0123456789abcdef";
        let input = format!(
            "{{\"type\":\"exit\",\"code\":7}}\nlog {t}{{\"type\":\"exit\"}}\n\n{t}{{\"type\":\"center\"}}\npartial\n{t}{{\"type\":\"fly\"}}\n{t}not json\n",
            t = t
        );
        assert_eq!(commands(&input, Some(t)), vec!["Center", "unknown_command", "malformed"]);
        // --url mode: no app code on our stdin, every JSON line is a command.
        assert_eq!(commands("{\"type\":\"center\"}\nlog\n", None), vec!["Center"]);
    }

    #[test]
    fn an_overlong_framed_line_is_an_error_and_is_not_held() {
        let t = "0123456789abcdef0123456789abcdef";
        let input = format!("{}{{\"type\":\"set_title\",\"title\":\"{}\"}}\n{}{{\"type\":\"center\"}}\n", t, "y".repeat(MAX_LINE_BYTES), t);
        assert_eq!(commands(&input, Some(t)), vec!["line_too_long", "Center"]);
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}

#[cfg(test)]
mod framing_examples {
    use super::*;
    use std::sync::mpsc::channel;

    /// Both ends are tested against launcher/protocol-examples.json ("framing").
    #[test]
    fn the_framing_examples() {
        let all = Json::parse(include_str!("../protocol-examples.json")).unwrap();
        let framing = all.get("framing").unwrap();
        let token = framing.get("token").and_then(Json::as_str).unwrap();
        let lines = match framing.get("stdout") {
            Some(Json::Arr(a)) => a.clone(),
            _ => panic!("no framing.stdout"),
        };
        for ex in lines {
            let line = ex.get("line").and_then(Json::as_str).unwrap();
            let (tx, rx) = channel();
            read_commands(BufReader::new(format!("{}\n", line).as_bytes()), &tx, Some(token));
            let got: Vec<String> = rx
                .try_iter()
                .map(|m| match m {
                    UiMsg::Request(r) => format!("{:?}", r.command),
                    _ => "invalid".into(),
                })
                .collect();
            match ex.get("command").and_then(Json::as_str) {
                Some(ty) => {
                    assert_eq!(got.len(), 1, "{}", line);
                    let camel: String = ty.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect();
                    assert!(got[0].starts_with(&camel), "{} -> {:?}", line, got);
                }
                None => assert!(got.is_empty(), "{} must be log, got {:?}", line, got),
            }
        }
    }
}
