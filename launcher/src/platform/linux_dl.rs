//! GTK and WebKitGTK, loaded with `dlopen` only when a window is wanted. Linked at build time,
//! the dynamic loader bound them (~170 libraries, ~40 ms) before `main` on every start, even
//! for a packaged app's `--no-window` start, which never touches them; and a machine without
//! WebKitGTK could not even print `--help`.
//!
//! `extern_dl! { fn name(args) -> ret; … }` takes the body of an `extern "C" { … }` block and
//! declares, for each function, a static of the same name that derefs to an
//! `unsafe extern "C" fn` pointer of the same signature, so call sites do not change
//! (`gtk_main()`; variadic functions too). The pointer is looked up with `dlsym` on first use,
//! after the libraries are loaded (GTK by `platform::init` in window mode, WebKitGTK when the
//! webview is created; or by the first call that needs them). As a value, a function is `*name` (e.g. `*g_free as Ptr`).

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

/// GTK 3 (with GDK, cairo, GLib/GObject/GIO: ~70 libraries, ~7 ms here) comes first: enough for
/// the window and its splash. WebKitGTK (another ~100 libraries, ~45 ms) only when the webview
/// is created, right after the splash's first paint. (Loading it on a thread of its own during
/// GTK's init measured worse: on 2 cores, beside Node starting, it slowed the splash down.)
pub const GTK: &str = "libgtk-3.so.0";
pub const WEBKIT: &str = "libwebkit2gtk-4.1.so.0";

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

/// One library loaded once; later calls (from any thread) wait for and return the first result.
struct Library {
    names: &'static [&'static str],
    once: Once,
    error: Mutex<Option<String>>,
}

impl Library {
    fn load(&self) -> Result<(), String> {
        self.once.call_once(|| {
            if let Err(e) = open_all(self.names) {
                *self.error.lock().unwrap() = Some(e);
            }
        });
        match self.error.lock().unwrap().as_ref() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

static GTK_LIB: Library = Library { names: &[GTK], once: Once::new(), error: Mutex::new(None) };
static WEBKIT_LIB: Library = Library { names: &[WEBKIT], once: Once::new(), error: Mutex::new(None) };

/// GTK and what it needs (the window, the splash, dialogs).
pub fn load_gtk() -> Result<(), String> {
    GTK_LIB.load()
}

/// WebKitGTK too (the webview).
pub fn load_webkit() -> Result<(), String> {
    load_gtk()?;
    WEBKIT_LIB.load()
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
            let find = || unsafe { dlsym(RTLD_DEFAULT, self.name.as_ptr() as *const c_char) };
            // GTK's functions are there after load_gtk; WebKit's may need its load to finish.
            let mut p = std::ptr::null_mut();
            for load in [load_gtk as fn() -> Result<(), String>, load_webkit] {
                if let Err(e) = load() {
                    // platform::init and create_webview report a missing library first.
                    eprintln!("taupy-launcher: {} needs GTK/WebKitGTK: {}", shown, e);
                    std::process::exit(1);
                }
                p = find();
                if !p.is_null() {
                    break;
                }
            }
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
        load_webkit().unwrap();
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
