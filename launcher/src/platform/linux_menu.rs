//! Linux menus: a GtkMenuBar above the webview (`set_menu`, `set_menu_item`) and GtkMenu
//! context menus at the pointer (`popup_menu`), by raw FFI like linux.rs. A chosen item →
//! `menu_clicked`. Accelerators go through a GtkAccelGroup on the window, which GTK checks
//! before the webview sees a key.

use super::linux::cstr;
use crate::backend::{ack, emit, fail};
use crate::json::Json;
use crate::menu::{Accel, Item, Kind};
use crate::protocol::event;
use std::cell::{Cell, RefCell};
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uint, c_ulong, c_void};
use std::ptr::null_mut;

type Ptr = *mut c_void;

crate::platform::linux_dl::extern_dl! {
    fn g_signal_connect_data(i: Ptr, sig: *const c_char, h: Ptr, data: Ptr, destroy: Ptr, flags: c_int) -> c_ulong;
    fn g_object_set_data_full(o: Ptr, key: *const c_char, data: Ptr, destroy: Ptr);
    fn g_object_get_data(o: Ptr, key: *const c_char) -> Ptr;
    fn g_object_unref(o: Ptr);
    fn g_strdup(s: *const c_char) -> *mut c_char;
    fn g_free(p: Ptr);

    fn gtk_box_new(orientation: c_int, spacing: c_int) -> Ptr;
    fn gtk_box_pack_start(b: Ptr, child: Ptr, expand: c_int, fill: c_int, padding: c_uint);
    fn gtk_box_reorder_child(b: Ptr, child: Ptr, position: c_int);
    fn gtk_container_add(c: Ptr, w: Ptr);
    fn gtk_widget_show_all(w: Ptr);
    fn gtk_widget_destroy(w: Ptr);
    fn gtk_widget_set_sensitive(w: Ptr, on: c_int);
    fn gtk_widget_add_accelerator(w: Ptr, signal: *const c_char, group: Ptr, key: c_uint, mods: c_uint, flags: c_int);
    fn gtk_menu_bar_new() -> Ptr;
    fn gtk_menu_new() -> Ptr;
    fn gtk_menu_item_new_with_label(label: *const c_char) -> Ptr;
    fn gtk_menu_item_set_label(item: Ptr, label: *const c_char);
    fn gtk_menu_item_set_submenu(item: Ptr, menu: Ptr);
    fn gtk_check_menu_item_new_with_label(label: *const c_char) -> Ptr;
    fn gtk_check_menu_item_set_active(item: Ptr, on: c_int);
    fn gtk_check_menu_item_get_active(item: Ptr) -> c_int;
    fn gtk_separator_menu_item_new() -> Ptr;
    fn gtk_menu_shell_append(shell: Ptr, child: Ptr);
    fn gtk_menu_attach_to_widget(menu: Ptr, widget: Ptr, detacher: Ptr);
    fn gtk_menu_popup_at_rect(menu: Ptr, window: Ptr, rect: *const [c_int; 4], anchor: c_int, menu_anchor: c_int, ev: Ptr);
    fn gtk_widget_get_window(w: Ptr) -> Ptr;
    fn gdk_display_get_default() -> Ptr;
    fn gdk_display_get_default_seat(d: Ptr) -> Ptr;
    fn gdk_seat_get_pointer(s: Ptr) -> Ptr;
    fn gdk_window_get_device_position(w: Ptr, device: Ptr, x: *mut c_int, y: *mut c_int, mask: *mut c_uint) -> Ptr;
    fn gtk_accel_group_new() -> Ptr;
    fn gtk_window_add_accel_group(w: Ptr, g: Ptr);
    fn gtk_window_remove_accel_group(w: Ptr, g: Ptr);
    fn gdk_keyval_from_name(name: *const c_char) -> c_uint;
}

