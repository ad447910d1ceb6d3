//! Linux notifications: `org.freedesktop.Notifications.Notify` on the session bus through GIO
//! (already linked with GTK), called asynchronously so a slow or missing server never blocks the
//! window. A click on the notification is the server's `ActionInvoked` with the `default`
//! action (we offer it) → `notification_clicked`; `NotificationClosed` forgets it.

use super::linux::{cstr, take_error, GError};
use crate::backend::{emit, fail};
use crate::json::Json;
use crate::protocol::{event, reply_ok};
use std::cell::{Cell, RefCell};
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::ptr::null_mut;

type Ptr = *mut c_void;

crate::platform::linux_dl::extern_dl! {
    fn g_bus_get_sync(kind: c_int, cancellable: Ptr, err: *mut *mut GError) -> Ptr;
    fn g_dbus_connection_call(
        conn: Ptr, name: *const c_char, path: *const c_char, iface: *const c_char, method: *const c_char,
        params: Ptr, reply_type: *const c_char, flags: c_int, timeout_ms: c_int, cancellable: Ptr,
        cb: extern "C" fn(Ptr, Ptr, Ptr), data: Ptr,
    );
    fn g_dbus_connection_call_finish(conn: Ptr, res: Ptr, err: *mut *mut GError) -> Ptr;
    fn g_dbus_connection_signal_subscribe(
        conn: Ptr, sender: *const c_char, iface: *const c_char, member: *const c_char, path: *const c_char,
        arg0: *const c_char, flags: c_int, cb: extern "C" fn(Ptr, *const c_char, *const c_char, *const c_char, *const c_char, Ptr, Ptr),
        data: Ptr, free: Ptr,
    ) -> c_uint;
    fn g_variant_new(format: *const c_char, ...) -> Ptr;
    fn g_variant_get(v: Ptr, format: *const c_char, ...);
    fn g_variant_unref(v: Ptr);
    fn g_variant_builder_new(kind: *const c_char) -> Ptr;
    fn g_variant_builder_add(b: Ptr, format: *const c_char, ...);
    fn g_variant_builder_unref(b: Ptr);
}

const NAME: &[u8] = b"org.freedesktop.Notifications\0";
const PATH: &[u8] = b"/org/freedesktop/Notifications\0";

thread_local! {
    static BUS: Cell<Ptr> = Cell::new(null_mut());
    /// Notifications on screen: the server's id and the app's tag.
    static SHOWN: RefCell<Vec<(u32, String)>> = RefCell::new(Vec::new());
}

fn c(b: &[u8]) -> *const c_char {
    b.as_ptr() as *const c_char
}

/// The session bus, connected (and the signals subscribed) on first use.
unsafe fn bus() -> Result<Ptr, String> {
    let b = BUS.with(|b| b.get());
    if !b.is_null() {
        return Ok(b);
    }
    let mut err = null_mut();
    let b = g_bus_get_sync(2, null_mut(), &mut err); // G_BUS_TYPE_SESSION
    if b.is_null() {
        return Err(format!("no D-Bus session bus: {}", take_error(err, "unknown error")));
    }
    for member in [&b"ActionInvoked\0"[..], &b"NotificationClosed\0"[..]] {
        g_dbus_connection_signal_subscribe(b, c(NAME), c(NAME), c(member), c(PATH), null_mut(), 0, on_signal, null_mut(), null_mut());
    }
    BUS.with(|c| c.set(b));
    Ok(b)
}

struct Pending {
    tag: String,
    id: Option<Json>,
}

