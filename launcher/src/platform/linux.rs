//! Linux: GTK 3 window + WebKitGTK 4.1 webview, through raw `extern "C"` declarations
//! (no crates), loaded with dlopen in window mode only (linux_dl.rs: no start pays for binding them).
//! Everything here runs on the GTK main thread, except `wake()`, which uses the thread-safe
//! `g_idle_add` to schedule `app::drain()` there.

use crate::app;
use crate::backend::{ack, emit, fail, fail_in};
use crate::cli::Options;
use crate::json::Json;
use crate::limits::{ui_text, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
use super::page_script::{page_script, webkit_bridge_script, WEBKIT, WEBKIT_WORLD};
use crate::page::{from_page, may_open_external, FromPage};
use crate::protocol::{reply_ok, window_event, Command, FileDialog, Level, Request, MAIN_WINDOW};
use std::cell::{Cell, RefCell};
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_double, c_int, c_uint, c_ulong, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering};

pub const NAME: &str = "linux";

type Ptr = *mut c_void;
type GBoolean = c_int;

/// GLib's error; `take_error` reads and frees one (every linux_*.rs uses these).
#[repr(C)]
pub(super) struct GError {
    domain: u32,
    code: c_int,
    message: *mut c_char,
}

#[repr(C)]
struct GSList {
    data: Ptr,
    next: *mut GSList,
}

#[repr(C)]
struct GdkEventWindowState {
    kind: c_int,
    window: Ptr,
    send_event: i8,
    changed_mask: c_uint,
    new_window_state: c_uint,
}

#[repr(C)]
struct GdkEventButton {
    kind: c_int,
    window: Ptr,
    send_event: i8,
    time: u32,
    x: c_double,
    y: c_double,
    axes: *mut c_double,
    state: c_uint,
    button: c_uint,
    device: Ptr,
    x_root: c_double,
    y_root: c_double,
}

#[repr(C)]
struct GdkRectangle {
    x: c_int,
    y: c_int,
    width: c_int,
    height: c_int,
}

#[repr(C)]
#[derive(Default)]
struct CairoTextExtents {
    x_bearing: c_double,
    y_bearing: c_double,
    width: c_double,
    height: c_double,
    x_advance: c_double,
    y_advance: c_double,
}

crate::platform::linux_dl::extern_dl! {
    fn g_unix_signal_add(signum: c_int, f: extern "C" fn(Ptr) -> GBoolean, data: Ptr) -> c_uint;
    fn gtk_overlay_new() -> Ptr;
    fn gtk_overlay_add_overlay(o: Ptr, w: Ptr);
    fn gtk_drawing_area_new() -> Ptr;
    fn gtk_widget_queue_draw(w: Ptr);
    fn gtk_widget_get_allocated_width(w: Ptr) -> c_int;
    fn gtk_widget_get_allocated_height(w: Ptr) -> c_int;
    fn webkit_web_view_get_user_content_manager(v: Ptr) -> Ptr;
    fn cairo_set_source_rgb(cr: Ptr, r: c_double, g: c_double, b: c_double);
    fn cairo_paint(cr: Ptr);
    fn cairo_rectangle(cr: Ptr, x: c_double, y: c_double, w: c_double, h: c_double);
    fn cairo_fill(cr: Ptr);
    fn cairo_stroke(cr: Ptr);
    fn cairo_set_line_width(cr: Ptr, w: c_double);
    fn cairo_select_font_face(cr: Ptr, family: *const c_char, slant: c_int, weight: c_int);
    fn cairo_set_font_size(cr: Ptr, size: c_double);
    fn cairo_text_extents(cr: Ptr, text: *const c_char, e: *mut CairoTextExtents);
    fn cairo_move_to(cr: Ptr, x: c_double, y: c_double);
    fn cairo_show_text(cr: Ptr, text: *const c_char);

    fn g_idle_add(f: extern "C" fn(Ptr) -> GBoolean, data: Ptr) -> c_uint;
    fn g_signal_connect_data(i: Ptr, sig: *const c_char, h: Ptr, data: Ptr, destroy: Ptr, flags: c_int) -> c_ulong;
    fn g_free(p: Ptr);
    fn g_error_free(e: *mut GError);
    fn g_slist_free(l: *mut GSList);
    fn g_object_unref(o: Ptr);

    fn gtk_init_check(argc: *mut c_int, argv: *mut *mut *mut c_char) -> GBoolean;
    fn gtk_main();
    fn gtk_main_quit();
    fn gtk_window_new(kind: c_int) -> Ptr;
    fn gtk_window_set_title(w: Ptr, t: *const c_char);
    fn gtk_window_set_default_size(w: Ptr, width: c_int, height: c_int);
    fn gtk_window_resize(w: Ptr, width: c_int, height: c_int);
    fn gtk_window_get_size(w: Ptr, width: *mut c_int, height: *mut c_int);
    fn gtk_window_get_position(w: Ptr, x: *mut c_int, y: *mut c_int);
    fn gtk_window_move(w: Ptr, x: c_int, y: c_int);
    fn gtk_window_maximize(w: Ptr);
    fn gtk_window_unmaximize(w: Ptr);
    fn gtk_window_iconify(w: Ptr);
    fn gtk_window_deiconify(w: Ptr);
    fn gtk_window_fullscreen(w: Ptr);
    fn gtk_window_unfullscreen(w: Ptr);
    fn gtk_window_set_keep_above(w: Ptr, on: GBoolean);
    fn gtk_window_set_decorated(w: Ptr, on: GBoolean);
    fn gtk_window_set_resizable(w: Ptr, on: GBoolean);
    fn gtk_window_present(w: Ptr);
    fn gtk_window_set_modal(w: Ptr, on: GBoolean);
    fn gtk_window_set_transient_for(w: Ptr, parent: Ptr);
    fn gtk_window_begin_move_drag(w: Ptr, button: c_int, x: c_int, y: c_int, time: u32);
    fn gtk_widget_set_size_request(w: Ptr, width: c_int, height: c_int);
    fn gtk_widget_show_all(w: Ptr);
    fn gtk_dialog_run(d: Ptr) -> c_int;
    fn gtk_widget_show(w: Ptr);
    fn gtk_widget_hide(w: Ptr);
    fn gtk_widget_destroy(w: Ptr);
    fn gtk_widget_grab_focus(w: Ptr);
    fn gtk_widget_get_window(w: Ptr) -> Ptr;
    fn gtk_container_add(c: Ptr, w: Ptr);
    fn gtk_file_chooser_dialog_new(title: *const c_char, parent: Ptr, action: c_int, first: *const c_char, ...) -> Ptr;
    fn gtk_file_chooser_set_select_multiple(c: Ptr, on: GBoolean);
    fn gtk_file_chooser_set_do_overwrite_confirmation(c: Ptr, on: GBoolean);
    fn gtk_file_chooser_set_current_name(c: Ptr, name: *const c_char);
    fn gtk_file_chooser_set_current_folder(c: Ptr, dir: *const c_char) -> GBoolean;
    fn gtk_file_chooser_set_filename(c: Ptr, f: *const c_char) -> GBoolean;
    fn gtk_file_chooser_get_filenames(c: Ptr) -> *mut GSList;
    fn gtk_file_chooser_add_filter(c: Ptr, f: Ptr);
    fn gtk_file_filter_new() -> Ptr;
    fn gtk_file_filter_set_name(f: Ptr, name: *const c_char);
    fn gtk_file_filter_add_pattern(f: Ptr, p: *const c_char);
    fn gtk_message_dialog_new(parent: Ptr, flags: c_int, kind: c_int, buttons: c_int, fmt: *const c_char, ...) -> Ptr;

    fn gdk_display_get_default() -> Ptr;
    fn gdk_display_get_default_seat(d: Ptr) -> Ptr;
    fn gdk_seat_get_pointer(s: Ptr) -> Ptr;
    fn gdk_device_get_position(d: Ptr, screen: *mut Ptr, x: *mut c_int, y: *mut c_int);
    fn gdk_display_get_monitor_at_window(d: Ptr, w: Ptr) -> Ptr;
    fn gdk_display_get_primary_monitor(d: Ptr) -> Ptr;
    fn gdk_monitor_get_workarea(m: Ptr, r: *mut GdkRectangle);

    fn webkit_user_content_manager_new() -> Ptr;
    fn webkit_user_content_manager_register_script_message_handler_in_world(m: Ptr, name: *const c_char, world: *const c_char) -> GBoolean;
    fn webkit_user_script_new_for_world(src: *const c_char, frames: c_int, time: c_int, world: *const c_char, allow: Ptr, block: Ptr) -> Ptr;
    fn webkit_navigation_action_is_user_gesture(a: Ptr) -> GBoolean;
    fn webkit_user_content_manager_add_script(m: Ptr, s: Ptr);
    fn webkit_user_script_new(src: *const c_char, frames: c_int, time: c_int, allow: Ptr, block: Ptr) -> Ptr;
    fn webkit_user_script_unref(s: Ptr);
    fn webkit_web_view_get_type() -> usize;
    fn webkit_website_data_manager_new(first: *const c_char, ...) -> Ptr;
    fn webkit_website_data_manager_new_ephemeral() -> Ptr;
    fn webkit_web_context_new_with_website_data_manager(m: Ptr) -> Ptr;
    fn g_object_new(t: usize, first: *const c_char, ...) -> Ptr;
    fn webkit_web_view_load_uri(v: Ptr, uri: *const c_char);
    fn webkit_web_view_load_html(v: Ptr, html: *const c_char, base: *const c_char);
    fn webkit_web_view_reload(v: Ptr);
    fn webkit_web_view_get_uri(v: Ptr) -> *const c_char;
    fn webkit_web_view_get_settings(v: Ptr) -> Ptr;
    fn webkit_web_view_get_inspector(v: Ptr) -> Ptr;
    fn webkit_web_inspector_show(i: Ptr);
    fn webkit_settings_set_enable_developer_extras(s: Ptr, on: GBoolean);
    fn webkit_web_view_evaluate_javascript(
        v: Ptr, script: *const c_char, len: isize, world: *const c_char, source_uri: *const c_char,
        cancellable: Ptr, cb: extern "C" fn(Ptr, Ptr, Ptr), data: Ptr,
    );
    fn webkit_web_view_evaluate_javascript_finish(v: Ptr, res: Ptr, err: *mut *mut GError) -> Ptr;
    fn webkit_navigation_policy_decision_get_navigation_action(d: Ptr) -> Ptr;
    fn webkit_navigation_action_get_request(a: Ptr) -> Ptr;
    fn webkit_uri_request_get_uri(r: Ptr) -> *const c_char;
    fn webkit_policy_decision_ignore(d: Ptr);
    fn webkit_policy_decision_use(d: Ptr);
    fn webkit_javascript_result_get_js_value(r: Ptr) -> Ptr;
    fn jsc_value_is_string(v: Ptr) -> GBoolean;
    fn jsc_value_is_undefined(v: Ptr) -> GBoolean;
    fn jsc_value_to_string(v: Ptr) -> *mut c_char;
    fn jsc_value_to_json(v: Ptr, indent: c_uint) -> *mut c_char;
}

