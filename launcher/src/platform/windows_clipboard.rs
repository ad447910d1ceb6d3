//! The clipboard on Windows: CF_UNICODETEXT through OpenClipboard/GetClipboardData/
//! SetClipboardData, retried briefly while another program holds the clipboard open.

use std::os::raw::c_void;

const CF_UNICODETEXT: u32 = 13;
const GMEM_MOVEABLE: u32 = 2;

#[link(name = "user32")]
extern "system" {
    fn OpenClipboard(owner: isize) -> i32;
    fn CloseClipboard() -> i32;
    fn EmptyClipboard() -> i32;
    fn GetClipboardData(format: u32) -> *mut c_void;
    fn SetClipboardData(format: u32, mem: *mut c_void) -> *mut c_void;
}
#[link(name = "kernel32")]
extern "system" {
    fn GlobalAlloc(flags: u32, bytes: usize) -> *mut c_void;
    fn GlobalLock(mem: *mut c_void) -> *mut c_void;
    fn GlobalUnlock(mem: *mut c_void) -> i32;
    fn GlobalFree(mem: *mut c_void) -> *mut c_void;
    fn GlobalSize(mem: *mut c_void) -> usize;
}

fn open() -> Result<(), String> {
    for _ in 0..20 {
        if unsafe { OpenClipboard(0) } != 0 {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Err("the clipboard is held open by another program".into())
}

pub fn write(text: &str) -> Result<(), String> {
    let w: Vec<u16> = text.encode_utf16().chain(std::iter::once(0)).collect();
    open()?;
    unsafe {
        EmptyClipboard();
        let mem = GlobalAlloc(GMEM_MOVEABLE, w.len() * 2);
        if mem.is_null() {
            CloseClipboard();
            return Err("out of memory".into());
        }
        let p = GlobalLock(mem) as *mut u16;
        std::ptr::copy_nonoverlapping(w.as_ptr(), p, w.len());
        GlobalUnlock(mem);
        // The system owns `mem` once SetClipboardData succeeds.
        if SetClipboardData(CF_UNICODETEXT, mem).is_null() {
            GlobalFree(mem);
            CloseClipboard();
            return Err("SetClipboardData failed".into());
        }
        CloseClipboard();
    }
    Ok(())
}

pub fn read(done: Box<dyn FnOnce(Option<String>)>) {
    if open().is_err() {
        return done(None);
    }
    let text = unsafe {
        let mem = GetClipboardData(CF_UNICODETEXT);
        if mem.is_null() {
            None
        } else {
            let p = GlobalLock(mem) as *const u16;
            let max = GlobalSize(mem) / 2;
            let t = if p.is_null() {
                None
            } else {
                let s = std::slice::from_raw_parts(p, max);
                let end = s.iter().position(|&c| c == 0).unwrap_or(max);
                Some(String::from_utf16_lossy(&s[..end]))
            };
            GlobalUnlock(mem);
            t
        }
    };
    unsafe { CloseClipboard() };
    done(text)
}
