//! The platform-neutral core: lifecycle of window and backend, and routing of messages.
//! Runs on the UI thread only; other threads talk to it through `UiMsg` + `platform::wake()`.

use crate::backend::{self, Backend};
use crate::cli::Options;
use crate::json::Json;
use crate::platform;
use crate::protocol::{self, Command, ProtocolError, Request};
use std::cell::RefCell;
use std::sync::mpsc::{Receiver, Sender};
use std::thread;
use std::time::Duration;

pub enum UiMsg {
    /// First-start extraction progress (packaged app), shown on the splash.
    Progress { done: u64, total: u64 },
    /// Spawn the backend now (packaged app, once extracted); the core owns it from then on and
    /// the ready timeout counts from here.
    /// The packaged app's backend, spawned by its worker thread as soon as the cache is ready.
    BackendStarted(Backend),
    /// Start-up failed before there was a backend: the message is shown (window or native
    /// box, and stderr) and the launcher exits with 1.
    Fatal(String),
    Request(Request),
    Invalid(ProtocolError),
    BackendExited { code: Option<i32>, signal: Option<i32>, tail: Vec<String> },
    /// `--url` mode: our stdin closed (the window stays open).
    InputClosed,
    /// The ready timeout of the backend start with this number (an older start's is ignored).
    ReadyTimeout(u64),
    GraceTimeout(u64),
    /// A later start of the app handed over its args (crate::instance): data, never commands.
    SecondInstance(crate::instance::Handoff),
}

struct App {
    opts: Options,
    rx: Receiver<UiMsg>,
    tx: Sender<UiMsg>,
    backend: Option<Backend>,
    /// No backend yet, one will come with `BackendStarted` (packaged app while extracting).
    awaiting_backend: bool,
    /// The native window exists (with its splash until the app's page replaces it).
    window: bool,
    /// The ready line arrived: the webview shows (or is loading) the app.
    window_open: bool,
    /// Commands that arrived before the ready line; replayed once the window exists.
    pending: Vec<Request>,
    /// Set while a close_requested awaits the backend's exit or veto.
    closing: Option<u64>,
    /// Set once we asked the backend to go (exit command, or window closed with no backend).
    quitting: bool,
    exit_override: Option<i32>,
    /// The backend died unexpectedly: the window shows the error page; closing it exits with this.
    crashed: Option<i32>,
    seq: u64,
    /// Backends started so far (a rolled-back update starts a second one in the same window).
    starts: u64,
}

thread_local! {
    static APP: RefCell<Option<App>> = RefCell::new(None);
}

/// `backend`: the already spawned backend (plain launcher), or None: `--url` mode when
/// `opts.url` is set, else a backend that `UiMsg::BackendStarted` brings later (packaged app).
/// The ready timeout counts from here for a given backend, from `BackendStarted` otherwise.
pub fn init(opts: Options, tx: Sender<UiMsg>, rx: Receiver<UiMsg>, backend: Option<Backend>) {
    let has_backend = backend.is_some();
    let awaiting_backend = backend.is_none() && opts.url.is_none();
    APP.with(|a| {
        *a.borrow_mut() = Some(App {
            opts,
            rx,
            tx,
            backend,
            awaiting_backend,
            window: false,
            window_open: false,
            pending: Vec::new(),
            closing: None,
            quitting: false,
            exit_override: None,
            crashed: None,
            seq: 0,
            starts: 0,
        })
    });
    if has_backend {
        with(|a| a.start_ready_timer());
    }
}

/// Opens the window with its splash (called once the toolkit is up, before the backend is ready).
pub fn show_window() {
    with(|a| {
        if !a.window && !a.quitting {
            crate::page::configure(a.opts.allow_mailto);
            platform::create_window(&a.opts);
            a.window = true;
        }
    });
}

fn with<R>(f: impl FnOnce(&mut App) -> R) -> R {
    APP.with(|a| f(a.borrow_mut().as_mut().expect("app initialised")))
}

