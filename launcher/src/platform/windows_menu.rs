//! Windows menus: a Win32 menu bar (`SetMenu`) and context menus (`TrackPopupMenuEx`), raw
//! `extern "system"` like windows.rs. Items get command ids from 0x1000 up; the menu bar's
//! accelerators form an accelerator table that the message loop translates (`translate`).
//! A chosen item → `WM_COMMAND` (`command`) → `menu_clicked`.

use super::windows::later;
use super::windows_sys::{
    wide, GetCursorPos, Hwnd, Msg, Point, PostMessageW, SetForegroundWindow, WM_KEYDOWN, WM_NULL, WM_SYSKEYDOWN,
};
use crate::backend::{ack, emit, fail};
use crate::json::Json;
use crate::menu::{accel_text, Accel, Item, Kind};
use crate::protocol::event;
use std::cell::RefCell;
use std::ptr::null;

type Hmenu = isize;

#[repr(C)]
#[derive(Clone, Copy)]
struct AccelEntry {
    virt: u8,
    key: u16,
    cmd: u16,
}

#[link(name = "user32")]
extern "system" {
    fn CreateMenu() -> Hmenu;
    fn CreatePopupMenu() -> Hmenu;
    fn DestroyMenu(m: Hmenu) -> i32;
    fn AppendMenuW(m: Hmenu, flags: u32, id: usize, text: *const u16) -> i32;
    fn ModifyMenuW(m: Hmenu, position: u32, flags: u32, id: usize, text: *const u16) -> i32;
    fn SetMenu(h: Hwnd, m: Hmenu) -> i32;
    fn DrawMenuBar(h: Hwnd) -> i32;
    fn TrackPopupMenuEx(m: Hmenu, flags: u32, x: i32, y: i32, h: Hwnd, params: *const u8) -> i32;
    fn CreateAcceleratorTableW(a: *const AccelEntry, n: i32) -> isize;
    fn DestroyAcceleratorTable(a: isize) -> i32;
    fn TranslateAcceleratorW(h: Hwnd, a: isize, msg: *const Msg) -> i32;
}

const MF_STRING: u32 = 0x0;
const MF_GRAYED: u32 = 0x1;
const MF_CHECKED: u32 = 0x8;
const MF_POPUP: u32 = 0x10;
const MF_SEPARATOR: u32 = 0x800;
const MF_BYCOMMAND: u32 = 0x0;
const TPM_RETURNCMD: u32 = 0x100;
const TPM_RIGHTBUTTON: u32 = 0x2;
const FIRST_CMD: u16 = 0x1000;

/// One clickable item of a menu: what its command id means and its current state.
struct Entry {
    cmd: u16,
    id: String,
    label: String,
    accel: Option<Accel>,
    checkbox: bool,
    checked: bool,
    enabled: bool,
}

/// A window's menu bar: the menu, its clickable items and their accelerator table.
struct Bar {
    hwnd: Hwnd,
    menu: Hmenu,
    items: Vec<Entry>,
    accels: isize,
}

thread_local! {
    /// The menu bars, one per window that has one (by HWND).
    static BARS: RefCell<Vec<Bar>> = RefCell::new(Vec::new());
}

/// Runs `f` on window `h`'s menu bar, if it has one.
fn with_bar<T>(h: Hwnd, f: impl FnOnce(&mut Bar) -> T) -> Option<T> {
    BARS.with(|b| b.borrow_mut().iter_mut().find(|b| b.hwnd == h).map(f))
}

/// Window `h` is being destroyed (which destroys its menu): its accelerator table goes too.
pub fn forget(h: Hwnd) {
    let gone = BARS.with(|b| {
        let mut b = b.borrow_mut();
        b.iter().position(|x| x.hwnd == h).map(|i| b.remove(i))
    });
    if let Some(bar) = gone {
        if bar.accels != 0 {
            unsafe { DestroyAcceleratorTable(bar.accels) };
        }
    }
}

fn text(e: &Entry) -> Vec<u16> {
    // `&` marks a mnemonic in a Win32 label: `&&` is a literal one.
    let mut t = e.label.replace('&', "&&");
    if let Some(a) = &e.accel {
        t.push('\t');
        t.push_str(&accel_text(a));
    }
    wide(&t)
}

fn flags(e: &Entry) -> u32 {
    MF_STRING | if e.enabled { 0 } else { MF_GRAYED } | if e.checkbox && e.checked { MF_CHECKED } else { 0 }
}