// ----- state (GTK main thread only) -----

thread_local! {
    /// Every open window by id ("main" first, from its splash on); see `Win`.
    static WINDOWS: RefCell<Vec<Win>> = RefCell::new(Vec::new());
    /// The web context every webview shares (one cookie store and network session, so main's
    /// session cookie works in every window); a reference held until the end.
    static CONTEXT: Cell<Ptr> = Cell::new(null_mut());
    static ORIGIN: RefCell<String> = RefCell::new(String::new());
    static EXIT_CODE: Cell<i32> = Cell::new(0);
    static QUITTING: Cell<bool> = Cell::new(false);
    /// The native splash (a drawing area over the webview); null once the page replaced it.
    static SPLASH: Cell<Ptr> = Cell::new(null_mut());
    /// Holds the webview (main child) under the splash (overlay child).
    static OVERLAY: Cell<Ptr> = Cell::new(null_mut());
    static SPLASH_PAGE: RefCell<String> = RefCell::new(String::new());
    static DEVTOOLS: Cell<bool> = Cell::new(false);
    static APP_ID: RefCell<Option<String>> = RefCell::new(None);
    static SPLASH_LOOK: RefCell<SplashLook> = RefCell::new(SplashLook::default());
    static PROGRESS: Cell<(u64, u64)> = Cell::new((0, 0));
    static PAINTED: Cell<bool> = Cell::new(false);
    /// `load_app` was called: from then on only the app's page (or an error) removes the splash.
    static APP_REQUESTED: Cell<bool> = Cell::new(false);
    static APP_LOADED: Cell<bool> = Cell::new(false);
    /// The splash page is the app's `splash.html` (shown once loaded), not our empty one.
    static SPLASH_HTML: Cell<bool> = Cell::new(false);
}

#[derive(Default)]
struct SplashLook {
    title: String,
    background: (u8, u8, u8),
    foreground: (u8, u8, u8),
}

static WAKE_PENDING: AtomicBool = AtomicBool::new(false);

/// One native window: a GtkWindow with its webview (null for main until its splash has
/// painted), the webview's user content manager, and what its events need to remember.
struct Win {
    id: String,
    window: Ptr,
    view: Ptr,
    ucm: Ptr,
    fullscreen: bool,
    geometry: (i32, i32, i32, i32),
    /// The last button press in the webview (button, x_root, y_root, time): drag regions.
    last_press: (u32, f64, f64, u32),
    /// Reloads after its web process died (`webview_crashed`); past MAX_RELOADS, an error page.
    reloads: u32,
}

impl Win {
    fn new(id: &str, window: Ptr) -> Win {
        Win { id: id.to_string(), window, view: null_mut(), ucm: null_mut(), fullscreen: false, geometry: (i32::MIN, i32::MIN, 0, 0), last_press: (0, 0.0, 0.0, 0), reloads: 0 }
    }
}

/// Runs `f` on the window that `matches` (by id or by one of its GTK objects); None when none does.
fn with_win<R>(matches: impl Fn(&Win) -> bool, f: impl FnOnce(&mut Win) -> R) -> Option<R> {
    WINDOWS.with(|ws| ws.borrow_mut().iter_mut().find(|w| matches(w)).map(f))
}

fn by_id(id: &str) -> Option<(Ptr, Ptr)> {
    with_win(|w| w.id == id, |w| (w.window, w.view))
}

