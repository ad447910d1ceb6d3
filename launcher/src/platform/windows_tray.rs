//! Windows tray icon: `Shell_NotifyIconW` with a hidden window of our own that receives the
//! icon's mouse messages (`tray_clicked`; a right click opens the tray menu) and the shell's
//! `TaskbarCreated` broadcast (explorer restarted: the icon is added again). A top-level window
//! that is never shown, not a message-only one: those do not get broadcasts.
//! The icon is the app's PNG as an HICON through `CreateIconFromResourceEx` (PNG icons are
//! supported since Vista). Notifications (windows_notify.rs) use the same icon and window.

use super::windows::later;
use super::windows_sys::{
    copy_wide, register_class, wide, CreateWindowExW, DefWindowProcW, GetModuleHandleW, Hwnd, WM_APP, WM_LBUTTONDBLCLK, WM_LBUTTONUP,
    WM_RBUTTONUP,
};
use crate::backend::{ack, emit, fail};
use crate::json::Json;
use crate::menu::Item;
use crate::protocol::event;
use std::cell::{Cell, RefCell};
use std::ptr::null;

#[repr(C)]
pub(super) struct NotifyIconData {
    pub size: u32,
    pub hwnd: Hwnd,
    pub id: u32,
    pub flags: u32,
    pub callback: u32,
    pub icon: isize,
    pub tip: [u16; 128],
    pub state: u32,
    pub state_mask: u32,
    pub info: [u16; 256],
    pub version_or_timeout: u32,
    pub info_title: [u16; 64],
    pub info_flags: u32,
    pub guid: [u32; 4],
    pub balloon_icon: isize,
}

#[link(name = "shell32")]
extern "system" {
    fn Shell_NotifyIconW(message: u32, data: *const NotifyIconData) -> i32;
}
#[link(name = "user32")]
extern "system" {
    fn RegisterWindowMessageW(name: *const u16) -> u32;
    fn CreateIconFromResourceEx(bits: *const u8, size: u32, icon: i32, version: u32, cx: i32, cy: i32, flags: u32) -> isize;
    fn DestroyIcon(icon: isize) -> i32;
}

const NIM_ADD: u32 = 0;
const NIM_MODIFY: u32 = 1;
const NIM_DELETE: u32 = 2;
pub(super) const NIF_MESSAGE: u32 = 0x1;
pub(super) const NIF_ICON: u32 = 0x2;
pub(super) const NIF_TIP: u32 = 0x4;
pub(super) const NIF_INFO: u32 = 0x10;
/// The icon's messages come to the hidden window as this.
const WM_TRAY: u32 = WM_APP + 0x20;
/// A click on a notification shown by windows_notify.rs (NIN_BALLOONUSERCLICK).
const NIN_BALLOONUSERCLICK: u32 = 0x0400 + 5;
const NIN_BALLOONHIDE: u32 = 0x0400 + 3;
const NIN_BALLOONTIMEOUT: u32 = 0x0400 + 4;
const TRAY_ID: u32 = 1;

thread_local! {
    static HWND: Cell<Hwnd> = Cell::new(0);
    static TASKBAR_CREATED: Cell<u32> = Cell::new(0);
    static ICON: Cell<isize> = Cell::new(0);
    static TIP: RefCell<String> = RefCell::new(String::new());
    static ITEMS: RefCell<Vec<Item>> = RefCell::new(Vec::new());
    /// The app asked for a tray icon (else the icon exists only while a notification needs it).
    static SHOWN: Cell<bool> = Cell::new(false);
    /// Whether the shell holds our icon now.
    static ADDED: Cell<bool> = Cell::new(false);
    /// Called with true when the balloon is clicked, false when it times out or is closed.
    static ON_BALLOON: RefCell<Option<Box<dyn Fn(bool)>>> = RefCell::new(None);
    /// The icon is ours to destroy (not a shared system icon).
    static ICON_OWNED: Cell<bool> = Cell::new(false);
}

/// The hidden window, created on first use.
pub(super) fn window() -> Hwnd {
    let h = HWND.with(|h| h.get());
    if h != 0 {
        return h;
    }
    unsafe {
        let cls = register_class("TaupyTray", tray_proc);
        let h = CreateWindowExW(0, cls.as_ptr(), cls.as_ptr(), 0, 0, 0, 0, 0, 0, 0, GetModuleHandleW(null()), null());
        TASKBAR_CREATED.with(|t| t.set(RegisterWindowMessageW(wide("TaskbarCreated").as_ptr())));
        HWND.with(|c| c.set(h));
        h
    }
}

pub(super) fn blank() -> NotifyIconData {
    let mut d: NotifyIconData = unsafe { std::mem::zeroed() };
    d.size = std::mem::size_of::<NotifyIconData>() as u32;
    d.hwnd = window();
    d.id = TRAY_ID;
    d
}

