//! WebView2 inside the launcher's Win32 window: finding the runtime the way Microsoft's loader
//! does, environment → controller → webview through the COM vtables of `webview2.rs`, and the
//! protocol's webview side (origin rule, page messages, eval, page_loaded). UI thread only:
//! WebView2 calls every handler on the thread that created it.
//!
//! Loader (no DLL to ship): Microsoft's WebView2Loader searches EdgeUpdate's registry channel by
//! channel (stable, beta, dev, canary), each machine-wide (32-bit view, native) then per user, for
//! the runtime's version folder (`ClientState\{guid}` `EBWebView`), keeps the first whose version
//! is recent enough and whose `EBWebView\x64\EmbeddedBrowserWebView.dll` exists, and calls that
//! DLL's `CreateWebViewEnvironmentWithOptionsInternal(checkRunningInstance, runtimeType,
//! userDataFolder, options, handler)`; webview/webview's and webview2-com's built-in loaders do
//! the same, and so do we (`webview2::find_runtime`, falling back to `Clients\{…}` `location` +
//! `pv`). An app that ships Microsoft's `WebView2Loader.dll` next to the exe gets that instead
//! (only from the exe's own folder, never the DLL search path), and
//! `WEBVIEW2_BROWSER_EXECUTABLE_FOLDER` selects a fixed-version runtime, as it does for
//! Microsoft's loader.

use super::page_script::{page_script, WEBVIEW2};
use super::webview2::{
    self as wv, com_call, hresult_arg, hresult_text, ControllerVtbl, EnvironmentVtbl, Guid, HResult, Handler, Hive,
    NavigationCompletedArgsVtbl, NavigationStartingArgsVtbl, NewWindowRequestedArgsVtbl, ProcessFailedArgsVtbl,
    SettingsVtbl, WebMessageReceivedArgsVtbl, WebViewVtbl, S_OK,
};
use super::windows::{self as win, from_wide, wide, Hwnd};
use crate::app;
use crate::backend::emit;
use crate::cli::Options;
use crate::json::Json;
use crate::protocol::{event, reply_ok, Command, Request};
use std::cell::{Cell, RefCell};
use std::os::raw::c_void;
use std::ptr::{null, null_mut};

#[link(name = "kernel32")]
extern "system" {
    fn LoadLibraryW(name: *const u16) -> isize;
    fn GetProcAddress(module: isize, name: *const u8) -> *const c_void;
}
#[link(name = "advapi32")]
extern "system" {
    fn RegGetValueW(
        key: isize, sub: *const u16, value: *const u16, flags: u32, kind: *mut u32, data: *mut c_void, size: *mut u32,
    ) -> i32;
}
#[link(name = "user32")]
extern "system" {
    fn GetClientRect(h: Hwnd, r: *mut wv::Bounds) -> i32;
}
#[link(name = "ole32")]
extern "system" {
    fn CoTaskMemFree(p: *mut c_void);
}
#[link(name = "shell32")]
extern "system" {
    fn SHGetKnownFolderPath(id: *const Guid, flags: u32, token: isize, path: *mut *mut u16) -> HResult;
}

/// FOLDERID_LocalAppData {F1B32785-6FBA-4FCF-9D55-7B8E7F157091} (KnownFolders.h).
const FOLDERID_LOCAL_APP_DATA: Guid = Guid::from_u128(0xf1b32785_6fba_4fcf_9d55_7b8e7f157091);
const KF_FLAG_CREATE: u32 = 0x0000_8000;
const HKLM: isize = 0x8000_0002u32 as i32 as isize;
const HKCU: isize = 0x8000_0001u32 as i32 as isize;
const RRF_RT_REG_SZ: u32 = 0x2;
/// COREWEBVIEW2_WEB_ERROR_STATUS_CONNECTION_ABORTED / _OPERATION_CANCELED: what a navigation we
/// cancelled (or one superseded by the next) ends with; not a load failure.
const WEB_ERROR_ABORTED: i32 = 9;
const WEB_ERROR_CANCELED: i32 = 14;
const MAX_ATTEMPTS: u32 = 3;
/// How often a crashed browser process is replaced (or a crashed page reloaded) before the
/// launcher gives up and says so: a runtime that dies at every start must not loop forever.
const MAX_RECOVERIES: u32 = 3;

type CreateInternal = unsafe extern "system" fn(bool, i32, *const u16, *mut c_void, *mut Handler) -> HResult;
type CreateWithOptions = unsafe extern "system" fn(*const u16, *const u16, *mut c_void, *mut Handler) -> HResult;

#[derive(Clone, Copy)]
enum Loader {
    /// EmbeddedBrowserWebView.dll's entry point; runtime type 0 = installed, 1 = fixed version.
    Internal(CreateInternal, i32),
    /// Microsoft's WebView2Loader.dll, shipped by the app next to the exe.
    Official(CreateWithOptions),
}

