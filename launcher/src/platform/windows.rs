//! Windows: a Win32 window (user32) and message boxes; the WebView2 inside it is
//! `windows_webview.rs`, the file dialogs `windows_dialogs.rs`. Raw `extern "system"`
//! declarations, no crates; compiled with Debian's rustc 1.63 for x86_64-pc-windows-gnu
//! (launcher/build.sh).
//!
//! When no WebView2 runtime is installed the launcher sends `error` {code: "webview2_missing"}
//! and shows a message box that says what to install; the window and its commands keep working
//! and webview commands reply `webview_unavailable`.

use super::shell_dialog::DialogKind;
use super::windows_dialogs as dialogs;
use super::windows_sys::*;
use super::windows_webview as webview;
use crate::app;
pub(super) use crate::backend::fail;
use crate::backend::{ack, emit};
use crate::cli::Options;
use crate::json::Json;
use crate::protocol::{event, reply_ok, window_event, Command, FileDialog, Level, Request};
use std::cell::{Cell, RefCell};
use std::os::raw::c_void;
use std::ptr::null;
use std::sync::atomic::{AtomicIsize, Ordering};

pub const NAME: &str = "windows";

#[repr(C)]
struct MinMaxInfo {
    reserved: Point,
    max_size: Point,
    max_position: Point,
    min_track: Point,
    max_track: Point,
}

#[link(name = "user32")]
extern "system" {
    fn GetMessageW(m: *mut Msg, h: Hwnd, min: u32, max: u32) -> i32;
    fn TranslateMessage(m: *const Msg) -> i32;
    fn DispatchMessageW(m: *const Msg) -> isize;
    fn PostQuitMessage(code: i32);
    fn SetWindowTextW(h: Hwnd, t: *const u16) -> i32;
    fn SetWindowPos(h: Hwnd, after: Hwnd, x: i32, y: i32, cx: i32, cy: i32, flags: u32) -> i32;
    fn ShowWindow(h: Hwnd, cmd: i32) -> i32;
    fn DestroyWindow(h: Hwnd) -> i32;
    fn GetWindowRect(h: Hwnd, r: *mut Rect) -> i32;
    fn GetWindowLongPtrW(h: Hwnd, i: i32) -> isize;
    fn SetWindowLongPtrW(h: Hwnd, i: i32, v: isize) -> isize;
    fn GetSystemMetrics(i: i32) -> i32;
    fn MessageBoxW(h: Hwnd, text: *const u16, caption: *const u16, kind: u32) -> i32;
    fn IsIconic(h: Hwnd) -> i32;
    /// GA_ROOT (2): the top-level window a child belongs to.
    fn GetAncestor(h: Hwnd, flags: u32) -> Hwnd;
    fn ReleaseCapture() -> i32;
}
#[repr(C)]
struct PaintStruct {
    hdc: isize,
    erase: i32,
    paint: Rect,
    restore: i32,
    inc_update: i32,
    reserved: [u8; 32],
}

#[link(name = "user32")]
extern "system" {
    fn BeginPaint(h: Hwnd, ps: *mut PaintStruct) -> isize;
    fn EndPaint(h: Hwnd, ps: *const PaintStruct) -> i32;
    fn FillRect(dc: isize, r: *const Rect, brush: isize) -> i32;
    fn FrameRect(dc: isize, r: *const Rect, brush: isize) -> i32;
    fn DrawTextW(dc: isize, text: *const u16, len: i32, r: *mut Rect, format: u32) -> i32;
    fn InvalidateRect(h: Hwnd, r: *const Rect, erase: i32) -> i32;
    fn UpdateWindow(h: Hwnd) -> i32;
    fn PeekMessageW(m: *mut Msg, h: Hwnd, min: u32, max: u32, remove: u32) -> i32;
    fn MsgWaitForMultipleObjects(n: u32, handles: *const isize, all: i32, ms: u32, wake: u32) -> u32;
}
#[link(name = "gdi32")]
extern "system" {
    fn CreateSolidBrush(colour: u32) -> isize;
    fn DeleteObject(o: isize) -> i32;
    fn SelectObject(dc: isize, o: isize) -> isize;
    fn SetBkMode(dc: isize, mode: i32) -> i32;
    fn SetTextColor(dc: isize, colour: u32) -> u32;
    fn CreateFontW(
        height: i32, width: i32, escapement: i32, orientation: i32, weight: i32, italic: u32, underline: u32,
        strike: u32, charset: u32, precision: u32, clip: u32, quality: u32, pitch: u32, face: *const u16,
    ) -> isize;
}
#[link(name = "advapi32")]
extern "system" {
    /// RtlGenRandom: the CSPRNG behind rand_s, in every Windows since XP and in wine 8
    /// (which lacks ProcessPrng). Returns a BOOLEAN.
    #[link_name = "SystemFunction036"]
    fn RtlGenRandom(buf: *mut u8, len: u32) -> u8;
}

/// Fills `buf` from the OS's CSPRNG (the IPC framing token).
pub fn random_bytes(buf: &mut [u8]) -> std::io::Result<()> {
    if unsafe { RtlGenRandom(buf.as_mut_ptr(), buf.len() as u32) } == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::Other, "RtlGenRandom failed"));
    }
    Ok(())
}

