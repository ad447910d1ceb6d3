//! WebView2's COM interfaces as hand-written vtables, our handler object (IUnknown + Invoke),
//! and the pure parts of hosting (where the runtime's DLL lives, the user data folder, reading
//! a DevTools `Runtime.evaluate` answer). No Win32 calls here, so it compiles on every OS and the
//! unit tests below check the layouts on Linux too; `windows_webview.rs` does the hosting.
//!
//! Layouts: every vtable lists the methods of the C declaration (`typedef struct ...Vtbl`) in
//! Microsoft's MIDL-generated WebView2.h, in order, IUnknown's three first. Methods we never call
//! are typed `Unused` (a pointer-sized slot). The test `vtables_match_webview2_h` compares each
//! struct's field names with the method lists copied from that header, and its size with
//! 8 bytes per method, so an omitted, extra or swapped slot fails the build's tests.
#![allow(non_snake_case, dead_code)]

use crate::json::Json;
use std::os::raw::c_void;
use std::sync::atomic::{AtomicU32, Ordering};

pub type HResult = i32;
pub const S_OK: HResult = 0;
pub const E_NOINTERFACE: HResult = 0x8000_4002u32 as i32;
pub const E_POINTER: HResult = 0x8000_4003u32 as i32;
/// HRESULT_FROM_WIN32(ERROR_INVALID_STATE): another process uses the user data folder with
/// different options; retrying cannot help.
pub const E_INVALID_STATE: HResult = 0x8007_139Fu32 as i32;
/// The parent window was destroyed while the controller was being created.
pub const E_ABORT: HResult = 0x8000_4004u32 as i32;

/// A slot we never call; pointer-sized so the offsets of the others stay right.
pub type Unused = usize;
pub type This = *mut c_void;
pub type OutStr = *mut *mut u16;
pub type Str = *const u16;
/// EventRegistrationToken is `struct { __int64 value; }`: 8 bytes, returned through a pointer.
pub type Token = *mut i64;

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guid {
    pub data1: u32,
    pub data2: u16,
    pub data3: u16,
    pub data4: [u8; 8],
}

impl Guid {
    /// From the GUID's usual hex text read as one number, e.g. 0x9adbe429_f36d_432b_9ddc_f8881fbd76e3.
    pub const fn from_u128(v: u128) -> Guid {
        Guid { data1: (v >> 96) as u32, data2: (v >> 80) as u16, data3: (v >> 64) as u16, data4: (v as u64).to_be_bytes() }
    }

    /// Parses "9adbe429-f36d-432b-9ddc-f8881fbd76e3" (braces optional, any case).
    pub fn parse(s: &str) -> Option<Guid> {
        let s = s.trim().trim_start_matches('{').trim_end_matches('}');
        let groups: Vec<&str> = s.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        if groups.len() != 5 || groups.iter().zip(lens.iter()).any(|(g, &n)| g.len() != n) {
            return None;
        }
        let hex: String = groups.concat();
        u128::from_str_radix(&hex, 16).ok().map(Guid::from_u128)
    }
}

pub const IID_IUNKNOWN: Guid = Guid::from_u128(0x00000000_0000_0000_c000_000000000046);
// Handler interfaces we implement (their IIDs are what QueryInterface answers to).
pub const IID_ENVIRONMENT_COMPLETED: Guid = Guid::from_u128(0x4e8a3389_c9d8_4bd2_b6b5_124fee6cc14d);
pub const IID_CONTROLLER_COMPLETED: Guid = Guid::from_u128(0x6c4819f3_c9b7_4260_8127_c9f5bde7f68c);
pub const IID_NAVIGATION_STARTING: Guid = Guid::from_u128(0x9adbe429_f36d_432b_9ddc_f8881fbd76e3);
pub const IID_NAVIGATION_COMPLETED: Guid = Guid::from_u128(0xd33a35bf_1c49_4f98_93ab_006e0533fe1c);
pub const IID_NEW_WINDOW_REQUESTED: Guid = Guid::from_u128(0xd4c185fe_c81c_4989_97af_2d3fa7ab5651);
pub const IID_WEB_MESSAGE_RECEIVED: Guid = Guid::from_u128(0x57213f19_00e6_49fa_8e07_898ea01ecbd2);
pub const IID_ADD_SCRIPT_COMPLETED: Guid = Guid::from_u128(0xb99369f3_9b11_47b5_bc6f_8e7895fcea17);
pub const IID_EXECUTE_SCRIPT_COMPLETED: Guid = Guid::from_u128(0x49511172_cc67_4bca_9923_137112f4c4cc);
pub const IID_DEVTOOLS_METHOD_COMPLETED: Guid = Guid::from_u128(0x5c4889f0_5ef6_4c5a_952c_d8f1b92d0574);
pub const IID_PROCESS_FAILED: Guid = Guid::from_u128(0x79e0aea4_990b_42d9_aa1d_0fcc2e5bc7f1);
pub const IID_ACCELERATOR_KEY_PRESSED: Guid = Guid::from_u128(0xb29c7e28_fa79_41a8_8e44_65811c76dcb2);

/// Declares a vtable struct and `METHODS`, its field names in order (checked against WebView2.h).
macro_rules! vtable {
    ($name:ident { $($method:ident : $ty:ty,)* }) => {
        #[repr(C)]
        pub struct $name { $(pub $method: $ty,)* }
        impl $name {
            pub const METHODS: &'static [&'static str] = &[$(stringify!($method)),*];
        }
    };
}
pub(crate) use vtable;

/// A COM object as the runtime hands it to us: a pointer to its vtable first.
#[repr(C)]
pub struct Com<V> {
    pub vtbl: *const V,
}

/// `call!(ptr as Type, Method(args))`: calls a COM method through the object's vtable.
#[allow(unused_macros)]
macro_rules! com_call {
    ($obj:expr, $vt:ty, $method:ident ( $($arg:expr),* )) => {{
        let o = $obj as *mut $crate::platform::webview2::Com<$vt>;
        ((*(*o).vtbl).$method)(o as *mut std::os::raw::c_void $(, $arg)*)
    }};
}
#[allow(unused_imports)]
pub(crate) use com_call;

