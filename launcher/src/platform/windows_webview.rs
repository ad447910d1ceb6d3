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
    self as wv, com_call, hresult_arg, hresult_text, AcceleratorKeyPressedArgsVtbl, ControllerVtbl, EnvironmentVtbl, Guid, HResult, Handler, Hive,
    NavigationCompletedArgsVtbl, NavigationStartingArgsVtbl, NewWindowRequestedArgsVtbl, ProcessFailedArgsVtbl,
    SettingsVtbl, WebMessageReceivedArgsVtbl, WebViewVtbl, S_OK,
};
use super::windows as win;
use super::windows_sys::{from_wide, wide, CoTaskMemFree, GetClientRect, GetProcAddress, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};
use crate::app;
use crate::backend::{emit, fail_in};
use crate::cli::Options;
use crate::json::Json;
use crate::protocol::{reply_ok, window_event, Command, Request};
use std::cell::{Cell, RefCell};
use std::os::raw::c_void;
use std::ptr::{null, null_mut};

#[link(name = "kernel32")]
extern "system" {
    fn LoadLibraryW(name: *const u16) -> isize;
}
#[link(name = "advapi32")]
extern "system" {
    fn RegGetValueW(
        key: isize, sub: *const u16, value: *const u16, flags: u32, kind: *mut u32, data: *mut c_void, size: *mut u32,
    ) -> i32;
}
#[link(name = "shell32")]
extern "system" {
    fn SHGetKnownFolderPath(id: *const Guid, flags: u32, token: isize, path: *mut *mut u16) -> HResult;
}

/// FOLDERID_LocalAppData {F1B32785-6FBA-4FCF-9D55-7B8E7F157091} (KnownFolders.h).
const FOLDERID_LOCAL_APP_DATA: Guid = Guid::from_u128(0xf1b32785_6fba_4fcf_9d55_7b8e7f157091);
const KF_FLAG_CREATE: u32 = 0x0000_8000;
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

/// One window's webview: its COM objects, what it loads, and the state its commands wait on.
struct View {
    /// The window's id ("main" first).
    window: String,
    state: State,
    /// The environment its controller came from (identity only: ENV holds the reference).
    env: *mut c_void,
    controller: *mut c_void,
    webview: *mut c_void,
    /// What loads once the controller is up (main's comes with `load_app`).
    url: String,
    /// The crash page once shown: a recreated webview shows it again instead of the URL.
    error_page: Option<String>,
    /// The app's splash page (`--splash-html`, main only), shown until the app's URL comes.
    splash_html: Option<String>,
    /// The controller exists (main's may wait for `load_app`).
    controller_up: bool,
    /// The controller is shown once a page is worth showing; until then the native splash is.
    shown: bool,
    app_loaded: bool,
    error_shown: bool,
    /// Controller creations tried (a failure is retried MAX_ATTEMPTS times).
    attempts: u32,
    pending_evals: Vec<(u64, Option<Json>)>,
    browser_restarts: u32,
    page_reloads: u32,
}

/// The one WebView2 environment every window's controller comes from: one browser process and
/// one user data folder, so one cookie store. Windows that want a controller while it is being
/// created wait in `Creating`.
enum Env {
    None,
    Creating(Vec<String>),
    Ready(*mut c_void),
}

thread_local! {
    static VIEWS: RefCell<Vec<View>> = RefCell::new(Vec::new());
    static ENV: RefCell<Env> = RefCell::new(Env::None);
    static LOADER: Cell<Option<Loader>> = Cell::new(None);
    static USER_DATA: RefCell<Vec<u16>> = RefCell::new(Vec::new());
    /// Environment creations tried (reset when a crashed browser process is replaced).
    static ATTEMPTS: Cell<u32> = Cell::new(0);
    /// Why no webview can exist at all (no runtime, or one that cannot be loaded), once known.
    static BROKEN: RefCell<Option<String>> = RefCell::new(None);
    /// The app's origin (from `load_app`): every window's page stays on it.
    static ORIGIN: RefCell<String> = RefCell::new(String::new());
    static DEVTOOLS: Cell<bool> = Cell::new(false);
    static NEXT_EVAL: Cell<u64> = Cell::new(0);
}

/// Runs `f` on window `window`'s view (None when it has none: closed, or never had one).
/// Never call COM inside `f`: a call may run another handler, which needs the views again.
fn view<T>(window: &str, f: impl FnOnce(&mut View) -> T) -> Option<T> {
    VIEWS.with(|v| v.borrow_mut().iter_mut().find(|v| v.window == window).map(f))
}

