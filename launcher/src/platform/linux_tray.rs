//! Linux tray icon: a StatusNotifierItem through libayatana-appindicator3, loaded at run time
//! with `dlopen` so the launcher starts where it is not installed (`set_tray` then answers
//! `tray_unavailable` saying what to install). The indicator exports the item and its menu
//! (com.canonical.dbusmenu) on the session bus and registers with org.kde.StatusNotifierWatcher.
//! Hosts open the menu on a click and send AppIndicator no click of its own, so `tray_clicked`
//! is not emitted here: a menu item ("Show window") is the Linux way (docs/launcher.md).

use crate::backend::{ack, fail};
use crate::json::Json;
use crate::menu::Item;
use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::null_mut;

type Ptr = *mut c_void;

#[link(name = "dl")]
extern "C" {
    fn dlopen(name: *const c_char, flags: c_int) -> Ptr;
    fn dlsym(lib: Ptr, name: *const c_char) -> Ptr;
    fn dlerror() -> *const c_char;
}
crate::platform::linux_dl::extern_dl! {
    fn gtk_widget_destroy(w: Ptr);
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
}

fn cstr(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap()
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
            let name = cstr(&if app.is_empty() { format!("taupy-{}", std::process::id()) } else { format!("taupy-{}", app.to_ascii_lowercase()) });
            ind = (api.new)(name.as_ptr(), path.as_ptr(), 0); // APP_INDICATOR_CATEGORY_APPLICATION_STATUS
            INDICATOR.with(|i| i.set(ind));
        } else if ICON.with(|i| *i.borrow() != icon) {
            (api.set_icon_full)(ind, path.as_ptr(), desc.as_ptr());
        }
        ICON.with(|i| *i.borrow_mut() = icon.to_string());
        (api.set_title)(ind, desc.as_ptr()); // hosts show the title as the tooltip
        // A new menu each time (AppIndicator exports whatever menu it holds); it needs one to show.
        let menu = super::linux_menu::tray_menu(items);
        (api.set_menu)(ind, menu);
        let old = MENU.with(|m| m.replace(menu));
        if !old.is_null() {
            gtk_widget_destroy(old);
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