/// The id of the window whose GtkWindow, webview or content manager `p` is.
fn id_of(p: Ptr) -> Option<String> {
    with_win(|w| w.window == p || w.view == p || w.ucm == p, |w| w.id.clone())
}

fn win() -> Ptr {
    by_id(MAIN_WINDOW).map_or(null_mut(), |(w, _)| w)
}
fn view() -> Ptr {
    by_id(MAIN_WINDOW).map_or(null_mut(), |(_, v)| v)
}

/// A C string for the toolkit (an interior NUL, which C cannot carry, is dropped).
pub(super) fn cstr(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap()
}

/// The message of a GError, which is freed; `fallback` when there is none.
pub(super) unsafe fn take_error(e: *mut GError, fallback: &str) -> String {
    if e.is_null() {
        return fallback.into();
    }
    let m = CStr::from_ptr((*e).message).to_string_lossy().into_owned();
    g_error_free(e);
    m
}

/// Text for the toolkit (titles, dialog text): bounded by the one helper, `limits::ui_text`.
fn ui(s: &str, max_chars: usize) -> CString {
    cstr(&ui_text(s, max_chars))
}

unsafe fn take_gstring(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let s = CStr::from_ptr(p).to_string_lossy().into_owned();
    g_free(p as Ptr);
    Some(s)
}

unsafe fn connect(obj: Ptr, sig: &str, handler: Ptr, data: Ptr) {
    let s = cstr(sig);
    g_signal_connect_data(obj, s.as_ptr(), handler, data, null_mut(), 0);
}

// ----- the platform API (see platform/mod.rs) -----

/// Fills `buf` from the kernel's CSPRNG (the IPC framing token). /dev/urandom never blocks
/// once the system is up, and needs no syscall binding.
pub fn random_bytes(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

pub fn init(_opts: &Options) -> Result<(), String> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err("no display: set DISPLAY (X11) or WAYLAND_DISPLAY".into());
    }
    super::linux_dl::load_gtk()?;
    crate::trace::mark("toolkit_loaded");
    // SIGTERM/SIGINT/SIGHUP end the app as closing it does (app::terminate), from the main loop.
    for &signum in [1, 2, 15].iter() {
        unsafe { g_unix_signal_add(signum, on_signal, signum as usize as Ptr) };
    }
    let ok = unsafe { gtk_init_check(null_mut(), null_mut()) };
    if ok == 0 {
        return Err("cannot open the display (gtk_init_check failed)".into());
    }
    crate::trace::mark("toolkit_ready");
    Ok(())
}

/// A modal error box before any window exists (a packaged app that cannot start), when a
/// display is there; the caller prints the same text on stderr first.
pub fn fatal_message(title: &str, text: &str) {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return;
    }
    if super::linux_dl::load_gtk().is_err() {
        return;
    }
    unsafe {
        if gtk_init_check(null_mut(), null_mut()) == 0 {
            return;
        }
        let (fmt, m, t) = (cstr("%s"), cstr(text), cstr(title));
        // GTK_MESSAGE_ERROR (3), GTK_BUTTONS_OK (1)
        let d = gtk_message_dialog_new(null_mut(), 0, 3, 1, fmt.as_ptr(), m.as_ptr());
        gtk_window_set_title(d, t.as_ptr());
        gtk_dialog_run(d);
        gtk_widget_destroy(d);
    }
}

pub fn run() -> i32 {
    unsafe { gtk_main() };
    EXIT_CODE.with(|c| c.get())
}

extern "C" fn on_signal(signum: Ptr) -> GBoolean {
    app::terminate(signum as usize as i32);
    1 // G_SOURCE_CONTINUE: a second signal stops waiting for the backend
}

extern "C" fn on_idle(_: Ptr) -> GBoolean {
    WAKE_PENDING.store(false, Ordering::SeqCst);
    app::drain();
    0 // G_SOURCE_REMOVE
}

pub fn wake() {
    if !WAKE_PENDING.swap(true, Ordering::SeqCst) {
        unsafe { g_idle_add(on_idle, null_mut()) };
    }
}

pub fn quit(code: i32) {
    if QUITTING.with(|q| q.replace(true)) {
        return;
    }
    EXIT_CODE.with(|c| c.set(code));
    unsafe { gtk_main_quit() };
}

/// A second start of the app: show the window if hidden, raise and focus it.
pub fn present_window(window: &str) {
    if let Some((w, _)) = by_id(window) {
        unsafe { gtk_window_present(w) };
    }
}

pub fn close_window(window: &str) {
    let gone = WINDOWS.with(|ws| {
        let mut ws = ws.borrow_mut();
        let i = ws.iter().position(|w| w.id == window)?;
        Some(ws.remove(i))
    });
    if let Some(w) = gone {
        if window == MAIN_WINDOW {
            SPLASH.with(|c| c.set(null_mut()));
        }
        super::linux_menu::forget(w.window);
        unsafe { gtk_widget_destroy(w.window) };
    }
}

pub fn show_error_page(window: &str, html: &str) {
    if let Some((_, v)) = by_id(window) {
        if !v.is_null() {
            let h = cstr(html);
            unsafe { webkit_web_view_load_html(v, h.as_ptr(), null_mut()) };
        }
    }
    if window == MAIN_WINDOW {
        remove_splash();
    }
}

/// Where an app's web storage lives: `$XDG_DATA_HOME/taupy/<app id>/webview` (localStorage,
/// IndexedDB, cookies) and `$XDG_CACHE_HOME/taupy/<app id>/webview` (HTTP cache), per user.
fn storage_dirs(app_id: &str, data_home: Option<String>, cache_home: Option<String>, home: Option<String>) -> (String, String) {
    let home = home.filter(|h| !h.is_empty()).unwrap_or_else(|| "/tmp".into());
    let base = |xdg: Option<String>, fallback: &str| match xdg.filter(|d| d.starts_with('/')) {
        Some(d) => d,
        None => format!("{}/{}", home.trim_end_matches('/'), fallback),
    };
    let at = |root: String| format!("{}/taupy/{}/webview", root.trim_end_matches('/'), app_id);
    (at(base(data_home, ".local/share")), at(base(cache_home, ".cache")))
}

/// The webview's storage: a folder of the app's own when it has an id, so what the page keeps
/// survives restarts and no other app sees it; otherwise ephemeral (nothing shared with
/// whichever app later gets the same port, nothing left on disk). Returns a new reference.
unsafe fn web_context(app_id: Option<&str>) -> Ptr {
    let manager = match app_id {
        Some(id) => {
            let env = |k: &str| std::env::var(k).ok();
            let (data, cache) = storage_dirs(id, env("XDG_DATA_HOME"), env("XDG_CACHE_HOME"), env("HOME"));
            for dir in [&data, &cache] {
                use std::os::unix::fs::DirBuilderExt;
                let _ = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir);
            }
            let (kd, kc, d, c) = (cstr("base-data-directory"), cstr("base-cache-directory"), cstr(&data), cstr(&cache));
            webkit_website_data_manager_new(kd.as_ptr(), d.as_ptr(), kc.as_ptr(), c.as_ptr(), null_mut::<c_char>())
        }
        None => webkit_website_data_manager_new_ephemeral(),
    };
    let context = webkit_web_context_new_with_website_data_manager(manager);
    g_object_unref(manager);
    context
}

