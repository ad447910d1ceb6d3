//! Linux tray icon: a StatusNotifierItem through libayatana-appindicator3, loaded at run time
//! with `dlopen` so the launcher starts where it is not installed (`set_tray` then answers
//! `tray_unavailable` saying what to install). The indicator exports the item and its menu
//! (com.canonical.dbusmenu) on the session bus and registers with org.kde.StatusNotifierWatcher.
//!
//! Two things the library leaves to us, both on the shared GDBus session connection:
//! - Registration. The indicator asks for the bus and looks the watcher up at once, and both
//!   answers come back from GLib worker threads; when the lookup wins (a loaded machine), the
//!   library builds its watcher proxy without a connection and never registers the item
//!   (test/fixtures/launcher/late-bus.c forces that order). So the launcher watches the watcher
//!   too and, while the library holds no proxy, registers the exported item itself.
//! - Clicks. Hosts call the item's `Activate` (a left click, where the host sends one) and
//!   `SecondaryActivate` (middle click); the library answers neither to the app, so a message
//!   filter sees them and emits `tray_clicked`, leaving the library's answer (and so what the
//!   host does next, such as opening the menu) unchanged.

use super::linux::{cstr, GError};
use crate::backend::{ack, emit, fail};
use crate::json::Json;
use crate::menu::Item;
use crate::protocol::event;
use std::cell::{Cell, RefCell};
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::ptr::null_mut;
use std::sync::Mutex;

type Ptr = *mut c_void;

#[link(name = "dl")]
extern "C" {
    fn dlopen(name: *const c_char, flags: c_int) -> Ptr;
    fn dlsym(lib: Ptr, name: *const c_char) -> Ptr;
    fn dlerror() -> *const c_char;
}
crate::platform::linux_dl::extern_dl! {
    fn gtk_widget_destroy(w: Ptr);
    fn g_object_ref_sink(o: Ptr) -> Ptr;
    fn g_object_unref(o: Ptr);
    fn g_object_get(o: Ptr, first: *const c_char, ...);
    fn g_signal_connect_data(i: Ptr, sig: *const c_char, h: Ptr, data: Ptr, destroy: Ptr, flags: c_int) -> std::os::raw::c_ulong;
    fn g_bus_get_sync(kind: c_int, cancellable: Ptr, err: *mut *mut GError) -> Ptr;
    fn g_error_free(e: *mut GError);
    fn g_bus_watch_name_on_connection(
        conn: Ptr, name: *const c_char, flags: c_int, appeared: extern "C" fn(Ptr, *const c_char, *const c_char, Ptr),
        vanished: extern "C" fn(Ptr, *const c_char, Ptr), data: Ptr, free: Ptr,
    ) -> c_uint;
    fn g_dbus_connection_add_filter(conn: Ptr, filter: extern "C" fn(Ptr, Ptr, c_int, Ptr) -> Ptr, data: Ptr, free: Ptr) -> c_uint;
    fn g_dbus_connection_get_unique_name(conn: Ptr) -> *const c_char;
    fn g_dbus_connection_call(
        conn: Ptr, name: *const c_char, path: *const c_char, iface: *const c_char, method: *const c_char,
        params: Ptr, reply_type: *const c_char, flags: c_int, timeout_ms: c_int, cancellable: Ptr,
        cb: extern "C" fn(Ptr, Ptr, Ptr), data: Ptr,
    );
    fn g_dbus_connection_call_finish(conn: Ptr, res: Ptr, err: *mut *mut GError) -> Ptr;
    fn g_dbus_message_get_message_type(m: Ptr) -> c_int;
    fn g_dbus_message_get_path(m: Ptr) -> *const c_char;
    fn g_dbus_message_get_interface(m: Ptr) -> *const c_char;
    fn g_dbus_message_get_member(m: Ptr) -> *const c_char;
    fn g_variant_new(format: *const c_char, ...) -> Ptr;
    fn g_variant_unref(v: Ptr);
    fn g_timeout_add(ms: c_uint, f: extern "C" fn(Ptr) -> c_int, data: Ptr) -> c_uint;
}

/// The libraries tried, in order: Ayatana's (Debian, Ubuntu, Fedora), then the older Canonical one.
const LIBRARIES: &[&str] = &["libayatana-appindicator3.so.1", "libappindicator3.so.1"];
const RTLD_NOW: c_int = 2;

