//! The clipboard on Linux: GTK's CLIPBOARD selection (X11 or Wayland through GDK), on the UI
//! thread. Reading asks the owner, another process maybe, and answers in a callback.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};

type Ptr = *mut c_void;

crate::platform::linux_dl::extern_dl! {
    fn gdk_atom_intern_static_string(name: *const c_char) -> Ptr;
    fn gtk_clipboard_get(selection: Ptr) -> Ptr;
    fn gtk_clipboard_set_text(cb: Ptr, text: *const c_char, len: c_int);
    fn gtk_clipboard_store(cb: Ptr);
    fn gtk_clipboard_request_text(cb: Ptr, f: extern "C" fn(Ptr, *const c_char, Ptr), data: Ptr);
}

fn clipboard() -> Ptr {
    unsafe { gtk_clipboard_get(gdk_atom_intern_static_string(b"CLIPBOARD\0".as_ptr() as *const c_char)) }
}

pub fn write(text: &str) -> Result<(), String> {
    let c = CString::new(text).map_err(|_| "the text contains a NUL character".to_string())?;
    unsafe {
        let cb = clipboard();
        gtk_clipboard_set_text(cb, c.as_ptr(), -1);
        // Hand it to a clipboard manager, if one runs, so it outlives the app.
        gtk_clipboard_store(cb);
    }
    Ok(())
}

type Done = Box<dyn FnOnce(Option<String>)>;

extern "C" fn on_text(_cb: Ptr, text: *const c_char, data: Ptr) {
    let done = unsafe { Box::from_raw(data as *mut Done) };
    let t = if text.is_null() { None } else { Some(unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned()) };
    done(t);
}

/// `done` gets the text, or None when the clipboard holds none (empty, an image…).
pub fn read(done: Done) {
    let data = Box::into_raw(Box::new(done)) as Ptr;
    unsafe { gtk_clipboard_request_text(clipboard(), on_text, data) };
}