fn webview_of(window: &str) -> *mut c_void {
    view(window, |v| v.webview).unwrap_or(null_mut())
}

fn controller_of(window: &str) -> *mut c_void {
    view(window, |v| v.controller).unwrap_or(null_mut())
}

/// An event about window `window`'s page: it names the window.
fn page_event(window: &str, name: &str, fields: Vec<(&str, Json)>) -> Json {
    window_event(name, window, fields)
}

// ----- finding the runtime -----

fn reg_string(hive: Hive, sub: &str, value: &str) -> Option<String> {
    let root = if hive == Hive::User { HKEY_CURRENT_USER } else { HKEY_LOCAL_MACHINE };
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

/// A view for window `window`, waiting for its controller (or unavailable when WebView2 is).
fn add_view(window: &str, url: String, splash_html: Option<String>) {
    let state = match BROKEN.with(|b| b.borrow().clone()) {
        Some(why) => State::Unavailable(why),
        None => State::Starting(Vec::new()),
    };
    VIEWS.with(|v| {
        v.borrow_mut().push(View {
            window: window.to_string(),
            state,
            env: null_mut(),
            controller: null_mut(),
            webview: null_mut(),
            url,
            error_page: None,
            splash_html,
            controller_up: false,
            shown: false,
            app_loaded: false,
            error_shown: false,
            attempts: 0,
            pending_evals: Vec::new(),
            browser_restarts: 0,
            page_reloads: 0,
        })
    });
}

/// Starts WebView2 with the main window, before the app's URL is known (`load_app` brings it);
/// `Err` (the reason) when no usable runtime is installed, which the caller reports as
/// `webview2_missing`. Later failures are reported here (`fail`).
pub fn start(opts: &Options) -> Result<(), String> {
    DEVTOOLS.with(|d| d.set(opts.devtools));
    add_view(win::MAIN, String::new(), opts.splash.html.clone());
    let loader = match find_loader() {
        Ok(l) => l,
        Err(NoLoader::Missing(why)) => {
            set_unavailable("the WebView2 runtime is not installed");
            return Err(why);
        }
        Err(NoLoader::Broken(e)) => {
            broken(&format!("the WebView2 runtime is installed but cannot be loaded: {}", e));
            return Ok(());
        }
    };
    let folder = match user_data_folder(&app_name(opts)) {
        Ok(f) => f,
        Err(e) => {
            broken(&e);
            return Ok(());
        }
    };
    let _ = std::fs::create_dir_all(&folder);
    USER_DATA.with(|u| *u.borrow_mut() = wide(&folder));
    LOADER.with(|c| c.set(Some(loader)));
    request_controller(win::MAIN);
    Ok(())
}

/// Window `window` gets a controller from the shared environment, created first if need be.
fn request_controller(window: &str) {
    enum Next {
        Create(*mut c_void),
        Wait,
        StartEnvironment,
    }
    let next = ENV.with(|e| {
        let mut e = e.borrow_mut();
        match &mut *e {
            Env::Ready(env) => Next::Create(*env),
            Env::Creating(waiting) => {
                waiting.push(window.to_string());
                Next::Wait
            }
            Env::None => {
                *e = Env::Creating(vec![window.to_string()]);
                Next::StartEnvironment
            }
        }
    });
    match next {
        Next::Create(env) => create_controller(env, window),
        Next::Wait => {}
        Next::StartEnvironment => create_environment(),
    }
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
        environment_failed(hr);
    }
}

/// Retried (MAX_ATTEMPTS in all) unless retrying cannot help; then every window waiting for
/// it fails.
fn environment_failed(hr: HResult) {
    let n = ATTEMPTS.with(|a| a.replace(a.get() + 1));
    if n + 1 < MAX_ATTEMPTS && hr != wv::E_INVALID_STATE && hr != wv::E_ABORT {
        return create_environment();
    }
    let waiting = ENV.with(|e| match std::mem::replace(&mut *e.borrow_mut(), Env::None) {
        Env::Creating(w) => w,
        _ => Vec::new(),
    });
    let message = format!("creating the WebView2 environment failed ({})", hresult_text(hr));
    for window in waiting {
        fail(&window, &message);
    }
}

fn on_environment(hr: HResult, env: *mut c_void) {
    if hr < 0 || env.is_null() {
        return environment_failed(hr);
    }
    unsafe { com_call!(env, EnvironmentVtbl, AddRef()) };
    let waiting = ENV.with(|e| match std::mem::replace(&mut *e.borrow_mut(), Env::Ready(env)) {
        Env::Creating(w) => w,
        _ => Vec::new(),
    });
    for window in waiting {
        create_controller(env, &window);
    }
}

