//! The Win32 declarations more than one windows_*.rs needs, in one place: the handle and struct
//! types, the user32/kernel32/ole32 functions they share, the window messages, UTF-16 helpers
//! and window-class registration. Raw `extern "system"`, no crates (rustc 1.63, mingw).
//! What only one file uses stays in that file, next to its one use.

use std::os::raw::c_void;
use std::ptr::null;

pub type Hwnd = isize;
pub type WndProc = extern "system" fn(Hwnd, u32, usize, isize) -> isize;
/// RECT: the same four i32 as WebView2's bounds, so one type serves GetClientRect and put_Bounds.
pub use super::webview2::Bounds as Rect;

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[repr(C)]
pub struct Msg {
    pub hwnd: Hwnd,
    pub message: u32,
    pub wparam: usize,
    pub lparam: isize,
    pub time: u32,
    pub pt: Point,
    pub private: u32,
}

#[repr(C)]
pub struct WndClassExW {
    pub cb_size: u32,
    pub style: u32,
    pub wnd_proc: WndProc,
    pub cls_extra: i32,
    pub wnd_extra: i32,
    pub instance: isize,
    pub icon: isize,
    pub cursor: isize,
    pub background: isize,
    pub menu_name: *const u16,
    pub class_name: *const u16,
    pub icon_sm: isize,
}

#[link(name = "user32")]
extern "system" {
    pub fn RegisterClassExW(c: *const WndClassExW) -> u16;
    pub fn CreateWindowExW(
        ex: u32, class: *const u16, name: *const u16, style: u32, x: i32, y: i32, w: i32, h: i32,
        parent: Hwnd, menu: isize, inst: isize, param: *const c_void,
    ) -> Hwnd;
    pub fn DefWindowProcW(h: Hwnd, m: u32, w: usize, l: isize) -> isize;
    pub fn PostMessageW(h: Hwnd, m: u32, w: usize, l: isize) -> i32;
    pub fn SetForegroundWindow(h: Hwnd) -> i32;
    pub fn GetCursorPos(p: *mut Point) -> i32;
    pub fn GetClientRect(h: Hwnd, r: *mut Rect) -> i32;
    pub fn LoadCursorW(inst: isize, name: *const u16) -> isize;
}
#[link(name = "kernel32")]
extern "system" {
    pub fn GetModuleHandleW(name: *const u16) -> isize;
    pub fn GetProcAddress(module: isize, name: *const u8) -> *const c_void;
}
#[link(name = "ole32")]
extern "system" {
    pub fn CoTaskMemFree(p: *mut c_void);
}

/// Registry roots (HKEY).
pub type Hkey = isize;
pub const HKEY_CURRENT_USER: Hkey = 0x8000_0001u32 as i32 as isize;
pub const HKEY_LOCAL_MACHINE: Hkey = 0x8000_0002u32 as i32 as isize;

// Window messages.
pub const WM_NULL: u32 = 0x0000;
pub const WM_DESTROY: u32 = 0x0002;
pub const WM_MOVE: u32 = 0x0003;
pub const WM_SIZE: u32 = 0x0005;
pub const WM_ACTIVATE: u32 = 0x0006;
pub const WM_SETFOCUS: u32 = 0x0007;
pub const WM_PAINT: u32 = 0x000F;
pub const WM_CLOSE: u32 = 0x0010;
pub const WM_QUERYENDSESSION: u32 = 0x0011;
pub const WM_QUIT: u32 = 0x0012;
pub const WM_ERASEBKGND: u32 = 0x0014;
pub const WM_ENDSESSION: u32 = 0x0016;
pub const WM_GETMINMAXINFO: u32 = 0x0024;
pub const WM_NCLBUTTONDOWN: u32 = 0x00A1;
pub const WM_KEYDOWN: u32 = 0x0100;
pub const WM_SYSKEYDOWN: u32 = 0x0104;
pub const WM_COMMAND: u32 = 0x0111;
pub const WM_LBUTTONUP: u32 = 0x0202;
pub const WM_LBUTTONDBLCLK: u32 = 0x0203;
pub const WM_RBUTTONUP: u32 = 0x0205;
pub const WM_DPICHANGED: u32 = 0x02E0;
/// WM_APP: our own messages (windows.rs's wake-ups, the tray icon's callback).
pub const WM_APP: u32 = 0x8000;

pub fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

pub fn from_wide(buf: &[u16]) -> String {
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf16_lossy(&buf[..end])
}

/// `s` into a fixed UTF-16 field (NOTIFYICONDATA's tip, title, text), cut to fit with its NUL.
pub fn copy_wide(dst: &mut [u16], s: &str) {
    let w: Vec<u16> = s.encode_utf16().take(dst.len() - 1).collect();
    dst[..w.len()].copy_from_slice(&w);
    dst[w.len()] = 0;
}

/// Registers window class `name` (the arrow cursor, COLOR_WINDOW background) and returns the
/// name for CreateWindowExW. Registering a class again fails harmlessly.
pub fn register_class(name: &str, proc_: WndProc) -> Vec<u16> {
    let cls = wide(name);
    unsafe {
        let wc = WndClassExW {
            cb_size: std::mem::size_of::<WndClassExW>() as u32,
            style: 0,
            wnd_proc: proc_,
            cls_extra: 0,
            wnd_extra: 0,
            instance: GetModuleHandleW(null()),
            icon: 0,
            cursor: LoadCursorW(0, 32512 as *const u16), // IDC_ARROW
            background: 6,                                // COLOR_WINDOW + 1
            menu_name: null(),
            class_name: cls.as_ptr(),
            icon_sm: 0,
        };
        RegisterClassExW(&wc);
    }
    cls
}