enum State {
    /// Environment/controller on their way: webview commands wait here.
    Starting(Vec<Request>),
    Ready,
    Unavailable(String),
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::Starting(Vec::new()));
    static LOADER: Cell<Option<Loader>> = Cell::new(None);
    static USER_DATA: RefCell<Vec<u16>> = RefCell::new(Vec::new());
    static ATTEMPTS: Cell<u32> = Cell::new(0);
    static ENV: Cell<*mut c_void> = Cell::new(null_mut());
    static CONTROLLER: Cell<*mut c_void> = Cell::new(null_mut());
    static WEBVIEW: Cell<*mut c_void> = Cell::new(null_mut());
    static URL: RefCell<String> = RefCell::new(String::new());
    static ORIGIN: RefCell<String> = RefCell::new(String::new());
    /// The crash page once shown: a recreated webview shows it again instead of the URL.
    static ERROR_PAGE: RefCell<Option<String>> = RefCell::new(None);
    static DEVTOOLS: Cell<bool> = Cell::new(false);
    /// The app's splash page (`--splash-html`), shown until the app's URL comes.
    static SPLASH_HTML: RefCell<Option<String>> = RefCell::new(None);
    /// The controller exists (it may wait for `load_app`).
    static CONTROLLER_UP: Cell<bool> = Cell::new(false);
    /// The controller is shown once a page is worth showing; until then the native splash is.
    static SHOWN: Cell<bool> = Cell::new(false);
    static APP_LOADED: Cell<bool> = Cell::new(false);
    static ERROR_SHOWN: Cell<bool> = Cell::new(false);
    static PENDING_EVALS: RefCell<Vec<(u64, Option<Json>)>> = RefCell::new(Vec::new());
    static NEXT_EVAL: Cell<u64> = Cell::new(0);
    static BROWSER_RESTARTS: Cell<u32> = Cell::new(0);
    static PAGE_RELOADS: Cell<u32> = Cell::new(0);
}

// ----- finding the runtime -----

fn reg_string(hive: Hive, sub: &str, value: &str) -> Option<String> {
    let root = if hive == Hive::User { HKCU } else { HKLM };
    let mut buf = vec![0u16; 1024];
    let mut size = (buf.len() * 2) as u32;
    let (s, v) = (wide(sub), wide(value));
    let rc = unsafe {
        RegGetValueW(root, s.as_ptr(), v.as_ptr(), RRF_RT_REG_SZ, null_mut(), buf.as_mut_ptr() as *mut c_void, &mut size)
    };
    let text = from_wide(&buf);
    if rc == 0 && !text.is_empty() {
        Some(text)
    } else {
        None
    }
}

/// A fixed-version runtime chosen with WEBVIEW2_BROWSER_EXECUTABLE_FOLDER (as Microsoft's loader).
fn fixed_runtime_folder() -> Option<String> {
    std::env::var("WEBVIEW2_BROWSER_EXECUTABLE_FOLDER").ok().filter(|f| !f.is_empty())
}

/// The oldest runtime accepted, as text (for the missing-runtime message).
pub fn min_version() -> String {
    wv::version_text(wv::MIN_RUNTIME_VERSION)
}

/// Why no loader: no runtime at all (`webview2_missing`), or one that cannot be loaded.
enum NoLoader {
    Missing(String),
    Broken(String),
}

unsafe fn load_symbol(dll: &str, symbol: &str) -> Result<*const c_void, String> {
    let w = wide(dll);
    let module = LoadLibraryW(w.as_ptr());
    if module == 0 {
        return Err(format!("cannot load {}", dll));
    }
    let name: Vec<u8> = symbol.bytes().chain(std::iter::once(0)).collect();
    let f = GetProcAddress(module, name.as_ptr());
    if f.is_null() {
        return Err(format!("{} has no {}", dll, symbol));
    }
    Ok(f) // the module stays loaded for the life of the process
}

fn find_loader() -> Result<Loader, NoLoader> {
    unsafe {
        let beside_exe = std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.join("WebView2Loader.dll")));
        if let Some(official) = beside_exe.filter(|p| p.is_file()) {
            let f = load_symbol(&official.to_string_lossy(), "CreateCoreWebView2EnvironmentWithOptions").map_err(NoLoader::Broken)?;
            return Ok(Loader::Official(std::mem::transmute::<*const c_void, CreateWithOptions>(f)));
        }
        let (dll, runtime_type) = match fixed_runtime_folder() {
            Some(folder) => {
                let dll = wv::client_dll_path(&folder);
                if !std::path::Path::new(&dll).is_file() {
                    return Err(NoLoader::Missing(format!("WEBVIEW2_BROWSER_EXECUTABLE_FOLDER has no {}", dll)));
                }
                (dll, 1)
            }
            None => {
                let canary_first = std::env::var("WEBVIEW2_RELEASE_CHANNEL_PREFERENCE").map(|v| v.trim() == "1").unwrap_or(false);
                let exists = |p: &str| std::path::Path::new(p).is_file();
                match wv::find_runtime(&reg_string, &exists, canary_first) {
                    Ok(rt) => (rt.dll, 0),
                    Err(refused) if refused.is_empty() => {
                        return Err(NoLoader::Missing("no EdgeUpdate entry for its stable, beta, dev or canary channel".into()))
                    }
                    Err(refused) => return Err(NoLoader::Missing(refused.join("; "))),
                }
            }
        };
        let f = load_symbol(&dll, "CreateWebViewEnvironmentWithOptionsInternal").map_err(NoLoader::Broken)?;
        Ok(Loader::Internal(std::mem::transmute::<*const c_void, CreateInternal>(f), runtime_type))
    }
}