/// One window's menu bar: the box that holds it above the webview, the bar (null when none),
/// its accelerators, and its items by id (for `set_menu_item`; rebuilt with the bar).
struct Bar {
    window: Ptr,
    vbox: Ptr,
    bar: Ptr,
    accels: Ptr,
    by_id: Vec<(String, Ptr, Kind)>,
}

thread_local! {
    /// Every window's menu bar state, by GtkWindow.
    static BARS: RefCell<Vec<Bar>> = RefCell::new(Vec::new());
    static POPUP: Cell<Ptr> = Cell::new(null_mut());
    /// The items of the menu bar being filled (moved to its `Bar` once filled).
    static BY_ID: RefCell<Vec<(String, Ptr, Kind)>> = RefCell::new(Vec::new());
    /// Set while the launcher itself changes a check item (GTK emits `activate` for that too).
    static QUIET: Cell<bool> = Cell::new(false);
}

const ID_KEY: &[u8] = b"taupy-menu-id\0";
/// The id of the window a menu bar or popup item belongs to (its clicks name it).
const WINDOW_KEY: &[u8] = b"taupy-window\0";
/// Set on the tray menu's items: their clicks say `"tray": true` instead of a window.
const TRAY_KEY: &[u8] = b"taupy-tray\0";

/// Puts the webview in a vertical box in the window, so a menu bar can go above it later.
pub unsafe fn pack(window: Ptr, view: Ptr) {
    let b = gtk_box_new(1, 0); // GTK_ORIENTATION_VERTICAL
    gtk_box_pack_start(b, view, 1, 1, 0);
    gtk_container_add(window, b);
    BARS.with(|bars| bars.borrow_mut().push(Bar { window, vbox: b, bar: null_mut(), accels: null_mut(), by_id: Vec::new() }));
}

/// The window is being destroyed: its menu state goes (the widgets go with the window).
pub fn forget(window: Ptr) {
    let gone = BARS.with(|bars| {
        let mut bars = bars.borrow_mut();
        let i = bars.iter().position(|b| b.window == window)?;
        Some(bars.remove(i))
    });
    if let Some(b) = gone {
        if !b.accels.is_null() {
            unsafe { g_object_unref(b.accels) };
        }
    }
}

/// `window`: the GtkWindow; `window_id`: its id, which the items' clicks carry.
pub fn set_menu(window: Ptr, window_id: &str, items: &[Item], id: Option<Json>) {
    let (container, old, old_accels) = match BARS.with(|bars| {
        bars.borrow_mut().iter_mut().find(|b| b.window == window).map(|b| {
            b.by_id.clear();
            (b.vbox, std::mem::replace(&mut b.bar, null_mut()), std::mem::replace(&mut b.accels, null_mut()))
        })
    }) {
        Some(found) => found,
        None => return ack(&id),
    };
    unsafe {
        if !old.is_null() {
            gtk_widget_destroy(old);
        }
        if !old_accels.is_null() {
            gtk_window_remove_accel_group(window, old_accels);
            g_object_unref(old_accels);
        }
        if items.is_empty() {
            return ack(&id);
        }
        let accels = gtk_accel_group_new();
        gtk_window_add_accel_group(window, accels);
        let bar = gtk_menu_bar_new();
        QUIET.with(|q| q.set(true));
        BY_ID.with(|m| m.borrow_mut().clear());
        fill(bar, items, accels, true, Some(window_id));
        QUIET.with(|q| q.set(false));
        let by_id = BY_ID.with(|m| std::mem::replace(&mut *m.borrow_mut(), Vec::new()));
        gtk_box_pack_start(container, bar, 0, 1, 0);
        gtk_box_reorder_child(container, bar, 0);
        gtk_widget_show_all(bar);
        BARS.with(|bars| {
            if let Some(b) = bars.borrow_mut().iter_mut().find(|b| b.window == window) {
                b.bar = bar;
                b.accels = accels;
                b.by_id = by_id;
            }
        });
    }
    ack(&id);
}