#[derive(Clone, Copy)]
struct Api {
    new: unsafe extern "C" fn(*const c_char, *const c_char, c_int) -> Ptr,
    set_status: unsafe extern "C" fn(Ptr, c_int),
    set_menu: unsafe extern "C" fn(Ptr, Ptr),
    set_icon_full: unsafe extern "C" fn(Ptr, *const c_char, *const c_char),
    set_title: unsafe extern "C" fn(Ptr, *const c_char),
}

thread_local! {
    static API: Cell<Option<Api>> = Cell::new(None);
    static INDICATOR: Cell<Ptr> = Cell::new(null_mut());
    static MENU: Cell<Ptr> = Cell::new(null_mut());
    /// The icon's path last given, so an unchanged icon is not sent again.
    static ICON: RefCell<String> = RefCell::new(String::new());
    /// The session bus (GDBus's shared connection, the one the library uses), once the item exists.
    static BUS: Cell<Ptr> = Cell::new(null_mut());
    /// Whether a StatusNotifierWatcher owns its name now, and whether our item is registered with it.
    static WATCHER: Cell<bool> = Cell::new(false);
    static REGISTERED: Cell<bool> = Cell::new(false);
    /// Whether the registration check is scheduled (one at a time).
    static CHECKING: Cell<bool> = Cell::new(false);
}

/// The item's object path, as the library makes it from the id; read by the message filter,
/// which runs on GDBus's worker thread.
static ITEM_PATH: Mutex<String> = Mutex::new(String::new());

const WATCHER_NAME: &[u8] = b"org.kde.StatusNotifierWatcher\0";
const ITEM_IFACE: &[u8] = b"org.kde.StatusNotifierItem\0";
/// How often, and how long, the launcher looks for the library's registration (or the exported
/// item to register) after a watcher appears: 25 ms steps, at most 10 s.
const CHECK_MS: c_uint = 25;
const CHECKS: usize = 400;

fn c(b: &[u8]) -> *const c_char {
    b.as_ptr() as *const c_char
}

/// `TAUPY_APPINDICATOR_LIB` may name another library (a file name only: dlopen then searches
/// the system's library folders, never the working directory).
fn library_names() -> Vec<String> {
    match std::env::var("TAUPY_APPINDICATOR_LIB") {
        Ok(n) if !n.is_empty() && !n.contains('/') => vec![n],
        _ => LIBRARIES.iter().map(|s| s.to_string()).collect(),
    }
}

unsafe fn load() -> Result<Api, String> {
    if let Some(api) = API.with(|a| a.get()) {
        return Ok(api);
    }
    let names = library_names();
    let mut lib = null_mut();
    for n in &names {
        let c = cstr(n);
        lib = dlopen(c.as_ptr(), RTLD_NOW);
        if !lib.is_null() {
            break;
        }
    }
    if lib.is_null() {
        let why = dlerror();
        let why = if why.is_null() { String::new() } else { std::ffi::CStr::from_ptr(why).to_string_lossy().into_owned() };
        return Err(format!(
            "no tray icon: {} could not be loaded ({}); install libayatana-appindicator3-1 (Debian, Ubuntu) or libayatana-appindicator-gtk3 (Fedora)",
            names.join(" or "),
            why
        ));
    }
    let sym = |name: &str| -> Result<Ptr, String> {
        let c = cstr(name);
        let p = dlsym(lib, c.as_ptr());
        if p.is_null() {
            Err(format!("no tray icon: the AppIndicator library lacks {}", name))
        } else {
            Ok(p)
        }
    };
    let api = Api {
        new: std::mem::transmute(sym("app_indicator_new")?),
        set_status: std::mem::transmute(sym("app_indicator_set_status")?),
        set_menu: std::mem::transmute(sym("app_indicator_set_menu")?),
        set_icon_full: std::mem::transmute(sym("app_indicator_set_icon_full")?),
        set_title: std::mem::transmute(sym("app_indicator_set_title")?),
    };
    API.with(|a| a.set(Some(api)));
    Ok(api)
}