/// The WebView2 profile folder of app `app_id`: `<LocalAppData>\<app>\WebView2`, LocalAppData
/// from `SHGetKnownFolderPath(FOLDERID_LocalAppData)` (not the environment, which a parent can
/// set to anything, a relative path included); `TAUPY_DATA_DIR\WebView2` when that is absolute.
pub fn user_data_folder(app_id: &str) -> Result<String, String> {
    let data_dir = std::env::var("TAUPY_DATA_DIR").ok().filter(|d| !d.is_empty());
    if let Some(d) = data_dir.as_deref().filter(|d| !wv::is_absolute_windows_path(d)) {
        eprintln!("taupy-launcher: TAUPY_DATA_DIR `{}` is not an absolute path; WebView2's profile goes to LocalAppData", d);
    }
    Ok(wv::user_data_path(data_dir.as_deref(), &local_app_data()?, app_id))
}

/// The user's LocalAppData folder, from the shell (FOLDERID_LocalAppData), never from the
/// environment: the one source for the WebView2 profile and the one-file app's cache.
pub fn local_app_data() -> Result<String, String> {
    let mut p: *mut u16 = null_mut();
    let hr = unsafe { SHGetKnownFolderPath(&FOLDERID_LOCAL_APP_DATA, KF_FLAG_CREATE, 0, &mut p) };
    let local = unsafe { take_string(p) };
    if hr < 0 || !wv::is_absolute_windows_path(&local) {
        return Err(format!("the user's LocalAppData folder is unknown (SHGetKnownFolderPath: {})", hresult_text(hr)));
    }
    Ok(local)
}

// ----- start-up: environment → controller → webview -----

/// On the app's origin; never before `load_app` set it (the splash page has none).
fn same_origin(url: &str) -> bool {
    ORIGIN.with(|o| !o.borrow().is_empty() && app::origin_of(url) == *o.borrow())
}

/// The app's name for its data folder: its id (`--app-id`, the package name: one folder per
/// app, so its web storage persists and no other app sees it), else what `taupy build` bakes
/// in, else the window title, which `npm start` sets to the productName.
fn app_name(opts: &Options) -> String {
    if let Some(id) = &opts.app_id {
        return id.clone();
    }
    std::env::var("TAUPY_APP_NAME").ok().filter(|n| !n.is_empty()).unwrap_or_else(|| opts.title.clone())
}

/// Starts WebView2 with the window, before the app's URL is known (`load_app` brings it);
/// `Err` (the reason) when no usable runtime is installed, which the caller reports as
/// `webview2_missing`. Later failures are reported here (`fail`).
pub fn start(opts: &Options) -> Result<(), String> {
    SPLASH_HTML.with(|h| *h.borrow_mut() = opts.splash.html.clone());
    DEVTOOLS.with(|d| d.set(opts.devtools));
    let loader = match find_loader() {
        Ok(l) => l,
        Err(NoLoader::Missing(why)) => {
            set_unavailable("the WebView2 runtime is not installed");
            return Err(why);
        }
        Err(NoLoader::Broken(e)) => {
            fail(&format!("the WebView2 runtime is installed but cannot be loaded: {}", e));
            return Ok(());
        }
    };
    let folder = match user_data_folder(&app_name(opts)) {
        Ok(f) => f,
        Err(e) => {
            fail(&e);
            return Ok(());
        }
    };
    let _ = std::fs::create_dir_all(&folder);
    USER_DATA.with(|u| *u.borrow_mut() = wide(&folder));
    LOADER.with(|c| c.set(Some(loader)));
    create_environment();
    Ok(())
}

fn create_environment() {
    let loader = match LOADER.with(|l| l.get()) {
        Some(l) => l,
        None => return,
    };
    let handler = Handler::new(wv::IID_ENVIRONMENT_COMPLETED, |a, b| {
        on_environment(hresult_arg(a), b as *mut c_void);
        S_OK
    });
    let hr = USER_DATA.with(|u| unsafe {
        let folder = u.borrow().as_ptr();
        match loader {
            Loader::Internal(create, runtime_type) => create(true, runtime_type, folder, null_mut(), handler),
            Loader::Official(create) => create(null(), folder, null_mut(), handler),
        }
    });
    unsafe { Handler::release(handler) };
    if hr < 0 {
        retry_or_fail(hr, "creating the WebView2 environment");
    }
}