#[link(name = "kernel32")]
extern "system" {
    fn SetConsoleCtrlHandler(handler: extern "system" fn(u32) -> i32, add: i32) -> i32;
    fn AttachConsole(pid: u32) -> i32;
    fn GetStdHandle(id: u32) -> isize;
    fn SetStdHandle(id: u32, h: isize) -> i32;
    fn CreateFileW(name: *const u16, access: u32, share: u32, sa: *const c_void, disposition: u32, flags: u32, template: isize) -> isize;
    fn CreateJobObjectW(sa: *const c_void, name: *const u16) -> isize;
    fn SetInformationJobObject(job: isize, class: i32, info: *const c_void, len: u32) -> i32;
    fn AssignProcessToJobObject(job: isize, process: isize) -> i32;
}
#[link(name = "shell32")]
extern "system" {
    fn ShellExecuteW(h: Hwnd, op: *const u16, file: *const u16, params: *const u16, dir: *const u16, show: i32) -> isize;
}
#[link(name = "ole32")]
extern "system" {
    fn CoInitializeEx(reserved: *const c_void, flags: u32) -> i32;
}

/// DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2, and _PER_MONITOR_AWARE (v1: Windows 10 1607, wine 8).
const PER_MONITOR_AWARE_V2: isize = -4;
const PER_MONITOR_AWARE: isize = -3;
const HTCAPTION: usize = 2;
const WM_APP_WAKE: u32 = WM_APP + 1;
const WM_APP_DEFERRED: u32 = WM_APP + 2;
/// A console control event (wparam: its type), posted from the handler's thread.
const WM_APP_TERMINATE: u32 = WM_APP + 3;
const WS_OVERLAPPEDWINDOW: u32 = 0x00CF_0000;
const WS_THICKFRAME: u32 = 0x0004_0000;
const WS_MAXIMIZEBOX: u32 = 0x0001_0000;
const WS_POPUP: u32 = 0x8000_0000;
const WS_VISIBLE: u32 = 0x1000_0000;
const GWL_STYLE: i32 = -16;
const SWP_NOSIZE: u32 = 0x1;
const SWP_NOMOVE: u32 = 0x2;
const SWP_NOZORDER: u32 = 0x4;
const SWP_NOACTIVATE: u32 = 0x10;
const SWP_FRAMECHANGED: u32 = 0x20;
const HWND_MESSAGE: Hwnd = -3;
const CW_USEDEFAULT: i32 = 0x8000_0000u32 as i32;
const WEBVIEW2_DOWNLOAD: &str = "https://go.microsoft.com/fwlink/p/?LinkId=2124703";

static WAKE_HWND: AtomicIsize = AtomicIsize::new(0);
/// The close timeout, for how long a console close event or the session's end may wait.
static CLOSE_TIMEOUT_MS: AtomicIsize = AtomicIsize::new(5000);

/// Work that may run a modal loop or pump messages (dialogs, message boxes, ShellExecute, a new
/// webview) runs from its own window message, never inside `app::drain()` or a WebView2 event
/// handler, so wake-ups and WebView2 callbacks during it find the app's state consistent.
enum Deferred {
    /// Message and file dialogs are modal to their window (`window`: its id).
    Message { window: String, title: Option<String>, message: String, level: Level, confirm: bool, id: Option<Json> },
    File { window: String, d: FileDialog, kind: DialogKind, id: Option<Json> },
    MissingRuntime(String),
    WebviewFailed { window: String, message: String },
    Run(Box<dyn FnOnce()>),
    Fatal { title: String, message: String },
}

/// The first window's id: the one `ready` opens, with the splash.
pub(super) use crate::protocol::MAIN_WINDOW as MAIN;

/// One top-level window and the state its commands change.
struct Window {
    id: String,
    hwnd: Hwnd,
    min_size: (i32, i32),
    resizable: bool,
    decorated: bool,
    /// While fullscreen: the rectangle and style to go back to.
    fullscreen: Option<(Rect, isize)>,
}

/// Runs `f` on the window of HWND `h` (None: not one of ours, or closed).
fn with_window<T>(h: Hwnd, f: impl FnOnce(&mut Window) -> T) -> Option<T> {
    WINDOWS.with(|w| w.borrow_mut().iter_mut().find(|w| w.hwnd == h).map(f))
}

/// The HWND of window `id` (0 when it is not open).
pub(super) fn hwnd_of(id: &str) -> Hwnd {
    WINDOWS.with(|w| w.borrow().iter().find(|w| w.id == id).map(|w| w.hwnd).unwrap_or(0))
}

/// The id of the window of HWND `h`; the window being created is registered here, by its first
/// message (WM_GETMINMAXINFO, before CreateWindowExW returns).
fn id_of(h: Hwnd) -> Option<String> {
    if let Some(id) = with_window(h, |w| w.id.clone()) {
        return Some(id);
    }
    let mut new = CREATING.with(|c| c.borrow_mut().take())?;
    new.hwnd = h;
    let id = new.id.clone();
    WINDOWS.with(|w| w.borrow_mut().push(new));
    Some(id)
}

/// What the native splash paints (WM_PAINT) until the webview shows a page.
struct Splash {
    title: Vec<u16>,
    background: u32,
    foreground: u32,
    progress: (u64, u64),
    painted: bool,
}

thread_local! {
    /// The open windows, "main" first (closed ones are taken out).
    static WINDOWS: RefCell<Vec<Window>> = RefCell::new(Vec::new());
    /// The window being created: registered by its first message, before CreateWindowExW returns.
    static CREATING: RefCell<Option<Window>> = RefCell::new(None);
    static EXIT_CODE: Cell<i32> = Cell::new(0);
    static QUITTING: Cell<bool> = Cell::new(false);
    static DEFERRED: RefCell<Vec<Deferred>> = RefCell::new(Vec::new());
    static DPI_FOR_WINDOW: Cell<Option<DpiForWindow>> = Cell::new(None);
    static SPLASH: RefCell<Splash> = RefCell::new(Splash { title: Vec::new(), background: 0xffffff, foreground: 0x28231f, progress: (0, 0), painted: false });
}

