//! Single instance on Windows: a named pipe `\\.\pipe\taupy-<user SID>-<id>` created with
//! FILE_FLAG_FIRST_PIPE_INSTANCE and one instance at most is both the lock (a second creator
//! fails) and the channel. Its DACL lets only the current user in (`D:P(A;;GA;;;<SID>)`),
//! remote clients are refused, and a second start checks that the pipe it found is owned by its
//! own user before it says anything (no other account can squat the name and collect args).

use super::windows_sys::wide;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::mem::ManuallyDrop;
use std::os::raw::c_void;
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle};
use std::ptr::null_mut;
use std::time::{Duration, Instant};

type Handle = isize;
const INVALID_HANDLE: Handle = -1;

#[repr(C)]
struct SecurityAttributes {
    length: u32,
    descriptor: *mut c_void,
    inherit: i32,
}

#[link(name = "kernel32")]
extern "system" {
    fn CreateNamedPipeW(name: *const u16, open: u32, mode: u32, max: u32, out: u32, inb: u32, timeout: u32, sa: *const SecurityAttributes) -> Handle;
    fn ConnectNamedPipe(h: Handle, ov: *mut c_void) -> i32;
    fn DisconnectNamedPipe(h: Handle) -> i32;
    fn FlushFileBuffers(h: Handle) -> i32;
    fn GetLastError() -> u32;
    fn GetCurrentProcess() -> Handle;
    fn LocalFree(p: *mut c_void) -> *mut c_void;
    fn CloseHandle(h: Handle) -> i32;
    fn GetCurrentProcessId() -> u32;
    fn ProcessIdToSessionId(pid: u32, session: *mut u32) -> i32;
}
#[link(name = "advapi32")]
extern "system" {
    fn OpenProcessToken(p: Handle, access: u32, token: *mut Handle) -> i32;
    fn GetTokenInformation(t: Handle, class: u32, info: *mut c_void, len: u32, ret: *mut u32) -> i32;
    fn ConvertSidToStringSidW(sid: *mut c_void, out: *mut *mut u16) -> i32;
    fn ConvertStringSecurityDescriptorToSecurityDescriptorW(s: *const u16, rev: u32, sd: *mut *mut c_void, len: *mut u32) -> i32;
    fn GetSecurityInfo(h: Handle, kind: u32, what: u32, owner: *mut *mut c_void, group: *mut *mut c_void, dacl: *mut *mut c_void, sacl: *mut *mut c_void, sd: *mut *mut c_void) -> u32;
    fn EqualSid(a: *mut c_void, b: *mut c_void) -> i32;
}
#[link(name = "user32")]
extern "system" {
    fn AllowSetForegroundWindow(pid: u32) -> i32;
}

const PIPE_ACCESS_DUPLEX: u32 = 3;
const FILE_FLAG_FIRST_PIPE_INSTANCE: u32 = 0x0008_0000;
const PIPE_TYPE_BYTE: u32 = 0;
const PIPE_REJECT_REMOTE_CLIENTS: u32 = 8;
const ERROR_ACCESS_DENIED: u32 = 5;
const ERROR_PIPE_BUSY: i32 = 231;
const ERROR_PIPE_CONNECTED: u32 = 535;
const TOKEN_QUERY: u32 = 8;
const TOKEN_USER: u32 = 1;
const SE_KERNEL_OBJECT: u32 = 6;
const OWNER_SECURITY_INFORMATION: u32 = 1;
const SECURITY_SQOS_PRESENT: u32 = 0x0010_0000;
const SECURITY_IDENTIFICATION: u32 = 0x0001_0000;
const ASFW_ANY: u32 = 0xFFFF_FFFF;

pub struct Listener {
    pipe: Handle,
}
// The pipe handle is used by the serving thread only, once handed over.
unsafe impl Send for Listener {}

pub enum Claim {
    First(Listener),
    Running,
}

/// The current user's SID as a buffer (TOKEN_USER) and as a string (`S-1-5-21-…`).
fn user_sid() -> Result<(Vec<u8>, String), String> {
    unsafe {
        let mut tok: Handle = 0;
        if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut tok) == 0 {
            return Err(format!("OpenProcessToken failed ({})", GetLastError()));
        }
        let mut len = 0u32;
        GetTokenInformation(tok, TOKEN_USER, null_mut(), 0, &mut len);
        let mut buf = vec![0u8; len.max(64) as usize];
        let ok = GetTokenInformation(tok, TOKEN_USER, buf.as_mut_ptr() as *mut c_void, buf.len() as u32, &mut len);
        CloseHandle(tok);
        if ok == 0 {
            return Err(format!("GetTokenInformation failed ({})", GetLastError()));
        }
        let sid = *(buf.as_ptr() as *const *mut c_void); // TOKEN_USER.User.Sid
        let mut s: *mut u16 = null_mut();
        if ConvertSidToStringSidW(sid, &mut s) == 0 {
            return Err(format!("ConvertSidToStringSid failed ({})", GetLastError()));
        }
        let mut n = 0;
        while *s.add(n) != 0 {
            n += 1;
        }
        let text = String::from_utf16_lossy(std::slice::from_raw_parts(s, n));
        LocalFree(s as *mut c_void);
        Ok((buf, text))
    }
}