fn retry_or_fail(hr: HResult, what: &str) {
    let n = ATTEMPTS.with(|a| a.replace(a.get() + 1));
    if n + 1 < MAX_ATTEMPTS && hr != wv::E_INVALID_STATE && hr != wv::E_ABORT {
        return create_environment();
    }
    fail(&format!("{} failed ({})", what, hresult_text(hr)));
}

fn on_environment(hr: HResult, env: *mut c_void) {
    if hr < 0 || env.is_null() {
        return retry_or_fail(hr, "creating the WebView2 environment");
    }
    let h = win::window();
    if h == 0 {
        return; // the window closed meanwhile
    }
    unsafe {
        com_call!(env, EnvironmentVtbl, AddRef());
        let old = ENV.with(|e| e.replace(env));
        if !old.is_null() {
            com_call!(old, EnvironmentVtbl, Release());
        }
        let handler = Handler::new(wv::IID_CONTROLLER_COMPLETED, |a, b| {
            on_controller(hresult_arg(a), b as *mut c_void);
            S_OK
        });
        let hr = com_call!(env, EnvironmentVtbl, CreateCoreWebView2Controller(h, handler));
        Handler::release(handler);
        if hr < 0 {
            retry_or_fail(hr, "creating the WebView2 controller");
        }
    }
}

fn on_controller(hr: HResult, controller: *mut c_void) {
    if hr == wv::E_ABORT || win::window() == 0 {
        return; // the window was destroyed first
    }
    if hr < 0 || controller.is_null() {
        return retry_or_fail(hr, "creating the WebView2 controller");
    }
    unsafe {
        com_call!(controller, ControllerVtbl, AddRef());
        CONTROLLER.with(|c| c.set(controller));
        let mut view: *mut c_void = null_mut();
        com_call!(controller, ControllerVtbl, get_CoreWebView2(&mut view));
        if view.is_null() {
            return fail("the WebView2 controller has no webview");
        }
        WEBVIEW.with(|w| w.set(view));
        configure(view);
        subscribe(view);
        fit();
        // The native splash shows until a page has loaded (a webview recreated after a crash of
        // the browser process shows at once).
        com_call!(controller, ControllerVtbl, put_IsVisible((SHOWN.with(|s| s.get()) && !win::minimized()) as i32));
        CONTROLLER_UP.with(|c| c.set(true));
        if !URL.with(|u| u.borrow().is_empty()) {
            inject_then_load(view);
        } else if let Some(html) = SPLASH_HTML.with(|h| h.borrow().clone()) {
            navigate_to_string(view, &html);
        }
    }
}

/// The ready line arrived: the app's origin rules apply from now on; `window.taupy` is added
/// (for the app's pages only, never the splash page) and then the app's URL loads.
pub fn load_app(url: &str, origin: &str) {
    URL.with(|u| *u.borrow_mut() = url.to_string());
    ORIGIN.with(|o| *o.borrow_mut() = origin.to_string());
    let view = WEBVIEW.with(|w| w.get());
    if CONTROLLER_UP.with(|c| c.get()) && !view.is_null() {
        inject_then_load(view);
    }
}

fn inject_then_load(view: *mut c_void) {
    unsafe {
        let script = wide(&page_script(&WEBVIEW2));
        let added = Handler::new(wv::IID_ADD_SCRIPT_COMPLETED, |a, _| {
            let hr = hresult_arg(a);
            if hr < 0 {
                eprintln!("taupy-launcher: window.taupy could not be injected ({})", hresult_text(hr));
            }
            first_load();
            S_OK
        });
        // The first navigation waits for this script, so the page sees window.taupy from the start.
        let hr = com_call!(view, WebViewVtbl, AddScriptToExecuteOnDocumentCreated(script.as_ptr(), added));
        Handler::release(added);
        if hr < 0 {
            eprintln!("taupy-launcher: window.taupy could not be injected ({})", hresult_text(hr));
            first_load();
        }
    }
}

unsafe fn configure(view: *mut c_void) {
    let mut settings: *mut c_void = null_mut();
    if com_call!(view, WebViewVtbl, get_Settings(&mut settings)) < 0 || settings.is_null() {
        return;
    }
    com_call!(settings, SettingsVtbl, put_IsStatusBarEnabled(0));
    com_call!(settings, SettingsVtbl, put_AreDevToolsEnabled(DEVTOOLS.with(|d| d.get()) as i32));
    com_call!(settings, SettingsVtbl, put_AreHostObjectsAllowed(0));
    com_call!(settings, SettingsVtbl, Release());
}