/// Called by the platform on the UI thread after `wake()`: handles everything queued.
pub fn drain() {
    loop {
        let msg = with(|a| a.rx.try_recv().ok());
        match msg {
            Some(m) => with(|a| a.handle(m)),
            None => return,
        }
    }
}

/// Called by the platform on a termination signal (on the UI thread, from its main loop).
pub fn terminate(signal: i32) {
    with(|a| a.on_terminate(signal));
}

/// Called by the platform when the user asks to close the window (title bar button, Alt+F4).
pub fn close_requested() {
    with(|a| a.on_close_requested());
}

fn exit_code(code: Option<i32>, signal: Option<i32>) -> i32 {
    match (code, signal) {
        (Some(c), _) => c,
        (None, Some(s)) => 128 + s,
        _ => 1,
    }
}

pub fn origin_of(url: &str) -> String {
    // scheme://host[:port] of an absolute URL; good enough for http(s) URLs we are given.
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let end = rest.find(|c| c == '/' || c == '?' || c == '#').unwrap_or(rest.len());
            url[..i + 3 + end].to_ascii_lowercase()
        }
        None => url.to_string(),
    }
}

impl App {
    fn after(&self, ms: u64, msg: UiMsg) {
        let tx = self.tx.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(ms));
            backend::send(&tx, msg);
        });
    }

    /// A staged update on its first start (docs/updates.md) gets the trial's timeout when shorter.
    fn start_ready_timer(&mut self) {
        self.starts += 1;
        let ms = crate::packaged::trial_timeout_ms().map_or(self.opts.ready_timeout_ms, |t| t.min(self.opts.ready_timeout_ms));
        self.after(ms, UiMsg::ReadyTimeout(self.starts));
    }

    fn handle(&mut self, msg: UiMsg) {
        match msg {
            UiMsg::Progress { done, total } => {
                if self.window && !self.window_open {
                    platform::show_progress(done, total);
                }
            }
            UiMsg::BackendStarted(b) => self.adopt_backend(b),
            UiMsg::Fatal(message) => self.fatal(&message),
            UiMsg::Request(r) => self.on_request(r),
            UiMsg::Invalid(e) => backend::emit(&protocol::error_event(&e)),
            UiMsg::BackendExited { code, signal, tail } => self.on_backend_exited(exit_code(code, signal), tail),
            UiMsg::InputClosed => {}
            UiMsg::SecondInstance(h) => self.on_second_instance(h),
            UiMsg::ReadyTimeout(n) => {
                if n != self.starts {
                    return;
                }
                if !self.window_open && !self.quitting && crate::packaged::trial_timeout_ms().is_some() {
                    // A new version that does not get ready: stopped; its exit rolls it back.
                    eprintln!("taupy-launcher: the updated app did not print its ready line in time; stopping it");
                    if let Some(b) = &self.backend {
                        b.kill();
                    }
                    return;
                }
                if !self.window_open && !self.quitting {
                    eprintln!(
                        "taupy-launcher: the backend did not print its ready line within {} ms; stopping it",
                        self.opts.ready_timeout_ms
                    );
                    self.exit_override = Some(1);
                    self.quitting = true;
                    if let Some(b) = &self.backend {
                        b.kill();
                    }
                }
            }
            UiMsg::GraceTimeout(n) => {
                if self.closing == Some(n) || (self.quitting && n == self.seq) {
                    eprintln!(
                        "taupy-launcher: the backend did not exit within {} ms; killing it",
                        self.opts.close_timeout_ms
                    );
                    self.quitting = true;
                    match &self.backend {
                        Some(b) => b.kill(),
                        None => platform::quit(self.exit_override.unwrap_or(0)),
                    }
                }
            }
        }
    }

    fn adopt_backend(&mut self, b: Backend) {
        if !self.awaiting_backend || self.quitting {
            return b.kill();
        }
        self.awaiting_backend = false;
        self.backend = Some(b);
        self.start_ready_timer();
    }

    /// Start-up failed before (or while) starting the backend: say so, exit 1.
    fn fatal(&mut self, message: &str) {
        if self.quitting {
            return;
        }
        eprintln!("taupy-launcher: {}", message);
        self.quitting = true;
        self.awaiting_backend = false;
        if let Some(b) = &self.backend {
            b.kill();
        }
        if self.window {
            platform::show_fatal(&self.opts.title, message); // quits with 1 once dismissed
        } else {
            platform::quit(1);
        }
    }

    /// SIGTERM/SIGINT/SIGHUP (Windows: console control events, session end): end as a close
    /// does, without asking: the backend gets EOF on stdin and the close timeout, and our exit
    /// code is its exit code (128 + signal when there is no backend). A second one kills it.
    fn on_terminate(&mut self, signal: i32) {
        if self.quitting {
            match &self.backend {
                Some(b) if self.crashed.is_none() => b.kill(),
                _ => platform::quit(self.exit_override.unwrap_or(128 + signal)),
            }
            return;
        }
        if self.backend.is_none() {
            self.exit_override = Some(128 + signal);
        }
        self.shutdown(None);
    }

    fn on_request(&mut self, r: Request) {
        match &r.command {
            Command::Ready { url } => {
                if self.window_open {
                    let e = ProtocolError {
                        code: "already_ready",
                        message: "the window is already open; use navigate".into(),
                        command: Some("ready".into()),
                        id: r.id.clone(),
                    };
                    backend::emit(&protocol::error_event(&e));
                    return;
                }
                self.open(url.clone());
                crate::packaged::backend_ready();
                if let Some(id) = &r.id {
                    backend::emit(&protocol::reply_ok(id, Json::Null));
                }
            }
            Command::PreventClose => {
                self.closing = None;
                if let Some(id) = &r.id {
                    backend::emit(&protocol::reply_ok(id, Json::Null));
                }
            }
            Command::Exit { code, restart } => {
                if let Some(id) = &r.id {
                    backend::emit(&protocol::reply_ok(id, Json::Null));
                }
                if *restart {
                    crate::packaged::restart_on_exit();
                }
                self.shutdown(Some(*code));
            }
            Command::Desktop(_) => crate::desktop::exec(&self.opts, r),
            _ => {
                if self.window_open {
                    platform::exec(r);
                } else {
                    self.pending.push(r);
                }
            }
        }
    }

    fn open(&mut self, url: String) {
        crate::trace::mark("ready_line");
        if !self.window {
            crate::page::configure(self.opts.allow_mailto);
            platform::create_window(&self.opts);
            self.window = true;
        }
        platform::load_app(&url, &origin_of(&url));
        self.window_open = true;
        backend::emit(&protocol::event(
            "window_ready",
            vec![("protocol", protocol::PROTOCOL_VERSION.into()), ("platform", platform::NAME.into())],
        ));
        for r in std::mem::replace(&mut self.pending, Vec::new()) {
            platform::exec(r);
        }
        // The app started from a link (myapp://…): the backend gets it once the window is up.
        for url in crate::instance::app_urls(&self.opts.app_args(), &self.opts.protocols) {
            backend::emit(&protocol::event("open_url", vec![("url", Json::Str(url))]));
        }
    }

    fn on_second_instance(&mut self, h: crate::instance::Handoff) {
        if self.window {
            platform::present_window();
        }
        let urls = crate::instance::app_urls(&h.args, &self.opts.protocols);
        let args = Json::Arr(h.args.into_iter().map(Json::Str).collect());
        backend::emit(&protocol::event("second_instance", vec![("args", args), ("cwd", Json::Str(h.cwd))]));
        for url in urls {
            backend::emit(&protocol::event("open_url", vec![("url", Json::Str(url))]));
        }
    }

    /// Window closes now; the backend gets EOF on stdin and has the grace period to exit.
    fn shutdown(&mut self, code: Option<i32>) {
        if code.is_some() {
            self.exit_override = code;
        }
        self.quitting = true;
        self.closing = None;
        if self.window {
            platform::close_window();
            self.window = false;
            self.window_open = false;
        }
        backend::close_sink();
        if self.backend.is_none() || self.crashed.is_some() {
            platform::quit(self.exit_override.or(self.crashed).unwrap_or(0));
            return;
        }
        self.seq += 1;
        self.after(self.opts.close_timeout_ms, UiMsg::GraceTimeout(self.seq));
    }

    fn on_close_requested(&mut self) {
        if self.quitting {
            return;
        }
        if self.backend.is_none() || self.crashed.is_some() {
            // No backend to ask (--url mode), or it is already gone (error page showing).
            backend::emit(&protocol::event("close_requested", vec![]));
            self.shutdown(None);
            return;
        }
        if self.closing.is_some() {
            return; // already asked; the grace timer is running
        }
        self.seq += 1;
        self.closing = Some(self.seq);
        backend::emit(&protocol::event("close_requested", vec![]));
        self.after(self.opts.close_timeout_ms, UiMsg::GraceTimeout(self.seq));
    }

    fn on_backend_exited(&mut self, code: i32, tail: Vec<String>) {
        backend::close_sink();
        let asked = self.quitting || self.closing.is_some();
        if asked || (code == 0 && self.window_open) {
            // Normal end: we asked it to go, or it quit cleanly on its own.
            platform::quit(self.exit_override.unwrap_or(code));
            return;
        }
        let code = if code == 0 { 1 } else { code };
        let tail = if tail.is_empty() { self.backend.as_ref().map(|b| b.stderr_tail()).unwrap_or_default() } else { tail };
        if !self.window_open && crate::packaged::trial_failed() {
            // A staged update's first start failed: the previous version starts in this window.
            self.backend = None;
            self.awaiting_backend = true;
            self.pending.clear();
            return;
        }
        if !self.window_open {
            eprintln!("taupy-launcher: the backend exited with code {} before it was ready", code);
            if !tail.is_empty() {
                eprintln!("taupy-launcher: last lines of its stderr:");
                for l in &tail {
                    eprintln!("  {}", l);
                }
            }
            platform::quit(code);
            return;
        }
        // Crash while the window is up: say so in the window; closing it exits with the code.
        self.crashed = Some(code);
        eprintln!("taupy-launcher: the backend exited with code {}; showing the error page", code);
        platform::exec(Request {
            id: None,
            command: Command::SetTitle { title: format!("{} (backend stopped)", self.opts.title) },
        });
        platform::show_error_page(&error_page(code, &tail));
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn error_page(code: i32, tail: &[String]) -> String {
    let lines: Vec<String> = tail.iter().map(|l| html_escape(l)).collect();
    format!(
        "<!doctype html><meta charset=utf-8><title>Backend stopped</title>\
         <body style=\"font:15px system-ui,sans-serif;margin:2em;color:#222\">\
         <h1 style=\"color:#b00020;font-size:1.4em\">The app's backend stopped unexpectedly</h1>\
         <p id=taupy-error data-code=\"{}\">It exited with code {}. Close this window and start the app again.</p>\
         <p>Last lines of its error output:</p>\
         <pre style=\"background:#f4f4f4;padding:1em;white-space:pre-wrap\">{}</pre></body>",
        code,
        code,
        if lines.is_empty() { "(nothing)".to_string() } else { lines.join("\n") }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(origin_of("http://127.0.0.1:4000/?taupy=abc"), "http://127.0.0.1:4000");
        assert_eq!(origin_of("HTTP://LocalHost:1/x#y"), "http://localhost:1");
        assert_eq!(origin_of("http://127.0.0.1:4000"), "http://127.0.0.1:4000");
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(Some(0), None), 0);
        assert_eq!(exit_code(None, Some(9)), 137);
    }

    #[test]
    fn error_page_escapes() {
        let p = error_page(3, &["<script>alert(1)</script>".into()]);
        assert!(p.contains("&lt;script&gt;") && !p.contains("<script>"));
        assert!(p.contains("code 3"));
    }
}
