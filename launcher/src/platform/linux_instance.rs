//! Single instance on Linux: `flock` on `<dir>/taupy-<id>.lock` says who runs, a Unix socket
//! `<dir>/taupy-<id>.sock` carries a later start's hand-over. `<dir>` is `$XDG_RUNTIME_DIR`
//! when it is ours and 0700, else `~/.cache/taupy-run` (made 0700); the socket is 0600 and the
//! peer's uid is checked (SO_PEERCRED), so another user can neither reach nor impersonate it.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

extern "C" {
    fn flock(fd: i32, op: i32) -> i32;
    fn getuid() -> u32;
    fn getsockopt(fd: i32, level: i32, name: i32, val: *mut u8, len: *mut u32) -> i32;
}
const LOCK_EX: i32 = 2;
const LOCK_NB: i32 = 4;
const SOL_SOCKET: i32 = 1;
const SO_PEERCRED: i32 = 17;

pub struct Listener {
    socket: UnixListener,
    /// Held (locked) for the life of the process; the kernel drops the lock when it ends.
    _lock: File,
}

pub enum Claim {
    First(Listener),
    Running,
}

/// Ours and reachable by nobody else: owned by our uid, no group/other bits, not a symlink.
fn private_dir(p: &Path) -> Result<(), String> {
    let m = fs::symlink_metadata(p).map_err(|e| format!("{}: {}", p.display(), e))?;
    let uid = unsafe { getuid() };
    if !m.is_dir() || m.uid() != uid || m.mode() & 0o077 != 0 {
        return Err(format!("{} is not a folder of ours with mode 0700", p.display()));
    }
    Ok(())
}

/// The per-user folder for locks and sockets (see the module comment).
pub fn runtime_dir() -> Result<PathBuf, String> {
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        if d.is_absolute() && private_dir(&d).is_ok() {
            return Ok(d);
        }
    }
    let cache = match std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(c) => c,
        None => PathBuf::from(std::env::var_os("HOME").ok_or("neither XDG_RUNTIME_DIR nor HOME is set")?).join(".cache"),
    };
    let d = cache.join("taupy-run");
    if fs::symlink_metadata(&d).is_err() {
        fs::create_dir_all(&cache).map_err(|e| format!("{}: {}", cache.display(), e))?;
        fs::DirBuilder::new().mode(0o700).create(&d).map_err(|e| format!("{}: {}", d.display(), e))?;
    }
    private_dir(&d)?;
    Ok(d)
}

/// `-on-<display>`: the X display or Wayland socket this start is on (letters, digits, `._-`).
pub fn session_suffix() -> String {
    let d = std::env::var("WAYLAND_DISPLAY").ok().filter(|d| !d.is_empty()).or_else(|| std::env::var("DISPLAY").ok()).unwrap_or_default();
    let clean: String = d.chars().filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c)).take(32).collect();
    format!("-on-{}", clean)
}

fn paths(key: &str) -> Result<(PathBuf, PathBuf), String> {
    let d = runtime_dir()?;
    Ok((d.join(format!("taupy-{}.lock", key)), d.join(format!("taupy-{}.sock", key))))
}

pub fn claim(key: &str) -> Result<Claim, String> {
    let (lock_path, sock_path) = paths(key)?;
    let lock = OpenOptions::new()
        .create(true)
        .write(true)
        .mode(0o600)
        .custom_flags(0o400000) // O_NOFOLLOW
        .open(&lock_path)
        .map_err(|e| format!("{}: {}", lock_path.display(), e))?;
    if unsafe { flock(lock.as_raw_fd(), LOCK_EX | LOCK_NB) } != 0 {
        return Ok(Claim::Running);
    }
    // We hold the lock: a socket file left by a crashed run is stale.
    let _ = fs::remove_file(&sock_path);
    let socket = UnixListener::bind(&sock_path).map_err(|e| format!("{}: {}", sock_path.display(), e))?;
    fs::set_permissions(&sock_path, fs::Permissions::from_mode(0o600)).map_err(|e| e.to_string())?;
    Ok(Claim::First(Listener { socket, _lock: lock }))
}

/// Sends `msg` to the running copy and waits for its `ok`. The first copy may hold the lock a
/// moment before its socket exists, so connecting is retried for up to a second.
pub fn hand_over(key: &str, msg: &[u8]) -> Result<(), String> {
    let (_, sock_path) = paths(key)?;
    let deadline = Instant::now() + Duration::from_millis(1000);
    let mut s = loop {
        match UnixStream::connect(&sock_path) {
            Ok(s) => break s,
            Err(e) if Instant::now() >= deadline => return Err(format!("{}: {}", sock_path.display(), e)),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    s.set_read_timeout(Some(Duration::from_millis(1500))).ok();
    s.write_all(msg).map_err(|e| e.to_string())?;
    s.shutdown(std::net::Shutdown::Write).ok();
    let mut ack = [0u8; 3];
    s.read_exact(&mut ack).map_err(|e| format!("no answer: {}", e))?;
    if &ack != b"ok\n" {
        return Err("unexpected answer".into());
    }
    Ok(())
}

fn peer_uid(s: &UnixStream) -> Option<u32> {
    let mut cred = [0u8; 12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
    let mut len = 12u32;
    let r = unsafe { getsockopt(s.as_raw_fd(), SOL_SOCKET, SO_PEERCRED, cred.as_mut_ptr(), &mut len) };
    if r != 0 || len != 12 {
        return None;
    }
    Some(u32::from_ne_bytes([cred[4], cred[5], cred[6], cred[7]]))
}

/// Accepts hand-overs on a thread of its own for the life of the process; `on_message` gets
/// each message's bytes (capped; the sender has 2 s to send it).
pub fn serve(l: Listener, on_message: impl Fn(Vec<u8>) + Send + 'static) {
    std::thread::spawn(move || {
        let _lock = l._lock;
        let me = unsafe { getuid() };
        for conn in l.socket.incoming() {
            let mut s = match conn {
                Ok(s) => s,
                Err(_) => continue,
            };
            if peer_uid(&s) != Some(me) {
                continue; // not our user: say nothing
            }
            s.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let mut buf = Vec::new();
            let cap = crate::instance::MAX_HANDOFF_BYTES as u64 + 1;
            if (&mut s).take(cap).read_to_end(&mut buf).is_err() {
                continue;
            }
            let _ = s.write_all(b"ok\n");
            on_message(buf);
        }
    });
}
