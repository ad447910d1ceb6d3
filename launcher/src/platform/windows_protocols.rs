//! URL schemes on Windows, per user: `HKCU\Software\Classes\<scheme>` with `URL Protocol`, a
//! `shell\open\command` that starts the app with the URL as `"%1"`, and `TaupyAppId` naming the
//! app, so unregistering never removes a scheme another program registered.

use super::windows_sys::{wide, Hkey, HKEY_CURRENT_USER};
use crate::desktop::AppEntry;
use std::os::raw::c_void;
use std::ptr::{null, null_mut};

const KEY_READ: u32 = 0x20019;
const KEY_WRITE: u32 = 0x20006;
const REG_SZ: u32 = 1;

#[link(name = "advapi32")]
extern "system" {
    fn RegCreateKeyExW(k: Hkey, sub: *const u16, r: u32, class: *const u16, opts: u32, sam: u32, sa: *const c_void, out: *mut Hkey, disp: *mut u32) -> i32;
    fn RegOpenKeyExW(k: Hkey, sub: *const u16, opts: u32, sam: u32, out: *mut Hkey) -> i32;
    fn RegSetValueExW(k: Hkey, name: *const u16, r: u32, kind: u32, data: *const u8, len: u32) -> i32;
    fn RegQueryValueExW(k: Hkey, name: *const u16, r: *mut u32, kind: *mut u32, data: *mut u8, len: *mut u32) -> i32;
    fn RegDeleteTreeW(k: Hkey, sub: *const u16) -> i32;
    fn RegDeleteKeyValueW(k: Hkey, sub: *const u16, name: *const u16) -> i32;
    fn RegCloseKey(k: Hkey) -> i32;
}

/// One argument quoted the way CommandLineToArgvW and the C runtime read it back.
pub fn quote_arg(a: &str) -> String {
    let mut out = String::from("\"");
    let mut slashes = 0;
    for c in a.chars() {
        if c == '\\' {
            slashes += 1;
            continue;
        }
        let n = if c == '"' { slashes * 2 + 1 } else { slashes };
        out.push_str(&"\\".repeat(n));
        out.push(c);
        slashes = 0;
    }
    out.push_str(&"\\".repeat(slashes * 2));
    out.push('"');
    out
}

/// Removes one value of a key under HKCU; a value that is not there is fine.
pub(super) fn delete_value(key: &str, name: &str) -> Result<(), String> {
    let r = unsafe { RegDeleteKeyValueW(HKEY_CURRENT_USER, wide(key).as_ptr(), wide(name).as_ptr()) };
    if r != 0 && r != 2 {
        return Err(format!("HKCU\\{}\\{}: error {}", key, name, r));
    }
    Ok(())
}

/// The app's command line, without an argument for a URL (autostart).
pub(super) fn plain_command_line(app: &AppEntry) -> String {
    app.command.iter().map(|a| quote_arg(a)).collect::<Vec<_>>().join(" ")
}

pub fn command_line(app: &AppEntry) -> String {
    let mut parts: Vec<String> = app.command.iter().map(|a| quote_arg(a)).collect();
    parts.push("\"%1\"".into());
    parts.join(" ")
}

pub(super) fn read(key: &str, name: Option<&str>) -> Option<String> {
    unsafe {
        let mut h: Hkey = 0;
        if RegOpenKeyExW(HKEY_CURRENT_USER, wide(key).as_ptr(), 0, KEY_READ, &mut h) != 0 {
            return None;
        }
        let n = name.map(wide);
        let np = n.as_ref().map_or(null(), |v| v.as_ptr());
        let mut buf = vec![0u16; 8192];
        let mut len = (buf.len() * 2) as u32;
        let mut kind = 0u32;
        let r = RegQueryValueExW(h, np, null_mut(), &mut kind, buf.as_mut_ptr() as *mut u8, &mut len);
        RegCloseKey(h);
        if r != 0 || kind != REG_SZ {
            return None;
        }
        let chars = &buf[..(len as usize / 2)];
        let end = chars.iter().position(|&c| c == 0).unwrap_or(chars.len());
        Some(String::from_utf16_lossy(&chars[..end]))
    }
}

pub(super) fn write(key: &str, values: &[(Option<&str>, &str)]) -> Result<(), String> {
    unsafe {
        let mut h: Hkey = 0;
        let r = RegCreateKeyExW(HKEY_CURRENT_USER, wide(key).as_ptr(), 0, null(), 0, KEY_WRITE, null(), &mut h, null_mut());
        if r != 0 {
            return Err(format!("HKCU\\{}: error {}", key, r));
        }
        for (name, value) in values {
            let n = name.map(wide);
            let v = wide(value);
            let r = RegSetValueExW(h, n.as_ref().map_or(null(), |x| x.as_ptr()), 0, REG_SZ, v.as_ptr() as *const u8, (v.len() * 2) as u32);
            if r != 0 {
                RegCloseKey(h);
                return Err(format!("HKCU\\{}: error {}", key, r));
            }
        }
        RegCloseKey(h);
    }
    Ok(())
}

fn class_key(p: &str) -> String {
    format!("Software\\Classes\\{}", p)
}

pub fn register(app: &AppEntry, protocols: &[String]) -> Result<(), String> {
    let cmd = command_line(app);
    let name: String = app.name.chars().filter(|c| !c.is_control()).collect();
    for p in protocols {
        let key = class_key(p);
        let open = format!("{}\\shell\\open\\command", key);
        let ours = read(&key, Some("TaupyAppId")).as_deref() == Some(app.id);
        if ours && read(&open, None).as_deref() == Some(cmd.as_str()) {
            continue; // registered, and still pointing here
        }
        if !ours && read(&key, Some("URL Protocol")).is_some() {
            return Err(format!("{}: is registered by another program; left as it is", p));
        }
        write(&key, &[(None, &format!("URL:{}", name)), (Some("URL Protocol"), ""), (Some("TaupyAppId"), app.id)])?;
        write(&open, &[(None, &cmd)])?;
    }
    Ok(())
}

pub fn unregister(app: &AppEntry, protocols: &[String]) -> Result<Vec<String>, String> {
    let mut removed = Vec::new();
    for p in protocols {
        let key = class_key(p);
        if read(&key, Some("TaupyAppId")).as_deref() == Some(app.id) {
            let r = unsafe { RegDeleteTreeW(HKEY_CURRENT_USER, wide(&key).as_ptr()) };
            if r != 0 {
                return Err(format!("HKCU\\{}: error {}", key, r));
            }
            removed.push(p.clone());
        }
    }
    Ok(removed)
}
