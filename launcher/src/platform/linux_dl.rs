//! GTK and WebKitGTK, loaded with `dlopen` only when a window is wanted. Linked at build time,
//! the dynamic loader bound them (~170 libraries, ~40 ms) before `main` on every start, even
//! for a packaged app's `--no-window` start, which never touches them; and a machine without
//! WebKitGTK could not even print `--help`.
//!
//! `extern_dl! { fn name(args) -> ret; … }` takes the body of an `extern "C" { … }` block and
//! declares, for each function, a static of the same name that derefs to an
//! `unsafe extern "C" fn` pointer of the same signature, so call sites do not change
//! (`gtk_main()`; variadic functions too). The pointer is looked up with `dlsym` on first use,
//! after the libraries are loaded (`load`, called by `platform::init` in window mode, and by
//! the first call otherwise). As a value, a function is `*name` (e.g. `*g_free as Ptr`).

use std::cell::UnsafeCell;
use std::ffi::{CStr, CString};
use std::mem::MaybeUninit;
use std::ops::Deref;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::{Mutex, Once};

#[link(name = "dl")]
extern "C" {
    fn dlopen(name: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(lib: *mut c_void, name: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}

const RTLD_NOW: c_int = 2;
const RTLD_GLOBAL: c_int = 0x100;
/// glibc's RTLD_DEFAULT: the global scope, where RTLD_GLOBAL put the libraries and their dependencies.
const RTLD_DEFAULT: *mut c_void = std::ptr::null_mut();

/// WebKitGTK pulls in GTK 3, GDK, JavaScriptCore, cairo, GLib/GObject/GIO; GTK is named too so
/// that a missing one is reported by its own name.
pub const LIBRARIES: &[&str] = &["libwebkit2gtk-4.1.so.0", "libgtk-3.so.0"];

fn last_error() -> String {
    let e = unsafe { dlerror() };
    if e.is_null() {
        "unknown error".into()
    } else {
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// Loads `names` in order into the global scope; the error names what to install.
pub fn open_all(names: &[&str]) -> Result<(), String> {
    for name in names {
        let c = CString::new(*name).map_err(|_| format!("bad library name {}", name))?;
        if unsafe { dlopen(c.as_ptr(), RTLD_NOW | RTLD_GLOBAL) }.is_null() {
            return Err(format!(
                "cannot load WebKitGTK 4.1 / GTK 3 ({}): install libwebkit2gtk-4.1-0 (Debian, Ubuntu) or webkit2gtk4.1 (Fedora)",
                last_error()
            ));
        }
    }
    Ok(())
}

static LOADED: Once = Once::new();
static LOAD_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Loads GTK and WebKitGTK once; later calls return the first call's result.
pub fn load() -> Result<(), String> {
    LOADED.call_once(|| {
        if let Err(e) = open_all(LIBRARIES) {
            *LOAD_ERROR.lock().unwrap() = Some(e);
        }
    });
    match LOAD_ERROR.lock().unwrap().as_ref() {
        Some(e) => Err(e.clone()),
        None => Ok(()),
    }
}

/// One function of the loaded libraries; `F` is its `unsafe extern "C" fn` type.
pub struct Sym<F> {
    name: &'static str,
    once: Once,
    f: UnsafeCell<MaybeUninit<F>>,
}

// The pointer is written once, inside `once`, before any reader sees it.
unsafe impl<F> Sync for Sym<F> {}

impl<F> Sym<F> {
    /// `name` ends with a NUL.
    pub const fn new(name: &'static str) -> Self {
        Sym { name, once: Once::new(), f: UnsafeCell::new(MaybeUninit::uninit()) }
    }
}

impl<F: Copy> Deref for Sym<F> {
    type Target = F;
    fn deref(&self) -> &F {
        assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>());
        self.once.call_once(|| {
            let shown = self.name.trim_end_matches('\0');
            if let Err(e) = load() {
                // Only reached outside window mode (platform::init reports it first there).
                eprintln!("taupy-launcher: {} needs GTK: {}", shown, e);
                std::process::exit(1);
            }
            let p = unsafe { dlsym(RTLD_DEFAULT, self.name.as_ptr() as *const c_char) };
            if p.is_null() {
                eprintln!("taupy-launcher: {} is missing from the installed GTK/WebKitGTK ({}): a newer version is needed", shown, last_error());
                std::process::exit(1);
            }
            unsafe { (*self.f.get()).as_mut_ptr().write(std::mem::transmute_copy(&p)) };
        });
        unsafe { &*(*self.f.get()).as_ptr() }
    }
}

/// See the module's comment. Written where an `extern "C" {` header was, with the same body.
macro_rules! extern_dl {
    ($( $(#[$attr:meta])* fn $name:ident ( $($args:tt)* ) $(-> $ret:ty)? ; )*) => {
        $(
            #[allow(non_upper_case_globals, dead_code)]
            $(#[$attr])*
            static $name: $crate::platform::linux_dl::Sym<unsafe extern "C" fn($($args)*) $(-> $ret)?> =
                $crate::platform::linux_dl::Sym::new(concat!(stringify!($name), "\0"));
        )*
    };
}
pub(crate) use extern_dl;

#[cfg(test)]
mod tests {
    use super::*;

    extern_dl! {
        fn strlen(s: *const c_char) -> usize;
        fn snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> c_int;
    }

    #[test]
    fn calls_go_through_dlsym_with_the_declared_signature() {
        // libc is in the global scope already; the first call loads GTK/WebKitGTK (installed where
        // the launcher is built and tested).
        load().unwrap();
        let mut buf = [0 as c_char; 16];
        let n = unsafe { snprintf(buf.as_mut_ptr(), buf.len(), b"%d-%s\0".as_ptr() as *const c_char, 42 as c_int, b"x\0".as_ptr()) };
        assert_eq!(n, 4);
        assert_eq!(unsafe { strlen(buf.as_ptr()) }, 4);
    }

    #[test]
    fn a_missing_library_says_what_to_install() {
        let e = open_all(&["libtaupy-no-such-library.so.0"]).unwrap_err();
        assert!(e.contains("libtaupy-no-such-library.so.0") && e.contains("install libwebkit2gtk-4.1-0"), "{}", e);
    }
}