pub fn set_tray(icon: &str, tooltip: Option<String>, items: &[Item], id: Option<Json>) {
    if let Err(e) = crate::icon::load_png(icon) {
        return fail(&id, "set_tray", "invalid_argument", &e);
    }
    let api = match unsafe { load() } {
        Ok(a) => a,
        Err(e) => return fail(&id, "set_tray", "tray_unavailable", &e),
    };
    unsafe {
        let path = cstr(icon);
        let desc = cstr(tooltip.as_deref().unwrap_or(""));
        let mut ind = INDICATOR.with(|i| i.get());
        if ind.is_null() {
            // The item's Id: panels remember an item's place by it, so the app's name when known.
            let app: String = std::env::var("TAUPY_APP_NAME").unwrap_or_default().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            let item_id = if app.is_empty() { format!("taupy-{}", std::process::id()) } else { format!("taupy-{}", app.to_ascii_lowercase()) };
            // The session bus first: the connection the library will share, made once here.
            // Without one the library falls back to an XEmbed icon and there is nothing to watch.
            let mut err = null_mut();
            let bus = g_bus_get_sync(2, null_mut(), &mut err); // G_BUS_TYPE_SESSION
            if !err.is_null() {
                g_error_free(err);
            }
            let name = cstr(&item_id);
            ind = (api.new)(name.as_ptr(), path.as_ptr(), 0); // APP_INDICATOR_CATEGORY_APPLICATION_STATUS
            INDICATOR.with(|i| i.set(ind));
            if !bus.is_null() {
                watch(bus, ind, &item_id);
            }
        } else if ICON.with(|i| *i.borrow() != icon) {
            (api.set_icon_full)(ind, path.as_ptr(), desc.as_ptr());
        }
        ICON.with(|i| *i.borrow_mut() = icon.to_string());
        (api.set_title)(ind, desc.as_ptr()); // hosts show the title as the tooltip
        // A new menu each time (AppIndicator exports whatever menu it holds); it needs one to show.
        // Our own reference: the library drops its one when the next menu comes, and the old
        // menu is destroyed (and freed) only here.
        let menu = g_object_ref_sink(super::linux_menu::tray_menu(items));
        (api.set_menu)(ind, menu);
        let old = MENU.with(|m| m.replace(menu));
        if !old.is_null() {
            gtk_widget_destroy(old);
            g_object_unref(old);
        }
        (api.set_status)(ind, 1); // APP_INDICATOR_STATUS_ACTIVE
    }
    ack(&id);
}

pub fn remove_tray(id: Option<Json>) {
    let ind = INDICATOR.with(|i| i.get());
    if let (false, Some(api)) = (ind.is_null(), API.with(|a| a.get())) {
        unsafe { (api.set_status)(ind, 0) }; // APP_INDICATOR_STATUS_PASSIVE: hidden
    }
    ack(&id);
}

/// Starts what the library leaves to us (module comment): the message filter for clicks, a watch
/// on the watcher's name, and the library's "connection-changed" signal (TRUE: it registered).
unsafe fn watch(bus: Ptr, ind: Ptr, item_id: &str) {
    // The library's path: its prefix and the id with every other character than [A-Za-z0-9] as `_`.
    let clean: String = item_id.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' }).collect();
    if let Ok(mut p) = ITEM_PATH.lock() {
        *p = format!("/org/ayatana/NotificationItem/{}", clean);
    }
    BUS.with(|b| b.set(bus));
    g_dbus_connection_add_filter(bus, on_message, null_mut(), null_mut());
    let sig = cstr("connection-changed");
    g_signal_connect_data(ind, sig.as_ptr(), on_connection_changed as Ptr, null_mut(), null_mut(), 0);
    g_bus_watch_name_on_connection(bus, c(WATCHER_NAME), 0, on_watcher_appeared, on_watcher_vanished, null_mut(), null_mut());
}

fn item_path() -> CString {
    cstr(&ITEM_PATH.lock().map(|p| p.clone()).unwrap_or_default())
}

extern "C" fn on_connection_changed(_ind: Ptr, connected: c_int, _d: Ptr) {
    REGISTERED.with(|r| r.set(connected != 0));
}

extern "C" fn on_watcher_appeared(_c: Ptr, _name: *const c_char, _owner: *const c_char, _d: Ptr) {
    WATCHER.with(|w| w.set(true));
    REGISTERED.with(|r| r.set(false)); // a new watcher knows nothing of us yet
    if !CHECKING.with(|c| c.replace(true)) {
        let left = Box::into_raw(Box::new(CHECKS)) as Ptr;
        if check(left) != 0 {
            unsafe { g_timeout_add(CHECK_MS, check, left) };
        }
    }
}