pub type QueryInterfaceFn = unsafe extern "system" fn(This, *const Guid, *mut *mut c_void) -> HResult;
pub type AddRefFn = unsafe extern "system" fn(This) -> u32;

vtable!(EnvironmentVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    CreateCoreWebView2Controller: unsafe extern "system" fn(This, isize, *mut Handler) -> HResult,
    CreateWebResourceResponse: Unused,
    get_BrowserVersionString: unsafe extern "system" fn(This, OutStr) -> HResult,
    add_NewBrowserVersionAvailable: Unused,
    remove_NewBrowserVersionAvailable: Unused,
});

/// RECT, passed by value to put_Bounds (16 bytes: the Win64 ABI passes it by hidden pointer,
/// which Rust's `extern "system"` does for us).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bounds {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

type AddHandlerFn = unsafe extern "system" fn(This, *mut Handler, Token) -> HResult;

vtable!(ControllerVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_IsVisible: Unused,
    put_IsVisible: unsafe extern "system" fn(This, i32) -> HResult,
    get_Bounds: Unused,
    put_Bounds: unsafe extern "system" fn(This, Bounds) -> HResult,
    get_ZoomFactor: Unused,
    put_ZoomFactor: Unused,
    add_ZoomFactorChanged: Unused,
    remove_ZoomFactorChanged: Unused,
    SetBoundsAndZoomFactor: Unused,
    MoveFocus: unsafe extern "system" fn(This, i32) -> HResult,
    add_MoveFocusRequested: Unused,
    remove_MoveFocusRequested: Unused,
    add_GotFocus: Unused,
    remove_GotFocus: Unused,
    add_LostFocus: Unused,
    remove_LostFocus: Unused,
    add_AcceleratorKeyPressed: AddHandlerFn,
    remove_AcceleratorKeyPressed: Unused,
    get_ParentWindow: Unused,
    put_ParentWindow: Unused,
    NotifyParentWindowPositionChanged: unsafe extern "system" fn(This) -> HResult,
    Close: unsafe extern "system" fn(This) -> HResult,
    get_CoreWebView2: unsafe extern "system" fn(This, *mut *mut c_void) -> HResult,
});

vtable!(WebViewVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_Settings: unsafe extern "system" fn(This, *mut *mut c_void) -> HResult,
    get_Source: unsafe extern "system" fn(This, OutStr) -> HResult,
    Navigate: unsafe extern "system" fn(This, Str) -> HResult,
    NavigateToString: unsafe extern "system" fn(This, Str) -> HResult,
    add_NavigationStarting: AddHandlerFn,
    remove_NavigationStarting: Unused,
    add_ContentLoading: Unused,
    remove_ContentLoading: Unused,
    add_SourceChanged: Unused,
    remove_SourceChanged: Unused,
    add_HistoryChanged: Unused,
    remove_HistoryChanged: Unused,
    add_NavigationCompleted: AddHandlerFn,
    remove_NavigationCompleted: Unused,
    add_FrameNavigationStarting: AddHandlerFn,
    remove_FrameNavigationStarting: Unused,
    add_FrameNavigationCompleted: Unused,
    remove_FrameNavigationCompleted: Unused,
    add_ScriptDialogOpening: Unused,
    remove_ScriptDialogOpening: Unused,
    add_PermissionRequested: Unused,
    remove_PermissionRequested: Unused,
    add_ProcessFailed: AddHandlerFn,
    remove_ProcessFailed: Unused,
    AddScriptToExecuteOnDocumentCreated: unsafe extern "system" fn(This, Str, *mut Handler) -> HResult,
    RemoveScriptToExecuteOnDocumentCreated: Unused,
    ExecuteScript: unsafe extern "system" fn(This, Str, *mut Handler) -> HResult,
    CapturePreview: Unused,
    Reload: unsafe extern "system" fn(This) -> HResult,
    PostWebMessageAsJson: unsafe extern "system" fn(This, Str) -> HResult,
    PostWebMessageAsString: Unused,
    add_WebMessageReceived: AddHandlerFn,
    remove_WebMessageReceived: Unused,
    CallDevToolsProtocolMethod: unsafe extern "system" fn(This, Str, Str, *mut Handler) -> HResult,
    get_BrowserProcessId: Unused,
    get_CanGoBack: Unused,
    get_CanGoForward: Unused,
    GoBack: Unused,
    GoForward: Unused,
    GetDevToolsProtocolEventReceiver: Unused,
    Stop: Unused,
    add_NewWindowRequested: AddHandlerFn,
    remove_NewWindowRequested: Unused,
    add_DocumentTitleChanged: Unused,
    remove_DocumentTitleChanged: Unused,
    get_DocumentTitle: Unused,
    AddHostObjectToScript: Unused,
    RemoveHostObjectFromScript: Unused,
    OpenDevToolsWindow: unsafe extern "system" fn(This) -> HResult,
    add_ContainsFullScreenElementChanged: Unused,
    remove_ContainsFullScreenElementChanged: Unused,
    get_ContainsFullScreenElement: Unused,
    add_WebResourceRequested: Unused,
    remove_WebResourceRequested: Unused,
    AddWebResourceRequestedFilter: Unused,
    RemoveWebResourceRequestedFilter: Unused,
    add_WindowCloseRequested: Unused,
    remove_WindowCloseRequested: Unused,
});

type PutBoolFn = unsafe extern "system" fn(This, i32) -> HResult;

vtable!(SettingsVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_IsScriptEnabled: Unused,
    put_IsScriptEnabled: Unused,
    get_IsWebMessageEnabled: Unused,
    put_IsWebMessageEnabled: Unused,
    get_AreDefaultScriptDialogsEnabled: Unused,
    put_AreDefaultScriptDialogsEnabled: Unused,
    get_IsStatusBarEnabled: Unused,
    put_IsStatusBarEnabled: PutBoolFn,
    get_AreDevToolsEnabled: Unused,
    put_AreDevToolsEnabled: PutBoolFn,
    get_AreDefaultContextMenusEnabled: Unused,
    put_AreDefaultContextMenusEnabled: Unused,
    get_AreHostObjectsAllowed: Unused,
    put_AreHostObjectsAllowed: PutBoolFn,
    get_IsZoomControlEnabled: Unused,
    put_IsZoomControlEnabled: Unused,
    get_IsBuiltInErrorPageEnabled: Unused,
    put_IsBuiltInErrorPageEnabled: Unused,
});