fn create_controller(env: *mut c_void, window: &str) {
    let h = win::hwnd_of(window);
    if h == 0 {
        return; // the window closed meanwhile
    }
    view(window, |v| v.env = env);
    let id = window.to_string();
    unsafe {
        let handler = Handler::new(wv::IID_CONTROLLER_COMPLETED, move |a, b| {
            on_controller(&id, hresult_arg(a), b as *mut c_void);
            S_OK
        });
        let hr = com_call!(env, EnvironmentVtbl, CreateCoreWebView2Controller(h, handler));
        Handler::release(handler);
        if hr < 0 {
            controller_failed(window, hr);
        }
    }
}

/// Asked again (MAX_ATTEMPTS in all) unless retrying cannot help; then the window's webview fails.
fn controller_failed(window: &str, hr: HResult) {
    let n = match view(window, |v| {
        v.attempts += 1;
        v.attempts - 1
    }) {
        Some(n) => n,
        None => return, // closed
    };
    if n + 1 < MAX_ATTEMPTS && hr != wv::E_INVALID_STATE && hr != wv::E_ABORT {
        return request_controller(window);
    }
    fail(window, &format!("creating the WebView2 controller failed ({})", hresult_text(hr)));
}

fn on_controller(window: &str, hr: HResult, controller: *mut c_void) {
    if hr == wv::E_ABORT || win::hwnd_of(window) == 0 || view(window, |_| ()).is_none() {
        return; // the window was destroyed first
    }
    if hr < 0 || controller.is_null() {
        return controller_failed(window, hr);
    }
    unsafe {
        com_call!(controller, ControllerVtbl, AddRef());
        let mut webview: *mut c_void = null_mut();
        com_call!(controller, ControllerVtbl, get_CoreWebView2(&mut webview));
        view(window, |v| {
            v.controller = controller;
            v.webview = webview;
        });
        if webview.is_null() {
            return fail(window, "the WebView2 controller has no webview");
        }
        configure(webview);
        subscribe(window, webview);
        subscribe_keys(window, controller);
        fit(window);
        // The native splash shows until a page has loaded (a webview recreated after a crash of
        // the browser process shows at once).
        let shown = view(window, |v| v.shown).unwrap_or(false);
        com_call!(controller, ControllerVtbl, put_IsVisible((shown && !win::minimized(window)) as i32));
        let (url, splash) = view(window, |v| {
            v.controller_up = true;
            (v.url.clone(), v.splash_html.clone())
        })
        .unwrap_or_default();
        if !url.is_empty() {
            inject_then_load(window, webview);
        } else if let Some(html) = splash {
            navigate_to_string(webview, &html);
        }
    }
}

/// The ready line arrived: the app's origin rules apply from now on; `window.taupy` is added
/// (for the app's pages only, never the splash page) and then the app's URL loads.
pub fn load_app(url: &str, origin: &str) {
    ORIGIN.with(|o| *o.borrow_mut() = origin.to_string());
    let up = view(win::MAIN, |v| {
        v.url = url.to_string();
        v.controller_up
    });
    let webview = webview_of(win::MAIN);
    if up == Some(true) && !webview.is_null() {
        inject_then_load(win::MAIN, webview);
    }
}

fn inject_then_load(window: &str, webview: *mut c_void) {
    unsafe {
        let script = wide(&page_script(&WEBVIEW2));
        let id = window.to_string();
        let added = Handler::new(wv::IID_ADD_SCRIPT_COMPLETED, move |a, _| {
            let hr = hresult_arg(a);
            if hr < 0 {
                eprintln!("taupy-launcher: window.taupy could not be injected ({})", hresult_text(hr));
            }
            first_load(&id);
            S_OK
        });
        // The first navigation waits for this script, so the page sees window.taupy from the start.
        let hr = com_call!(webview, WebViewVtbl, AddScriptToExecuteOnDocumentCreated(script.as_ptr(), added));
        Handler::release(added);
        if hr < 0 {
            eprintln!("taupy-launcher: window.taupy could not be injected ({})", hresult_text(hr));
            first_load(window);
        }
    }
}