/// The window at once: a native splash (drawn with cairo: background, title, progress bar) over
/// the webview, which starts WebKit's processes right away by loading the splash page (the
/// app's `splash.html`, or an empty page in the splash colours) with no origin: no
/// `window.taupy`, and the origin checks refuse anything it sends.
pub fn create_window(opts: &Options) {
    let colour = |c: &str, fallback: (u8, u8, u8)| crate::cli::parse_color(c).unwrap_or(fallback);
    let look = SplashLook {
        title: opts.splash.title.clone(),
        background: colour(&opts.splash.background, (255, 255, 255)),
        foreground: colour(&opts.splash.foreground, (0x1f, 0x23, 0x28)),
    };
    let blank = format!(
        "<!doctype html><html style=\"background:#{:02x}{:02x}{:02x}\"></html>",
        look.background.0, look.background.1, look.background.2
    );
    SPLASH_LOOK.with(|l| *l.borrow_mut() = look);
    SPLASH_HTML.with(|h| h.set(opts.splash.html.is_some()));
    SPLASH_PAGE.with(|p| *p.borrow_mut() = opts.splash.html.clone().unwrap_or(blank));
    DEVTOOLS.with(|d| d.set(opts.devtools));
    APP_ID.with(|i| *i.borrow_mut() = opts.app_id.clone());
    unsafe {
        let w = gtk_window_new(0);
        let t = ui(&opts.title, MAX_TITLE_CHARS);
        gtk_window_set_title(w, t.as_ptr());
        gtk_window_set_default_size(w, opts.width, opts.height);
        if opts.min_width.is_some() || opts.min_height.is_some() {
            gtk_widget_set_size_request(w, opts.min_width.unwrap_or(-1), opts.min_height.unwrap_or(-1));
        }
        gtk_window_set_resizable(w, opts.resizable as GBoolean);
        gtk_window_set_decorated(w, opts.decorations as GBoolean);
        connect_window(w);
        let overlay = gtk_overlay_new();
        let splash = gtk_drawing_area_new();
        connect(splash, "draw", on_splash_draw as Ptr, null_mut());
        gtk_overlay_add_overlay(overlay, splash);
        super::linux_menu::pack(w, overlay); // a menu bar can go above it (set_menu)
        WINDOWS.with(|ws| ws.borrow_mut().push(Win::new(MAIN_WINDOW, w)));
        OVERLAY.with(|c| c.set(overlay));
        SPLASH.with(|c| c.set(splash));
        gtk_widget_show_all(w);
    }
}

/// After the splash's first paint (WebKit's set-up takes tens of ms, and the splash comes first):
/// the webview goes under the splash and starts WebKit's processes with the splash page.
extern "C" fn create_webview_idle(_: Ptr) -> GBoolean {
    if view().is_null() && !win().is_null() {
        create_main_webview();
        if view().is_null() {
            return 0; // WebKitGTK did not load: create_main_webview showed why
        }
        crate::trace::mark("webview_created");
        let page = SPLASH_PAGE.with(|p| cstr(&p.borrow()));
        unsafe { webkit_web_view_load_html(view(), page.as_ptr(), null_mut()) };
    }
    0
}

/// The signals every window reports (the handlers find the window's id from `w`).
unsafe fn connect_window(w: Ptr) {
    connect(w, "delete-event", on_delete as Ptr, null_mut());
    connect(w, "configure-event", on_configure as Ptr, null_mut());
    connect(w, "focus-in-event", on_focus_in as Ptr, null_mut());
    connect(w, "focus-out-event", on_focus_out as Ptr, null_mut());
    connect(w, "window-state-event", on_window_state as Ptr, null_mut());
}

fn create_main_webview() {
    if let Err(e) = super::linux_dl::load_webkit() {
        eprintln!("taupy-launcher: {}", e);
        return show_fatal("taupy", &e);
    }
    crate::trace::mark("webkit_loaded");
    let (v, ucm) = unsafe { new_webview(null_mut()) };
    with_win(|w| w.id == MAIN_WINDOW, |w| {
        w.view = v;
        w.ucm = ucm;
    });
    unsafe {
        gtk_container_add(OVERLAY.with(|o| o.get()), v);
        gtk_widget_show(v);
        gtk_widget_grab_focus(v);
    }
}

/// A webview on the shared web context (made by the first call), with the message handler
/// in our isolated world and the navigation, load and input handlers. Returns (view, its
/// user content manager); the scripts are added by `add_page_scripts`.
unsafe fn new_webview(related: Ptr) -> (Ptr, Ptr) {
    {
        let ucm = webkit_user_content_manager_new();
        // The handler exists only in an isolated world, where only our top-frame bridge runs:
        // no frame's own script can post to it (page_script.rs, docs/security.md).
        let name = cstr("taupy");
        let world = cstr(WEBKIT_WORLD);
        webkit_user_content_manager_register_script_message_handler_in_world(ucm, name.as_ptr(), world.as_ptr());
        connect(ucm, "script-message-received::taupy", on_script_message as Ptr, null_mut());
        // The scripts (the bridge in that world, window.taupy in the page's) are added by
        // load_app: the splash page gets neither.
        if CONTEXT.with(|c| c.get()).is_null() {
            let context = APP_ID.with(|i| web_context(i.borrow().as_deref()));
            CONTEXT.with(|c| c.set(context));
        }
        let context = CONTEXT.with(|c| c.get());
        let (k_ctx, k_ucm, k_rel) = (cstr("web-context"), cstr("user-content-manager"), cstr("related-view"));
        let v = if related.is_null() {
            g_object_new(webkit_web_view_get_type(), k_ctx.as_ptr(), context, k_ucm.as_ptr(), ucm, null_mut::<c_char>())
        } else {
            g_object_new(webkit_web_view_get_type(), k_ucm.as_ptr(), ucm, k_rel.as_ptr(), related, null_mut::<c_char>())
        };
        g_object_unref(ucm); // the view holds it
        if DEVTOOLS.with(|d| d.get()) {
            webkit_settings_set_enable_developer_extras(webkit_web_view_get_settings(v), 1);
        }
        connect(v, "decide-policy", on_decide_policy as Ptr, null_mut());
        connect(v, "load-changed", on_load_changed as Ptr, null_mut());
        connect(v, "load-failed", on_load_failed as Ptr, null_mut());
        connect(v, "button-press-event", on_button_press as Ptr, null_mut());
        connect(v, "web-process-terminated", on_web_process_terminated as Ptr, null_mut());
        (v, ucm)
    }
}

/// `window.taupy` for every page of this webview: the bridge in our isolated world and the
/// API in the page's, top frame only, at document start.
unsafe fn add_page_scripts(ucm: Ptr) {
    // frames: WEBKIT_USER_CONTENT_INJECT_TOP_FRAME (1); time: INJECT_AT_DOCUMENT_START (0)
    let world = cstr(WEBKIT_WORLD);
    let bridge = cstr(&webkit_bridge_script());
    let script = webkit_user_script_new_for_world(bridge.as_ptr(), 1, 0, world.as_ptr(), null_mut(), null_mut());
    webkit_user_content_manager_add_script(ucm, script);
    webkit_user_script_unref(script);
    let src = cstr(&page_script(&WEBKIT));
    let script = webkit_user_script_new(src.as_ptr(), 1, 0, null_mut(), null_mut());
    webkit_user_content_manager_add_script(ucm, script);
    webkit_user_script_unref(script);
}