vtable!(NavigationStartingArgsVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_Uri: unsafe extern "system" fn(This, OutStr) -> HResult,
    get_IsUserInitiated: unsafe extern "system" fn(This, *mut i32) -> HResult,
    get_IsRedirected: Unused,
    get_RequestHeaders: Unused,
    get_Cancel: Unused,
    put_Cancel: PutBoolFn,
    get_NavigationId: Unused,
});

vtable!(NavigationCompletedArgsVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_IsSuccess: unsafe extern "system" fn(This, *mut i32) -> HResult,
    get_WebErrorStatus: unsafe extern "system" fn(This, *mut i32) -> HResult,
    get_NavigationId: Unused,
});

vtable!(NewWindowRequestedArgsVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_Uri: unsafe extern "system" fn(This, OutStr) -> HResult,
    put_NewWindow: Unused,
    get_NewWindow: Unused,
    put_Handled: PutBoolFn,
    get_Handled: Unused,
    get_IsUserInitiated: unsafe extern "system" fn(This, *mut i32) -> HResult,
    GetDeferral: Unused,
    get_WindowFeatures: Unused,
});

vtable!(WebMessageReceivedArgsVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_Source: unsafe extern "system" fn(This, OutStr) -> HResult,
    get_WebMessageAsJson: Unused,
    TryGetWebMessageAsString: unsafe extern "system" fn(This, OutStr) -> HResult,
});

vtable!(ProcessFailedArgsVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_ProcessFailedKind: unsafe extern "system" fn(This, *mut i32) -> HResult,
});

vtable!(AcceleratorKeyPressedArgsVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    get_KeyEventKind: unsafe extern "system" fn(This, *mut i32) -> HResult,
    get_VirtualKey: unsafe extern "system" fn(This, *mut u32) -> HResult,
    get_KeyEventLParam: unsafe extern "system" fn(This, *mut i32) -> HResult,
    get_PhysicalKeyStatus: Unused,
    get_Handled: Unused,
    put_Handled: PutBoolFn,
});

/// COREWEBVIEW2_KEY_EVENT_KIND_KEY_DOWN / _SYSTEM_KEY_DOWN (Alt held or F10): the presses an
/// accelerator answers (the other two are the releases).
pub const KEY_EVENT_KEY_DOWN: i32 = 0;
pub const KEY_EVENT_SYSTEM_KEY_DOWN: i32 = 2;

/// COREWEBVIEW2_PROCESS_FAILED_KIND as the protocol names it (`error` `webview_crashed` `kind`).
pub fn process_failed_kind(kind: i32) -> &'static str {
    match kind {
        0 => "browser_exited",
        1 => "render_exited",
        2 => "render_unresponsive",
        3 => "frame_render_exited",
        4 => "utility_exited",
        5 => "sandbox_helper_exited",
        6 => "gpu_exited",
        _ => "other_exited",
    }
}

// ----- our handler object -----

// Every handler interface WebView2 asks us for is IUnknown + one `Invoke(This, a, b)` whose two
// arguments are an HRESULT or a pointer followed by a pointer. On x64 (and arm64) both travel in
// registers (RDX/R8), so one Rust `Invoke(This, usize, usize)` serves them all; a callee reading
// an HRESULT takes the low 32 bits (`hresult_arg`).
vtable!(HandlerVtbl {
    QueryInterface: unsafe extern "system" fn(*mut Handler, *const Guid, *mut *mut c_void) -> HResult,
    AddRef: unsafe extern "system" fn(*mut Handler) -> u32,
    Release: unsafe extern "system" fn(*mut Handler) -> u32,
    Invoke: unsafe extern "system" fn(*mut Handler, usize, usize) -> HResult,
});

#[repr(C)]
pub struct Handler {
    vtbl: *const HandlerVtbl,
    refs: AtomicU32,
    iid: Guid,
    invoke: Box<dyn Fn(usize, usize) -> HResult>,
}

static HANDLER_VTBL: HandlerVtbl = HandlerVtbl {
    QueryInterface: handler_query_interface,
    AddRef: handler_add_ref,
    Release: handler_release,
    Invoke: handler_invoke,
};

impl Handler {
    /// A new handler for interface `iid` with one reference, owned by the caller: pass it to
    /// WebView2 (which takes its own references) and then `release` it.
    pub fn new(iid: Guid, invoke: impl Fn(usize, usize) -> HResult + 'static) -> *mut Handler {
        Box::into_raw(Box::new(Handler { vtbl: &HANDLER_VTBL, refs: AtomicU32::new(1), iid, invoke: Box::new(invoke) }))
    }

    pub unsafe fn release(h: *mut Handler) -> u32 {
        handler_release(h)
    }
}

/// The low 32 bits of a register argument that carries an HRESULT.
pub fn hresult_arg(a: usize) -> HResult {
    a as u32 as i32
}

unsafe extern "system" fn handler_query_interface(this: *mut Handler, iid: *const Guid, out: *mut *mut c_void) -> HResult {
    if out.is_null() {
        return E_POINTER;
    }
    if !iid.is_null() && (*iid == IID_IUNKNOWN || *iid == (*this).iid) {
        handler_add_ref(this);
        *out = this as *mut c_void;
        return S_OK;
    }
    *out = std::ptr::null_mut();
    E_NOINTERFACE
}

unsafe extern "system" fn handler_add_ref(this: *mut Handler) -> u32 {
    (*this).refs.fetch_add(1, Ordering::SeqCst) + 1
}

unsafe extern "system" fn handler_release(this: *mut Handler) -> u32 {
    let left = (*this).refs.fetch_sub(1, Ordering::SeqCst) - 1;
    if left == 0 {
        drop(Box::from_raw(this));
    }
    left
}

unsafe extern "system" fn handler_invoke(this: *mut Handler, a: usize, b: usize) -> HResult {
    ((*this).invoke)(a, b)
}

// ----- pure helpers for the loader and the host -----