type DpiForWindow = unsafe extern "system" fn(Hwnd) -> u32;

/// Text for Win32 (titles, dialog text): bounded by the one helper, `limits::ui_text`.
pub(super) fn ui_wide(s: &str, max_chars: usize) -> Vec<u16> {
    wide(&crate::limits::ui_text(s, max_chars))
}

/// Per-monitor DPI awareness (v2, Windows 10 1703+; else v1, whose title bar does not scale):
/// text and webview drawn at each monitor's scale instead of bitmap-stretched. The calls are
/// looked up at run time, so an older Windows starts DPI-unaware instead of failing to load.
unsafe fn become_dpi_aware() {
    let user32 = GetModuleHandleW(wide("user32.dll").as_ptr());
    let set = GetProcAddress(user32, b"SetProcessDpiAwarenessContext\0".as_ptr());
    if !set.is_null() {
        let set: unsafe extern "system" fn(isize) -> i32 = std::mem::transmute(set);
        let _ = set(PER_MONITOR_AWARE_V2) != 0 || set(PER_MONITOR_AWARE) != 0;
    }
    // Whatever the outcome (a manifest or the host may have decided first): GetDpiForWindow says
    // 96 for a window that is not DPI-aware, so `scale` is right either way.
    let get = GetProcAddress(user32, b"GetDpiForWindow\0".as_ptr());
    if !get.is_null() {
        DPI_FOR_WINDOW.with(|f| f.set(Some(std::mem::transmute::<*const c_void, DpiForWindow>(get))));
    }
}

/// The window's monitor scale (DPI / 96); 1 when it is not DPI-aware. The protocol's
/// sizes and positions are logical pixels, Win32's are physical once aware.
fn scale(h: Hwnd) -> f64 {
    let dpi = DPI_FOR_WINDOW.with(|f| f.get()).map(|f| unsafe { f(h) }).unwrap_or(96);
    if dpi == 0 { 1.0 } else { dpi as f64 / 96.0 }
}

fn physical(logical: i32, scale: f64) -> i32 {
    (logical as f64 * scale).round() as i32
}

fn logical(physical: i32, scale: f64) -> i32 {
    (physical as f64 / scale).round() as i32
}

/// The id of our window of HWND `h` (None: not one of ours, e.g. the tray's hidden window).
pub(super) fn window_id(h: Hwnd) -> Option<String> {
    with_window(h, |w| w.id.clone())
}

/// The webview of the window of HWND `h` takes the whole client area again.
pub(super) fn fit_webview(h: Hwnd) {
    if let Some(id) = with_window(h, |w| w.id.clone()) {
        webview::fit(&id);
    }
}

/// The main window (0 once closed).
fn win() -> Hwnd {
    hwnd_of(MAIN)
}

pub(super) fn minimized(id: &str) -> bool {
    let h = hwnd_of(id);
    h != 0 && unsafe { IsIconic(h) } != 0
}

// ----- the platform API (see platform/mod.rs) -----

pub fn init(opts: &Options) -> Result<(), String> {
    CLOSE_TIMEOUT_MS.store(opts.close_timeout_ms.min(600_000) as isize, Ordering::SeqCst);
    unsafe {
        SetConsoleCtrlHandler(on_console_event, 1);
        CoInitializeEx(null(), 0x2); // COINIT_APARTMENTTHREADED: dialogs and WebView2 want an STA
        become_dpi_aware();
        let cls = register_class("TaupyWake", wake_proc);
        let h = CreateWindowExW(0, cls.as_ptr(), null(), 0, 0, 0, 0, 0, HWND_MESSAGE, 0, GetModuleHandleW(null()), null());
        if h == 0 {
            return Err("cannot create the message window".into());
        }
        WAKE_HWND.store(h, Ordering::SeqCst);
    }
    Ok(())
}

pub fn run() -> i32 {
    unsafe {
        let mut m: Msg = std::mem::zeroed();
        while GetMessageW(&mut m, 0, 0, 0) > 0 {
            // A key's message is for a child (an edit, WebView2's host); its top-level window's
            // menu bar has the accelerators.
            if m.hwnd != 0 && super::windows_menu::translate(GetAncestor(m.hwnd, 2), &m) {
                continue;
            }
            TranslateMessage(&m);
            DispatchMessageW(&m);
        }
    }
    EXIT_CODE.with(|c| c.get())
}

pub fn wake() {
    let h = WAKE_HWND.load(Ordering::SeqCst);
    if h != 0 {
        unsafe { PostMessageW(h, WM_APP_WAKE, 0, 0) };
    }
}

/// WebView2 could not start: explain it in a message box (outside the COM callback).
pub(super) fn defer_webview_failed(window: &str, message: String) {
    defer(Deferred::WebviewFailed { window: window.to_string(), message });
}

/// Runs `f` from the window's deferred work: after the current handler or drain has returned.
pub(super) fn later(f: impl FnOnce() + 'static) {
    defer(Deferred::Run(Box::new(f)));
}

fn defer(d: Deferred) {
    DEFERRED.with(|q| q.borrow_mut().push(d));
    unsafe { PostMessageW(WAKE_HWND.load(Ordering::SeqCst), WM_APP_DEFERRED, 0, 0) };
}

/// Ctrl+C / Ctrl+Break / console closed / logoff / shutdown, on a thread of its own: the UI
/// thread ends the app as SIGINT/SIGHUP/SIGTERM do on Linux. For the last three Windows ends
/// the process when this returns, so it waits (at most the close timeout) for the exit.
extern "system" fn on_console_event(kind: u32) -> i32 {
    unsafe { PostMessageW(WAKE_HWND.load(Ordering::SeqCst), WM_APP_TERMINATE, kind as usize, 0) };
    if kind >= 2 {
        std::thread::sleep(std::time::Duration::from_millis(CLOSE_TIMEOUT_MS.load(Ordering::SeqCst) as u64 + 500));
    }
    1
}