unsafe fn subscribe(view: *mut c_void) {
    let mut token = 0i64;
    // Main frame and sub-frames get the same origin rule (as WebKit's decide-policy on Linux).
    for &frames in [false, true].iter() {
        let h = Handler::new(wv::IID_NAVIGATION_STARTING, |_, args| {
            on_navigation_starting(args as *mut c_void);
            S_OK
        });
        if frames {
            com_call!(view, WebViewVtbl, add_FrameNavigationStarting(h, &mut token));
        } else {
            com_call!(view, WebViewVtbl, add_NavigationStarting(h, &mut token));
        }
        Handler::release(h);
    }
    let h = Handler::new(wv::IID_NEW_WINDOW_REQUESTED, |_, args| {
        on_new_window(args as *mut c_void);
        S_OK
    });
    com_call!(view, WebViewVtbl, add_NewWindowRequested(h, &mut token));
    Handler::release(h);
    let h = Handler::new(wv::IID_NAVIGATION_COMPLETED, |_, args| {
        on_navigation_completed(args as *mut c_void);
        S_OK
    });
    com_call!(view, WebViewVtbl, add_NavigationCompleted(h, &mut token));
    Handler::release(h);
    let h = Handler::new(wv::IID_WEB_MESSAGE_RECEIVED, |_, args| {
        on_web_message(args as *mut c_void);
        S_OK
    });
    com_call!(view, WebViewVtbl, add_WebMessageReceived(h, &mut token));
    Handler::release(h);
    let h = Handler::new(wv::IID_PROCESS_FAILED, |_, args| {
        on_process_failed(args as *mut c_void);
        S_OK
    });
    com_call!(view, WebViewVtbl, add_ProcessFailed(h, &mut token));
    Handler::release(h);
}

/// The app's URL (or the crash page, if the backend died meanwhile), then the queued commands.
fn first_load() {
    if STATE.with(|s| !matches!(&*s.borrow(), State::Starting(_))) {
        return; // once only
    }
    let view = WEBVIEW.with(|w| w.get());
    if view.is_null() {
        return;
    }
    match ERROR_PAGE.with(|p| p.borrow().clone()) {
        Some(html) => navigate_to_string(view, &html),
        None => {
            let url = wide(&URL.with(|u| u.borrow().clone()));
            unsafe { com_call!(view, WebViewVtbl, Navigate(url.as_ptr())) };
        }
    }
    let queued = STATE.with(|s| match std::mem::replace(&mut *s.borrow_mut(), State::Ready) {
        State::Starting(q) => q,
        _ => Vec::new(),
    });
    for r in queued {
        exec(r);
    }
}

/// WebView2 cannot be used: say so once (event + message box) and answer what waited.
fn fail(message: &str) {
    let queued = STATE.with(|s| match std::mem::replace(&mut *s.borrow_mut(), State::Unavailable(message.to_string())) {
        State::Starting(q) => q,
        _ => Vec::new(),
    });
    eprintln!("taupy-launcher: {}", message);
    emit(&event("error", vec![("code", "webview_unavailable".into()), ("message", message.into())]));
    win::defer_webview_failed(message.to_string());
    for r in queued {
        win::fail(&r.id, "webview", "webview_unavailable", message);
    }
}

/// No runtime at all (the caller already reported `webview2_missing`).
pub fn set_unavailable(message: &str) {
    STATE.with(|s| *s.borrow_mut() = State::Unavailable(message.to_string()));
}

// ----- events from the webview -----

/// A string a COM getter allocated with CoTaskMemAlloc: read, then freed (null reads as "").
pub(super) unsafe fn take_string(p: *mut u16) -> String {
    if p.is_null() {
        return String::new();
    }
    let s = read_string(p);
    CoTaskMemFree(p as *mut c_void);
    s
}

unsafe fn read_string(p: *const u16) -> String {
    if p.is_null() {
        return String::new();
    }
    let mut n = 0;
    while *p.add(n) != 0 {
        n += 1;
    }
    String::from_utf16_lossy(std::slice::from_raw_parts(p, n))
}

fn source() -> String {
    let view = WEBVIEW.with(|w| w.get());
    if view.is_null() {
        return String::new();
    }
    let mut p: *mut u16 = null_mut();
    unsafe {
        com_call!(view, WebViewVtbl, get_Source(&mut p));
        take_string(p)
    }
}

/// A navigation the origin rule refused: the system browser gets it only on a user's gesture, at
/// a bounded rate, mailto: only when allowed (page.rs); and later, from the window's deferred
/// work: ShellExecute may pump messages, which must not happen inside WebView2's handler.
/// `navigation_blocked` follows the attempt (or comes at once if none).
fn block(url: String, user_initiated: bool) {
    if same_origin(&url) || !win::opens_externally(&url) || !crate::page::may_open_external(&url, user_initiated) {
        return emit(&event("navigation_blocked", vec![("url", url.into()), ("opened", false.into())]));
    }
    win::later(move || {
        let opened = win::open_external(&url).is_ok();
        emit(&event("navigation_blocked", vec![("url", url.into()), ("opened", opened.into())]));
    });
}