/// `EBWebView\x64\EmbeddedBrowserWebView.dll` under a runtime's version folder: the DLL whose
/// `CreateWebViewEnvironmentWithOptionsInternal` Microsoft's WebView2Loader calls.
pub fn client_dll_path(version_dir: &str) -> String {
    let mut p = version_dir.trim_end_matches(|c| c == '\\' || c == '/').to_string();
    p.push_str("\\EBWebView\\x64\\EmbeddedBrowserWebView.dll");
    p
}

/// The version folder of an installed runtime from EdgeUpdate's `Clients\{guid}` values
/// `location` and `pv` (used when `ClientState\{guid}\EBWebView` is absent).
pub fn version_dir(location: &str, pv: &str) -> String {
    format!("{}\\{}", location.trim_end_matches(|c| c == '\\' || c == '/'), pv)
}

/// A folder name from the app's name, with the same rule as scripts/server/app-data.ts:
/// characters no OS allows become `-`, trailing dots/spaces go, reserved names fall back.
pub fn app_folder_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if "<>:\"/\\|?*".contains(c) || (c as u32) < 0x20 { '-' } else { c }).collect();
    let cleaned = cleaned.trim_end_matches(|c| c == '.' || c == ' ').trim().to_string();
    let lower = cleaned.to_ascii_lowercase();
    let reserved = ["con", "prn", "aux", "nul"].contains(&lower.as_str())
        || ((lower.starts_with("com") || lower.starts_with("lpt")) && lower.len() == 4 && lower.as_bytes()[3].is_ascii_digit());
    if cleaned.is_empty() || reserved {
        "taupy-app".to_string()
    } else {
        cleaned
    }
}

/// `C:\\…`, `C:/…` or a UNC `\\\\server\\share`: a path that does not depend on the current folder.
pub fn is_absolute_windows_path(p: &str) -> bool {
    let b = p.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')) || p.starts_with("\\\\")
}

/// Where WebView2 keeps an app's profile (cookies, cache, localStorage), from the user's
/// LocalAppData (`SHGetKnownFolderPath(FOLDERID_LocalAppData)`): `<LocalAppData>\<app>\WebView2`,
/// local rather than roaming because the profile is cache-sized. Never next to the exe (a packaged
/// app runs from a throwaway extraction folder) and never relative. `TAUPY_DATA_DIR` (the app's
/// own data override, portable installs) wins when it is absolute.
pub fn user_data_path(data_dir: Option<&str>, local_app_data: &str, app: &str) -> String {
    if let Some(d) = data_dir.filter(|d| is_absolute_windows_path(d)) {
        return format!("{}\\WebView2", d.trim_end_matches(|c| c == '\\' || c == '/'));
    }
    format!("{}\\{}\\WebView2", local_app_data.trim_end_matches(|c| c == '\\' || c == '/'), app_folder_name(app))
}

// ----- which runtime: Microsoft's loader's search -----

/// The oldest runtime the launcher accepts: WebView2's first stable release, 86.0.616.0 (SDK
/// 1.0.622.22), whose ICoreWebView2 has every method we call; webview2-com's re-implementation of
/// Microsoft's loader refuses older runtimes with this same number.
pub const MIN_RUNTIME_VERSION: [u32; 4] = [86, 0, 616, 0];

/// EdgeUpdate's client GUIDs of the runtime channels, in the loader's default order.
pub const CHANNELS: [(&str, &str); 4] = [
    ("stable", "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"),
    ("beta", "{2CD8A007-E189-409D-A2C8-9AF4EF3C72AA}"),
    ("dev", "{0D50BFEC-CD6A-4F9A-964C-C7416E3ACB10}"),
    ("canary", "{65C35B14-6C1D-4122-AC46-7148CC9D6497}"),
];

/// A registry place EdgeUpdate writes: machine-wide in the 32-bit view (where its installer
/// writes on 64-bit Windows), machine-wide native, per user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hive {
    MachineWow32,
    Machine,
    User,
}

pub const HIVES: [Hive; 3] = [Hive::MachineWow32, Hive::Machine, Hive::User];

impl Hive {
    /// `kind` is `Clients` or `ClientState`.
    pub fn key(self, kind: &str, guid: &str) -> String {
        match self {
            Hive::MachineWow32 => format!("SOFTWARE\\WOW6432Node\\Microsoft\\EdgeUpdate\\{}\\{}", kind, guid),
            Hive::Machine => format!("SOFTWARE\\Microsoft\\EdgeUpdate\\{}\\{}", kind, guid),
            Hive::User => format!("Software\\Microsoft\\EdgeUpdate\\{}\\{}", kind, guid),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Hive::MachineWow32 => "HKLM (32-bit view)",
            Hive::Machine => "HKLM",
            Hive::User => "HKCU",
        }
    }
}

/// "120.0.2210.91" → [120, 0, 2210, 91].
pub fn parse_version(s: &str) -> Option<[u32; 4]> {
    let parts: Vec<u32> = s.trim().split('.').map(|p| p.parse().ok()).collect::<Option<Vec<u32>>>()?;
    if parts.len() != 4 {
        return None;
    }
    Some([parts[0], parts[1], parts[2], parts[3]])
}

pub fn version_text(v: [u32; 4]) -> String {
    format!("{}.{}.{}.{}", v[0], v[1], v[2], v[3])
}

/// An installed runtime that passed every check.
#[derive(Debug, PartialEq)]
pub struct Runtime {
    pub dll: String,
    pub version: String,
    pub channel: &'static str,
    pub hive: Hive,
}

