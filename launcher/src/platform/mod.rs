//! The platform boundary. Each backend module provides exactly these items, and nothing
//! outside `platform/` knows which one is compiled:
//!
//! - `NAME: &str`                      "linux" / "windows" (reported in window_ready)
//! - `init(&Options) -> Result<(), String>`   toolkit init (fails clearly without a display)
//! - `run() -> i32`                    UI main loop; returns the exit code given to `quit`
//! - `random_bytes(&mut [u8]) -> io::Result<()>`  the OS's CSPRNG (IPC framing token)
//! - `wake()`                          thread-safe: schedule `crate::app::drain()` on the UI thread
//! - `create_window(&Options)`          the main window (id "main") at once, with its native splash
//!                                     (and the webview starting behind it); before the backend is ready
//! - `load_app(url, origin)`           main's webview goes to `url`, allows only `origin`, and
//!                                     replaces the splash once that page has loaded. `origin` is
//!                                     the app's origin for every later window too.
//! - `show_progress(done, total)`      first-start extraction progress on the splash
//! - `show_fatal(title, message)`      start-up failed: tell the user (native box, over the
//!                                     window); returns at once, quits with 1 once dismissed
//!
//! More windows (docs/ipc.md "Windows"). Every window has an id ("main" for the first; others
//! 1–64 chars of `[A-Za-z0-9_-]`, checked by the protocol). The core (crate::app) keeps the list
//! of open ids and calls the platform only with an id that is open (or, for
//! `create_extra_window`, new and within the limit of 16); the platform keeps its own registry
//! of native windows by id:
//! - `create_extra_window(id, &WindowSpec) -> Result<(), String>`  a further window, shown at
//!                                     once (no splash), loading `spec.url` (absolute, already
//!                                     checked to be on the app's origin). It shares main's web
//!                                     context / cookie store / WebView2 environment (so the
//!                                     session cookie works), and gets the same `window.taupy`
//!                                     script, origin lock (navigation_blocked), CSP and page
//!                                     message handling (`crate::page::from_page(id, text)`).
//!                                     Err(text) → the backend gets `create_failed` with it.
//! - `exec(Request)`                   run a window command on window `r.window` (an open id);
//!                                     reply via `backend::ack/fail/fail_in` (dialogs are modal
//!                                     to that window; menus belong to that window)
//! - `close_window(id)`                destroy that window now (no event: the core sends
//!                                     `window_closed`, or nothing when the launcher ends)
//! - `show_error_page(id, html)`       replace that window's page with the crash page
//! - `present_window(id)`              bring that window to the front (a second start)
//! - `quit(code)`
//!
//! Events: every event about a window carries its id: build it with
//! `crate::protocol::window_event(type, id, fields)` (`page_loaded`, `resized`, `moved`,
//! `focused`, `blurred`, `fullscreen_changed`, `page_message`, `navigation_blocked`,
//! `menu_clicked` from its menu bar or a popup shown in it, `webview_crashed`, and `error`s about
//! it such as `load_failed`). The user closing window W → `crate::app::close_requested(W)`; the
//! platform keeps W open (the core decides and calls `close_window(W)`).
//!
//! - `fatal_message(title, text)`      a modal error box with no window (packaged app cannot start)
//! - `open_external(url) -> Result<(), String>`  the system browser (http, https, mailto)
//! - `protocols::{register, unregister}`  URL schemes for the user (crate::desktop)
//! - `autostart::{set, get}`, `clipboard::{read, write}`  (crate::desktop)
//! - `instance::{claim, hand_over, serve, Listener, Claim}`  single instance (crate::instance)
//! - `attach_console()`                Windows: `--help`/errors reach the console we came from
//! - `prepare_backend(&mut Command)`, `adopt_backend(&Child)`   Windows: CREATE_NO_WINDOW and
//!                                     a kill-on-close job object for the backend
//!
//! Calls back into the core: `crate::app::close_requested(window)` (user closes a window),
//! `crate::app::terminate(signal)` (SIGTERM/SIGINT/SIGHUP; Windows: console control events and
//! the end of the session),
//! `crate::app::drain()` (after wake), and `crate::backend::emit(event)` for events.

/// `window.taupy`, the same script on every platform (only the transport differs).
mod page_script;

/// A further window (`create_window`), as the core resolved it for the platform.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSpec {
    /// Absolute URL on the app's origin (the core resolved a path against it).
    pub url: String,
    /// The window's title (the main window's `--title` when the command gave none).
    pub title: String,
    /// Logical pixels, at least 1 (800×600 by default).
    pub width: i32,
    pub height: i32,
    pub resizable: bool,
}

/// GTK/WebKitGTK through dlopen, loaded in window mode only (`extern_dl!`).
#[cfg(target_os = "linux")]
mod linux_dl;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use self::linux::*;
#[cfg(target_os = "linux")]
mod linux_menu;
#[cfg(target_os = "linux")]
mod linux_tray;
#[cfg(target_os = "linux")]
mod linux_notify;

/// WebView2's COM layouts and handler object: plain Rust, so its tests run on every OS.
#[cfg(any(windows, test))]
mod webview2;
/// The common item dialogs' COM layouts and a file dialog's pure parts (tested on every OS).
#[cfg(any(windows, test))]
mod shell_dialog;

/// Single instance: the per-user lock and local socket / named pipe (crate::instance).
#[cfg(target_os = "linux")]
#[path = "linux_instance.rs"]
pub mod instance;
#[cfg(windows)]
#[path = "windows_instance.rs"]
pub mod instance;

/// URL schemes registered for the user (crate::desktop).
#[cfg(target_os = "linux")]
#[path = "linux_protocols.rs"]
pub mod protocols;
#[cfg(windows)]
#[path = "windows_protocols.rs"]
pub mod protocols;

/// Start at login for the user (crate::desktop).
#[cfg(target_os = "linux")]
#[path = "linux_autostart.rs"]
pub mod autostart;
#[cfg(windows)]
#[path = "windows_autostart.rs"]
pub mod autostart;
/// Text on the system clipboard (crate::desktop), on the UI thread.
#[cfg(target_os = "linux")]
#[path = "linux_clipboard.rs"]
pub mod clipboard;
#[cfg(windows)]
#[path = "windows_clipboard.rs"]
pub mod clipboard;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
mod windows_dialogs;
#[cfg(windows)]
mod windows_menu;
#[cfg(windows)]
mod windows_tray;
#[cfg(windows)]
mod windows_notify;
#[cfg(windows)]
mod windows_webview;
/// Win32 types, functions and messages the windows_*.rs files share.
#[cfg(windows)]
mod windows_sys;
#[cfg(windows)]
pub use self::windows::*;
#[cfg(windows)]
pub use self::windows_webview::local_app_data;
