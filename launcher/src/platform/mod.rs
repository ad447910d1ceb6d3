//! The platform boundary. Each backend module provides exactly these items, and nothing
//! outside `platform/` knows which one is compiled:
//!
//! - `NAME: &str`                      "linux" / "windows" (reported in window_ready)
//! - `init(&Options) -> Result<(), String>`   toolkit init (fails clearly without a display)
//! - `run() -> i32`                    UI main loop; returns the exit code given to `quit`
//! - `random_bytes(&mut [u8]) -> io::Result<()>`  the OS's CSPRNG (IPC framing token)
//! - `wake()`                          thread-safe: schedule `crate::app::drain()` on the UI thread
//! - `create_window(&Options)`          the window at once, with its native splash (and the
//!                                     webview starting behind it); before the backend is ready
//! - `load_app(url, origin)`           the webview goes to `url`, allows only `origin`, and
//!                                     replaces the splash once that page has loaded
//! - `show_progress(done, total)`      first-start extraction progress on the splash
//! - `show_fatal(title, message)`      start-up failed: tell the user (native box, over the
//!                                     window); returns at once, quits with 1 once dismissed
//! - `exec(Request)`                   run a window command; reply via `backend::emit`
//! - `show_error_page(html)`           replace the page with the crash page
//! - `close_window()`, `quit(code)`
//! - `fatal_message(title, text)`      a modal error box with no window (packaged app cannot start)
//! - `open_external(url) -> Result<(), String>`  the system browser (http, https, mailto)
//! - `present_window()`                bring the window to the front (a second start)
//! - `protocols::{register, unregister}`  URL schemes for the user (crate::desktop)
//! - `autostart::{set, get}`, `clipboard::{read, write}`  (crate::desktop)
//! - `instance::{claim, hand_over, serve, Listener, Claim}`  single instance (crate::instance)
//! - `attach_console()`                Windows: `--help`/errors reach the console we came from
//! - `prepare_backend(&mut Command)`, `adopt_backend(&Child)`   Windows: CREATE_NO_WINDOW and
//!                                     a kill-on-close job object for the backend
//!
//! Calls back into the core: `crate::app::close_requested()` (user closes the window),
//! `crate::app::terminate(signal)` (SIGTERM/SIGINT/SIGHUP; Windows: console control events and
//! the end of the session),
//! `crate::app::drain()` (after wake), and `crate::backend::emit(event)` for events.

/// `window.taupy`, the same script on every platform (only the transport differs).
mod page_script;

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
#[cfg(windows)]
pub use self::windows::*;
#[cfg(windows)]
pub use self::windows_webview::local_app_data;