/// A console event's nearest POSIX signal (the exit code is 128 + it when there is no backend).
fn signal_of_console_event(kind: usize) -> i32 {
    match kind {
        0 | 1 => 2, // CTRL_C_EVENT, CTRL_BREAK_EVENT: SIGINT
        2 => 1,     // CTRL_CLOSE_EVENT: SIGHUP
        _ => 15,    // CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT: SIGTERM
    }
}

/// WM_ENDSESSION: Windows ends the process when we return, so end the app now and run the
/// loop here until it quits (the backend got EOF and exited) or the close timeout passed.
unsafe fn end_session() {
    app::terminate(15);
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(CLOSE_TIMEOUT_MS.load(Ordering::SeqCst) as u64 + 500);
    loop {
        let mut m: Msg = std::mem::zeroed();
        while PeekMessageW(&mut m, 0, 0, 0, 1) != 0 {
            if m.message == WM_QUIT {
                std::process::exit(EXIT_CODE.with(|c| c.get()));
            }
            TranslateMessage(&m);
            DispatchMessageW(&m);
        }
        if std::time::Instant::now() > deadline {
            std::process::exit(EXIT_CODE.with(|c| c.get()));
        }
        MsgWaitForMultipleObjects(0, null(), 0, 50, 0x04FF); // QS_ALLINPUT
    }
}

extern "system" fn wake_proc(h: Hwnd, m: u32, w: usize, l: isize) -> isize {
    match m {
        WM_APP_TERMINATE => {
            app::terminate(signal_of_console_event(w));
            0
        }
        WM_APP_WAKE => {
            app::drain();
            0
        }
        WM_APP_DEFERRED => {
            let next = DEFERRED.with(|q| {
                let mut q = q.borrow_mut();
                if q.is_empty() { None } else { Some(q.remove(0)) }
            });
            if let Some(d) = next {
                run_deferred(d);
            }
            0
        }
        _ => unsafe { DefWindowProcW(h, m, w, l) },
    }
}

pub fn quit(code: i32) {
    if QUITTING.with(|q| q.replace(true)) {
        return;
    }
    EXIT_CODE.with(|c| c.set(code));
    super::windows_tray::delete(); // else the shell shows a dead icon until the pointer passes over it
    unsafe { PostQuitMessage(code) };
}

/// A second start of the app: restore the window if minimized, show it if hidden, raise it.
pub fn present_window(window: &str) {
    let h = hwnd_of(window);
    if h != 0 {
        unsafe {
            ShowWindow(h, if IsIconic(h) != 0 { 9 } else { 5 });
            SetForegroundWindow(h);
        }
    }
}

/// Window `id` goes now: its webview first, then the Win32 window (and its menu bar with it).
/// The core sends `window_closed` (or nothing, when the launcher ends).
pub fn close_window(id: &str) {
    let h = hwnd_of(id);
    if h != 0 {
        webview::close(id);
        super::windows_menu::forget(h);
        WINDOWS.with(|w| w.borrow_mut().retain(|w| w.hwnd != h));
        unsafe { DestroyWindow(h) };
    }
}

pub fn show_error_page(window: &str, html: &str) {
    webview::show_error_page(window, html);
}

/// A further window (`create_window`): shown at once, no splash, its webview from the same
/// WebView2 environment as main's (one browser process, one profile: main's cookies hold), on
/// `spec.url` (already checked to be on the app's origin).
pub fn create_extra_window(id: &str, spec: &super::WindowSpec) -> Result<(), String> {
    CREATING.with(|c| {
        *c.borrow_mut() = Some(Window { id: id.to_string(), hwnd: 0, min_size: (0, 0), resizable: spec.resizable, decorated: true, fullscreen: None })
    });
    unsafe {
        let cls = register_class("TaupyWindow", window_proc);
        let title = ui_wide(&spec.title, crate::limits::MAX_TITLE_CHARS);
        // CW_USEDEFAULT: Windows cascades it from the last window placed.
        let h = CreateWindowExW(
            0, cls.as_ptr(), title.as_ptr(), WS_OVERLAPPEDWINDOW, CW_USEDEFAULT, CW_USEDEFAULT, spec.width, spec.height, 0, 0,
            GetModuleHandleW(null()), null(),
        );
        CREATING.with(|c| c.borrow_mut().take());
        if h == 0 {
            return Err(format!("CreateWindowExW failed for window \"{}\"", id));
        }
        id_of(h); // registered by its first message already; this is in case it had none
        let s = scale(h);
        if s != 1.0 {
            SetWindowPos(h, 0, 0, 0, physical(spec.width, s), physical(spec.height, s), SWP_NOMOVE | SWP_NOZORDER | SWP_NOACTIVATE);
        }
        apply_style(h);
        ShowWindow(h, 1);
        UpdateWindow(h);
    }
    webview::open(id, &spec.url);
    Ok(())
}