unsafe fn fill(menu: Hmenu, items: &[Item], entries: &mut Vec<Entry>) {
    for it in items {
        match (&it.items, it.kind) {
            (_, Kind::Separator) => {
                AppendMenuW(menu, MF_SEPARATOR, 0, null());
            }
            (Some(sub), _) => {
                let child = CreatePopupMenu();
                fill(child, sub, entries);
                let t = wide(&it.label.replace('&', "&&"));
                AppendMenuW(menu, MF_POPUP | if it.enabled { 0 } else { MF_GRAYED }, child as usize, t.as_ptr());
            }
            (None, kind) => {
                let e = Entry {
                    cmd: FIRST_CMD + entries.len() as u16, // at most menu::MAX_ITEMS: no overflow
                    id: it.id.clone().unwrap_or_default(),
                    label: it.label.clone(),
                    accel: it.accelerator.clone(),
                    checkbox: kind == Kind::Checkbox,
                    checked: it.checked,
                    enabled: it.enabled,
                };
                AppendMenuW(menu, flags(&e), e.cmd as usize, text(&e).as_ptr());
                entries.push(e);
            }
        }
    }
}

fn virtual_key(key: &str) -> Option<u16> {
    let named: &[(&str, u16)] = &[
        ("Enter", 0x0D), ("Escape", 0x1B), ("Tab", 0x09), ("Space", 0x20), ("Backspace", 0x08), ("Delete", 0x2E),
        ("Insert", 0x2D), ("Home", 0x24), ("End", 0x23), ("PageUp", 0x21), ("PageDown", 0x22), ("Left", 0x25),
        ("Up", 0x26), ("Right", 0x27), ("Down", 0x28), ("Plus", 0xBB), ("Minus", 0xBD),
    ];
    if let Some((_, vk)) = named.iter().find(|(n, _)| *n == key) {
        return Some(*vk);
    }
    if key.len() == 1 {
        return key.bytes().next().map(|b| b as u16); // 'A'-'Z', '0'-'9' are their own VK codes
    }
    key.strip_prefix('F').and_then(|n| n.parse::<u16>().ok()).map(|n| 0x6F + n) // VK_F1 = 0x70
}

/// The accelerator table of the menu bar (Win key combinations have no place in one).
unsafe fn accelerator_table(entries: &[Entry]) -> isize {
    let mut table = Vec::new();
    for e in entries {
        if let Some(a) = &e.accel {
            if a.meta {
                continue;
            }
            if let Some(key) = virtual_key(&a.key) {
                // FVIRTKEY | FSHIFT | FCONTROL | FALT
                let virt = 1 | (a.shift as u8) << 2 | (a.ctrl as u8) << 3 | (a.alt as u8) << 4;
                table.push(AccelEntry { virt, key, cmd: e.cmd });
            }
        }
    }
    if table.is_empty() {
        0
    } else {
        CreateAcceleratorTableW(table.as_ptr(), table.len() as i32)
    }
}

pub fn set_menu(h: Hwnd, items: &[Item], id: Option<Json>) {
    unsafe {
        let mut entries = Vec::new();
        let menu = if items.is_empty() {
            0
        } else {
            let m = CreateMenu();
            fill(m, items, &mut entries);
            m
        };
        SetMenu(h, menu);
        DrawMenuBar(h);
        let accels = accelerator_table(&entries);
        let old = BARS.with(|b| {
            let mut b = b.borrow_mut();
            let old = b.iter().position(|x| x.hwnd == h).map(|i| b.remove(i));
            b.push(Bar { hwnd: h, menu, items: entries, accels });
            old
        });
        if let Some(old) = old {
            if old.menu != 0 {
                DestroyMenu(old.menu);
            }
            if old.accels != 0 {
                DestroyAcceleratorTable(old.accels);
            }
        }
    }
    super::windows::fit_webview(h); // the client area shrank or grew by the bar
    ack(&id);
}

pub fn set_menu_item(h: Hwnd, item: &str, label: Option<String>, enabled: Option<bool>, checked: Option<bool>, id: Option<Json>) {
    let result = with_bar(h, |b| {
        let bar = b.menu;
        let e = match b.items.iter_mut().find(|e| e.id == item) {
            Some(e) => e,
            None => return Err(("unknown_menu_item", format!("the menu bar has no item `{}`", item))),
        };
        if checked.is_some() && !e.checkbox {
            return Err(("invalid_argument", format!("menu item `{}` is not a checkbox", item)));
        }
        if let Some(l) = label {
            e.label = l;
        }
        if let Some(v) = enabled {
            e.enabled = v;
        }
        if let Some(c) = checked {
            e.checked = c;
        }
        unsafe { ModifyMenuW(bar, e.cmd as u32, MF_BYCOMMAND | flags(e), e.cmd as usize, text(e).as_ptr()) };
        Ok(())
    })
    .unwrap_or_else(|| Err(("unknown_menu_item", format!("the window has no menu bar, so no item `{}`", item))));
    match result {
        Ok(()) => {
            unsafe { DrawMenuBar(h) };
            ack(&id)
        }
        Err((code, message)) => fail(&id, "set_menu_item", code, &message),
    }
}

