//! Open, save and folder dialogs on Windows: the common item dialogs (IFileOpenDialog /
//! IFileSaveDialog through COM, layouts in `shell_dialog.rs`), and the classic comdlg32/shell32
//! dialogs only where CoCreateInstance cannot make those. Called from the window's deferred-work
//! message, never inside the event drain, on the UI thread (COM apartment-threaded since init).

use super::shell_dialog::{
    filter_specs, initial_location, options, reply, DialogKind, FileDialogVtbl, FileOpenDialogVtbl, FilterSpec,
    ShellItemArrayVtbl, ShellItemVtbl, CLSCTX_INPROC_SERVER, CLSID_FILE_OPEN_DIALOG, CLSID_FILE_SAVE_DIALOG,
    HRESULT_CANCELLED, IID_FILE_OPEN_DIALOG, IID_FILE_SAVE_DIALOG, IID_SHELL_ITEM, SIGDN_FILESYSPATH,
};
use super::webview2::{com_call, hresult_text, Guid, HResult};
use super::windows::ui_wide;
use super::windows_sys::{from_wide, wide, CoTaskMemFree, Hwnd};
use crate::limits::{MAX_TEXT_CHARS, MAX_TITLE_CHARS};
use super::windows_webview::take_string;
use crate::json::Json;
use crate::protocol::FileDialog;
use std::os::raw::c_void;
use std::ptr::{null, null_mut};

#[repr(C)]
struct OpenFileNameW {
    struct_size: u32,
    owner: Hwnd,
    instance: isize,
    filter: *const u16,
    custom_filter: *mut u16,
    max_cust_filter: u32,
    filter_index: u32,
    file: *mut u16,
    max_file: u32,
    file_title: *mut u16,
    max_file_title: u32,
    initial_dir: *const u16,
    title: *const u16,
    flags: u32,
    file_offset: u16,
    file_extension: u16,
    def_ext: *const u16,
    cust_data: isize,
    hook: *const c_void,
    template_name: *const u16,
    reserved_ptr: *const c_void,
    reserved: u32,
    flags_ex: u32,
}

#[repr(C)]
struct BrowseInfoW {
    owner: Hwnd,
    root: *const c_void,
    display_name: *mut u16,
    title: *const u16,
    flags: u32,
    callback: *const c_void,
    lparam: isize,
    image: i32,
}

#[link(name = "ole32")]
extern "system" {
    fn CoCreateInstance(clsid: *const Guid, outer: *mut c_void, context: u32, iid: *const Guid, out: *mut *mut c_void) -> HResult;
}
#[link(name = "shell32")]
extern "system" {
    fn SHCreateItemFromParsingName(path: *const u16, bind: *mut c_void, iid: *const Guid, out: *mut *mut c_void) -> HResult;
    fn SHBrowseForFolderW(bi: *const BrowseInfoW) -> *mut c_void;
    fn SHGetPathFromIDListW(pidl: *const c_void, path: *mut u16) -> i32;
}
#[link(name = "comdlg32")]
extern "system" {
    fn GetOpenFileNameW(o: *mut OpenFileNameW) -> i32;
    fn GetSaveFileNameW(o: *mut OpenFileNameW) -> i32;
}

/// Shows the dialog modally over `owner` and returns the protocol's reply.
pub(super) fn show(owner: Hwnd, d: &FileDialog, kind: DialogKind) -> Json {
    let paths = match unsafe { common_item_dialog(owner, d, kind) } {
        Ok(paths) => paths,
        Err(hr) => {
            eprintln!("taupy-launcher: the common item dialog is unavailable ({}); using the classic dialog", hresult_text(hr));
            unsafe {
                match kind {
                    DialogKind::Folder => classic_folder_dialog(owner, d),
                    _ => classic_file_dialog(owner, d, kind == DialogKind::Save),
                }
            }
        }
    };
    reply(kind, paths)
}

// ----- the common item dialogs -----