/// The window at once, its splash painted natively (WM_PAINT: GDI), and WebView2 starting
/// behind it (its controller stays hidden until a page has loaded; windows_webview.rs).
pub fn create_window(opts: &Options) {
    let colour = |c: &str, fallback: (u8, u8, u8)| {
        let (r, g, b) = crate::cli::parse_color(c).unwrap_or(fallback);
        r as u32 | (g as u32) << 8 | (b as u32) << 16 // COLORREF: 0x00bbggrr
    };
    SPLASH.with(|sp| {
        let mut sp = sp.borrow_mut();
        sp.title = opts.splash.title.encode_utf16().collect();
        sp.background = colour(&opts.splash.background, (255, 255, 255));
        sp.foreground = colour(&opts.splash.foreground, (0x1f, 0x23, 0x28));
    });
    CREATING.with(|c| {
        *c.borrow_mut() = Some(Window {
            id: MAIN.to_string(),
            hwnd: 0,
            min_size: (opts.min_width.unwrap_or(0), opts.min_height.unwrap_or(0)),
            resizable: opts.resizable,
            decorated: opts.decorations,
            fullscreen: None,
        })
    });
    unsafe {
        let cls = register_class("TaupyWindow", window_proc);
        let title = ui_wide(&opts.title, crate::limits::MAX_TITLE_CHARS);
        let h = CreateWindowExW(
            0, cls.as_ptr(), title.as_ptr(), WS_OVERLAPPEDWINDOW,
            (GetSystemMetrics(0) - opts.width).max(0) / 2, (GetSystemMetrics(1) - opts.height).max(0) / 2,
            opts.width, opts.height, 0, 0, GetModuleHandleW(null()), null(),
        );
        id_of(h); // registered by its first message already; this is in case it had none
        let s = scale(h);
        if s != 1.0 {
            let (width, height) = (physical(opts.width, s), physical(opts.height, s));
            SetWindowPos(h, 0, (GetSystemMetrics(0) - width).max(0) / 2, (GetSystemMetrics(1) - height).max(0) / 2,
                width, height, SWP_NOZORDER | SWP_NOACTIVATE);
        }
        apply_style(h);
        ShowWindow(h, 1);
        UpdateWindow(h); // the splash's WM_PAINT now, before WebView2's start-up
    }
    if let Err(why) = webview::start(opts) {
        emit(&event(
            "error",
            vec![
                ("code", "webview2_missing".into()),
                (
                    "message",
                    format!("no usable Microsoft Edge WebView2 Runtime ({}); get it from {}", why, WEBVIEW2_DOWNLOAD).into(),
                ),
            ],
        ));
        defer(Deferred::MissingRuntime(why));
    }
}

/// The ready line arrived: the webview goes to the app (shown once that page has loaded).
pub fn load_app(url: &str, origin: &str) {
    webview::load_app(url, origin);
}

pub fn show_progress(done: u64, total: u64) {
    SPLASH.with(|sp| sp.borrow_mut().progress = (done, total));
    let h = win();
    if h != 0 {
        unsafe { InvalidateRect(h, null(), 0) };
    }
}

/// A message box over the window (from the message loop, as every modal box); then exit 1.
pub fn show_fatal(title: &str, message: &str) {
    defer(Deferred::Fatal { title: format!("{} could not start", title), message: message.to_string() });
}

/// The splash: background, title centred, and a progress bar once there is progress.
unsafe fn paint_splash(h: Hwnd) {
    let mut ps: PaintStruct = std::mem::zeroed();
    let dc = BeginPaint(h, &mut ps);
    let mut r = Rect { left: 0, top: 0, right: 0, bottom: 0 };
    GetClientRect(h, &mut r);
    let first = SPLASH.with(|sp| {
        let mut sp = sp.borrow_mut();
        let bg = CreateSolidBrush(sp.background);
        FillRect(dc, &r, bg);
        DeleteObject(bg);
        let s = scale(h);
        let face = wide("Segoe UI");
        // height < 0: the font's character height; weight 400; DEFAULT_CHARSET; CLEARTYPE_QUALITY
        let font = CreateFontW(-physical(20, s), 0, 0, 0, 400, 0, 0, 0, 1, 0, 0, 5, 0, face.as_ptr());
        let old = SelectObject(dc, font);
        SetBkMode(dc, 1); // TRANSPARENT
        SetTextColor(dc, sp.foreground);
        let mut text = r;
        text.bottom = (r.top + r.bottom) / 2 + physical(12, s);
        text.top = text.bottom - physical(40, s);
        DrawTextW(dc, sp.title.as_ptr(), sp.title.len() as i32, &mut text, 0x1 | 0x4 | 0x20 | 0x800); // CENTER|VCENTER|SINGLELINE|NOPREFIX
        SelectObject(dc, old);
        DeleteObject(font);
        let (done, total) = sp.progress;
        if total > 0 {
            let width = ((r.right - r.left) * 2 / 5).min(physical(320, s));
            let left = (r.left + r.right - width) / 2;
            let top = (r.top + r.bottom) / 2 + physical(24, s);
            let bar = Rect { left, top, right: left + width, bottom: top + physical(6, s) };
            let fg = CreateSolidBrush(sp.foreground);
            FrameRect(dc, &bar, fg);
            let filled = Rect { right: left + (width as f64 * done.min(total) as f64 / total as f64) as i32, ..bar };
            FillRect(dc, &filled, fg);
            DeleteObject(fg);
        }
        !std::mem::replace(&mut sp.painted, true)
    });
    EndPaint(h, &ps);
    if first {
        crate::trace::mark("splash_painted");
    }
}

/// `--help`, `--version` and usage errors from a GUI-subsystem exe: when our standard handles
/// were not given to us (started from an interactive console), write to the parent's console.
pub fn attach_console() {
    unsafe {
        let missing = |id: u32| {
            let h = GetStdHandle(id);
            h == 0 || h == -1
        };
        // STD_OUTPUT_HANDLE, STD_ERROR_HANDLE
        let ids = [-11i32 as u32, -12i32 as u32];
        if !ids.iter().any(|&id| missing(id)) || AttachConsole(-1i32 as u32) == 0 {
            return; // redirected (a pipe or a file), or no console to attach to
        }
        let conout = wide("CONOUT$");
        for &id in ids.iter() {
            if missing(id) {
                // GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING
                let h = CreateFileW(conout.as_ptr(), 0xC000_0000, 0x3, null(), 3, 0, 0);
                if h != -1 {
                    SetStdHandle(id, h);
                }
            }
        }
    }
}