/// A further window (`create_window`): shown at once on the app's page, no splash; its webview
/// shares main's web context, origin lock, script and handlers.
pub fn create_extra_window(id: &str, spec: &super::WindowSpec) -> Result<(), String> {
    if ORIGIN.with(|o| o.borrow().is_empty()) {
        return Err("the app is not ready yet".into());
    }
    unsafe {
        let w = gtk_window_new(0);
        let t = ui(&spec.title, MAX_TITLE_CHARS);
        gtk_window_set_title(w, t.as_ptr());
        gtk_window_set_default_size(w, spec.width, spec.height);
        gtk_window_set_resizable(w, spec.resizable as GBoolean);
        connect_window(w);
        let related = WINDOWS.with(|ws| ws.borrow().iter().map(|w| w.view).find(|v| !v.is_null()).unwrap_or(null_mut()));
        let (v, ucm) = new_webview(related);
        add_page_scripts(ucm);
        super::linux_menu::pack(w, v);
        let mut entry = Win::new(id, w);
        entry.view = v;
        entry.ucm = ucm;
        WINDOWS.with(|ws| ws.borrow_mut().push(entry));
        gtk_widget_show_all(w);
        gtk_widget_grab_focus(v);
        let u = cstr(&spec.url);
        webkit_web_view_load_uri(v, u.as_ptr());
    }
    Ok(())
}

/// Only the Windows GUI-subsystem exe needs this (see windows.rs).
pub fn attach_console() {}

/// Nothing to add on Linux: the backend ends on stdin EOF, even when we are killed.
pub fn prepare_backend(_cmd: &mut std::process::Command) {}
pub fn adopt_backend(_child: &std::process::Child) {}

/// The ready line arrived: inject `window.taupy` (for this and later pages) and load the app;
/// the splash stays on top until that page has loaded (`on_load_changed`).
pub fn load_app(url: &str, origin: &str) {
    ORIGIN.with(|o| *o.borrow_mut() = origin.to_string());
    APP_REQUESTED.with(|a| a.set(true));
    if win().is_null() {
        return;
    }
    if view().is_null() {
        create_main_webview(); // the ready line came before the splash's first paint (--url mode)
    }
    let v = view();
    if v.is_null() {
        return; // WebKitGTK did not load: create_webview showed why
    }
    unsafe {
        add_page_scripts(webkit_web_view_get_user_content_manager(v));
        let u = cstr(url);
        webkit_web_view_load_uri(v, u.as_ptr());
    }
}

pub fn show_progress(done: u64, total: u64) {
    PROGRESS.with(|p| p.set((done, total)));
    let s = SPLASH.with(|s| s.get());
    if !s.is_null() {
        unsafe { gtk_widget_queue_draw(s) };
    }
}

/// A modal error box over the window; closing it quits with 1.
pub fn show_fatal(title: &str, message: &str) {
    unsafe {
        let fmt = cstr("%s");
        let m = cstr(message);
        // flags: MODAL | DESTROY_WITH_PARENT; GTK_MESSAGE_ERROR (3); GTK_BUTTONS_CLOSE (2)
        let d = gtk_message_dialog_new(win(), 1 | 2, 3, 2, fmt.as_ptr(), m.as_ptr());
        let t = cstr(&format!("{} could not start", title));
        gtk_window_set_title(d, t.as_ptr());
        connect(d, "response", on_fatal_response as Ptr, null_mut());
        gtk_widget_show_all(d);
    }
}

extern "C" fn on_fatal_response(dlg: Ptr, _response: c_int, _d: Ptr) {
    unsafe { gtk_widget_destroy(dlg) };
    quit(1);
}

fn remove_splash() {
    let s = SPLASH.with(|s| s.replace(null_mut()));
    if !s.is_null() {
        unsafe { gtk_widget_destroy(s) };
    }
}

fn rgb(c: (u8, u8, u8)) -> (c_double, c_double, c_double) {
    (c.0 as c_double / 255.0, c.1 as c_double / 255.0, c.2 as c_double / 255.0)
}

extern "C" fn on_splash_draw(widget: Ptr, cr: Ptr, _d: Ptr) -> GBoolean {
    SPLASH_LOOK.with(|l| unsafe {
        let l = l.borrow();
        let (w, h) = (gtk_widget_get_allocated_width(widget) as c_double, gtk_widget_get_allocated_height(widget) as c_double);
        let (br, bg, bb) = rgb(l.background);
        let (fr, fg, fb) = rgb(l.foreground);
        cairo_set_source_rgb(cr, br, bg, bb);
        cairo_paint(cr);
        cairo_set_source_rgb(cr, fr, fg, fb);
        let family = cstr("sans-serif");
        cairo_select_font_face(cr, family.as_ptr(), 0, 0);
        cairo_set_font_size(cr, 20.0);
        let title = cstr(&l.title);
        let mut e = CairoTextExtents::default();
        cairo_text_extents(cr, title.as_ptr(), &mut e);
        cairo_move_to(cr, ((w - e.width) / 2.0 - e.x_bearing).floor(), (h / 2.0).floor());
        cairo_show_text(cr, title.as_ptr());
        let (done, total) = PROGRESS.with(|p| p.get());
        if total > 0 {
            let (bw, bh) = ((w * 0.4).min(320.0).floor(), 6.0);
            let (x, y) = (((w - bw) / 2.0).floor(), (h / 2.0 + 24.0).floor());
            cairo_set_line_width(cr, 1.0);
            cairo_rectangle(cr, x + 0.5, y + 0.5, bw - 1.0, bh - 1.0);
            cairo_stroke(cr);
            let part = (done.min(total) as c_double / total as c_double) * bw;
            cairo_rectangle(cr, x, y, part.floor(), bh);
            cairo_fill(cr);
        }
    });
    if !PAINTED.with(|p| p.replace(true)) {
        crate::trace::mark("splash_painted");
        unsafe { g_idle_add(create_webview_idle, null_mut()) };
    }
    1
}

/// On the app's origin; never before `load_app` set it (the splash page has none).
fn same_origin(url: &str) -> bool {
    ORIGIN.with(|o| !o.borrow().is_empty() && app::origin_of(url) == *o.borrow())
}