/// Adds or updates the icon in the shell with the current icon and tooltip.
pub(super) fn sync() -> bool {
    let mut d = blank();
    d.flags = NIF_MESSAGE | NIF_ICON | NIF_TIP;
    d.callback = WM_TRAY;
    d.icon = ICON.with(|i| i.get());
    TIP.with(|t| copy_wide(&mut d.tip, &t.borrow()));
    let added = ADDED.with(|a| a.get());
    let ok = unsafe { Shell_NotifyIconW(if added { NIM_MODIFY } else { NIM_ADD }, &d) } != 0;
    if ok {
        ADDED.with(|a| a.set(true));
    }
    ok
}

/// Sends a prepared `NIM_MODIFY` (a notification) for our icon.
pub(super) fn modify(d: &NotifyIconData) -> bool {
    unsafe { Shell_NotifyIconW(NIM_MODIFY, d) != 0 }
}

pub(super) fn delete() {
    if ADDED.with(|a| a.replace(false)) {
        let d = blank();
        unsafe { Shell_NotifyIconW(NIM_DELETE, &d) };
    }
}

/// An HICON of `png` (validated by `icon::load_png` before); the caller destroys it.
pub(super) fn make_icon(png: &[u8]) -> Result<isize, String> {
    // LR_DEFAULTCOLOR (0), version 0x00030000 as CreateIconFromResourceEx documents.
    let icon = unsafe { CreateIconFromResourceEx(png.as_ptr(), png.len() as u32, 1, 0x0003_0000, 0, 0, 0) };
    if icon == 0 {
        return Err("Windows could not make an icon of this PNG".into());
    }
    Ok(icon)
}

pub(super) fn destroy_icon(icon: isize) {
    unsafe { DestroyIcon(icon) };
}

/// Makes `png` the icon.
pub(super) fn set_icon(png: &[u8]) -> Result<(), String> {
    replace_icon(make_icon(png)?, true);
    Ok(())
}

/// Uses a shared icon (`LoadIconW`), which must not be destroyed.
pub(super) fn use_icon(icon: isize) {
    replace_icon(icon, false);
}

fn replace_icon(icon: isize, owned: bool) {
    let old = ICON.with(|i| i.replace(icon));
    if old != 0 && ICON_OWNED.with(|o| o.replace(owned)) {
        unsafe { DestroyIcon(old) };
    }
    ICON_OWNED.with(|o| o.set(owned));
}

pub(super) fn has_icon() -> bool {
    ICON.with(|i| i.get()) != 0
}

pub(super) fn is_shown() -> bool {
    SHOWN.with(|s| s.get())
}

pub(super) fn on_balloon(f: Box<dyn Fn(bool)>) {
    ON_BALLOON.with(|c| *c.borrow_mut() = Some(f));
}

pub fn set_tray(icon: &str, tooltip: Option<String>, items: Vec<Item>, id: Option<Json>) {
    let png = match crate::icon::load_png(icon) {
        Ok(b) => b,
        Err(e) => return fail(&id, "set_tray", "invalid_argument", &e),
    };
    if let Err(e) = set_icon(&png) {
        return fail(&id, "set_tray", "invalid_argument", &format!("icon `{}`: {}", icon, e));
    }
    TIP.with(|t| *t.borrow_mut() = tooltip.unwrap_or_default());
    ITEMS.with(|i| *i.borrow_mut() = items);
    SHOWN.with(|s| s.set(true));
    if !sync() {
        return fail(&id, "set_tray", "tray_unavailable", "Shell_NotifyIconW refused the icon (is there a taskbar?)");
    }
    ack(&id);
}

pub fn remove_tray(id: Option<Json>) {
    SHOWN.with(|s| s.set(false));
    delete();
    ack(&id);
}

fn clicked(button: &str) {
    emit(&event("tray_clicked", vec![("button", button.into())]));
}

extern "system" fn tray_proc(h: Hwnd, m: u32, w: usize, l: isize) -> isize {
    if m == WM_TRAY {
        match l as u32 & 0xFFFF {
            WM_LBUTTONUP => clicked("left"),
            WM_LBUTTONDBLCLK => clicked("double"),
            WM_RBUTTONUP => {
                clicked("right");
                let items = ITEMS.with(|i| i.borrow().clone());
                if !items.is_empty() {
                    // The menu's modal loop runs from the deferred work, not inside this message.
                    later(move || super::windows_menu::track(h, &items, true));
                }
            }
            NIN_BALLOONUSERCLICK | NIN_BALLOONHIDE | NIN_BALLOONTIMEOUT => {
                // Taken out while it runs: it may delete the icon, which can send more of these.
                let f = ON_BALLOON.with(|c| c.borrow_mut().take());
                if let Some(f) = f {
                    f(l as u32 & 0xFFFF == NIN_BALLOONUSERCLICK);
                    ON_BALLOON.with(|c| {
                        if c.borrow().is_none() {
                            *c.borrow_mut() = Some(f)
                        }
                    });
                }
            }
            _ => {}
        }
        return 0;
    }
    if m != 0 && m == TASKBAR_CREATED.with(|t| t.get()) {
        // Explorer restarted: its new taskbar knows no icons.
        ADDED.with(|a| a.set(false));
        if SHOWN.with(|s| s.get()) {
            sync();
        }
        return 0;
    }
    unsafe { DefWindowProcW(h, m, w, l) }
}