/// The backend's creation flags: CREATE_NO_WINDOW (a console app gets no console window of its
/// own; its stdio are our pipes).
pub fn prepare_backend(cmd: &mut std::process::Command) {
    use std::os::windows::process::CommandExt;
    cmd.creation_flags(0x0800_0000);
}

#[repr(C)]
#[derive(Default)]
struct JobLimits {
    // JOBOBJECT_BASIC_LIMIT_INFORMATION
    per_process_user_time: i64,
    per_job_user_time: i64,
    limit_flags: u32,
    min_working_set: usize,
    max_working_set: usize,
    active_process_limit: u32,
    affinity: usize,
    priority_class: u32,
    scheduling_class: u32,
    // IO_COUNTERS
    io: [u64; 6],
    process_memory_limit: usize,
    job_memory_limit: usize,
    peak_process_memory: usize,
    peak_job_memory: usize,
}

/// The backend (and whatever it starts) goes into a job that ends with our last handle to it:
/// however the launcher ends, even killed, nothing of the backend outlives it.
pub fn adopt_backend(child: &std::process::Child) {
    use std::os::windows::io::AsRawHandle;
    unsafe {
        let job = CreateJobObjectW(null(), null());
        if job == 0 {
            return;
        }
        let limits = JobLimits { limit_flags: 0x2000, ..Default::default() }; // JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        // JobObjectExtendedLimitInformation = 9. The job handle stays open until we exit.
        let ok = SetInformationJobObject(job, 9, &limits as *const JobLimits as *const c_void, std::mem::size_of::<JobLimits>() as u32) != 0
            && AssignProcessToJobObject(job, child.as_raw_handle() as isize) != 0;
        if !ok {
            eprintln!("taupy-launcher: could not put the backend in a job object; it relies on stdin EOF alone");
        }
    }
}

unsafe fn apply_style(h: Hwnd) {
    let (decorated, resizable) = with_window(h, |w| (w.decorated, w.resizable)).unwrap_or((true, true));
    let mut style = if decorated { WS_OVERLAPPEDWINDOW } else { WS_POPUP | WS_THICKFRAME };
    if !resizable {
        style &= !(WS_THICKFRAME | WS_MAXIMIZEBOX);
    }
    let visible = GetWindowLongPtrW(h, GWL_STYLE) as u32 & WS_VISIBLE;
    SetWindowLongPtrW(h, GWL_STYLE, (style | visible) as isize);
    SetWindowPos(h, 0, 0, 0, 0, 0, SWP_NOMOVE | SWP_NOSIZE | SWP_NOZORDER | SWP_FRAMECHANGED | SWP_NOACTIVATE);
}