pub fn exec(r: Request) {
    // About the app, not a window: they work with every window closed (a tray app).
    match r.command {
        Command::SetTray { icon, tooltip, items } => return super::linux_tray::set_tray(&icon, tooltip, &items, r.id),
        Command::RemoveTray => return super::linux_tray::remove_tray(r.id),
        Command::Notify { tag, title, body, icon } => return super::linux_notify::notify(tag, &title, &body, icon, r.id),
        Command::OpenExternal { url } => {
            return match open_external(&url) {
                Ok(()) => ack(&r.id),
                Err(e) => fail(&r.id, "open_external", "open_failed", &e),
            }
        }
        _ => {}
    }
    let (w, v) = match by_id(&r.window) {
        Some(found) => found, // after ready: every window has its webview
        None => return fail_in(&r.window, &r.id, r.command.name(), "unknown_window", &format!("no window \"{}\"", r.window)),
    };
    let window = r.window;
    let id = r.id;
    unsafe {
        match r.command {
            Command::SetTitle { title } => {
                let t = ui(&title, MAX_TITLE_CHARS);
                gtk_window_set_title(w, t.as_ptr());
            }
            Command::SetSize { width, height } => gtk_window_resize(w, width, height),
            Command::SetMinSize { width, height } => gtk_widget_set_size_request(
                w,
                if width > 0 { width } else { -1 },
                if height > 0 { height } else { -1 },
            ),
            Command::SetPosition { x, y } => gtk_window_move(w, x, y),
            Command::Center => center(w),
            Command::Maximize => gtk_window_maximize(w),
            Command::Minimize => gtk_window_iconify(w),
            Command::Restore => {
                gtk_window_deiconify(w);
                gtk_window_unmaximize(w);
                gtk_window_unfullscreen(w);
            }
            Command::SetFullscreen { fullscreen } => set_fullscreen(w, fullscreen),
            Command::ToggleFullscreen => set_fullscreen(w, !with_win(|x| x.window == w, |x| x.fullscreen).unwrap_or(false)),
            Command::SetAlwaysOnTop { always_on_top } => gtk_window_set_keep_above(w, always_on_top as GBoolean),
            Command::SetDecorations { decorations } => gtk_window_set_decorated(w, decorations as GBoolean),
            Command::SetResizable { resizable } => gtk_window_set_resizable(w, resizable as GBoolean),
            Command::Show => gtk_widget_show(w),
            Command::Hide => gtk_widget_hide(w),
            Command::Focus => gtk_window_present(w),
            Command::Navigate { url } => {
                if !same_origin(&url) {
                    return fail_in(&window, &id, "navigate", "forbidden_origin", "navigate stays on the app's origin; use open_external");
                }
                let u = cstr(&url);
                webkit_web_view_load_uri(v, u.as_ptr());
            }
            Command::Reload => webkit_web_view_reload(v),
            Command::Eval { script } => return eval(v, &window, &script, id),
            Command::PostMessage { data } => {
                let js = format!("window.taupy && window.taupy._dispatch({})", data.to_string());
                return eval(v, &window, &js, id);
            }
            Command::OpenDevtools => {
                webkit_settings_set_enable_developer_extras(webkit_web_view_get_settings(v), 1);
                webkit_web_inspector_show(webkit_web_view_get_inspector(v));
            }
            Command::MessageDialog { title, message, level } => return message_dialog(w, title, &message, level, false, id),
            Command::ConfirmDialog { title, message, level } => return message_dialog(w, title, &message, level, true, id),
            Command::OpenFileDialog(d) => return file_dialog(w, d, 0, id),
            Command::SaveFileDialog(d) => return file_dialog(w, d, 1, id),
            Command::OpenFolderDialog(d) => return file_dialog(w, d, 2, id),
            Command::SetMenu { items } => return super::linux_menu::set_menu(w, &window, &items, id),
            Command::PopupMenu { items } => return super::linux_menu::popup_menu(v, &window, &items, id),
            Command::SetMenuItem { item, label, enabled, checked } => {
                return super::linux_menu::set_menu_item(w, &item, label, enabled, checked, id)
            }
            // App-wide: handled above, before the window.
            Command::SetTray { .. } | Command::RemoveTray | Command::Notify { .. } | Command::OpenExternal { .. } => {}
            // Handled by the core; never reach the platform.
            Command::Ready { .. } | Command::PreventClose | Command::Exit { .. } | Command::Desktop(_) => {}
            Command::CreateWindow { .. } | Command::CloseWindow => {}
        }
    }
    ack(&id);
}

unsafe fn set_fullscreen(w: Ptr, on: bool) {
    if on {
        gtk_window_fullscreen(w)
    } else {
        gtk_window_unfullscreen(w)
    }
}

unsafe fn center(w: Ptr) {
    let d = gdk_display_get_default();
    let gw = gtk_widget_get_window(w);
    let mut m = if gw.is_null() { null_mut() } else { gdk_display_get_monitor_at_window(d, gw) };
    if m.is_null() {
        m = gdk_display_get_primary_monitor(d);
    }
    if m.is_null() {
        return;
    }
    let mut r = GdkRectangle { x: 0, y: 0, width: 0, height: 0 };
    gdk_monitor_get_workarea(m, &mut r);
    let (mut ww, mut wh) = (0, 0);
    gtk_window_get_size(w, &mut ww, &mut wh);
    gtk_window_move(w, r.x + (r.width - ww).max(0) / 2, r.y + (r.height - wh).max(0) / 2);
}

pub fn open_external(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")) {
        return Err(format!("only http, https and mailto URLs are opened externally, not `{}`", url));
    }
    match std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
            Ok(())
        }
        Err(e) => Err(format!("xdg-open: {}", e)),
    }
}

// ----- eval -----

struct Pending {
    id: Option<Json>,
    window: String,
}

unsafe fn eval(v: Ptr, window: &str, script: &str, id: Option<Json>) {
    let s = cstr(script);
    let data = Box::into_raw(Box::new(Pending { id, window: window.to_string() })) as Ptr;
    webkit_web_view_evaluate_javascript(v, s.as_ptr(), -1, null_mut(), null_mut(), null_mut(), on_eval_done, data);
}

extern "C" fn on_eval_done(v: Ptr, res: Ptr, data: Ptr) {
    unsafe {
        let p = Box::from_raw(data as *mut Pending);
        let mut err: *mut GError = null_mut();
        let value = webkit_web_view_evaluate_javascript_finish(v, res, &mut err);
        if value.is_null() {
            let msg = take_error(err, "evaluation failed");
            return fail_in(&p.window, &p.id, "eval", "eval_failed", &msg);
        }
        let result = if jsc_value_is_undefined(value) != 0 {
            Json::Null
        } else {
            take_gstring(jsc_value_to_json(value, 0)).and_then(|s| Json::parse(&s).ok()).unwrap_or(Json::Null)
        };
        g_object_unref(value);
        if let Some(id) = &p.id {
            emit(&reply_ok(id, result));
        }
    }
}

// ----- dialogs (non-blocking: the reply is sent from the "response" signal) -----

struct DialogReply {
    id: Option<Json>,
    kind: c_int, // 0 open, 1 save, 2 folder, 10 message, 11 confirm
}

unsafe fn message_dialog(w: Ptr, title: Option<String>, message: &str, level: Level, confirm: bool, id: Option<Json>) {
    let kind = match level {
        Level::Info => if confirm { 2 } else { 0 },
        Level::Warning => 1,
        Level::Error => 3,
    };
    let fmt = cstr("%s");
    let m = ui(message, MAX_TEXT_CHARS);
    // flags: MODAL | DESTROY_WITH_PARENT; buttons: GTK_BUTTONS_OK (1) / GTK_BUTTONS_OK_CANCEL (5)
    let d = gtk_message_dialog_new(w, 1 | 2, kind, if confirm { 5 } else { 1 }, fmt.as_ptr(), m.as_ptr());
    if let Some(t) = title {
        let t = ui(&t, MAX_TITLE_CHARS);
        gtk_window_set_title(d, t.as_ptr());
    }
    let data = Box::into_raw(Box::new(DialogReply { id, kind: if confirm { 11 } else { 10 } })) as Ptr;
    connect(d, "response", on_dialog_response as Ptr, data);
    gtk_widget_show_all(d);
}