/// A WebView2 process ended. Without an answer the window would stay blank and the backend would
/// never know: say so (`error` `webview_crashed`), then recover from the deferred work, outside
/// this handler: a new webview when the browser process died, a reload when the page's renderer
/// did, up to MAX_RECOVERIES times each, then an error page (renderer) or `webview_unavailable`
/// (browser). An unresponsive renderer may come back, and helper processes are restarted by
/// WebView2 itself: reported only.
unsafe fn on_process_failed(args: *mut c_void) {
    let mut kind = -1i32;
    com_call!(args, ProcessFailedArgsVtbl, get_ProcessFailedKind(&mut kind));
    let count = |c: &'static std::thread::LocalKey<Cell<u32>>| c.with(|n| n.replace(n.get() + 1));
    let (recovery, message) = match kind {
        0 if count(&BROWSER_RESTARTS) < MAX_RECOVERIES => ("recreate", "the WebView2 browser process exited; a new webview loads the app again"),
        0 => ("none", "the WebView2 browser process exited again"),
        1 if count(&PAGE_RELOADS) < MAX_RECOVERIES => ("reload", "the page's renderer process exited; the page is reloaded"),
        1 => ("error_page", "the page's renderer process exited again; an error page replaces it"),
        2 => ("none", "the page's renderer process is not responding"),
        3 => ("none", "a frame's renderer process exited; the rest of the page still runs"),
        _ => ("none", "a WebView2 helper process exited; WebView2 restarts it"),
    };
    emit(&event(
        "error",
        vec![
            ("code", "webview_crashed".into()),
            ("kind", wv::process_failed_kind(kind).into()),
            ("recovery", recovery.into()),
            ("message", message.into()),
        ],
    ));
    if kind == 0 || kind == 1 {
        fail_pending_evals(&format!("the script's page is gone: {}", message));
    }
    match (kind, recovery) {
        (0, "recreate") => win::later(recreate),
        (0, _) => win::later(|| {
            release_webview();
            fail(&format!("the WebView2 browser process exited {} times", MAX_RECOVERIES + 1));
        }),
        (1, "reload") => win::later(reload),
        (1, _) => win::later(|| show_error_page(&renderer_crash_page())),
        _ => {}
    }
}

fn reload() {
    let view = WEBVIEW.with(|w| w.get());
    if !view.is_null() {
        unsafe { com_call!(view, WebViewVtbl, Reload()) };
    }
}

fn renderer_crash_page() -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>Page stopped</title>\
         <body style=\"font:15px system-ui,sans-serif;margin:2em;color:#222\">\
         <h1 style=\"color:#b00020;font-size:1.4em\">This window's page keeps crashing</h1>\
         <p id=taupy-error data-code=webview_crashed>WebView2's renderer process exited {} times. \
         Close this window and start the app again.</p></body>",
        MAX_RECOVERIES + 1
    )
}

/// After the browser process died: drop the dead webview and build a new one with the same
/// runtime and profile; commands wait for it as they did at start.
fn recreate() {
    if win::window() == 0 {
        return;
    }
    let live = STATE.with(|s| match &*s.borrow() {
        State::Unavailable(_) => false,
        _ => true,
    });
    if !live {
        return;
    }
    release_webview();
    STATE.with(|s| *s.borrow_mut() = State::Starting(Vec::new()));
    ATTEMPTS.with(|a| a.set(0));
    create_environment();
}

/// The webview stays on the app's origin; about:/data: are the webview's own pages (crash page).
unsafe fn on_navigation_starting(args: *mut c_void) {
    let mut p: *mut u16 = null_mut();
    com_call!(args, NavigationStartingArgsVtbl, get_Uri(&mut p));
    let url = take_string(p);
    if same_origin(&url) || url.starts_with("about:") || url.starts_with("data:") {
        return;
    }
    com_call!(args, NavigationStartingArgsVtbl, put_Cancel(1));
    let mut user = 0i32;
    com_call!(args, NavigationStartingArgsVtbl, get_IsUserInitiated(&mut user));
    block(url, user != 0);
}

/// window.open / target=_blank: never a second webview window.
unsafe fn on_new_window(args: *mut c_void) {
    let mut p: *mut u16 = null_mut();
    com_call!(args, NewWindowRequestedArgsVtbl, get_Uri(&mut p));
    com_call!(args, NewWindowRequestedArgsVtbl, put_Handled(1));
    let mut user = 0i32;
    com_call!(args, NewWindowRequestedArgsVtbl, get_IsUserInitiated(&mut user));
    block(take_string(p), user != 0);
}

unsafe fn on_navigation_completed(args: *mut c_void) {
    let (mut ok, mut status) = (0i32, 0i32);
    com_call!(args, NavigationCompletedArgsVtbl, get_IsSuccess(&mut ok));
    let url = source();
    if ok != 0 {
        if same_origin(&url) {
            reveal();
            if !APP_LOADED.with(|a| a.replace(true)) {
                crate::trace::mark("page_loaded");
            }
            emit(&event("page_loaded", vec![("url", url.into())]));
        } else if URL.with(|u| u.borrow().is_empty()) || ERROR_SHOWN.with(|e| e.get()) {
            reveal(); // the app's splash page, or the crash page
        }
        return;
    }
    if !URL.with(|u| u.borrow().is_empty()) {
        reveal(); // the app's page failed: show what WebView2 shows
    }
    com_call!(args, NavigationCompletedArgsVtbl, get_WebErrorStatus(&mut status));
    if status != WEB_ERROR_CANCELED && status != WEB_ERROR_ABORTED {
        emit(&event(
            "error",
            vec![("code", "load_failed".into()), ("message", format!("{}: WebView2 web error status {}", url, status).into())],
        ));
    }
}