/// Err only when the dialog object cannot be created (the caller falls back); a cancelled or
/// failed dialog is Ok with no paths.
unsafe fn common_item_dialog(owner: Hwnd, d: &FileDialog, kind: DialogKind) -> Result<Vec<String>, HResult> {
    let (clsid, iid) = match kind {
        DialogKind::Save => (&CLSID_FILE_SAVE_DIALOG, &IID_FILE_SAVE_DIALOG),
        _ => (&CLSID_FILE_OPEN_DIALOG, &IID_FILE_OPEN_DIALOG),
    };
    let mut dialog: *mut c_void = null_mut();
    let hr = CoCreateInstance(clsid, null_mut(), CLSCTX_INPROC_SERVER, iid, &mut dialog);
    if hr < 0 || dialog.is_null() {
        return Err(hr);
    }
    let paths = configure_and_show(dialog, owner, d, kind);
    com_call!(dialog, FileDialogVtbl, Release());
    Ok(paths)
}

unsafe fn configure_and_show(dialog: *mut c_void, owner: Hwnd, d: &FileDialog, kind: DialogKind) -> Vec<String> {
    let mut defaults = 0u32;
    com_call!(dialog, FileDialogVtbl, GetOptions(&mut defaults));
    com_call!(dialog, FileDialogVtbl, SetOptions(defaults | options(kind, d.multiple)));
    // The pattern texts outlive the FilterSpec array that points into them.
    let texts: Vec<(Vec<u16>, Vec<u16>)> = filter_specs(&d.filters).iter().map(|(n, s)| (ui_wide(n, MAX_TEXT_CHARS), ui_wide(s, MAX_TEXT_CHARS))).collect();
    let specs: Vec<FilterSpec> = texts.iter().map(|(n, s)| FilterSpec { name: n.as_ptr(), spec: s.as_ptr() }).collect();
    if kind != DialogKind::Folder && !specs.is_empty() {
        com_call!(dialog, FileDialogVtbl, SetFileTypes(specs.len() as u32, specs.as_ptr()));
        com_call!(dialog, FileDialogVtbl, SetFileTypeIndex(1));
    }
    if let Some(title) = &d.title {
        let t = ui_wide(title, MAX_TITLE_CHARS);
        com_call!(dialog, FileDialogVtbl, SetTitle(t.as_ptr()));
    }
    if let Some(path) = &d.default_path {
        let (folder, name) = initial_location(path, kind, std::path::Path::new(path).is_dir());
        if let Some(item) = folder.and_then(|f| shell_item(&f)) {
            com_call!(dialog, FileDialogVtbl, SetFolder(item));
            com_call!(item, ShellItemVtbl, Release());
        }
        if let Some(name) = name {
            let n = wide(&name);
            com_call!(dialog, FileDialogVtbl, SetFileName(n.as_ptr()));
        }
    }
    let hr = com_call!(dialog, FileDialogVtbl, Show(owner));
    if hr == HRESULT_CANCELLED {
        return Vec::new();
    }
    if hr < 0 {
        eprintln!("taupy-launcher: the file dialog failed ({})", hresult_text(hr));
        return Vec::new();
    }
    if kind == DialogKind::Save {
        let mut item: *mut c_void = null_mut();
        if com_call!(dialog, FileDialogVtbl, GetResult(&mut item)) < 0 || item.is_null() {
            return Vec::new();
        }
        let path = item_path(item);
        com_call!(item, ShellItemVtbl, Release());
        return path.into_iter().collect();
    }
    // Open and folder dialogs: GetResults covers one item and several alike.
    let mut items: *mut c_void = null_mut();
    if com_call!(dialog, FileOpenDialogVtbl, GetResults(&mut items)) < 0 || items.is_null() {
        return Vec::new();
    }
    let mut count = 0u32;
    com_call!(items, ShellItemArrayVtbl, GetCount(&mut count));
    let mut paths = Vec::new();
    for i in 0..count {
        let mut item: *mut c_void = null_mut();
        if com_call!(items, ShellItemArrayVtbl, GetItemAt(i, &mut item)) >= 0 && !item.is_null() {
            paths.extend(item_path(item));
            com_call!(item, ShellItemVtbl, Release());
        }
    }
    com_call!(items, ShellItemArrayVtbl, Release());
    paths
}