unsafe fn file_dialog(w: Ptr, d: FileDialog, action: c_int, id: Option<Json>) {
    let default_title = match action {
        0 => if d.multiple { "Open Files" } else { "Open File" },
        1 => "Save File",
        _ => "Select Folder",
    };
    let title = ui(d.title.as_deref().unwrap_or(default_title), MAX_TITLE_CHARS);
    let cancel = cstr("_Cancel");
    let ok = cstr(match action {
        1 => "_Save",
        2 => "_Select",
        _ => "_Open",
    });
    // GTK_RESPONSE_CANCEL = -6, GTK_RESPONSE_ACCEPT = -3
    let dlg = gtk_file_chooser_dialog_new(
        title.as_ptr(), w, action, cancel.as_ptr(), -6 as c_int, ok.as_ptr(), -3 as c_int, null_mut::<c_char>(),
    );
    gtk_window_set_modal(dlg, 1);
    gtk_window_set_transient_for(dlg, w);
    if action != 1 {
        gtk_file_chooser_set_select_multiple(dlg, d.multiple as GBoolean);
    } else {
        gtk_file_chooser_set_do_overwrite_confirmation(dlg, 1);
    }
    if let Some(p) = &d.default_path {
        let path = std::path::Path::new(p);
        if path.is_dir() {
            let c = cstr(p);
            gtk_file_chooser_set_current_folder(dlg, c.as_ptr());
        } else if action == 1 {
            if let Some(parent) = path.parent() {
                let c = cstr(&parent.to_string_lossy());
                gtk_file_chooser_set_current_folder(dlg, c.as_ptr());
            }
            if let Some(name) = path.file_name() {
                let c = cstr(&name.to_string_lossy());
                gtk_file_chooser_set_current_name(dlg, c.as_ptr());
            }
        } else {
            let c = cstr(p);
            gtk_file_chooser_set_filename(dlg, c.as_ptr());
        }
    }
    for f in &d.filters {
        let filter = gtk_file_filter_new();
        let n = ui(&f.name, MAX_TITLE_CHARS);
        gtk_file_filter_set_name(filter, n.as_ptr());
        for e in &f.extensions {
            let pat = ui(&if e == "*" { "*".to_string() } else { format!("*.{}", e.trim_start_matches('.')) }, MAX_TITLE_CHARS);
            gtk_file_filter_add_pattern(filter, pat.as_ptr());
        }
        gtk_file_chooser_add_filter(dlg, filter);
    }
    let data = Box::into_raw(Box::new(DialogReply { id, kind: action })) as Ptr;
    connect(dlg, "response", on_dialog_response as Ptr, data);
    gtk_widget_show_all(dlg);
}

extern "C" fn on_dialog_response(dlg: Ptr, response: c_int, data: Ptr) {
    unsafe {
        let r = Box::from_raw(data as *mut DialogReply);
        let accepted = response == -3 || response == -5; // ACCEPT or OK
        let result = match r.kind {
            10 => Json::Null,
            11 => Json::obj(vec![("confirmed", accepted.into())]),
            _ => {
                let mut paths = Vec::new();
                if accepted {
                    let list = gtk_file_chooser_get_filenames(dlg);
                    let mut node = list;
                    while !node.is_null() {
                        if let Some(s) = take_gstring((*node).data as *mut c_char) {
                            paths.push(Json::Str(s));
                        }
                        node = (*node).next;
                    }
                    g_slist_free(list);
                }
                let cancelled = paths.is_empty();
                if r.kind == 1 {
                    let path = paths.into_iter().next().unwrap_or(Json::Null);
                    Json::obj(vec![("cancelled", cancelled.into()), ("path", path)])
                } else {
                    Json::obj(vec![("cancelled", cancelled.into()), ("paths", Json::Arr(paths))])
                }
            }
        };
        gtk_widget_destroy(dlg);
        if let Some(id) = &r.id {
            emit(&reply_ok(id, result));
        }
    }
}

// ----- signal handlers -----

extern "C" fn on_delete(w: Ptr, _ev: Ptr, _d: Ptr) -> GBoolean {
    if let Some(id) = id_of(w) {
        app::close_requested(&id);
    }
    1 // keep the window: the core closes it (close_window, or at the end)
}

extern "C" fn on_configure(w: Ptr, _ev: Ptr, _d: Ptr) -> GBoolean {
    let (mut x, mut y, mut cw, mut ch) = (0, 0, 0, 0);
    unsafe {
        gtk_window_get_position(w, &mut x, &mut y);
        gtk_window_get_size(w, &mut cw, &mut ch);
    }
    let before = with_win(|e| e.window == w, |e| (e.id.clone(), std::mem::replace(&mut e.geometry, (x, y, cw, ch))));
    let (id, (ox, oy, ow, oh)) = match before {
        Some(b) => b,
        None => return 0,
    };
    if (cw, ch) != (ow, oh) {
        emit(&window_event("resized", &id, vec![("width", cw.into()), ("height", ch.into())]));
    }
    if (x, y) != (ox, oy) {
        emit(&window_event("moved", &id, vec![("x", x.into()), ("y", y.into())]));
    }
    0
}

extern "C" fn on_focus_in(w: Ptr, _ev: Ptr, _d: Ptr) -> GBoolean {
    if let Some(id) = id_of(w) {
        emit(&window_event("focused", &id, vec![]));
    }
    0
}

extern "C" fn on_focus_out(w: Ptr, _ev: Ptr, _d: Ptr) -> GBoolean {
    if let Some(id) = id_of(w) {
        emit(&window_event("blurred", &id, vec![]));
    }
    0
}

extern "C" fn on_window_state(w: Ptr, ev: *const GdkEventWindowState, _d: Ptr) -> GBoolean {
    const FULLSCREEN_BIT: c_uint = 1 << 4;
    unsafe {
        if (*ev).changed_mask & FULLSCREEN_BIT != 0 {
            let on = (*ev).new_window_state & FULLSCREEN_BIT != 0;
            if let Some(id) = with_win(|x| x.window == w, |x| {
                x.fullscreen = on;
                x.id.clone()
            }) {
                emit(&window_event("fullscreen_changed", &id, vec![("fullscreen", on.into())]));
            }
        }
    }
    0
}

extern "C" fn on_button_press(v: Ptr, ev: *const GdkEventButton, _d: Ptr) -> GBoolean {
    let press = unsafe { ((*ev).button, (*ev).x_root, (*ev).y_root, (*ev).time) };
    with_win(|x| x.view == v, |x| x.last_press = press);
    0
}

/// WEBKIT_LOAD_FINISHED = 3
extern "C" fn on_load_changed(v: Ptr, load_event: c_int, _d: Ptr) {
    if load_event == 3 {
        let url = unsafe { ptr_str(webkit_web_view_get_uri(v)) };
        let id = match id_of(v) {
            Some(id) => id,
            None => return,
        };
        if id != MAIN_WINDOW {
            if same_origin(&url) {
                emit(&window_event("page_loaded", &id, vec![("url", url.into())]));
            }
            return;
        }
        if same_origin(&url) {
            remove_splash();
            if !APP_LOADED.with(|a| a.replace(true)) {
                crate::trace::mark("page_loaded");
            }
            emit(&window_event("page_loaded", MAIN_WINDOW, vec![("url", url.into())]));
        } else if !APP_REQUESTED.with(|a| a.get()) {
            crate::trace::mark("splash_page_loaded"); // WebKit's web process is up
            if SPLASH_HTML.with(|h| h.get()) {
                remove_splash(); // the app's own splash page is up: show it
            }
        }
    }
}