/// A context menu at the pointer over `view`, the webview of window `window_id`.
pub fn popup_menu(view: Ptr, window_id: &str, items: &[Item], id: Option<Json>) {
    if items.is_empty() {
        return ack(&id);
    }
    unsafe {
        // The previous context menu is closed by now (only one is open at a time).
        let old = POPUP.with(|p| p.replace(null_mut()));
        if !old.is_null() {
            gtk_widget_destroy(old);
        }
        let menu = gtk_menu_new();
        QUIET.with(|q| q.set(true));
        fill(menu, items, null_mut(), false, Some(window_id));
        QUIET.with(|q| q.set(false));
        gtk_menu_attach_to_widget(menu, view, null_mut());
        gtk_widget_show_all(menu);
        // At the pointer, placed by hand: `popup_at_pointer` needs the triggering input event,
        // and this request comes from the backend, later.
        let gdk_window = gtk_widget_get_window(view);
        let (mut x, mut y) = (0, 0);
        if !gdk_window.is_null() {
            let pointer = gdk_seat_get_pointer(gdk_display_get_default_seat(gdk_display_get_default()));
            gdk_window_get_device_position(gdk_window, pointer, &mut x, &mut y, null_mut());
        }
        // GDK_GRAVITY_NORTH_WEST (1) on both: the menu's corner at the pointer.
        gtk_menu_popup_at_rect(menu, gdk_window, &[x, y, 1, 1], 1, 1, null_mut());
        POPUP.with(|p| p.set(menu));
    }
    ack(&id);
}

/// Changes an item of `window`'s menu bar.
pub fn set_menu_item(window: Ptr, item: &str, label: Option<String>, enabled: Option<bool>, checked: Option<bool>, id: Option<Json>) {
    let found = BARS.with(|bars| {
        let bars = bars.borrow();
        let bar = bars.iter().find(|b| b.window == window)?;
        bar.by_id.iter().find(|(i, _, _)| i == item).map(|(_, w, k)| (*w, *k))
    });
    let (w, kind) = match found {
        Some(f) => f,
        None => return fail(&id, "set_menu_item", "unknown_menu_item", &format!("the menu bar has no item `{}`", item)),
    };
    if checked.is_some() && kind != Kind::Checkbox {
        return fail(&id, "set_menu_item", "invalid_argument", &format!("menu item `{}` is not a checkbox", item));
    }
    unsafe {
        if let Some(l) = label {
            let l = cstr(&l);
            gtk_menu_item_set_label(w, l.as_ptr());
        }
        if let Some(e) = enabled {
            gtk_widget_set_sensitive(w, e as c_int);
        }
        if let Some(c) = checked {
            QUIET.with(|q| q.set(true));
            gtk_check_menu_item_set_active(w, c as c_int);
            QUIET.with(|q| q.set(false));
        }
    }
    ack(&id);
}

/// A GtkMenu for the tray icon (its items' clicks are `menu_clicked` with `"tray": true`).
pub unsafe fn tray_menu(items: &[Item]) -> Ptr {
    let menu = gtk_menu_new();
    QUIET.with(|q| q.set(true));
    fill(menu, items, null_mut(), false, None);
    QUIET.with(|q| q.set(false));
    gtk_widget_show_all(menu);
    menu
}