unsafe fn configure(webview: *mut c_void) {
    let mut settings: *mut c_void = null_mut();
    if com_call!(webview, WebViewVtbl, get_Settings(&mut settings)) < 0 || settings.is_null() {
        return;
    }
    com_call!(settings, SettingsVtbl, put_IsStatusBarEnabled(0));
    com_call!(settings, SettingsVtbl, put_AreDevToolsEnabled(DEVTOOLS.with(|d| d.get()) as i32));
    com_call!(settings, SettingsVtbl, put_AreHostObjectsAllowed(0));
    com_call!(settings, SettingsVtbl, Release());
}

/// Keys pressed in the page go to WebView2's own window, not through our message loop: the
/// controller's AcceleratorKeyPressed lets the window's menu accelerators see them first.
unsafe fn subscribe_keys(window: &str, controller: *mut c_void) {
    let mut token = 0i64;
    let id = window.to_string();
    let h = Handler::new(wv::IID_ACCELERATOR_KEY_PRESSED, move |_, args| {
        on_accelerator_key(&id, args as *mut c_void);
        S_OK
    });
    com_call!(controller, ControllerVtbl, add_AcceleratorKeyPressed(h, &mut token));
    Handler::release(h);
}

/// A key down in the page: a menu accelerator becomes its `menu_clicked` and the page does not
/// get the key (Handled); any other key goes on to the page.
unsafe fn on_accelerator_key(window: &str, args: *mut c_void) {
    let (mut kind, mut key, mut lparam) = (-1i32, 0u32, 0i32);
    com_call!(args, AcceleratorKeyPressedArgsVtbl, get_KeyEventKind(&mut kind));
    if kind != wv::KEY_EVENT_KEY_DOWN && kind != wv::KEY_EVENT_SYSTEM_KEY_DOWN {
        return;
    }
    com_call!(args, AcceleratorKeyPressedArgsVtbl, get_VirtualKey(&mut key));
    com_call!(args, AcceleratorKeyPressedArgsVtbl, get_KeyEventLParam(&mut lparam));
    if super::windows_menu::accelerator_key(win::hwnd_of(window), kind == wv::KEY_EVENT_SYSTEM_KEY_DOWN, key, lparam) {
        com_call!(args, AcceleratorKeyPressedArgsVtbl, put_Handled(1));
    }
}

/// A handler for WebView2 event `iid` of window `window`'s webview, calling `f(window, args)`.
fn handler(iid: wv::Guid, window: &str, f: unsafe fn(&str, *mut c_void)) -> *mut Handler {
    let id = window.to_string();
    Handler::new(iid, move |_, args| {
        unsafe { f(&id, args as *mut c_void) };
        S_OK
    })
}

unsafe fn subscribe(window: &str, webview: *mut c_void) {
    let mut token = 0i64;
    // Main frame and sub-frames get the same origin rule (as WebKit's decide-policy on Linux).
    for &frames in [false, true].iter() {
        let h = handler(wv::IID_NAVIGATION_STARTING, window, on_navigation_starting);
        if frames {
            com_call!(webview, WebViewVtbl, add_FrameNavigationStarting(h, &mut token));
        } else {
            com_call!(webview, WebViewVtbl, add_NavigationStarting(h, &mut token));
        }
        Handler::release(h);
    }
    let h = handler(wv::IID_NEW_WINDOW_REQUESTED, window, on_new_window);
    com_call!(webview, WebViewVtbl, add_NewWindowRequested(h, &mut token));
    Handler::release(h);
    let h = handler(wv::IID_NAVIGATION_COMPLETED, window, on_navigation_completed);
    com_call!(webview, WebViewVtbl, add_NavigationCompleted(h, &mut token));
    Handler::release(h);
    let h = handler(wv::IID_WEB_MESSAGE_RECEIVED, window, on_web_message);
    com_call!(webview, WebViewVtbl, add_WebMessageReceived(h, &mut token));
    Handler::release(h);
    let h = handler(wv::IID_PROCESS_FAILED, window, on_process_failed);
    com_call!(webview, WebViewVtbl, add_ProcessFailed(h, &mut token));
    Handler::release(h);
}

/// The window's URL (or the crash page, if the backend died meanwhile), then the queued commands.
fn first_load(window: &str) {
    let starting = view(window, |v| matches!(v.state, State::Starting(_))).unwrap_or(false);
    let webview = webview_of(window);
    if !starting || webview.is_null() {
        return; // once only
    }
    let (error_page, url) = view(window, |v| (v.error_page.clone(), v.url.clone())).unwrap_or_default();
    match error_page {
        Some(html) => navigate_to_string(webview, &html),
        None => {
            let url = wide(&url);
            unsafe { com_call!(webview, WebViewVtbl, Navigate(url.as_ptr())) };
        }
    }
    let queued = view(window, |v| match std::mem::replace(&mut v.state, State::Ready) {
        State::Starting(q) => q,
        _ => Vec::new(),
    })
    .unwrap_or_default();
    for r in queued {
        exec(window, r);
    }
}

