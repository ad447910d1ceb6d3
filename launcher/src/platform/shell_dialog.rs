//! The common item dialogs (IFileOpenDialog / IFileSaveDialog, `shobjidl_core.h`) as hand-written
//! vtables with the COM helpers of `webview2.rs`, and the pure parts of a file dialog: options,
//! filter patterns, where it opens, and the protocol's reply. No Win32 calls here, so the unit
//! tests below run on every OS; `windows_dialogs.rs` shows the dialogs.
//!
//! Layouts: each vtable lists the methods of the C declaration (`typedef struct ...Vtbl`) of the
//! Windows SDK's MIDL-generated shobjidl_core.h, in order, IUnknown's three first; `Unused` slots
//! are never called. `vtables_match_shobjidl_h` compares them with the header's method lists.
#![allow(non_snake_case, dead_code)]

use super::webview2::{vtable, AddRefFn, Guid, HResult, OutStr, QueryInterfaceFn, Str, This, Unused};
use crate::json::Json;
use crate::protocol::FileFilter;

pub const CLSID_FILE_OPEN_DIALOG: Guid = Guid::from_u128(0xdc1c5a9c_e88a_4dde_a5a1_60f82a20aef7);
pub const CLSID_FILE_SAVE_DIALOG: Guid = Guid::from_u128(0xc0b4e2f3_ba21_4773_8dba_335ec946eb8b);
pub const IID_FILE_OPEN_DIALOG: Guid = Guid::from_u128(0xd57c7288_d4ad_4768_be02_9d969532d960);
pub const IID_FILE_SAVE_DIALOG: Guid = Guid::from_u128(0x84bccd23_5fde_4cdb_aea4_af64b83d78ab);
pub const IID_SHELL_ITEM: Guid = Guid::from_u128(0x43826d1e_e718_42ee_bc55_a1e261c37bfe);

pub const CLSCTX_INPROC_SERVER: u32 = 0x1;
/// What `Show` returns when the user cancels: HRESULT_FROM_WIN32(ERROR_CANCELLED).
pub const HRESULT_CANCELLED: HResult = 0x8007_04C7u32 as i32;
/// SIGDN_FILESYSPATH: the item's file system path (fails for items that have none).
pub const SIGDN_FILESYSPATH: u32 = 0x8005_8000;

pub const FOS_OVERWRITEPROMPT: u32 = 0x2;
pub const FOS_NOCHANGEDIR: u32 = 0x8;
pub const FOS_PICKFOLDERS: u32 = 0x20;
pub const FOS_FORCEFILESYSTEM: u32 = 0x40;
pub const FOS_ALLOWMULTISELECT: u32 = 0x200;
pub const FOS_PATHMUSTEXIST: u32 = 0x800;
pub const FOS_FILEMUSTEXIST: u32 = 0x1000;

/// COMDLG_FILTERSPEC: a filter's display name and its `;`-separated patterns.
#[repr(C)]
pub struct FilterSpec {
    pub name: Str,
    pub spec: Str,
}

type ItemOut = *mut This;

// IFileDialog (IModalWindow's Show, then its own 23 methods). IFileSaveDialog's extra methods are
// never called, so a save dialog is driven through this vtable alone.
vtable!(FileDialogVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    Show: unsafe extern "system" fn(This, isize) -> HResult,
    SetFileTypes: unsafe extern "system" fn(This, u32, *const FilterSpec) -> HResult,
    SetFileTypeIndex: unsafe extern "system" fn(This, u32) -> HResult,
    GetFileTypeIndex: Unused,
    Advise: Unused,
    Unadvise: Unused,
    SetOptions: unsafe extern "system" fn(This, u32) -> HResult,
    GetOptions: unsafe extern "system" fn(This, *mut u32) -> HResult,
    SetDefaultFolder: Unused,
    SetFolder: unsafe extern "system" fn(This, This) -> HResult,
    GetFolder: Unused,
    GetCurrentSelection: Unused,
    SetFileName: unsafe extern "system" fn(This, Str) -> HResult,
    GetFileName: Unused,
    SetTitle: unsafe extern "system" fn(This, Str) -> HResult,
    SetOkButtonLabel: Unused,
    SetFileNameLabel: Unused,
    GetResult: unsafe extern "system" fn(This, ItemOut) -> HResult,
    AddPlace: Unused,
    SetDefaultExtension: Unused,
    Close: Unused,
    SetClientGuid: Unused,
    ClearClientData: Unused,
    SetFilter: Unused,
});