pub fn notify(tag: String, title: &str, body: &str, icon: Option<String>, id: Option<Json>) {
    let icon_path = match icon {
        Some(p) => match crate::icon::load_png(&p) {
            Ok(_) => p,
            Err(e) => return fail(&id, "notify", "invalid_argument", &e),
        },
        None => String::new(),
    };
    let tag = crate::protocol::notification_tag(tag);
    unsafe {
        let conn = match bus() {
            Ok(b) => b,
            Err(e) => return fail(&id, "notify", "notifications_unavailable", &e),
        };
        let replaces = SHOWN.with(|s| s.borrow().iter().find(|(_, t)| *t == tag).map(|(n, _)| *n)).unwrap_or(0);
        let app = cstr(&std::env::var("TAUPY_APP_NAME").unwrap_or_else(|_| "taupy".into()));
        let (title, body, icon_c) = (cstr(title), cstr(body), cstr(&icon_path));
        let actions = g_variant_builder_new(c(b"as\0"));
        g_variant_builder_add(actions, c(b"s\0"), c(b"default\0"));
        g_variant_builder_add(actions, c(b"s\0"), c(b"Open\0"));
        let hints = g_variant_builder_new(c(b"a{sv}\0"));
        if !icon_path.is_empty() {
            g_variant_builder_add(hints, c(b"{sv}\0"), c(b"image-path\0"), g_variant_new(c(b"s\0"), icon_c.as_ptr()));
        }
        let params = g_variant_new(
            c(b"(susssasa{sv}i)\0"),
            app.as_ptr(),
            replaces as c_uint,
            icon_c.as_ptr(),
            title.as_ptr(),
            body.as_ptr(),
            actions,
            hints,
            -1 as c_int,
        );
        g_variant_builder_unref(actions);
        g_variant_builder_unref(hints);
        let data = Box::into_raw(Box::new(Pending { tag, id })) as Ptr;
        g_dbus_connection_call(conn, c(NAME), c(PATH), c(NAME), c(b"Notify\0"), params, c(b"(u)\0"), 0, 10_000, null_mut(), on_notified, data);
    }
}

extern "C" fn on_notified(conn: Ptr, res: Ptr, data: Ptr) {
    let p = unsafe { Box::from_raw(data as *mut Pending) };
    let mut err = null_mut();
    let v = unsafe { g_dbus_connection_call_finish(conn, res, &mut err) };
    if v.is_null() {
        let why = unsafe { take_error(err, "unknown error") };
        return fail(&p.id, "notify", "notifications_unavailable", &format!("the notification server did not take it: {}", why));
    }
    let mut server_id: c_uint = 0;
    unsafe {
        g_variant_get(v, c(b"(u)\0"), &mut server_id as *mut c_uint);
        g_variant_unref(v);
    }
    SHOWN.with(|s| {
        let mut s = s.borrow_mut();
        s.retain(|(n, t)| *n != server_id && *t != p.tag);
        s.push((server_id, p.tag.clone()));
    });
    if let Some(id) = &p.id {
        emit(&reply_ok(id, Json::obj(vec![("tag", p.tag.as_str().into())])));
    }
}

extern "C" fn on_signal(_c: Ptr, _sender: *const c_char, _path: *const c_char, _iface: *const c_char, member: *const c_char, params: Ptr, _d: Ptr) {
    unsafe {
        let member = CStr::from_ptr(member).to_bytes();
        let mut server_id: c_uint = 0;
        if member == b"ActionInvoked" {
            let mut action: *const c_char = null_mut();
            g_variant_get(params, c(b"(u&s)\0"), &mut server_id as *mut c_uint, &mut action as *mut *const c_char);
            let tag = SHOWN.with(|s| s.borrow().iter().find(|(n, _)| *n == server_id).map(|(_, t)| t.clone()));
            if let Some(tag) = tag {
                let action = CStr::from_ptr(action).to_string_lossy().into_owned();
                emit(&event("notification_clicked", vec![("id", tag.into()), ("action", action.into())]));
            }
        } else {
            let mut reason: c_uint = 0;
            g_variant_get(params, c(b"(uu)\0"), &mut server_id as *mut c_uint, &mut reason as *mut c_uint);
            SHOWN.with(|s| s.borrow_mut().retain(|(n, _)| *n != server_id));
        }
    }
}
