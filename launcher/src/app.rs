//! The platform-neutral core: lifecycle of window and backend, and routing of messages.
//! Runs on the UI thread only; other threads talk to it through `UiMsg` + `platform::wake()`.

use crate::backend::{self, Backend};
use crate::cli::Options;
use crate::json::Json;
use crate::platform;
use crate::protocol::{self, Command, ProtocolError, Request, MAIN_WINDOW};
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
    /// The native windows that exist, in the order they opened: `"main"` from its splash on,
    /// then those of `create_window` (crate::platform keeps the toolkit's side of each).
    windows: Vec<String>,
    /// The ready line arrived: the webview shows (or is loading) the app.
    window_open: bool,
    /// Commands that arrived before the ready line; replayed once the window exists.
    pending: Vec<Request>,
    /// Set while a close_requested for the last window awaits the backend's answer (the grace
    /// timer's number and the window).
    closing: Option<(u64, String)>,
    /// Set once we asked the backend to go (exit command, or window closed with no backend).
    quitting: bool,
    exit_override: Option<i32>,
    /// The backend died unexpectedly: the window shows the error page; closing it exits with this.
    crashed: Option<i32>,
    /// The app's origin (scheme://host:port of the ready URL): every window stays on it.
    origin: String,
    /// The ready URL's query (a taupy backend's sign-in: `taupy=SECRET`), added to the URL of
    /// every further window so that its page signs in as main's did.
    sign_in: String,
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
            windows: Vec::new(),
            window_open: false,
            pending: Vec::new(),
            closing: None,
            quitting: false,
            exit_override: None,
            crashed: None,
            origin: String::new(),
            sign_in: String::new(),
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
        if !a.quitting {
            a.open_main();
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

/// Called by the platform when the user asks to close `window` (title bar button, Alt+F4,
/// WM_DELETE_WINDOW). The platform keeps the window open: the core closes it (close_window).
pub fn close_requested(window: &str) {
    with(|a| a.on_close_requested(window));
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
                if self.has_main() && !self.window_open {
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
                if self.closing.as_ref().map(|c| c.0) == Some(n) || (self.quitting && n == self.seq) {
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
        if self.has_main() {
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
            Command::CreateWindow { .. } if !self.window_open => {
                // No origin yet: nothing to resolve the URL against.
                backend::fail_in(&r.window, &r.id, "create_window", "no_window", "the app is not ready yet (no ready line)");
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
                    self.exec_window(r);
                } else {
                    self.pending.push(r);
                }
            }
        }
    }

    fn has_main(&self) -> bool {
        self.windows.iter().any(|w| w == MAIN_WINDOW)
    }

    /// The native main window with its splash (before the ready line), once.
    fn open_main(&mut self) {
        if self.windows.is_empty() && !self.window_open {
            crate::page::configure(self.opts.allow_mailto);
            platform::create_window(&self.opts);
            self.windows.push(MAIN_WINDOW.to_string());
        }
    }

    /// The window to bring forward or to show the error page in: main, else the oldest open one.
    fn front_window(&self) -> Option<String> {
        if self.has_main() {
            Some(MAIN_WINDOW.to_string())
        } else {
            self.windows.first().cloned()
        }
    }

    /// A command for one window, once the app is ready: checks that the window is open, then the
    /// core's own window commands, then the platform's.
    fn exec_window(&mut self, r: Request) {
        if let Command::CreateWindow { .. } = r.command {
            return self.create_window(r);
        }
        if r.command.is_app_wide() {
            return platform::exec(r); // set_tray, notify, open_external: no window needed (main may be closed)
        }
        if !self.windows.contains(&r.window) {
            let message = format!("no window \"{}\"", r.window);
            return backend::fail_in(&r.window, &r.id, r.command.name(), "unknown_window", &message);
        }
        match r.command {
            Command::PreventClose => {
                self.stop_close_timer(&r.window);
                backend::ack(&r.id);
            }
            Command::CloseWindow => {
                self.stop_close_timer(&r.window);
                backend::ack(&r.id); // the reply, then window_closed
                self.close_window(&r.window);
            }
            Command::Hide => {
                // Close to tray: the backend's answer to closing the last window.
                self.stop_close_timer(&r.window);
                platform::exec(r);
            }
            _ => platform::exec(r),
        }
    }

    fn stop_close_timer(&mut self, window: &str) {
        if self.closing.as_ref().map_or(false, |c| c.1 == window) {
            self.closing = None;
        }
    }

    fn create_window(&mut self, r: Request) {
        let (url, title, width, height, resizable) = match r.command {
            Command::CreateWindow { url, title, width, height, resizable } => (url, title, width, height, resizable),
            _ => return,
        };
        let fail = |code: &'static str, message: String| backend::fail_in(&r.window, &r.id, "create_window", code, &message);
        if self.windows.contains(&r.window) {
            return fail("invalid_argument", format!("window \"{}\" already exists", r.window));
        }
        if self.windows.len() >= protocol::MAX_WINDOWS {
            return fail("invalid_argument", format!("at most {} windows are open at once", protocol::MAX_WINDOWS));
        }
        let url = match resolve_on_origin(&url, &self.origin) {
            Ok(u) => with_sign_in(&u, &self.sign_in),
            Err((code, message)) => return fail(code, message),
        };
        let spec = platform::WindowSpec { url, title: title.unwrap_or_else(|| self.opts.title.clone()), width, height, resizable };
        match platform::create_extra_window(&r.window, &spec) {
            Ok(()) => {
                self.windows.push(r.window.clone());
                backend::ack(&r.id);
            }
            Err(e) => fail("create_failed", e),
        }
    }

    /// The app's decision (close_window) or the end of a window the user closed: it goes now.
    fn close_window(&mut self, window: &str) {
        platform::close_window(window);
        self.windows.retain(|w| w != window);
        crate::page::forget(window);
        backend::emit(&protocol::window_event("window_closed", window, vec![]));
    }

    fn open(&mut self, url: String) {
        crate::trace::mark("ready_line");
        self.open_main();
        self.origin = origin_of(&url);
        self.sign_in = query_of(&url).to_string();
        platform::load_app(&url, &self.origin);
        self.window_open = true;
        backend::emit(&protocol::window_event(
            "window_ready",
            MAIN_WINDOW,
            vec![("protocol", protocol::PROTOCOL_VERSION.into()), ("platform", platform::NAME.into())],
        ));
        for r in std::mem::replace(&mut self.pending, Vec::new()) {
            self.exec_window(r);
        }
        // The app started from a link (myapp://…): the backend gets it once the window is up.
        for url in crate::instance::app_urls(&self.opts.app_args(), &self.opts.protocols) {
            backend::emit(&protocol::event("open_url", vec![("url", Json::Str(url))]));
        }
    }

    fn on_second_instance(&mut self, h: crate::instance::Handoff) {
        if let Some(w) = self.front_window() {
            platform::present_window(&w);
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
        // Every window goes; no window_closed: the whole launcher ends.
        for w in std::mem::replace(&mut self.windows, Vec::new()) {
            platform::close_window(&w);
        }
        self.window_open = false;
        backend::close_sink();
        if self.backend.is_none() || self.crashed.is_some() {
            platform::quit(self.exit_override.or(self.crashed).unwrap_or(0));
            return;
        }
        self.seq += 1;
        self.after(self.opts.close_timeout_ms, UiMsg::GraceTimeout(self.seq));
    }

    /// The user asks to close `window`: the backend decides (close_window, prevent_close, hide,
    /// exit). Only for the last window does the close timeout run, as with a single window.
    fn on_close_requested(&mut self, window: &str) {
        if self.quitting || !self.windows.iter().any(|w| w == window) {
            return;
        }
        let last = self.windows.len() == 1;
        let ev = protocol::window_event("close_requested", window, vec![("last", last.into())]);
        if self.crashed.is_some() || (self.backend.is_none() && (last || !self.window_open)) {
            // The backend is gone (error page showing), or there is none to ask (--url mode) and
            // this is the last window: the app ends as it did with one window.
            backend::emit(&ev);
            self.shutdown(None);
            return;
        }
        if !last {
            return backend::emit(&ev); // no timer: the app's other windows keep it running
        }
        if self.closing.is_some() {
            return; // already asked; the grace timer is running
        }
        self.seq += 1;
        self.closing = Some((self.seq, window.to_string()));
        backend::emit(&ev);
        if self.backend.is_some() {
            self.after(self.opts.close_timeout_ms, UiMsg::GraceTimeout(self.seq));
        }
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
        let front = match self.front_window() {
            Some(w) => w,
            None => {
                // Every window was closed (a tray app): nothing to show the page in.
                eprintln!("taupy-launcher: the backend exited with code {}", code);
                return platform::quit(code);
            }
        };
        eprintln!("taupy-launcher: the backend exited with code {}; showing the error page", code);
        let mut title = Request::main(None, Command::SetTitle { title: format!("{} (backend stopped)", self.opts.title) });
        title.window = front.clone();
        platform::exec(title);
        platform::show_error_page(&front, &error_page(code, &tail));
    }
}

/// `create_window`'s `url`: a path (`/settings`) is taken on `origin`; an absolute URL must be
/// on `origin` (`forbidden_origin` otherwise). Returns the absolute URL to load.
fn resolve_on_origin(url: &str, origin: &str) -> Result<String, (&'static str, String)> {
    if url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\") {
        return Ok(format!("{}{}", origin, url));
    }
    if url.contains("://") {
        if origin_of(url) == origin {
            return Ok(url.to_string());
        }
        return Err(("forbidden_origin", format!("`{}` is not on the app's origin {}; windows stay on it", url, origin)));
    }
    Err(("invalid_argument", format!("`url` must be a path starting with `/` or an absolute URL on {}, not `{}`", origin, url)))
}

/// The query of a URL (between `?` and `#`), "" when none.
fn query_of(url: &str) -> &str {
    let before_fragment = url.split('#').next().unwrap_or("");
    match before_fragment.find('?') {
        Some(i) => &before_fragment[i + 1..],
        None => "",
    }
}

/// `url` with `query` (the ready URL's) added to its own query, before any fragment. A taupy
/// backend signs a page in from `?taupy=SECRET`: the cookie it sets loads pages, but `/ws` wants
/// the secret itself, which each window's page keeps in its own sessionStorage (per window), so
/// each window must sign in as main did (docs/ipc.md, More windows).
fn with_sign_in(url: &str, query: &str) -> String {
    if query.is_empty() {
        return url.to_string();
    }
    let (base, fragment) = match url.find('#') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let joiner = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    format!("{}{}{}{}", base, joiner, query, fragment)
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
    fn window_urls_stay_on_the_origin() {
        let o = "http://127.0.0.1:4000";
        assert_eq!(resolve_on_origin("/settings?x=1", o).unwrap(), "http://127.0.0.1:4000/settings?x=1");
        assert_eq!(resolve_on_origin("http://127.0.0.1:4000/a", o).unwrap(), "http://127.0.0.1:4000/a");
        assert_eq!(resolve_on_origin("https://example.com/", o).unwrap_err().0, "forbidden_origin");
        assert_eq!(resolve_on_origin("http://127.0.0.1:4001/", o).unwrap_err().0, "forbidden_origin");
        assert_eq!(resolve_on_origin("//example.com/", o).unwrap_err().0, "invalid_argument");
        assert_eq!(resolve_on_origin("/\\example.com/", o).unwrap_err().0, "invalid_argument");
        assert_eq!(resolve_on_origin("settings", o).unwrap_err().0, "invalid_argument");
        assert_eq!(resolve_on_origin("javascript:alert(1)", o).unwrap_err().0, "invalid_argument");
    }

    #[test]
    fn further_windows_sign_in_as_main_did() {
        assert_eq!(query_of("http://127.0.0.1:4000/?taupy=abc#x"), "taupy=abc");
        assert_eq!(query_of("http://127.0.0.1:4000/"), "");
        assert_eq!(with_sign_in("http://h:1/settings", "taupy=abc"), "http://h:1/settings?taupy=abc");
        assert_eq!(with_sign_in("http://h:1/s?tab=2#top", "taupy=abc"), "http://h:1/s?tab=2&taupy=abc#top");
        assert_eq!(with_sign_in("http://h:1/s?", "taupy=abc"), "http://h:1/s?taupy=abc");
        assert_eq!(with_sign_in("http://h:1/s", ""), "http://h:1/s");
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