/// Messages from `window.taupy` (chrome.webview.postMessage), only from a page on the app's origin.
unsafe fn on_web_message(args: *mut c_void) {
    let mut p: *mut u16 = null_mut();
    com_call!(args, WebMessageReceivedArgsVtbl, get_Source(&mut p));
    if !same_origin(&take_string(p)) {
        return;
    }
    let mut p: *mut u16 = null_mut();
    if com_call!(args, WebMessageReceivedArgsVtbl, TryGetWebMessageAsString(&mut p)) < 0 {
        return; // not a string: not from our script
    }
    match crate::page::from_page(crate::protocol::MAIN_WINDOW, &take_string(p)) {
        Some(crate::page::FromPage::Drag) => win::start_drag(),
        Some(crate::page::FromPage::Message(data)) => emit(&event("page_message", vec![("data", data)])),
        Some(crate::page::FromPage::PopupMenu(items)) => super::windows_menu::popup_menu(win::window(), items, None),
        None => {}
    }
}

// ----- commands -----

pub fn handles(c: &Command) -> bool {
    matches!(c, Command::Navigate { .. } | Command::Reload | Command::Eval { .. } | Command::PostMessage { .. } | Command::OpenDevtools)
}

pub fn exec(r: Request) {
    let ready = STATE.with(|s| match &mut *s.borrow_mut() {
        State::Ready => Ok(()),
        State::Unavailable(m) => Err(Some(m.clone())),
        State::Starting(q) => {
            q.push(r.clone());
            Err(None)
        }
    });
    match ready {
        Ok(()) => run(r),
        Err(Some(message)) => win::fail(&r.id, "webview", "webview_unavailable", &message),
        Err(None) => {}
    }
}

fn run(r: Request) {
    let view = WEBVIEW.with(|w| w.get());
    let id = r.id;
    let hr = unsafe {
        match r.command {
            Command::Navigate { url } => {
                if !same_origin(&url) {
                    return win::fail(&id, "navigate", "forbidden_origin", "navigate stays on the app's origin; use open_external");
                }
                let u = wide(&url);
                com_call!(view, WebViewVtbl, Navigate(u.as_ptr()))
            }
            Command::Reload => com_call!(view, WebViewVtbl, Reload()),
            Command::Eval { script } => return eval(view, script, id),
            Command::PostMessage { data } => {
                let json = wide(&data.to_string());
                com_call!(view, WebViewVtbl, PostWebMessageAsJson(json.as_ptr()))
            }
            Command::OpenDevtools => {
                // OpenDevToolsWindow does nothing while DevTools are disabled, so enable them first.
                let mut settings: *mut c_void = null_mut();
                if com_call!(view, WebViewVtbl, get_Settings(&mut settings)) >= 0 && !settings.is_null() {
                    com_call!(settings, SettingsVtbl, put_AreDevToolsEnabled(1));
                    com_call!(settings, SettingsVtbl, Release());
                }
                com_call!(view, WebViewVtbl, OpenDevToolsWindow())
            }
            _ => S_OK,
        }
    };
    if hr < 0 {
        return win::fail(&id, "webview", "webview_unavailable", &format!("WebView2 refused the command ({})", hresult_text(hr)));
    }
    if let Some(id) = &id {
        emit(&reply_ok(id, Json::Null));
    }
}

/// eval through DevTools' Runtime.evaluate (exceptions are reported); if that call cannot even
/// be made, ExecuteScript, which turns exceptions into null.
unsafe fn eval(view: *mut c_void, script: String, id: Option<Json>) {
    let token = pending_eval(&id);
    let method = wide("Runtime.evaluate");
    let params = wide(&wv::evaluate_params(&script));
    let reply_to = id.clone();
    let h = Handler::new(wv::IID_DEVTOOLS_METHOD_COMPLETED, move |a, b| {
        if !answered(token) {
            return S_OK; // already failed: its webview crashed
        }
        let hr = hresult_arg(a);
        if hr < 0 {
            win::fail(&reply_to, "eval", "eval_failed", &format!("Runtime.evaluate failed ({})", hresult_text(hr)));
        } else {
            match wv::evaluate_result(&read_string(b as *const u16)) {
                Ok(v) => reply_value(&reply_to, v),
                Err(m) => win::fail(&reply_to, "eval", "eval_failed", &m),
            }
        }
        S_OK
    });
    let hr = com_call!(view, WebViewVtbl, CallDevToolsProtocolMethod(method.as_ptr(), params.as_ptr(), h));
    Handler::release(h);
    if hr >= 0 {
        return;
    }
    let reply_to = id.clone();
    let h = Handler::new(wv::IID_EXECUTE_SCRIPT_COMPLETED, move |a, b| {
        if !answered(token) {
            return S_OK;
        }
        let hr = hresult_arg(a);
        if hr < 0 {
            win::fail(&reply_to, "eval", "eval_failed", &format!("ExecuteScript failed ({})", hresult_text(hr)));
        } else {
            reply_value(&reply_to, Json::parse(&read_string(b as *const u16)).unwrap_or(Json::Null));
        }
        S_OK
    });
    let s = wide(&script);
    let hr = com_call!(view, WebViewVtbl, ExecuteScript(s.as_ptr(), h));
    Handler::release(h);
    if hr < 0 && answered(token) {
        win::fail(&id, "eval", "eval_failed", &format!("ExecuteScript failed ({})", hresult_text(hr)));
    }
}