/// Microsoft's loader's search for an installed runtime: channel by channel (stable, beta, dev,
/// canary; reversed when `prefer_canary`, the loader's WEBVIEW2_RELEASE_CHANNEL_PREFERENCE=1), in
/// each the three registry places; a place names the version folder (`ClientState\{guid}`
/// `EBWebView`, else `Clients\{guid}` `location` + `pv`), whose name is the version. The first
/// whose version is at least MIN_RUNTIME_VERSION and whose DLL exists wins; otherwise the reasons
/// every candidate was refused (empty: nothing registered at all).
pub fn find_runtime(
    read: &dyn Fn(Hive, &str, &str) -> Option<String>, exists: &dyn Fn(&str) -> bool, prefer_canary: bool,
) -> Result<Runtime, Vec<String>> {
    let mut refused = Vec::new();
    let mut order: Vec<&(&'static str, &'static str)> = CHANNELS.iter().collect();
    if prefer_canary {
        order.reverse();
    }
    for &&(channel, guid) in order.iter() {
        for &hive in HIVES.iter() {
            let folder = read(hive, &hive.key("ClientState", guid), "EBWebView").or_else(|| {
                let clients = hive.key("Clients", guid);
                match (read(hive, &clients, "location"), read(hive, &clients, "pv")) {
                    (Some(location), Some(pv)) if pv != "0.0.0.0" => Some(version_dir(&location, &pv)),
                    _ => None,
                }
            });
            let folder = match folder {
                Some(f) => f,
                None => continue,
            };
            let where_ = format!("{} {} in {}", channel, folder, hive.name());
            let name = folder.trim_end_matches(|c| c == '\\' || c == '/').rsplit(|c| c == '\\' || c == '/').next().unwrap_or("");
            let version = match parse_version(name) {
                Some(v) => v,
                None => {
                    refused.push(format!("{}: the folder name is not a version", where_));
                    continue;
                }
            };
            if version < MIN_RUNTIME_VERSION {
                refused.push(format!("{}: version {} is older than {}", where_, version_text(version), version_text(MIN_RUNTIME_VERSION)));
                continue;
            }
            let dll = client_dll_path(&folder);
            if !exists(&dll) {
                refused.push(format!("{}: {} is missing", where_, dll));
                continue;
            }
            return Ok(Runtime { dll, version: version_text(version), channel, hive });
        }
    }
    Err(refused)
}

/// The parameters of the DevTools call `eval` makes: Runtime.evaluate has eval's completion-value
/// semantics, reports exceptions (ExecuteScript turns them into `null`) and is not blocked by
/// the page's CSP.
pub fn evaluate_params(script: &str) -> String {
    Json::obj(vec![("expression", script.into()), ("returnByValue", true.into())]).to_string()
}

/// Reads Runtime.evaluate's answer: `{"result":{"type":..,"value":..}}`, or with
/// `exceptionDetails` when the script threw.
pub fn evaluate_result(answer: &str) -> Result<Json, String> {
    let v = Json::parse(answer).map_err(|e| format!("unreadable DevTools answer: {}", e))?;
    if let Some(d) = v.get("exceptionDetails") {
        let described = d.get("exception").and_then(|e| e.get("description")).and_then(Json::as_str);
        let text = described.or_else(|| d.get("text").and_then(Json::as_str)).unwrap_or("the script threw");
        return Err(text.lines().next().unwrap_or(text).to_string());
    }
    Ok(v.get("result").and_then(|r| r.get("value")).cloned().unwrap_or(Json::Null))
}