extern "C" fn on_load_failed(v: Ptr, _e: c_int, uri: *const c_char, err: *const GError, _d: Ptr) -> GBoolean {
    let id = id_of(v).unwrap_or_else(|| MAIN_WINDOW.to_string());
    unsafe {
        let msg = if err.is_null() { String::new() } else { ptr_str((*err).message) };
        // WEBKIT_NETWORK_ERROR_CANCELLED (302) and policy "frame load interrupted" (102) are ours.
        let code = if err.is_null() { 0 } else { (*err).code };
        if code != 302 && code != 102 {
            if APP_REQUESTED.with(|a| a.get()) && id == MAIN_WINDOW {
                remove_splash();
            }
            emit(&window_event(
                "error",
                &id,
                vec![("code", "load_failed".into()), ("message", format!("{}: {}", ptr_str(uri), msg).into())],
            ));
        }
    }
    0
}

/// Reloads of a window's page after its web process died, before the error page instead.
const MAX_RELOADS: u32 = 3;

/// WebKit's web process ended (crashed, or over its memory limit). Every window whose page it
/// held (the windows share one: related views) gets this. Say so (`error` `webview_crashed`,
/// as on Windows), then reload the page, at most MAX_RELOADS times, then show an error page.
extern "C" fn on_web_process_terminated(v: Ptr, reason: c_int, _d: Ptr) {
    // WEBKIT_WEB_PROCESS_CRASHED (0), WEBKIT_WEB_PROCESS_EXCEEDED_MEMORY_LIMIT (1); 2 is our
    // own webkit_web_view_terminate_web_process, which the launcher never calls.
    if reason != 0 && reason != 1 {
        return;
    }
    let (id, reloads) = match with_win(|x| x.view == v, |x| {
        x.reloads += 1;
        (x.id.clone(), x.reloads)
    }) {
        Some(found) => found,
        None => return,
    };
    let recovery = if reloads <= MAX_RELOADS { "reload" } else { "error_page" };
    let message = if reason == 1 { "WebKit's web process exceeded its memory limit" } else { "WebKit's web process crashed" };
    emit(&window_event(
        "error",
        &id,
        vec![("code", "webview_crashed".into()), ("kind", "render_exited".into()), ("recovery", recovery.into()), ("message", message.into())],
    ));
    unsafe {
        if recovery == "reload" {
            webkit_web_view_reload(v);
        } else {
            let page = cstr(&format!(
                "<!doctype html><meta charset=utf-8><title>Page stopped</title>\
                 <body style=\"font:15px system-ui,sans-serif;margin:2em;color:#222\">\
                 <h1 style=\"color:#b00020;font-size:1.4em\">This window's page keeps crashing</h1>\
                 <p id=taupy-error data-code=webview_crashed>WebKit's web process ended {} times. \
                 Close this window and start the app again.</p></body>",
                reloads
            ));
            webkit_web_view_load_html(v, page.as_ptr(), null_mut());
        }
    }
}

unsafe fn ptr_str(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Keeps the webview on the app's origin. WebKit asks here for main-frame and sub-frame
/// navigations (NAVIGATION_ACTION = 0) and for window.open / target=_blank (NEW_WINDOW_ACTION = 1).
extern "C" fn on_decide_policy(v: Ptr, decision: Ptr, kind: c_int, _d: Ptr) -> GBoolean {
    if kind != 0 && kind != 1 {
        return 0; // responses: default handling
    }
    unsafe {
        let action = webkit_navigation_policy_decision_get_navigation_action(decision);
        let url = ptr_str(webkit_uri_request_get_uri(webkit_navigation_action_get_request(action)));
        let internal = url.starts_with("about:") || url.starts_with("data:") && kind == 0;
        if kind == 0 && (same_origin(&url) || internal) {
            webkit_policy_decision_use(decision);
            return 1;
        }
        webkit_policy_decision_ignore(decision);
        // The page reaches the system browser only on a user's click (not a script's loop).
        let gesture = webkit_navigation_action_is_user_gesture(action) != 0;
        let opened = !same_origin(&url) && may_open_external(&url, gesture) && open_external(&url).is_ok();
        let id = id_of(v).unwrap_or_else(|| MAIN_WINDOW.to_string());
        emit(&window_event("navigation_blocked", &id, vec![("url", url.into()), ("opened", opened.into())]));
    }
    1
}

/// Messages from the page (`window.taupy.postMessage`, drag regions). Only our bridge in the
/// top frame's isolated world can send them (no other frame or world sees the handler), and
/// they are accepted only while that top frame is on the app's origin; then size and rate
/// are checked (page.rs).
extern "C" fn on_script_message(m: Ptr, js_result: Ptr, _d: Ptr) {
    let (id, v) = match with_win(|x| x.ucm == m, |x| (x.id.clone(), x.view)) {
        Some(found) if !found.1.is_null() => found,
        _ => return,
    };
    let page = unsafe { ptr_str(webkit_web_view_get_uri(v)) };
    if !same_origin(&page) {
        return;
    }
    let text = unsafe {
        let value = webkit_javascript_result_get_js_value(js_result);
        if jsc_value_is_string(value) == 0 {
            return;
        }
        take_gstring(jsc_value_to_string(value)).unwrap_or_default()
    };
    match from_page(&id, &text) {
        Some(FromPage::Drag) => start_drag(&id),
        Some(FromPage::Message(data)) => emit(&window_event("page_message", &id, vec![("data", data)])),
        Some(FromPage::PopupMenu(items)) => super::linux_menu::popup_menu(v, &id, &items, None),
        None => {}
    }
}

fn start_drag(window: &str) {
    let (w, (button, mut xr, mut yr, time)) = match with_win(|x| x.id == window, |x| (x.window, x.last_press)) {
        Some(found) => found,
        None => return,
    };
    unsafe {
        if button == 0 {
            let seat = gdk_display_get_default_seat(gdk_display_get_default());
            let mut x = 0;
            let mut y = 0;
            gdk_device_get_position(gdk_seat_get_pointer(seat), null_mut(), &mut x, &mut y);
            xr = x as f64;
            yr = y as f64;
        }
        gtk_window_begin_move_drag(w, 1, xr as c_int, yr as c_int, time);
    }
}

#[cfg(test)]
mod tests {
    use super::storage_dirs;

    #[test]
    fn storage_is_per_user_and_per_app() {
        let s = |d: Option<&str>, c: Option<&str>| storage_dirs("notes", d.map(Into::into), c.map(Into::into), Some("/home/me".into()));
        assert_eq!(s(None, None), ("/home/me/.local/share/taupy/notes/webview".into(), "/home/me/.cache/taupy/notes/webview".into()));
        assert_eq!(s(Some("/x/data/"), Some("/x/cache")).0, "/x/data/taupy/notes/webview");
        assert_eq!(s(Some("relative"), None).0, "/home/me/.local/share/taupy/notes/webview", "XDG dirs must be absolute");
    }
}