/// An eval waiting for WebView2's answer; `token` finds it again.
fn pending_eval(id: &Option<Json>) -> u64 {
    let token = NEXT_EVAL.with(|n| n.replace(n.get() + 1));
    PENDING_EVALS.with(|p| p.borrow_mut().push((token, id.clone())));
    token
}

/// Takes the eval off the waiting list: true if it was still there (so it is ours to answer).
fn answered(token: u64) -> bool {
    PENDING_EVALS.with(|p| {
        let mut p = p.borrow_mut();
        let before = p.len();
        p.retain(|(t, _)| *t != token);
        p.len() != before
    })
}

/// The page's process died: evals in flight may never be answered, so they fail now (an answer
/// that still comes later is dropped).
fn fail_pending_evals(message: &str) {
    let pending = PENDING_EVALS.with(|p| std::mem::replace(&mut *p.borrow_mut(), Vec::new()));
    for (_, id) in pending {
        win::fail(&id, "eval", "webview_crashed", message);
    }
}

fn reply_value(id: &Option<Json>, v: Json) {
    if let Some(id) = id {
        emit(&reply_ok(id, v));
    }
}

fn navigate_to_string(view: *mut c_void, html: &str) {
    let h = wide(html);
    unsafe { com_call!(view, WebViewVtbl, NavigateToString(h.as_ptr())) };
}

pub fn show_error_page(html: &str) {
    ERROR_SHOWN.with(|e| e.set(true));
    ERROR_PAGE.with(|p| *p.borrow_mut() = Some(html.to_string()));
    let view = WEBVIEW.with(|w| w.get());
    // Before the first load (the webview may be up, waiting for window.taupy's injection),
    // first_load shows it instead of the app's URL.
    if !view.is_null() && STATE.with(|s| !matches!(&*s.borrow(), State::Starting(_))) {
        navigate_to_string(view, html);
    }
}

// ----- following the window -----

fn controller() -> *mut c_void {
    CONTROLLER.with(|c| c.get())
}

/// Controller bounds = the window's client area (WM_SIZE).
pub fn fit() {
    let (c, h) = (controller(), win::window());
    if c.is_null() || h == 0 {
        return;
    }
    let mut r = wv::Bounds::default();
    unsafe {
        GetClientRect(h, &mut r);
        com_call!(c, ControllerVtbl, put_Bounds(r));
    }
}

/// Hidden while minimized, as Microsoft recommends (the page throttles, less CPU), and until
/// a page replaced the native splash.
pub fn set_visible(visible: bool) {
    let c = controller();
    if !c.is_null() {
        let on = visible && SHOWN.with(|s| s.get());
        unsafe { com_call!(c, ControllerVtbl, put_IsVisible(on as i32)) };
    }
}

fn reveal() {
    if !SHOWN.with(|s| s.replace(true)) {
        set_visible(!win::minimized());
    }
}

/// WM_MOVE: lets WebView2 place its popups (selects, tooltips) next to the moved window.
pub fn moved() {
    let c = controller();
    if !c.is_null() {
        unsafe { com_call!(c, ControllerVtbl, NotifyParentWindowPositionChanged()) };
    }
}

/// The window got the keyboard focus: hand it to the page.
pub fn focus() {
    let c = controller();
    if !c.is_null() {
        unsafe { com_call!(c, ControllerVtbl, MoveFocus(0)) }; // COREWEBVIEW2_MOVE_FOCUS_REASON_PROGRAMMATIC
    }
}

/// Before the window is destroyed: Close the controller and drop our references.
pub fn close() {
    release_webview();
    STATE.with(|s| *s.borrow_mut() = State::Unavailable("the window is closed".into()));
}

/// Close the controller and drop our references to webview, controller and environment.
fn release_webview() {
    unsafe {
        let view = WEBVIEW.with(|w| w.replace(null_mut()));
        let c = CONTROLLER.with(|w| w.replace(null_mut()));
        let env = ENV.with(|w| w.replace(null_mut()));
        if !c.is_null() {
            com_call!(c, ControllerVtbl, Close());
        }
        if !view.is_null() {
            com_call!(view, WebViewVtbl, Release());
        }
        if !c.is_null() {
            com_call!(c, ControllerVtbl, Release());
        }
        if !env.is_null() {
            com_call!(env, EnvironmentVtbl, Release());
        }
    }
}