// IFileOpenDialog: IFileDialog's slots, then two of its own.
vtable!(FileOpenDialogVtbl {
    FileDialog: FileDialogVtbl,
    GetResults: unsafe extern "system" fn(This, ItemOut) -> HResult,
    GetSelectedItems: Unused,
});

vtable!(ShellItemVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    BindToHandler: Unused,
    GetParent: Unused,
    GetDisplayName: unsafe extern "system" fn(This, u32, OutStr) -> HResult,
    GetAttributes: Unused,
    Compare: Unused,
});

vtable!(ShellItemArrayVtbl {
    QueryInterface: QueryInterfaceFn,
    AddRef: AddRefFn,
    Release: AddRefFn,
    BindToHandler: Unused,
    GetPropertyStore: Unused,
    GetPropertyDescriptionList: Unused,
    GetAttributes: Unused,
    GetCount: unsafe extern "system" fn(This, *mut u32) -> HResult,
    GetItemAt: unsafe extern "system" fn(This, u32, ItemOut) -> HResult,
    EnumItems: Unused,
});

// ----- the pure parts of a file dialog -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    Open,
    Save,
    Folder,
}

/// The FOS_ flags for a dialog, added to the dialog's own defaults: file system paths only (the
/// reply carries paths), and the process's current directory left alone.
pub fn options(kind: DialogKind, multiple: bool) -> u32 {
    let common = FOS_FORCEFILESYSTEM | FOS_NOCHANGEDIR | FOS_PATHMUSTEXIST;
    let multi = if multiple { FOS_ALLOWMULTISELECT } else { 0 };
    match kind {
        DialogKind::Open => common | FOS_FILEMUSTEXIST | multi,
        DialogKind::Save => common | FOS_OVERWRITEPROMPT,
        DialogKind::Folder => common | FOS_PICKFOLDERS | multi,
    }
}

/// Each filter as (display name, patterns): `["txt", ".md", "*"]` → `*.txt;*.md;*.*`, as both
/// COMDLG_FILTERSPEC and the classic dialog's filter string spell them.
pub fn filter_specs(filters: &[FileFilter]) -> Vec<(String, String)> {
    filters
        .iter()
        .map(|f| {
            let patterns: Vec<String> = f
                .extensions
                .iter()
                .map(|e| if e == "*" { "*.*".to_string() } else { format!("*.{}", e.trim_start_matches('.')) })
                .collect();
            (f.name.clone(), patterns.join(";"))
        })
        .collect()
}

/// Where a dialog opens for `defaultPath`: (folder to show, file name to prefill). A folder is
/// shown as is; a file path opens its folder with its name filled in (a folder dialog shows the
/// path itself). Windows paths, split at the last `\` or `/`; a drive root keeps its backslash.
pub fn initial_location(path: &str, kind: DialogKind, is_dir: bool) -> (Option<String>, Option<String>) {
    if path.is_empty() {
        return (None, None);
    }
    if is_dir || kind == DialogKind::Folder {
        return (Some(path.to_string()), None);
    }
    match path.rfind(|c| c == '\\' || c == '/') {
        Some(i) => {
            let folder = &path[..i];
            let folder = if folder.ends_with(':') || folder.is_empty() { &path[..=i] } else { folder };
            let name = &path[i + 1..];
            (Some(folder.to_string()), if name.is_empty() { None } else { Some(name.to_string()) })
        }
        None => (None, Some(path.to_string())),
    }
}

