//! The backend child process: spawn it, read its stdout (protocol + log) and stderr (log,
//! last lines kept for the error page), write events to its stdin, notice when it exits.
//! In `--url` mode there is no child: commands come from our stdin, events go to our stdout.

use crate::app::UiMsg;
use crate::json::Json;
use crate::platform;
use crate::protocol::{error_event, parse_line, reply_err, reply_ok, Line, ProtocolError};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const TAIL_LINES: usize = 40;

/// Where events go: the backend's stdin, or our stdout in `--url` mode.
static SINK: Mutex<Option<Box<dyn Write + Send>>> = Mutex::new(None);

/// Writes one event line. Errors (backend gone) are ignored: its exit is reported separately.
pub fn emit(ev: &Json) {
    let mut line = ev.to_string();
    line.push('\n');
    if let Ok(mut guard) = SINK.lock() {
        if let Some(w) = guard.as_mut() {
            if w.write_all(line.as_bytes()).and_then(|_| w.flush()).is_err() {
                *guard = None;
            }
        }
    }
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
    pub fn spawn(argv: &[String], env: &[(String, String)], tx: Sender<UiMsg>) -> std::io::Result<Backend> {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("TAUPY_LAUNCHER", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        platform::prepare_backend(&mut cmd);
        let mut child = cmd.spawn()?;
        platform::adopt_backend(&child);
        let stdin: ChildStdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        *SINK.lock().unwrap() = Some(Box::new(stdin));
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
            read_commands(BufReader::new(stdout), &tx, true);
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
    *SINK.lock().unwrap() = Some(Box::new(std::io::stdout()));
    thread::spawn(move || {
        read_commands(BufReader::new(std::io::stdin()), &tx, false);
        send(&tx, UiMsg::InputClosed);
    });
}

/// Reads protocol lines until EOF. Non-JSON lines are the backend's log: copied to stderr.
fn read_commands<R: BufRead>(mut r: R, tx: &Sender<UiMsg>, log_to_stderr: bool) {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&buf);
        match parse_line(&line) {
            Line::Request(req) => send(tx, UiMsg::Request(req)),
            Line::Invalid(e) => send(tx, UiMsg::Invalid(e)),
            Line::Log => {
                if log_to_stderr {
                    let _ = std::io::stderr().write_all(&buf);
                }
            }
        }
    }
}