/// The IShellItem for an absolute path, or None (relative or missing paths are skipped).
unsafe fn shell_item(path: &str) -> Option<*mut c_void> {
    let p = wide(path);
    let mut item: *mut c_void = null_mut();
    let hr = SHCreateItemFromParsingName(p.as_ptr(), null_mut(), &IID_SHELL_ITEM, &mut item);
    if hr < 0 || item.is_null() {
        None
    } else {
        Some(item)
    }
}

unsafe fn item_path(item: *mut c_void) -> Option<String> {
    let mut p: *mut u16 = null_mut();
    if com_call!(item, ShellItemVtbl, GetDisplayName(SIGDN_FILESYSPATH, &mut p)) < 0 {
        return None;
    }
    Some(take_string(p)).filter(|s| !s.is_empty())
}

// ----- the classic dialogs (fallback) -----

unsafe fn classic_file_dialog(h: Hwnd, d: &FileDialog, save: bool) -> Vec<String> {
    let mut filter: Vec<u16> = Vec::new();
    for (name, patterns) in filter_specs(&d.filters) {
        filter.extend(name.encode_utf16());
        filter.push(0);
        filter.extend(patterns.encode_utf16());
        filter.push(0);
    }
    filter.push(0);
    let mut file = vec![0u16; 32 * 1024];
    let mut initial_dir: Vec<u16> = Vec::new();
    if let Some(p) = &d.default_path {
        if std::path::Path::new(p).is_dir() {
            initial_dir = wide(p);
        } else {
            let w: Vec<u16> = p.encode_utf16().collect();
            let n = w.len().min(file.len() - 1);
            file[..n].copy_from_slice(&w[..n]);
        }
    }
    let title = d.title.as_ref().map(|t| ui_wide(t, MAX_TITLE_CHARS));
    let mut o: OpenFileNameW = std::mem::zeroed();
    o.struct_size = std::mem::size_of::<OpenFileNameW>() as u32;
    o.owner = h;
    o.filter = if d.filters.is_empty() { null() } else { filter.as_ptr() };
    o.filter_index = 1;
    o.file = file.as_mut_ptr();
    o.max_file = file.len() as u32;
    o.initial_dir = if initial_dir.is_empty() { null() } else { initial_dir.as_ptr() };
    o.title = title.as_ref().map(|t| t.as_ptr()).unwrap_or(null());
    // OFN_EXPLORER | OFN_NOCHANGEDIR | OFN_PATHMUSTEXIST (+ FILEMUSTEXIST / ALLOWMULTISELECT / OVERWRITEPROMPT)
    o.flags = 0x80000 | 0x8 | 0x800 | if save { 0x2 } else { 0x1000 | if d.multiple { 0x200 } else { 0 } };
    let ok = if save { GetSaveFileNameW(&mut o) } else { GetOpenFileNameW(&mut o) } != 0;
    let mut paths: Vec<String> = Vec::new();
    if ok {
        // dir\0name1\0name2\0\0 for several files, or a full path\0\0 for one.
        let parts: Vec<String> = file.split(|&c| c == 0).take_while(|s| !s.is_empty()).map(String::from_utf16_lossy).collect();
        if parts.len() == 1 {
            paths.push(parts[0].clone());
        } else if parts.len() > 1 {
            for name in &parts[1..] {
                paths.push(format!("{}\\{}", parts[0].trim_end_matches('\\'), name));
            }
        }
    }
    paths
}

unsafe fn classic_folder_dialog(h: Hwnd, d: &FileDialog) -> Vec<String> {
    let mut name = vec![0u16; 520];
    let title = ui_wide(d.title.as_deref().unwrap_or("Select Folder"), MAX_TITLE_CHARS);
    let bi = BrowseInfoW {
        owner: h,
        root: null(),
        display_name: name.as_mut_ptr(),
        title: title.as_ptr(),
        flags: 0x1 | 0x40, // BIF_RETURNONLYFSDIRS | BIF_NEWDIALOGSTYLE
        callback: null(),
        lparam: 0,
        image: 0,
    };
    let pidl = SHBrowseForFolderW(&bi);
    let mut paths = Vec::new();
    if !pidl.is_null() {
        let mut buf = vec![0u16; 32 * 1024];
        if SHGetPathFromIDListW(pidl, buf.as_mut_ptr()) != 0 {
            paths.push(from_wide(&buf));
        }
        CoTaskMemFree(pidl);
    }
    paths
}