/// The protocol's reply (docs/ipc.md): `{cancelled, path}` for a save dialog, `{cancelled, paths}`
/// otherwise; no path means cancelled.
pub fn reply(kind: DialogKind, paths: Vec<String>) -> Json {
    let cancelled = paths.is_empty();
    if kind == DialogKind::Save {
        let path = paths.into_iter().next().map(Json::Str).unwrap_or(Json::Null);
        Json::obj(vec![("cancelled", cancelled.into()), ("path", path)])
    } else {
        Json::obj(vec![("cancelled", cancelled.into()), ("paths", Json::Arr(paths.into_iter().map(Json::Str).collect()))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// Method lists copied from the C vtables (`typedef struct <Interface>Vtbl`) of the Windows
    /// SDK's shobjidl_core.h (MIDL-generated), read through a public copy; mingw-w64's widl-made
    /// shobjidl.h lists the same.
    const IUNKNOWN: [&str; 3] = ["QueryInterface", "AddRef", "Release"];
    const H_FILE_DIALOG: &[&str] = &[
        "Show", "SetFileTypes", "SetFileTypeIndex", "GetFileTypeIndex", "Advise", "Unadvise", "SetOptions",
        "GetOptions", "SetDefaultFolder", "SetFolder", "GetFolder", "GetCurrentSelection", "SetFileName",
        "GetFileName", "SetTitle", "SetOkButtonLabel", "SetFileNameLabel", "GetResult", "AddPlace",
        "SetDefaultExtension", "Close", "SetClientGuid", "ClearClientData", "SetFilter",
    ];
    const H_FILE_OPEN_DIALOG_OWN: &[&str] = &["GetResults", "GetSelectedItems"];
    const H_SHELL_ITEM: &[&str] = &["BindToHandler", "GetParent", "GetDisplayName", "GetAttributes", "Compare"];
    const H_SHELL_ITEM_ARRAY: &[&str] = &[
        "BindToHandler", "GetPropertyStore", "GetPropertyDescriptionList", "GetAttributes", "GetCount", "GetItemAt",
        "EnumItems",
    ];

    fn check(name: &str, ours: &[&str], size: usize, header: &[&str]) {
        let expected: Vec<&str> = IUNKNOWN.iter().chain(header.iter()).cloned().collect();
        assert_eq!(ours, &expected[..], "{}: slot order differs from shobjidl_core.h", name);
        assert_eq!(size, expected.len() * size_of::<usize>(), "{}: vtable size", name);
    }

    #[test]
    fn vtables_match_shobjidl_h() {
        check("IFileDialog", FileDialogVtbl::METHODS, size_of::<FileDialogVtbl>(), H_FILE_DIALOG);
        check("IShellItem", ShellItemVtbl::METHODS, size_of::<ShellItemVtbl>(), H_SHELL_ITEM);
        check("IShellItemArray", ShellItemArrayVtbl::METHODS, size_of::<ShellItemArrayVtbl>(), H_SHELL_ITEM_ARRAY);
        // IFileOpenDialog = IFileDialog's slots, then its own two.
        assert_eq!(&FileOpenDialogVtbl::METHODS[1..], H_FILE_OPEN_DIALOG_OWN);
        assert_eq!(size_of::<FileOpenDialogVtbl>(), (3 + H_FILE_DIALOG.len() + 2) * size_of::<usize>());
        // The slots we call, by index as the header counts them (0 = QueryInterface).
        let at = |v: &[&str], m: &str| v.iter().position(|x| *x == m).unwrap();
        assert_eq!(at(FileDialogVtbl::METHODS, "Show"), 3);
        assert_eq!(at(FileDialogVtbl::METHODS, "SetOptions"), 9);
        assert_eq!(at(FileDialogVtbl::METHODS, "SetFolder"), 12);
        assert_eq!(at(FileDialogVtbl::METHODS, "SetTitle"), 17);
        assert_eq!(at(FileDialogVtbl::METHODS, "GetResult"), 20);
        assert_eq!(FileDialogVtbl::METHODS.len() + at(H_FILE_OPEN_DIALOG_OWN, "GetResults"), 27);
        assert_eq!(at(ShellItemVtbl::METHODS, "GetDisplayName"), 5);
        assert_eq!(at(ShellItemArrayVtbl::METHODS, "GetItemAt"), 8);
        assert_eq!(size_of::<FilterSpec>(), 16);
    }

    /// The GUIDs as shobjidl_core.h spells them (MIDL_INTERFACE / DEFINE_GUID).
    #[test]
    fn guids_match_shobjidl_h() {
        let header = [
            (CLSID_FILE_OPEN_DIALOG, "DC1C5A9C-E88A-4dde-A5A1-60F82A20AEF7", [0xdc1c5a9cu32, 0xe88a, 0x4dde], [0xa5u8, 0xa1, 0x60, 0xf8, 0x2a, 0x20, 0xae, 0xf7]),
            (CLSID_FILE_SAVE_DIALOG, "C0B4E2F3-BA21-4773-8DBA-335EC946EB8B", [0xc0b4e2f3, 0xba21, 0x4773], [0x8d, 0xba, 0x33, 0x5e, 0xc9, 0x46, 0xeb, 0x8b]),
            (IID_FILE_OPEN_DIALOG, "d57c7288-d4ad-4768-be02-9d969532d960", [0xd57c7288, 0xd4ad, 0x4768], [0xbe, 0x02, 0x9d, 0x96, 0x95, 0x32, 0xd9, 0x60]),
            (IID_FILE_SAVE_DIALOG, "84bccd23-5fde-4cdb-aea4-af64b83d78ab", [0x84bccd23, 0x5fde, 0x4cdb], [0xae, 0xa4, 0xaf, 0x64, 0xb8, 0x3d, 0x78, 0xab]),
            (IID_SHELL_ITEM, "43826d1e-e718-42ee-bc55-a1e261c37bfe", [0x43826d1e, 0xe718, 0x42ee], [0xbc, 0x55, 0xa1, 0xe2, 0x61, 0xc3, 0x7b, 0xfe]),
        ];
        for (ours, text, d123, d4) in header.iter() {
            assert_eq!(Some(*ours), Guid::parse(text), "{}", text);
            assert_eq!(*ours, Guid { data1: d123[0], data2: d123[1] as u16, data3: d123[2] as u16, data4: *d4 }, "{}", text);
        }
        assert_eq!(HRESULT_CANCELLED as u32, 0x8007_0000 | 1223, "HRESULT_FROM_WIN32(ERROR_CANCELLED)");
    }

    #[test]
    fn dialog_options() {
        assert_eq!(options(DialogKind::Open, false), 0x40 | 0x8 | 0x800 | 0x1000);
        assert_eq!(options(DialogKind::Open, true) & FOS_ALLOWMULTISELECT, FOS_ALLOWMULTISELECT);
        assert_eq!(options(DialogKind::Save, true) & (FOS_ALLOWMULTISELECT | FOS_FILEMUSTEXIST), 0);
        assert_eq!(options(DialogKind::Save, false) & FOS_OVERWRITEPROMPT, FOS_OVERWRITEPROMPT);
        assert_eq!(options(DialogKind::Folder, false) & (FOS_PICKFOLDERS | FOS_FORCEFILESYSTEM), FOS_PICKFOLDERS | FOS_FORCEFILESYSTEM);
        assert_eq!(options(DialogKind::Folder, true) & FOS_ALLOWMULTISELECT, FOS_ALLOWMULTISELECT);
    }

    #[test]
    fn filters_become_patterns() {
        let f = |name: &str, ext: &[&str]| FileFilter { name: name.into(), extensions: ext.iter().map(|e| e.to_string()).collect() };
        assert_eq!(
            filter_specs(&[f("Text", &["txt", ".md"]), f("All files", &["*"])]),
            vec![("Text".to_string(), "*.txt;*.md".to_string()), ("All files".to_string(), "*.*".to_string())]
        );
        assert!(filter_specs(&[]).is_empty());
    }

    #[test]
    fn default_paths() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(initial_location("C:\\Users\\ann\\notes.txt", DialogKind::Save, false), (s("C:\\Users\\ann"), s("notes.txt")));
        assert_eq!(initial_location("C:\\Users\\ann", DialogKind::Open, true), (s("C:\\Users\\ann"), None));
        assert_eq!(initial_location("C:\\notes.txt", DialogKind::Open, false), (s("C:\\"), s("notes.txt")));
        assert_eq!(initial_location("notes.txt", DialogKind::Save, false), (None, s("notes.txt")));
        assert_eq!(initial_location("D:/work/a.md", DialogKind::Open, false), (s("D:/work"), s("a.md")));
        assert_eq!(initial_location("C:\\not\\there", DialogKind::Folder, false), (s("C:\\not\\there"), None));
        assert_eq!(initial_location("", DialogKind::Open, false), (None, None));
    }

    #[test]
    fn replies_as_docs_ipc_md() {
        assert_eq!(reply(DialogKind::Open, vec![]).to_string(), r#"{"cancelled":true,"paths":[]}"#);
        assert_eq!(reply(DialogKind::Folder, vec!["C:\\a".into()]).to_string(), r#"{"cancelled":false,"paths":["C:\\a"]}"#);
        assert_eq!(reply(DialogKind::Save, vec![]).to_string(), r#"{"cancelled":true,"path":null}"#);
        assert_eq!(reply(DialogKind::Save, vec!["C:\\b.txt".into()]).to_string(), r#"{"cancelled":false,"path":"C:\\b.txt"}"#);
    }
}