/// `window`: the id of the window the menu belongs to; None for the tray's menu.
unsafe fn fill(shell: Ptr, items: &[Item], accels: Ptr, bar: bool, window: Option<&str>) {
    for it in items {
        let label = cstr(&it.label);
        let w = match it.kind {
            Kind::Separator => gtk_separator_menu_item_new(),
            Kind::Checkbox => gtk_check_menu_item_new_with_label(label.as_ptr()),
            Kind::Normal => gtk_menu_item_new_with_label(label.as_ptr()),
        };
        if it.kind == Kind::Checkbox && it.checked {
            gtk_check_menu_item_set_active(w, 1);
        }
        if !it.enabled {
            gtk_widget_set_sensitive(w, 0);
        }
        if let Some(sub) = &it.items {
            let menu = gtk_menu_new();
            fill(menu, sub, accels, bar, window);
            gtk_menu_item_set_submenu(w, menu);
        } else if let Some(id) = &it.id {
            let c = cstr(id);
            g_object_set_data_full(w, ID_KEY.as_ptr() as *const c_char, g_strdup(c.as_ptr()) as Ptr, *g_free as Ptr);
            match window {
                Some(win) => {
                    let c = cstr(win);
                    g_object_set_data_full(w, WINDOW_KEY.as_ptr() as *const c_char, g_strdup(c.as_ptr()) as Ptr, *g_free as Ptr);
                }
                None => g_object_set_data_full(w, TRAY_KEY.as_ptr() as *const c_char, 1 as Ptr, null_mut()),
            }
            let sig = cstr("activate");
            g_signal_connect_data(w, sig.as_ptr(), on_activate as Ptr, null_mut(), null_mut(), 0);
            if let (Some(a), false) = (&it.accelerator, accels.is_null()) {
                add_accelerator(w, a, accels);
            }
        }
        if bar {
            if let Some(id) = &it.id {
                BY_ID.with(|m| m.borrow_mut().push((id.clone(), w, it.kind)));
            }
        }
        gtk_menu_shell_append(shell, w);
    }
}

fn keyval_name(key: &str) -> String {
    match key {
        "Enter" => "Return".into(),
        "Space" => "space".into(),
        "Backspace" => "BackSpace".into(),
        "PageUp" => "Page_Up".into(),
        "PageDown" => "Page_Down".into(),
        "Plus" => "plus".into(),
        "Minus" => "minus".into(),
        k if k.len() == 1 => k.to_ascii_lowercase(),
        k => k.into(),
    }
}

unsafe fn add_accelerator(w: Ptr, a: &Accel, accels: Ptr) {
    let name = cstr(&keyval_name(&a.key));
    let key = gdk_keyval_from_name(name.as_ptr());
    if key == 0 || key == 0xffffff {
        return; // GDK_KEY_VoidSymbol: cannot happen for the names menu.rs accepts
    }
    // GDK_SHIFT_MASK, GDK_CONTROL_MASK, GDK_MOD1_MASK (Alt), GDK_SUPER_MASK
    let mods = (a.shift as c_uint) | (a.ctrl as c_uint) << 2 | (a.alt as c_uint) << 3 | (a.meta as c_uint) << 26;
    let sig = cstr("activate");
    gtk_widget_add_accelerator(w, sig.as_ptr(), accels, key, mods, 1); // GTK_ACCEL_VISIBLE
}

extern "C" fn on_activate(w: Ptr, _d: Ptr) {
    if QUIET.with(|q| q.get()) {
        return;
    }
    unsafe {
        let p = g_object_get_data(w, ID_KEY.as_ptr() as *const c_char);
        if p.is_null() {
            return;
        }
        let id = CStr::from_ptr(p as *const c_char).to_string_lossy().into_owned();
        let tray = !g_object_get_data(w, TRAY_KEY.as_ptr() as *const c_char).is_null();
        let window = g_object_get_data(w, WINDOW_KEY.as_ptr() as *const c_char);
        let mut fields = vec![("id", Json::from(id.as_str()))];
        if tray {
            fields.push(("tray", true.into()));
        } else if !window.is_null() {
            fields.push(("window", CStr::from_ptr(window as *const c_char).to_string_lossy().into_owned().into()));
        }
        if is_check_item(w) {
            fields.push(("checked", (gtk_check_menu_item_get_active(w) != 0).into()));
        }
        emit(&event("menu_clicked", fields));
    }
}

crate::platform::linux_dl::extern_dl! {
    fn gtk_check_menu_item_get_type() -> usize;
    fn g_type_check_instance_is_a(instance: Ptr, iface_type: usize) -> c_int;
}

unsafe fn is_check_item(w: Ptr) -> bool {
    g_type_check_instance_is_a(w, gtk_check_menu_item_get_type()) != 0
}