/// Window `window`'s webview cannot be used: say so once (event + message box) and answer what
/// waited.
fn fail(window: &str, message: &str) {
    let queued = view(window, |v| match std::mem::replace(&mut v.state, State::Unavailable(message.to_string())) {
        State::Starting(q) => q,
        _ => Vec::new(),
    });
    let queued = match queued {
        Some(q) => q,
        None => return, // closed
    };
    eprintln!("taupy-launcher: {}", message);
    emit(&page_event(window, "error", vec![("code", "webview_unavailable".into()), ("message", message.into())]));
    win::defer_webview_failed(window, message.to_string());
    for r in queued {
        fail_in(window, &r.id, "webview", "webview_unavailable", message);
    }
}

/// A further window's webview: a controller from the shared environment, then `url` (with
/// `window.taupy` injected first, as for main).
pub fn open(window: &str, url: &str) {
    add_view(window, url.to_string(), None);
    if BROKEN.with(|b| b.borrow().is_none()) && LOADER.with(|l| l.get()).is_some() {
        request_controller(window);
    }
}

/// No webview can start (the runtime cannot be loaded, no profile folder): every window's fails.
fn broken(message: &str) {
    BROKEN.with(|b| *b.borrow_mut() = Some(message.to_string()));
    let windows: Vec<String> = VIEWS.with(|v| v.borrow().iter().map(|v| v.window.clone()).collect());
    for w in windows {
        fail(&w, message);
    }
}