/// An HRESULT as Windows prints it.
pub fn hresult_text(hr: HResult) -> String {
    format!("0x{:08X}", hr as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// Method lists copied from the C vtables (`typedef struct <Interface>Vtbl`) of WebView2.h
    /// (Microsoft.Web.WebView2 SDK, the MIDL-generated header that declares up to ICoreWebView2_22).
    const IUNKNOWN: [&str; 3] = ["QueryInterface", "AddRef", "Release"];
    const H_ENVIRONMENT: &[&str] = &[
        "CreateCoreWebView2Controller", "CreateWebResourceResponse", "get_BrowserVersionString",
        "add_NewBrowserVersionAvailable", "remove_NewBrowserVersionAvailable",
    ];
    const H_CONTROLLER: &[&str] = &[
        "get_IsVisible", "put_IsVisible", "get_Bounds", "put_Bounds", "get_ZoomFactor", "put_ZoomFactor",
        "add_ZoomFactorChanged", "remove_ZoomFactorChanged", "SetBoundsAndZoomFactor", "MoveFocus",
        "add_MoveFocusRequested", "remove_MoveFocusRequested", "add_GotFocus", "remove_GotFocus", "add_LostFocus",
        "remove_LostFocus", "add_AcceleratorKeyPressed", "remove_AcceleratorKeyPressed", "get_ParentWindow",
        "put_ParentWindow", "NotifyParentWindowPositionChanged", "Close", "get_CoreWebView2",
    ];
    const H_WEBVIEW: &[&str] = &[
        "get_Settings", "get_Source", "Navigate", "NavigateToString", "add_NavigationStarting",
        "remove_NavigationStarting", "add_ContentLoading", "remove_ContentLoading", "add_SourceChanged",
        "remove_SourceChanged", "add_HistoryChanged", "remove_HistoryChanged", "add_NavigationCompleted",
        "remove_NavigationCompleted", "add_FrameNavigationStarting", "remove_FrameNavigationStarting",
        "add_FrameNavigationCompleted", "remove_FrameNavigationCompleted", "add_ScriptDialogOpening",
        "remove_ScriptDialogOpening", "add_PermissionRequested", "remove_PermissionRequested", "add_ProcessFailed",
        "remove_ProcessFailed", "AddScriptToExecuteOnDocumentCreated", "RemoveScriptToExecuteOnDocumentCreated",
        "ExecuteScript", "CapturePreview", "Reload", "PostWebMessageAsJson", "PostWebMessageAsString",
        "add_WebMessageReceived", "remove_WebMessageReceived", "CallDevToolsProtocolMethod", "get_BrowserProcessId",
        "get_CanGoBack", "get_CanGoForward", "GoBack", "GoForward", "GetDevToolsProtocolEventReceiver", "Stop",
        "add_NewWindowRequested", "remove_NewWindowRequested", "add_DocumentTitleChanged",
        "remove_DocumentTitleChanged", "get_DocumentTitle", "AddHostObjectToScript", "RemoveHostObjectFromScript",
        "OpenDevToolsWindow", "add_ContainsFullScreenElementChanged", "remove_ContainsFullScreenElementChanged",
        "get_ContainsFullScreenElement", "add_WebResourceRequested", "remove_WebResourceRequested",
        "AddWebResourceRequestedFilter", "RemoveWebResourceRequestedFilter", "add_WindowCloseRequested",
        "remove_WindowCloseRequested",
    ];
    const H_SETTINGS: &[&str] = &[
        "get_IsScriptEnabled", "put_IsScriptEnabled", "get_IsWebMessageEnabled", "put_IsWebMessageEnabled",
        "get_AreDefaultScriptDialogsEnabled", "put_AreDefaultScriptDialogsEnabled", "get_IsStatusBarEnabled",
        "put_IsStatusBarEnabled", "get_AreDevToolsEnabled", "put_AreDevToolsEnabled",
        "get_AreDefaultContextMenusEnabled", "put_AreDefaultContextMenusEnabled", "get_AreHostObjectsAllowed",
        "put_AreHostObjectsAllowed", "get_IsZoomControlEnabled", "put_IsZoomControlEnabled",
        "get_IsBuiltInErrorPageEnabled", "put_IsBuiltInErrorPageEnabled",
    ];
    const H_NAVIGATION_STARTING_ARGS: &[&str] = &[
        "get_Uri", "get_IsUserInitiated", "get_IsRedirected", "get_RequestHeaders", "get_Cancel", "put_Cancel",
        "get_NavigationId",
    ];
    const H_NAVIGATION_COMPLETED_ARGS: &[&str] = &["get_IsSuccess", "get_WebErrorStatus", "get_NavigationId"];
    const H_NEW_WINDOW_ARGS: &[&str] = &[
        "get_Uri", "put_NewWindow", "get_NewWindow", "put_Handled", "get_Handled", "get_IsUserInitiated",
        "GetDeferral", "get_WindowFeatures",
    ];
    const H_WEB_MESSAGE_ARGS: &[&str] = &["get_Source", "get_WebMessageAsJson", "TryGetWebMessageAsString"];
    const H_PROCESS_FAILED_ARGS: &[&str] = &["get_ProcessFailedKind"];
    const H_ACCELERATOR_KEY_ARGS: &[&str] = &[
        "get_KeyEventKind", "get_VirtualKey", "get_KeyEventLParam", "get_PhysicalKeyStatus", "get_Handled", "put_Handled",
    ];
    const H_HANDLER: &[&str] = &["Invoke"];

    fn check(name: &str, ours: &[&str], size: usize, header: &[&str]) {
        let expected: Vec<&str> = IUNKNOWN.iter().chain(header.iter()).cloned().collect();
        assert_eq!(ours, &expected[..], "{}: slot order differs from WebView2.h", name);
        assert_eq!(size, expected.len() * size_of::<usize>(), "{}: vtable size", name);
    }

    #[test]
    fn vtables_match_webview2_h() {
        check("ICoreWebView2Environment", EnvironmentVtbl::METHODS, size_of::<EnvironmentVtbl>(), H_ENVIRONMENT);
        check("ICoreWebView2Controller", ControllerVtbl::METHODS, size_of::<ControllerVtbl>(), H_CONTROLLER);
        check("ICoreWebView2", WebViewVtbl::METHODS, size_of::<WebViewVtbl>(), H_WEBVIEW);
        check("ICoreWebView2Settings", SettingsVtbl::METHODS, size_of::<SettingsVtbl>(), H_SETTINGS);
        check("NavigationStartingEventArgs", NavigationStartingArgsVtbl::METHODS, size_of::<NavigationStartingArgsVtbl>(), H_NAVIGATION_STARTING_ARGS);
        check("NavigationCompletedEventArgs", NavigationCompletedArgsVtbl::METHODS, size_of::<NavigationCompletedArgsVtbl>(), H_NAVIGATION_COMPLETED_ARGS);
        check("NewWindowRequestedEventArgs", NewWindowRequestedArgsVtbl::METHODS, size_of::<NewWindowRequestedArgsVtbl>(), H_NEW_WINDOW_ARGS);
        check("WebMessageReceivedEventArgs", WebMessageReceivedArgsVtbl::METHODS, size_of::<WebMessageReceivedArgsVtbl>(), H_WEB_MESSAGE_ARGS);
        check("ProcessFailedEventArgs", ProcessFailedArgsVtbl::METHODS, size_of::<ProcessFailedArgsVtbl>(), H_PROCESS_FAILED_ARGS);
        check("AcceleratorKeyPressedEventArgs", AcceleratorKeyPressedArgsVtbl::METHODS, size_of::<AcceleratorKeyPressedArgsVtbl>(), H_ACCELERATOR_KEY_ARGS);
        check("handlers (IUnknown + Invoke)", HandlerVtbl::METHODS, size_of::<HandlerVtbl>(), H_HANDLER);
        // The slots we call, by index (3 = first method after IUnknown), as the header counts them.
        let at = |v: &[&str], m: &str| v.iter().position(|x| *x == m).unwrap();
        assert_eq!(at(WebViewVtbl::METHODS, "add_ProcessFailed"), 25);
        assert_eq!(at(WebViewVtbl::METHODS, "ExecuteScript"), 29);
        assert_eq!(at(WebViewVtbl::METHODS, "add_WebMessageReceived"), 34);
        assert_eq!(at(WebViewVtbl::METHODS, "CallDevToolsProtocolMethod"), 36);
        assert_eq!(at(WebViewVtbl::METHODS, "add_NewWindowRequested"), 44);
        assert_eq!(at(WebViewVtbl::METHODS, "OpenDevToolsWindow"), 51);
        assert_eq!(at(ControllerVtbl::METHODS, "get_CoreWebView2"), 25);
        assert_eq!(at(ControllerVtbl::METHODS, "add_AcceleratorKeyPressed"), 19);
        assert_eq!(at(AcceleratorKeyPressedArgsVtbl::METHODS, "put_Handled"), 8);
        assert_eq!(size_of::<Bounds>(), 16);
        assert_eq!(size_of::<Guid>(), 16);
    }

    /// The IIDs as WebView2.h spells them (`{0x..,0x..,0x..,{0x..,...}}` and MIDL_INTERFACE("...")).
    #[test]
    fn iids_match_webview2_h() {
        let header = [
            (IID_ENVIRONMENT_COMPLETED, "4e8a3389-c9d8-4bd2-b6b5-124fee6cc14d", [0x4e8a3389u32, 0xc9d8, 0x4bd2], [0xb6u8, 0xb5, 0x12, 0x4f, 0xee, 0x6c, 0xc1, 0x4d]),
            (IID_CONTROLLER_COMPLETED, "6c4819f3-c9b7-4260-8127-c9f5bde7f68c", [0x6c4819f3, 0xc9b7, 0x4260], [0x81, 0x27, 0xc9, 0xf5, 0xbd, 0xe7, 0xf6, 0x8c]),
            (IID_NAVIGATION_STARTING, "9adbe429-f36d-432b-9ddc-f8881fbd76e3", [0x9adbe429, 0xf36d, 0x432b], [0x9d, 0xdc, 0xf8, 0x88, 0x1f, 0xbd, 0x76, 0xe3]),
            (IID_NAVIGATION_COMPLETED, "d33a35bf-1c49-4f98-93ab-006e0533fe1c", [0xd33a35bf, 0x1c49, 0x4f98], [0x93, 0xab, 0x00, 0x6e, 0x05, 0x33, 0xfe, 0x1c]),
            (IID_NEW_WINDOW_REQUESTED, "d4c185fe-c81c-4989-97af-2d3fa7ab5651", [0xd4c185fe, 0xc81c, 0x4989], [0x97, 0xaf, 0x2d, 0x3f, 0xa7, 0xab, 0x56, 0x51]),
            (IID_WEB_MESSAGE_RECEIVED, "57213f19-00e6-49fa-8e07-898ea01ecbd2", [0x57213f19, 0x00e6, 0x49fa], [0x8e, 0x07, 0x89, 0x8e, 0xa0, 0x1e, 0xcb, 0xd2]),
            (IID_ADD_SCRIPT_COMPLETED, "b99369f3-9b11-47b5-bc6f-8e7895fcea17", [0xb99369f3, 0x9b11, 0x47b5], [0xbc, 0x6f, 0x8e, 0x78, 0x95, 0xfc, 0xea, 0x17]),
            (IID_EXECUTE_SCRIPT_COMPLETED, "49511172-cc67-4bca-9923-137112f4c4cc", [0x49511172, 0xcc67, 0x4bca], [0x99, 0x23, 0x13, 0x71, 0x12, 0xf4, 0xc4, 0xcc]),
            (IID_DEVTOOLS_METHOD_COMPLETED, "5c4889f0-5ef6-4c5a-952c-d8f1b92d0574", [0x5c4889f0, 0x5ef6, 0x4c5a], [0x95, 0x2c, 0xd8, 0xf1, 0xb9, 0x2d, 0x05, 0x74]),
            (IID_PROCESS_FAILED, "79e0aea4-990b-42d9-aa1d-0fcc2e5bc7f1", [0x79e0aea4, 0x990b, 0x42d9], [0xaa, 0x1d, 0x0f, 0xcc, 0x2e, 0x5b, 0xc7, 0xf1]),
            (IID_ACCELERATOR_KEY_PRESSED, "b29c7e28-fa79-41a8-8e44-65811c76dcb2", [0xb29c7e28, 0xfa79, 0x41a8], [0x8e, 0x44, 0x65, 0x81, 0x1c, 0x76, 0xdc, 0xb2]),
        ];
        for (ours, text, d123, d4) in header.iter() {
            let parsed = Guid::parse(text).unwrap();
            assert_eq!(*ours, parsed, "{}", text);
            assert_eq!(*ours, Guid { data1: d123[0], data2: d123[1] as u16, data3: d123[2] as u16, data4: *d4 }, "{}", text);
        }
        assert_eq!(Guid::parse("{00000000-0000-0000-C000-000000000046}"), Some(IID_IUNKNOWN));
        assert_eq!(Guid::parse("not-a-guid"), None);
        assert_eq!(Guid::parse("4e8a3389-c9d8-4bd2-b6b5-124fee6cc14"), None);
    }

    #[test]
    fn handler_refcount_query_interface_invoke() {
        use std::cell::Cell;
        use std::rc::Rc;
        let seen = Rc::new(Cell::new((0i32, 0usize)));
        let s = seen.clone();
        let h = Handler::new(IID_EXECUTE_SCRIPT_COMPLETED, move |a, b| {
            s.set((hresult_arg(a), b));
            S_OK
        });
        unsafe {
            let vt = &*(*h).vtbl;
            let mut out: *mut c_void = std::ptr::null_mut();
            assert_eq!((vt.QueryInterface)(h, &IID_EXECUTE_SCRIPT_COMPLETED, &mut out), S_OK);
            assert_eq!(out, h as *mut c_void);
            assert_eq!((vt.QueryInterface)(h, &IID_IUNKNOWN, &mut out), S_OK);
            assert_eq!((vt.QueryInterface)(h, &IID_NAVIGATION_STARTING, &mut out), E_NOINTERFACE);
            assert!(out.is_null());
            assert_eq!((vt.Release)(h), 2);
            assert_eq!((vt.Release)(h), 1);
            // An HRESULT arrives in a 64-bit register whose upper half may hold garbage.
            assert_eq!((vt.Invoke)(h, 0xdead_beef_8000_4005usize, 42), S_OK);
            assert_eq!(seen.get(), (0x8000_4005u32 as i32, 42));
            assert_eq!(Handler::release(h), 0);
        }
        assert_eq!(Rc::strong_count(&seen), 1, "the closure was dropped with the handler");
    }

    #[test]
    fn runtime_paths() {
        assert_eq!(
            client_dll_path("C:\\Program Files (x86)\\Microsoft\\EdgeWebView\\Application\\120.0.2210.91"),
            "C:\\Program Files (x86)\\Microsoft\\EdgeWebView\\Application\\120.0.2210.91\\EBWebView\\x64\\EmbeddedBrowserWebView.dll"
        );
        assert_eq!(client_dll_path("D:\\wv\\"), "D:\\wv\\EBWebView\\x64\\EmbeddedBrowserWebView.dll");
        assert_eq!(version_dir("C:\\EdgeWebView\\Application\\", "120.0.1.2"), "C:\\EdgeWebView\\Application\\120.0.1.2");
    }

    #[test]
    fn user_data_folders() {
        let local = "C:\\Users\\ann\\AppData\\Local";
        assert_eq!(user_data_path(None, local, "Notes"), "C:\\Users\\ann\\AppData\\Local\\Notes\\WebView2");
        assert_eq!(user_data_path(Some("E:\\portable\\data\\"), local, "Notes"), "E:\\portable\\data\\WebView2");
        assert_eq!(user_data_path(Some("\\\\nas\\ann"), local, "Notes"), "\\\\nas\\ann\\WebView2");
        // A relative override would follow the current folder: ignored.
        assert_eq!(user_data_path(Some("data"), local, "My: App?"), "C:\\Users\\ann\\AppData\\Local\\My- App-\\WebView2");
        assert_eq!(user_data_path(Some("\\data"), local, "Notes"), "C:\\Users\\ann\\AppData\\Local\\Notes\\WebView2");
        assert!(is_absolute_windows_path("c:/x") && !is_absolute_windows_path("c:x") && !is_absolute_windows_path(""));
        assert_eq!(app_folder_name("con"), "taupy-app");
        assert_eq!(app_folder_name("COM1"), "taupy-app");
        assert_eq!(app_folder_name("Notes. "), "Notes");
        assert_eq!(app_folder_name("a/b\\c"), "a-b-c");
    }

    /// A registry of (hive, key, value) → data, and the DLLs that exist.
    fn search(reg: &[(Hive, &str, &str, &str)], dlls: &[&str], canary_first: bool) -> Result<Runtime, Vec<String>> {
        let read = |h: Hive, k: &str, v: &str| reg.iter().find(|r| r.0 == h && r.1 == k && r.2 == v).map(|r| r.3.to_string());
        let exists = |p: &str| dlls.contains(&p);
        find_runtime(&read, &exists, canary_first)
    }

    #[test]
    fn runtime_search_follows_the_loader() {
        let stable = "SOFTWARE\\WOW6432Node\\Microsoft\\EdgeUpdate\\ClientState\\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}";
        let stable_user = "Software\\Microsoft\\EdgeUpdate\\ClientState\\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}";
        let canary_user = "Software\\Microsoft\\EdgeUpdate\\ClientState\\{65C35B14-6C1D-4122-AC46-7148CC9D6497}";
        let beta_clients = "SOFTWARE\\Microsoft\\EdgeUpdate\\Clients\\{2CD8A007-E189-409D-A2C8-9AF4EF3C72AA}";
        let dll = |d: &str| client_dll_path(d);
        let (m, u) = ("C:\\M\\120.0.2210.91", "C:\\U\\121.0.1.0");
        let (dm, du) = (dll(m), dll(u));
        // Machine-wide first, then per user.
        let both = [(Hive::MachineWow32, stable, "EBWebView", m), (Hive::User, stable_user, "EBWebView", u)];
        assert_eq!(search(&both, &[&dm, &du], false).unwrap().hive, Hive::MachineWow32);
        // A DLL that is not there: the next place.
        let r = search(&both, &[&du], false).unwrap();
        assert_eq!((r.hive, r.version.as_str(), r.channel), (Hive::User, "121.0.1.0", "stable"));
        // Too old: refused, with the reason.
        let old = [(Hive::MachineWow32, stable, "EBWebView", "C:\\M\\85.0.564.0")];
        let why = search(&old, &[&dll("C:\\M\\85.0.564.0")], false).unwrap_err();
        assert_eq!(why, vec!["stable C:\\M\\85.0.564.0 in HKLM (32-bit view): version 85.0.564.0 is older than 86.0.616.0".to_string()]);
        assert!(search(&[(Hive::User, stable_user, "EBWebView", "C:\\U\\86.0.616.0")], &[&dll("C:\\U\\86.0.616.0")], false).is_ok());
        // Only a Canary, only per user; stable first unless canary is preferred.
        let c = "C:\\C\\130.0.1.0";
        let canary = [(Hive::User, canary_user, "EBWebView", c)];
        assert_eq!(search(&canary, &[&dll(c)], false).unwrap().channel, "canary");
        let two = [(Hive::User, canary_user, "EBWebView", c), (Hive::MachineWow32, stable, "EBWebView", m)];
        assert_eq!(search(&two, &[&dll(c), &dm], false).unwrap().channel, "stable");
        assert_eq!(search(&two, &[&dll(c), &dm], true).unwrap().channel, "canary");
        // Clients location + pv when ClientState has no EBWebView; "0.0.0.0" means uninstalled.
        let clients = [(Hive::Machine, beta_clients, "location", "C:\\B\\"), (Hive::Machine, beta_clients, "pv", "122.0.0.1")];
        assert_eq!(search(&clients, &[&dll("C:\\B\\122.0.0.1")], false).unwrap().channel, "beta");
        let gone = [(Hive::Machine, beta_clients, "location", "C:\\B"), (Hive::Machine, beta_clients, "pv", "0.0.0.0")];
        assert_eq!(search(&gone, &[], false), Err(vec![]));
        assert_eq!(search(&[], &[], false), Err(vec![]));
        assert_eq!(parse_version("120.0.2210"), None);
    }

    #[test]
    fn devtools_evaluate_answers() {
        assert_eq!(evaluate_params("1 + \"2\""), r#"{"expression":"1 + \"2\"","returnByValue":true}"#);
        assert_eq!(evaluate_result(r#"{"result":{"type":"number","value":3,"description":"3"}}"#), Ok(Json::Num(3.0)));
        assert_eq!(evaluate_result(r#"{"result":{"type":"undefined"}}"#), Ok(Json::Null));
        assert_eq!(
            evaluate_result(r#"{"result":{"type":"object","value":{"a":[1,"x"]}}}"#),
            Ok(Json::obj(vec![("a", Json::Arr(vec![Json::Num(1.0), "x".into()]))]))
        );
        let thrown = r#"{"result":{"type":"object","subtype":"error","className":"ReferenceError"},"exceptionDetails":{"exceptionId":1,"text":"Uncaught","lineNumber":0,"columnNumber":0,"exception":{"type":"object","subtype":"error","className":"ReferenceError","description":"ReferenceError: nope is not defined\n    at <anonymous>:1:1"}}}"#;
        assert_eq!(evaluate_result(thrown), Err("ReferenceError: nope is not defined".to_string()));
        assert_eq!(evaluate_result(r#"{"exceptionDetails":{"text":"Uncaught SyntaxError"}}"#), Err("Uncaught SyntaxError".to_string()));
        assert!(evaluate_result("not json").is_err());
        assert_eq!(hresult_text(E_NOINTERFACE), "0x80004002");
    }
}