/// Replied at once; the menu opens from the deferred work (its modal loop must not run inside
/// `app::drain()`), and a choice is a `menu_clicked` like the bar's.
pub fn popup_menu(h: Hwnd, items: Vec<Item>, id: Option<Json>) {
    ack(&id);
    if items.is_empty() {
        return;
    }
    later(move || track(h, &items, false));
}

/// Opens `items` at the pointer and waits for a choice (a modal loop: call it from deferred
/// work only); the choice → `menu_clicked`, with `"tray": true` for the tray icon's menu.
pub(super) fn track(owner: Hwnd, items: &[Item], tray: bool) {
    unsafe {
        let menu = CreatePopupMenu();
        let mut entries = Vec::new();
        fill(menu, items, &mut entries);
        let mut p = Point { x: 0, y: 0 };
        GetCursorPos(&mut p);
        SetForegroundWindow(owner); // else the menu does not close when the user clicks elsewhere
        let cmd = TrackPopupMenuEx(menu, TPM_RETURNCMD | TPM_RIGHTBUTTON, p.x, p.y, owner, null());
        PostMessageW(owner, WM_NULL, 0, 0); // as the TrackPopupMenu documentation asks
        DestroyMenu(menu);
        if let Some(e) = entries.iter().find(|e| e.cmd as i32 == cmd) {
            let from = if tray { None } else { super::windows::window_id(owner) };
            clicked_id(&e.id, if e.checkbox { Some(!e.checked) } else { None }, from);
        }
    }
}

/// `menu_clicked` from window `window`'s menu bar or popup, or (None) from the tray's menu.
fn clicked_id(id: &str, checked: Option<bool>, window: Option<String>) {
    let mut fields = vec![("id", Json::from(id))];
    fields.push(match window {
        Some(w) => ("window", w.into()),
        None => ("tray", true.into()),
    });
    if let Some(c) = checked {
        fields.push(("checked", c.into()));
    }
    emit(&event("menu_clicked", fields));
}

/// `WM_COMMAND` from the menu bar or an accelerator: true when it was one of ours.
pub fn command(h: Hwnd, cmd: u16) -> bool {
    let hit = with_bar(h, |b| {
        let bar = b.menu;
        let e = b.items.iter_mut().find(|e| e.cmd == cmd && e.enabled)?;
        if e.checkbox {
            e.checked = !e.checked;
            unsafe { ModifyMenuW(bar, e.cmd as u32, MF_BYCOMMAND | flags(e), e.cmd as usize, text(e).as_ptr()) };
        }
        Some((e.id.clone(), if e.checkbox { Some(e.checked) } else { None }))
    })
    .flatten();
    match hit {
        Some((id, checked)) => {
            if checked.is_some() {
                unsafe { DrawMenuBar(h) };
            }
            clicked_id(&id, checked, super::windows::window_id(h));
            true
        }
        None => false,
    }
}

/// Called by the message loop for every message: a key of the menu bar's accelerators becomes
/// its `WM_COMMAND` (true: the message is handled).
pub fn translate(h: Hwnd, msg: *const Msg) -> bool {
    let table = with_bar(h, |b| b.accels).unwrap_or(0);
    table != 0 && h != 0 && unsafe { TranslateAcceleratorW(h, table, msg) } != 0
}

/// A key pressed while WebView2 has the focus (its AcceleratorKeyPressed event): those keys go to
/// the browser's window in another process and never pass our message loop, so the press is
/// rebuilt as the WM_KEYDOWN / WM_SYSKEYDOWN it was and put through the same accelerator table
/// (which reads Ctrl/Shift/Alt with GetKeyState, as for any key). True: it was a menu accelerator
/// (its `menu_clicked` is sent), and the page must not see the key.
pub fn accelerator_key(h: Hwnd, system: bool, virtual_key: u32, lparam: i32) -> bool {
    let msg = Msg {
        hwnd: h,
        message: if system { WM_SYSKEYDOWN } else { WM_KEYDOWN },
        wparam: virtual_key as usize,
        lparam: lparam as isize,
        time: 0,
        pt: Point::default(),
        private: 0,
    };
    translate(h, &msg)
}