/// No runtime at all (the caller already reported `webview2_missing`).
pub fn set_unavailable(message: &str) {
    BROKEN.with(|b| *b.borrow_mut() = Some(message.to_string()));
    VIEWS.with(|v| {
        for v in v.borrow_mut().iter_mut() {
            v.state = State::Unavailable(message.to_string());
        }
    });
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

fn source(window: &str) -> String {
    let webview = webview_of(window);
    if webview.is_null() {
        return String::new();
    }
    let mut p: *mut u16 = null_mut();
    unsafe {
        com_call!(webview, WebViewVtbl, get_Source(&mut p));
        take_string(p)
    }
}

/// A navigation the origin rule refused: the system browser gets it only on a user's gesture, at
/// a bounded rate, mailto: only when allowed (page.rs); and later, from the window's deferred
/// work: ShellExecute may pump messages, which must not happen inside WebView2's handler.
/// `navigation_blocked` follows the attempt (or comes at once if none).
fn block(window: &str, url: String, user_initiated: bool) {
    if same_origin(&url) || !win::opens_externally(&url) || !crate::page::may_open_external(&url, user_initiated) {
        return emit(&page_event(window, "navigation_blocked", vec![("url", url.into()), ("opened", false.into())]));
    }
    let id = window.to_string();
    win::later(move || {
        let opened = win::open_external(&url).is_ok();
        emit(&page_event(&id, "navigation_blocked", vec![("url", url.into()), ("opened", opened.into())]));
    });
}

/// A WebView2 process ended. Without an answer the window would stay blank and the backend would
/// never know: say so (`error` `webview_crashed`), then recover from the deferred work, outside
/// this handler: a new webview when the browser process died, a reload when the page's renderer
/// did, up to MAX_RECOVERIES times each, then an error page (renderer) or `webview_unavailable`
/// (browser). An unresponsive renderer may come back, and helper processes are restarted by
/// WebView2 itself: reported only.
unsafe fn on_process_failed(window: &str, args: *mut c_void) {
    let mut kind = -1i32;
    com_call!(args, ProcessFailedArgsVtbl, get_ProcessFailedKind(&mut kind));
    let (restarts, reloads) = match view(window, |v| {
        let counts = (v.browser_restarts, v.page_reloads);
        match kind {
            0 => v.browser_restarts += 1,
            1 => v.page_reloads += 1,
            _ => {}
        }
        counts
    }) {
        Some(c) => c,
        None => return,
    };
    let (recovery, message) = match kind {
        0 if restarts < MAX_RECOVERIES => ("recreate", "the WebView2 browser process exited; a new webview loads the app again"),
        0 => ("none", "the WebView2 browser process exited again"),
        1 if reloads < MAX_RECOVERIES => ("reload", "the page's renderer process exited; the page is reloaded"),
        1 => ("error_page", "the page's renderer process exited again; an error page replaces it"),
        2 => ("none", "the page's renderer process is not responding"),
        3 => ("none", "a frame's renderer process exited; the rest of the page still runs"),
        _ => ("none", "a WebView2 helper process exited; WebView2 restarts it"),
    };
    emit(&page_event(
        window,
        "error",
        vec![
            ("code", "webview_crashed".into()),
            ("kind", wv::process_failed_kind(kind).into()),
            ("recovery", recovery.into()),
            ("message", message.into()),
        ],
    ));
    if kind == 0 || kind == 1 {
        fail_pending_evals(window, &format!("the script's page is gone: {}", message));
    }
    let id = window.to_string();
    match (kind, recovery) {
        (0, "recreate") => win::later(move || recreate(&id)),
        (0, _) => win::later(move || {
            release_view(&id);
            fail(&id, &format!("the WebView2 browser process exited {} times", MAX_RECOVERIES + 1));
        }),
        (1, "reload") => win::later(move || reload(&id)),
        (1, _) => win::later(move || show_error_page(&id, &renderer_crash_page())),
        _ => {}
    }
}

fn reload(window: &str) {
    let webview = webview_of(window);
    if !webview.is_null() {
        unsafe { com_call!(webview, WebViewVtbl, Reload()) };
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
/// runtime and profile; commands wait for it as they did at start. The browser process is every
/// window's: the first window to recover drops the dead environment, and all get controllers
/// from the new one.
fn recreate(window: &str) {
    if win::hwnd_of(window) == 0 {
        return;
    }
    let dead_env = match view(window, |v| match v.state {
        State::Unavailable(_) => None,
        _ => Some(v.env),
    }) {
        Some(Some(env)) => env,
        _ => return,
    };
    release_view(window);
    view(window, |v| {
        v.state = State::Starting(Vec::new());
        v.attempts = 0;
        v.controller_up = false;
    });
    let dropped = ENV.with(|e| {
        let mut e = e.borrow_mut();
        match &*e {
            Env::Ready(env) if *env == dead_env => match std::mem::replace(&mut *e, Env::None) {
                Env::Ready(env) => Some(env),
                _ => None,
            },
            _ => None,
        }
    });
    if let Some(env) = dropped {
        unsafe { com_call!(env, EnvironmentVtbl, Release()) };
        ATTEMPTS.with(|a| a.set(0));
    }
    request_controller(window);
}

/// The webview stays on the app's origin; about:/data: are the webview's own pages (crash page).
unsafe fn on_navigation_starting(window: &str, args: *mut c_void) {
    let mut p: *mut u16 = null_mut();
    com_call!(args, NavigationStartingArgsVtbl, get_Uri(&mut p));
    let url = take_string(p);
    if same_origin(&url) || url.starts_with("about:") || url.starts_with("data:") {
        return;
    }
    com_call!(args, NavigationStartingArgsVtbl, put_Cancel(1));
    let mut user = 0i32;
    com_call!(args, NavigationStartingArgsVtbl, get_IsUserInitiated(&mut user));
    block(window, url, user != 0);
}

/// window.open / target=_blank: never a webview window the app did not create.
unsafe fn on_new_window(window: &str, args: *mut c_void) {
    let mut p: *mut u16 = null_mut();
    com_call!(args, NewWindowRequestedArgsVtbl, get_Uri(&mut p));
    com_call!(args, NewWindowRequestedArgsVtbl, put_Handled(1));
    let mut user = 0i32;
    com_call!(args, NewWindowRequestedArgsVtbl, get_IsUserInitiated(&mut user));
    block(window, take_string(p), user != 0);
}

unsafe fn on_navigation_completed(window: &str, args: *mut c_void) {
    let (mut ok, mut status) = (0i32, 0i32);
    com_call!(args, NavigationCompletedArgsVtbl, get_IsSuccess(&mut ok));
    let url = source(window);
    let (no_url, error_shown) = view(window, |v| (v.url.is_empty(), v.error_shown)).unwrap_or((true, false));
    if ok != 0 {
        if same_origin(&url) {
            reveal(window);
            let first = view(window, |v| !std::mem::replace(&mut v.app_loaded, true)).unwrap_or(false);
            if first && window == win::MAIN {
                crate::trace::mark("page_loaded");
            }
            emit(&page_event(window, "page_loaded", vec![("url", url.into())]));
        } else if no_url || error_shown {
            reveal(window); // the app's splash page, or the crash page
        }
        return;
    }
    if !no_url {
        reveal(window); // the app's page failed: show what WebView2 shows
    }
    com_call!(args, NavigationCompletedArgsVtbl, get_WebErrorStatus(&mut status));
    if status != WEB_ERROR_CANCELED && status != WEB_ERROR_ABORTED {
        emit(&page_event(
            window,
            "error",
            vec![("code", "load_failed".into()), ("message", format!("{}: WebView2 web error status {}", url, status).into())],
        ));
    }
}

/// Messages from `window.taupy` (chrome.webview.postMessage), only from a page on the app's origin.
unsafe fn on_web_message(window: &str, args: *mut c_void) {
    let mut p: *mut u16 = null_mut();
    com_call!(args, WebMessageReceivedArgsVtbl, get_Source(&mut p));
    if !same_origin(&take_string(p)) {
        return;
    }
    let mut p: *mut u16 = null_mut();
    if com_call!(args, WebMessageReceivedArgsVtbl, TryGetWebMessageAsString(&mut p)) < 0 {
        return; // not a string: not from our script
    }
    match crate::page::from_page(window, &take_string(p)) {
        Some(crate::page::FromPage::Drag) => win::start_drag(window),
        Some(crate::page::FromPage::Message(data)) => emit(&page_event(window, "page_message", vec![("data", data)])),
        Some(crate::page::FromPage::PopupMenu(items)) => super::windows_menu::popup_menu(win::hwnd_of(window), items, None),
        None => {}
    }
}

// ----- commands -----

pub fn handles(c: &Command) -> bool {
    matches!(c, Command::Navigate { .. } | Command::Reload | Command::Eval { .. } | Command::PostMessage { .. } | Command::OpenDevtools)
}

/// A webview command for window `window` (which exists): run now, queued until its webview is
/// up, or refused when it cannot be.
pub fn exec(window: &str, r: Request) {
    let ready = view(window, |v| match &mut v.state {
        State::Ready => Ok(()),
        State::Unavailable(m) => Err(Some(m.clone())),
        State::Starting(q) => {
            q.push(r.clone());
            Err(None)
        }
    })
    .unwrap_or_else(|| Err(Some("the window has no webview".to_string())));
    match ready {
        Ok(()) => run(window, r),
        Err(Some(message)) => fail_in(window, &r.id, "webview", "webview_unavailable", &message),
        Err(None) => {}
    }
}

fn run(window: &str, r: Request) {
    let webview = webview_of(window);
    let id = r.id;
    let hr = unsafe {
        match r.command {
            Command::Navigate { url } => {
                if !same_origin(&url) {
                    return fail_in(window, &id, "navigate", "forbidden_origin", "navigate stays on the app's origin; use open_external");
                }
                let u = wide(&url);
                com_call!(webview, WebViewVtbl, Navigate(u.as_ptr()))
            }
            Command::Reload => com_call!(webview, WebViewVtbl, Reload()),
            Command::Eval { script } => return eval(window, webview, script, id),
            Command::PostMessage { data } => {
                let json = wide(&data.to_string());
                com_call!(webview, WebViewVtbl, PostWebMessageAsJson(json.as_ptr()))
            }
            Command::OpenDevtools => {
                // OpenDevToolsWindow does nothing while DevTools are disabled, so enable them first.
                let mut settings: *mut c_void = null_mut();
                if com_call!(webview, WebViewVtbl, get_Settings(&mut settings)) >= 0 && !settings.is_null() {
                    com_call!(settings, SettingsVtbl, put_AreDevToolsEnabled(1));
                    com_call!(settings, SettingsVtbl, Release());
                }
                com_call!(webview, WebViewVtbl, OpenDevToolsWindow())
            }
            _ => S_OK,
        }
    };
    if hr < 0 {
        return fail_in(window, &id, "webview", "webview_unavailable", &format!("WebView2 refused the command ({})", hresult_text(hr)));
    }
    if let Some(id) = &id {
        emit(&reply_ok(id, Json::Null));
    }
}

/// eval through DevTools' Runtime.evaluate (exceptions are reported); if that call cannot even
/// be made, ExecuteScript, which turns exceptions into null.
unsafe fn eval(window: &str, webview: *mut c_void, script: String, id: Option<Json>) {
    let token = pending_eval(window, &id);
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
    let hr = com_call!(webview, WebViewVtbl, CallDevToolsProtocolMethod(method.as_ptr(), params.as_ptr(), h));
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
    let hr = com_call!(webview, WebViewVtbl, ExecuteScript(s.as_ptr(), h));
    Handler::release(h);
    if hr < 0 && answered(token) {
        win::fail(&id, "eval", "eval_failed", &format!("ExecuteScript failed ({})", hresult_text(hr)));
    }
}

/// An eval waiting for WebView2's answer; `token` finds it again.
fn pending_eval(window: &str, id: &Option<Json>) -> u64 {
    let token = NEXT_EVAL.with(|n| n.replace(n.get() + 1));
    view(window, |v| v.pending_evals.push((token, id.clone())));
    token
}

/// Takes the eval off its window's waiting list: true if it was still there (so it is ours to
/// answer).
fn answered(token: u64) -> bool {
    VIEWS.with(|views| {
        views.borrow_mut().iter_mut().any(|v| {
            let before = v.pending_evals.len();
            v.pending_evals.retain(|(t, _)| *t != token);
            v.pending_evals.len() != before
        })
    })
}

/// The page's process died: evals in flight may never be answered, so they fail now (an answer
/// that still comes later is dropped).
fn fail_pending_evals(window: &str, message: &str) {
    let pending = view(window, |v| std::mem::replace(&mut v.pending_evals, Vec::new())).unwrap_or_default();
    for (_, id) in pending {
        fail_in(window, &id, "eval", "webview_crashed", message);
    }
}

fn reply_value(id: &Option<Json>, v: Json) {
    if let Some(id) = id {
        emit(&reply_ok(id, v));
    }
}

fn navigate_to_string(webview: *mut c_void, html: &str) {
    let h = wide(html);
    unsafe { com_call!(webview, WebViewVtbl, NavigateToString(h.as_ptr())) };
}

pub fn show_error_page(window: &str, html: &str) {
    let starting = view(window, |v| {
        v.error_shown = true;
        v.error_page = Some(html.to_string());
        matches!(v.state, State::Starting(_))
    });
    let webview = webview_of(window);
    // Before the first load (the webview may be up, waiting for window.taupy's injection),
    // first_load shows it instead of the app's URL.
    if !webview.is_null() && starting == Some(false) {
        navigate_to_string(webview, html);
    }
}

// ----- following the window -----

/// Controller bounds = the window's client area (WM_SIZE).
pub fn fit(window: &str) {
    let (c, h) = (controller_of(window), win::hwnd_of(window));
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
pub fn set_visible(window: &str, visible: bool) {
    let c = controller_of(window);
    if !c.is_null() {
        let on = visible && view(window, |v| v.shown).unwrap_or(false);
        unsafe { com_call!(c, ControllerVtbl, put_IsVisible(on as i32)) };
    }
}

fn reveal(window: &str) {
    if view(window, |v| !std::mem::replace(&mut v.shown, true)) == Some(true) {
        set_visible(window, !win::minimized(window));
    }
}

/// WM_MOVE: lets WebView2 place its popups (selects, tooltips) next to the moved window.
pub fn moved(window: &str) {
    let c = controller_of(window);
    if !c.is_null() {
        unsafe { com_call!(c, ControllerVtbl, NotifyParentWindowPositionChanged()) };
    }
}

/// The window got the keyboard focus: hand it to the page.
pub fn focus(window: &str) {
    let c = controller_of(window);
    if !c.is_null() {
        unsafe { com_call!(c, ControllerVtbl, MoveFocus(0)) }; // COREWEBVIEW2_MOVE_FOCUS_REASON_PROGRAMMATIC
    }
}

/// Before the window is destroyed: Close the controller, drop our references and the view; its
/// queued commands and evals are answered.
pub fn close(window: &str) {
    release_view(window);
    fail_pending_evals(window, "the window is closed");
    let removed = VIEWS.with(|v| {
        let mut v = v.borrow_mut();
        v.iter().position(|x| x.window == window).map(|i| v.remove(i))
    });
    if let Some(View { state: State::Starting(queued), .. }) = removed {
        for r in queued {
            fail_in(window, &r.id, "webview", "webview_unavailable", "the window is closed");
        }
    }
}

/// Close the window's controller and drop our references to its webview and controller.
fn release_view(window: &str) {
    let (webview, c) = view(window, |v| {
        v.controller_up = false;
        (std::mem::replace(&mut v.webview, null_mut()), std::mem::replace(&mut v.controller, null_mut()))
    })
    .unwrap_or((null_mut(), null_mut()));
    unsafe {
        if !c.is_null() {
            com_call!(c, ControllerVtbl, Close());
        }
        if !webview.is_null() {
            com_call!(webview, WebViewVtbl, Release());
        }
        if !c.is_null() {
            com_call!(c, ControllerVtbl, Release());
        }
    }
}