extern "C" fn on_watcher_vanished(_c: Ptr, _name: *const c_char, _d: Ptr) {
    WATCHER.with(|w| w.set(false));
    REGISTERED.with(|r| r.set(false));
}

/// One look: done when the watcher is gone, the item is registered, or the library holds a
/// watcher proxy (it registers by itself then); otherwise asks whether the item is exported yet
/// (the library exports it once it has its connection) and, if so, registers it.
extern "C" fn check(left: Ptr) -> c_int {
    let n = unsafe { &mut *(left as *mut usize) };
    let ind = INDICATOR.with(|i| i.get());
    let mut proxy: c_int = 0;
    if !ind.is_null() {
        unsafe { g_object_get(ind, c(b"connected\0"), &mut proxy as *mut c_int, null_mut::<c_void>()) };
    }
    if *n == 0 || !WATCHER.with(|w| w.get()) || REGISTERED.with(|r| r.get()) || proxy != 0 || ind.is_null() {
        if *n == 0 && !REGISTERED.with(|r| r.get()) && proxy == 0 {
            eprintln!("taupy-launcher: the tray icon is not registered with the StatusNotifierWatcher");
        }
        CHECKING.with(|c| c.set(false));
        unsafe { drop(Box::from_raw(left as *mut usize)) };
        return 0;
    }
    *n -= 1;
    if *n % 4 == 3 {
        // Every 100 ms at most: is the item there? Asked over the bus, as the watcher will.
        unsafe {
            let bus = BUS.with(|b| b.get());
            let path = item_path();
            let params = g_variant_new(c(b"(ss)\0"), c(ITEM_IFACE), c(b"Id\0"));
            g_dbus_connection_call(bus, g_dbus_connection_get_unique_name(bus), path.as_ptr(), c(b"org.freedesktop.DBus.Properties\0"),
                c(b"Get\0"), params, c(b"(v)\0"), 0, 5000, null_mut(), on_exported, null_mut());
        }
    }
    1
}

extern "C" fn on_exported(conn: Ptr, res: Ptr, _d: Ptr) {
    if !finish(conn, res) || REGISTERED.with(|r| r.get()) || !WATCHER.with(|w| w.get()) {
        return;
    }
    unsafe {
        let path = item_path();
        let params = g_variant_new(c(b"(s)\0"), path.as_ptr());
        g_dbus_connection_call(conn, c(WATCHER_NAME), c(b"/StatusNotifierWatcher\0"), c(WATCHER_NAME), c(b"RegisterStatusNotifierItem\0"),
            params, null_mut(), 0, 5000, null_mut(), on_registered, null_mut());
    }
}

extern "C" fn on_registered(conn: Ptr, res: Ptr, _d: Ptr) {
    if finish(conn, res) {
        REGISTERED.with(|r| r.set(true));
    }
}

/// Whether a D-Bus call succeeded (its reply and error freed).
fn finish(conn: Ptr, res: Ptr) -> bool {
    let mut err = null_mut();
    let v = unsafe { g_dbus_connection_call_finish(conn, res, &mut err) };
    unsafe {
        if !err.is_null() {
            g_error_free(err);
        }
        if !v.is_null() {
            g_variant_unref(v);
        }
    }
    !v.is_null()
}

/// GDBus's worker thread, every message in or out: a host's click on our item → `tray_clicked`.
/// The message goes on unchanged (the library answers it as before).
extern "C" fn on_message(_conn: Ptr, msg: Ptr, incoming: c_int, _d: Ptr) -> Ptr {
    unsafe {
        if incoming == 0 || g_dbus_message_get_message_type(msg) != 1 {
            return msg; // G_DBUS_MESSAGE_TYPE_METHOD_CALL only
        }
        let text = |p: *const c_char| if p.is_null() { &b""[..] } else { CStr::from_ptr(p).to_bytes() };
        if text(g_dbus_message_get_interface(msg)) != &ITEM_IFACE[..ITEM_IFACE.len() - 1] {
            return msg;
        }
        let ours = ITEM_PATH.lock().map(|p| p.as_bytes() == text(g_dbus_message_get_path(msg))).unwrap_or(false);
        let button = match text(g_dbus_message_get_member(msg)) {
            b"Activate" => "left",
            b"SecondaryActivate" | b"XAyatanaSecondaryActivate" => "middle",
            _ => return msg,
        };
        if ours {
            emit(&event("tray_clicked", vec![("button", button.into())]));
        }
    }
    msg
}