/// A command for window `r.window` (the core checked that it is open).
pub fn exec(r: Request) {
    let id = r.id;
    // The app's commands: they need no window (the app may run in the tray with none open).
    let r = match r.command {
        Command::OpenExternal { url } => {
            if !opens_externally(&url) {
                return fail(&id, "open_external", "open_failed", &not_external(&url));
            }
            // ShellExecute may pump messages: not inside drain (replied once it has run).
            return later(move || match open_external(&url) {
                Ok(()) => ack(&id),
                Err(e) => fail(&id, "open_external", "open_failed", &e),
            });
        }
        Command::SetTray { icon, tooltip, items } => return super::windows_tray::set_tray(&icon, tooltip, items, id),
        Command::RemoveTray => return super::windows_tray::remove_tray(id),
        Command::Notify { tag, title, body, icon } => return super::windows_notify::notify(tag, &title, &body, icon, id),
        command => Request { id, window: r.window, command },
    };
    let h = hwnd_of(&r.window);
    if h == 0 {
        let message = format!("no window \"{}\"", r.window);
        return crate::backend::fail_in(&r.window, &r.id, r.command.name(), "unknown_window", &message);
    }
    let window = r.window.clone();
    let window = window.as_str();
    if webview::handles(&r.command) {
        return webview::exec(window, r);
    }
    let id = r.id;
    unsafe {
        match r.command {
            Command::SetTitle { title } => {
                let t = ui_wide(&title, crate::limits::MAX_TITLE_CHARS);
                SetWindowTextW(h, t.as_ptr());
            }
            Command::SetSize { width, height } => {
                let s = scale(h);
                SetWindowPos(h, 0, 0, 0, physical(width, s), physical(height, s), SWP_NOMOVE | SWP_NOZORDER | SWP_NOACTIVATE);
            }
            Command::SetMinSize { width, height } => {
                with_window(h, |w| w.min_size = (width, height));
            }
            Command::SetPosition { x, y } => {
                let s = scale(h);
                SetWindowPos(h, 0, physical(x, s), physical(y, s), 0, 0, SWP_NOSIZE | SWP_NOZORDER | SWP_NOACTIVATE);
            }
            Command::Center => {
                let mut r = Rect { left: 0, top: 0, right: 0, bottom: 0 };
                GetWindowRect(h, &mut r);
                let (w, ht) = (r.right - r.left, r.bottom - r.top);
                SetWindowPos(h, 0, (GetSystemMetrics(0) - w).max(0) / 2, (GetSystemMetrics(1) - ht).max(0) / 2, 0, 0,
                    SWP_NOSIZE | SWP_NOZORDER | SWP_NOACTIVATE);
            }
            Command::Maximize => {
                ShowWindow(h, 3);
            }
            Command::Minimize => {
                ShowWindow(h, 6);
            }
            Command::Restore => {
                set_fullscreen(h, false);
                ShowWindow(h, 9);
            }
            Command::SetFullscreen { fullscreen } => set_fullscreen(h, fullscreen),
            Command::ToggleFullscreen => set_fullscreen(h, with_window(h, |w| w.fullscreen.is_none()).unwrap_or(false)),
            Command::SetAlwaysOnTop { always_on_top } => {
                SetWindowPos(h, if always_on_top { -1 } else { -2 }, 0, 0, 0, 0, SWP_NOMOVE | SWP_NOSIZE | SWP_NOACTIVATE);
            }
            Command::SetDecorations { decorations } => {
                with_window(h, |w| w.decorated = decorations);
                apply_style(h);
            }
            Command::SetResizable { resizable } => {
                with_window(h, |w| w.resizable = resizable);
                apply_style(h);
            }
            Command::Show => {
                ShowWindow(h, 5);
            }
            Command::Hide => {
                ShowWindow(h, 0);
            }
            Command::Focus => {
                if IsIconic(h) != 0 {
                    ShowWindow(h, 9);
                }
                SetForegroundWindow(h);
            }
            Command::MessageDialog { title, message, level } => {
                return defer(Deferred::Message { window: window.to_string(), title, message, level, confirm: false, id })
            }
            Command::ConfirmDialog { title, message, level } => {
                return defer(Deferred::Message { window: window.to_string(), title, message, level, confirm: true, id })
            }
            Command::OpenFileDialog(d) => return defer(Deferred::File { window: window.to_string(), d, kind: DialogKind::Open, id }),
            Command::SaveFileDialog(d) => return defer(Deferred::File { window: window.to_string(), d, kind: DialogKind::Save, id }),
            Command::OpenFolderDialog(d) => {
                return defer(Deferred::File { window: window.to_string(), d, kind: DialogKind::Folder, id })
            }
            Command::SetMenu { items } => return super::windows_menu::set_menu(h, &items, id),
            Command::PopupMenu { items } => return super::windows_menu::popup_menu(h, items, id),
            Command::SetMenuItem { item, label, enabled, checked } => {
                return super::windows_menu::set_menu_item(h, &item, label, enabled, checked, id)
            }
            // Webview commands went to windows_webview above; the core handles the rest.
            _ => {}
        }
    }
    ack(&id);
}

/// A modal error box before any window exists (a packaged app that cannot start).
pub fn fatal_message(title: &str, text: &str) {
    let (t, m) = (wide(title), wide(text));
    // MB_OK | MB_ICONERROR | MB_SETFOREGROUND
    unsafe { MessageBoxW(0 as Hwnd, m.as_ptr(), t.as_ptr(), 0x10 | 0x10000) };
}