/// `-s<N>`: the logon session (pipe names are global to the machine).
pub fn session_suffix() -> String {
    let mut n = 0u32;
    unsafe { ProcessIdToSessionId(GetCurrentProcessId(), &mut n) };
    format!("-s{}", n)
}

fn pipe_name(sid: &str, key: &str) -> String {
    format!(r"\\.\pipe\taupy-{}-{}", sid, key)
}

pub fn claim(key: &str) -> Result<Claim, String> {
    let (_, sid) = user_sid()?;
    let sddl = wide(&format!("O:{}D:P(A;;GA;;;{})", sid, sid));
    let mut sd: *mut c_void = null_mut();
    if unsafe { ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.as_ptr(), 1, &mut sd, null_mut()) } == 0 {
        return Err(format!("cannot build the pipe's security descriptor ({})", unsafe { GetLastError() }));
    }
    let sa = SecurityAttributes { length: std::mem::size_of::<SecurityAttributes>() as u32, descriptor: sd, inherit: 0 };
    let name = wide(&pipe_name(&sid, key));
    let pipe = unsafe {
        CreateNamedPipeW(
            name.as_ptr(),
            PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
            PIPE_TYPE_BYTE | PIPE_REJECT_REMOTE_CLIENTS,
            1,
            4096,
            64 * 1024,
            0,
            &sa,
        )
    };
    let err = unsafe { GetLastError() };
    unsafe { LocalFree(sd) };
    if pipe == INVALID_HANDLE {
        // Taken (by our own running copy, or busy with one of its clients).
        if err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY as u32 {
            return Ok(Claim::Running);
        }
        return Err(format!("cannot create the pipe ({})", err));
    }
    Ok(Claim::First(Listener { pipe }))
}

/// Whether the pipe's owner is `me` (a TOKEN_USER buffer).
fn owned_by(f: &File, me: &mut [u8]) -> bool {
    unsafe {
        let mut owner: *mut c_void = null_mut();
        let mut sd: *mut c_void = null_mut();
        let r = GetSecurityInfo(f.as_raw_handle() as Handle, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &mut owner, null_mut(), null_mut(), null_mut(), &mut sd);
        if r != 0 || owner.is_null() {
            return false;
        }
        let my_sid = *(me.as_ptr() as *const *mut c_void);
        let same = EqualSid(owner, my_sid) != 0;
        LocalFree(sd);
        same
    }
}

pub fn hand_over(key: &str, msg: &[u8]) -> Result<(), String> {
    let (mut me, sid) = user_sid()?;
    let name = pipe_name(&sid, key);
    let deadline = Instant::now() + Duration::from_millis(1000);
    let mut f = loop {
        // Identification only: the first copy cannot act as us with this connection.
        match OpenOptions::new().read(true).write(true).security_qos_flags(SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION).open(&name) {
            Ok(f) => break f,
            Err(e) if Instant::now() >= deadline => return Err(format!("{}: {}", name, e)),
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    if !owned_by(&f, &mut me) {
        return Err(format!("{} is not owned by this user; nothing sent", name));
    }
    // Let the running copy bring its window to the front (Windows only allows that to the
    // process the user last started, which is this one).
    unsafe { AllowSetForegroundWindow(ASFW_ANY) };
    f.write_all(msg).map_err(|e| e.to_string())?;
    let mut ack = [0u8; 3];
    f.read_exact(&mut ack).map_err(|e| format!("no answer: {}", e))?;
    if &ack != b"ok\n" {
        return Err("unexpected answer".into());
    }
    Ok(())
}

/// Reads one hand-over: up to its newline (the JSON has none inside), capped.
fn read_message(f: &mut File) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = f.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > crate::instance::MAX_HANDOFF_BYTES {
            return None;
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            buf.truncate(i + 1);
            return Some(buf);
        }
    }
}

/// Serves hand-overs one at a time on a thread of its own (the pipe has one instance; a second
/// start that finds it busy retries).
pub fn serve(l: Listener, on_message: impl Fn(Vec<u8>) + Send + 'static) {
    std::thread::spawn(move || {
        let h = l.pipe;
        let mut f = ManuallyDrop::new(unsafe { File::from_raw_handle(h as *mut c_void) });
        loop {
            let ok = unsafe { ConnectNamedPipe(h, null_mut()) } != 0 || unsafe { GetLastError() } == ERROR_PIPE_CONNECTED;
            if ok {
                if let Some(msg) = read_message(&mut f) {
                    let _ = f.write_all(b"ok\n");
                    unsafe { FlushFileBuffers(h) };
                    on_message(msg);
                }
            } else {
                std::thread::sleep(Duration::from_millis(50));
            }
            unsafe { DisconnectNamedPipe(h) };
        }
    });
}