/// http(s) and mailto: what the system browser may be handed.
pub(super) fn opens_externally(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

fn not_external(url: &str) -> String {
    format!("only http, https and mailto URLs are opened externally, not `{}`", url)
}

/// The system browser (ShellExecute "open"), for http(s) and mailto only. Deferred work only
/// (`later`) or before the window exists (packaged --browser): ShellExecute can run a message loop.
pub fn open_external(url: &str) -> Result<(), String> {
    if !opens_externally(url) {
        return Err(not_external(url));
    }
    let (op, u) = (wide("open"), wide(url));
    if unsafe { ShellExecuteW(win(), op.as_ptr(), u.as_ptr(), null(), null(), 1) } <= 32 {
        return Err("ShellExecute failed".into());
    }
    Ok(())
}

/// `taupy.startDrag()` / drag regions: the move loop a title-bar press starts. Posted rather than
/// sent, so it runs from the message loop and not inside WebView2's message callback.
pub(super) fn start_drag(window: &str) {
    let h = hwnd_of(window);
    if h == 0 {
        return;
    }
    unsafe {
        let mut p = Point { x: 0, y: 0 };
        GetCursorPos(&mut p);
        ReleaseCapture(); // the webview's child window holds the mouse capture from the press
        let lparam = (((p.y as u16 as u32) << 16) | (p.x as u16 as u32)) as i32 as isize;
        PostMessageW(h, WM_NCLBUTTONDOWN, HTCAPTION, lparam);
    }
}

unsafe fn set_fullscreen(h: Hwnd, on: bool) {
    let saved = with_window(h, |w| w.fullscreen).unwrap_or(None);
    if on && saved.is_none() {
        let mut r = Rect { left: 0, top: 0, right: 0, bottom: 0 };
        GetWindowRect(h, &mut r);
        let style = GetWindowLongPtrW(h, GWL_STYLE);
        with_window(h, |w| w.fullscreen = Some((r, style)));
        SetWindowLongPtrW(h, GWL_STYLE, (WS_POPUP | WS_VISIBLE) as isize);
        SetWindowPos(h, 0, 0, 0, GetSystemMetrics(0), GetSystemMetrics(1), SWP_NOZORDER | SWP_FRAMECHANGED);
        emit(&window_event("fullscreen_changed", &id_of(h).unwrap_or_default(), vec![("fullscreen", true.into())]));
    } else if !on {
        if let Some((r, style)) = saved {
            with_window(h, |w| w.fullscreen = None);
            SetWindowLongPtrW(h, GWL_STYLE, style);
            SetWindowPos(h, 0, r.left, r.top, r.right - r.left, r.bottom - r.top, SWP_NOZORDER | SWP_FRAMECHANGED);
            emit(&window_event("fullscreen_changed", &id_of(h).unwrap_or_default(), vec![("fullscreen", false.into())]));
        }
    }
}

fn run_deferred(d: Deferred) {
    let h = win();
    unsafe {
        match d {
            Deferred::MissingRuntime(why) => {
                let text = wide(&format!(
                    "This app needs the Microsoft Edge WebView2 Runtime ({} or newer), which was not found:\n{}\n\nInstall the \"Evergreen\" runtime from:\n{}",
                    webview::min_version(), why, WEBVIEW2_DOWNLOAD
                ));
                let cap = wide("WebView2 Runtime missing");
                MessageBoxW(h, text.as_ptr(), cap.as_ptr(), 0x10);
            }
            Deferred::WebviewFailed { window, message } => {
                let h = hwnd_of(&window);
                let text = wide(&format!(
                    "This app's window could not start Microsoft Edge WebView2:\n{}\n\nReinstalling the \"Evergreen\" runtime may help:\n{}",
                    message, WEBVIEW2_DOWNLOAD
                ));
                let cap = wide("WebView2 could not start");
                MessageBoxW(h, text.as_ptr(), cap.as_ptr(), 0x10);
            }
            Deferred::Fatal { title, message } => {
                let (t, m) = (wide(&title), wide(&message));
                MessageBoxW(h, m.as_ptr(), t.as_ptr(), 0x10);
                quit(1);
            }
            Deferred::Message { window, title, message, level, confirm, id } => {
                let h = hwnd_of(&window);
                let icon = match level {
                    Level::Info => 0x40,
                    Level::Warning => 0x30,
                    Level::Error => 0x10,
                };
                let (t, m) = (
                    ui_wide(title.as_deref().unwrap_or(""), crate::limits::MAX_TITLE_CHARS),
                    ui_wide(&message, crate::limits::MAX_TEXT_CHARS),
                );
                let rc = MessageBoxW(h, m.as_ptr(), t.as_ptr(), icon | if confirm { 1 } else { 0 });
                if let Some(id) = &id {
                    let result = if confirm { Json::obj(vec![("confirmed", (rc == 1).into())]) } else { Json::Null };
                    emit(&reply_ok(id, result));
                }
            }
            Deferred::File { window, d, kind, id } => {
                let h = hwnd_of(&window);
                let result = dialogs::show(h, &d, kind);
                if let Some(id) = &id {
                    emit(&reply_ok(id, result));
                }
            }
            Deferred::Run(f) => f(),
        }
    }
}

extern "system" fn window_proc(h: Hwnd, m: u32, w: usize, l: isize) -> isize {
    // "" for a window already taken out (late messages while it is destroyed).
    let id = id_of(h).unwrap_or_default();
    let id = id.as_str();
    unsafe {
        match m {
            WM_CLOSE => {
                if !id.is_empty() {
                    app::close_requested(id);
                }
                0 // the core decides: close_window, prevent_close, hide or exit
            }
            WM_SIZE => {
                if w == 1 {
                    webview::set_visible(id, false); // SIZE_MINIMIZED
                } else {
                    webview::set_visible(id, true);
                    webview::fit(id);
                    // report the outer size, as set_size takes it
                    let mut r = Rect { left: 0, top: 0, right: 0, bottom: 0 };
                    GetWindowRect(h, &mut r);
                    let s = scale(h);
                    emit(&window_event("resized", id, vec![("width", logical(r.right - r.left, s).into()), ("height", logical(r.bottom - r.top, s).into())]));
                }
                0
            }
            WM_MOVE => {
                webview::moved(id);
                let mut r = Rect { left: 0, top: 0, right: 0, bottom: 0 };
                GetWindowRect(h, &mut r);
                let s = scale(h);
                emit(&window_event("moved", id, vec![("x", logical(r.left, s).into()), ("y", logical(r.top, s).into())]));
                0
            }
            // Activation, not keyboard focus: the focus moves on into the webview's child window.
            WM_ACTIVATE => {
                emit(&window_event(if w & 0xFFFF != 0 { "focused" } else { "blurred" }, id, vec![]));
                DefWindowProcW(h, m, w, l)
            }
            WM_SETFOCUS => {
                webview::focus(id);
                0
            }
            WM_GETMINMAXINFO => {
                let (mw, mh) = with_window(h, |w| w.min_size).unwrap_or((0, 0));
                let (info, s) = (l as *mut MinMaxInfo, scale(h));
                if mw > 0 {
                    (*info).min_track.x = physical(mw, s);
                }
                if mh > 0 {
                    (*info).min_track.y = physical(mh, s);
                }
                0
            }
            // Moved to a monitor with another scale: take the size Windows suggests for it.
            WM_DPICHANGED => {
                let r = *(l as *const Rect);
                SetWindowPos(h, 0, r.left, r.top, r.right - r.left, r.bottom - r.top, SWP_NOZORDER | SWP_NOACTIVATE);
                0
            }
            // The splash is main's; a further window shows its class background until its page.
            WM_PAINT if id == MAIN => {
                paint_splash(h);
                0
            }
            WM_ERASEBKGND if id == MAIN => 1, // WM_PAINT covers it all: no white flash first
            WM_QUERYENDSESSION => 1,
            WM_ENDSESSION => {
                if w != 0 {
                    end_session();
                }
                0
            }
            WM_DESTROY => 0,
            // Menu items and their accelerators (lParam 0: not from a control).
            WM_COMMAND if l == 0 && super::windows_menu::command(h, (w & 0xFFFF) as u16) => 0,
            _ => DefWindowProcW(h, m, w, l),
        }
    }
}
