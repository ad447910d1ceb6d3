//! `<folder>.lock` files: exclusive while extracting or healing, shared while the app runs, so
//! cleanup can tell a folder is in use. `flock` on POSIX, `LockFileEx` on Windows.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Shared,
    Exclusive,
}

/// Held until dropped (closing the file releases the lock).
pub struct Lock {
    pub file: File,
}

#[cfg(unix)]
mod sys {
    use std::os::raw::c_int;
    extern "C" {
        pub fn flock(fd: c_int, op: c_int) -> c_int;
    }
    pub const LOCK_SH: c_int = 1;
    pub const LOCK_EX: c_int = 2;
    pub const LOCK_NB: c_int = 4;
}

#[cfg(windows)]
mod sys {
    use std::os::raw::c_void;
    #[repr(C)]
    pub struct Overlapped {
        pub internal: usize,
        pub internal_high: usize,
        pub offset: u32,
        pub offset_high: u32,
        pub event: *mut c_void,
    }
    #[link(name = "kernel32")]
    extern "system" {
        pub fn LockFileEx(h: *mut c_void, flags: u32, reserved: u32, low: u32, high: u32, o: *mut Overlapped) -> i32;
    }
    pub const LOCKFILE_FAIL_IMMEDIATELY: u32 = 1;
    pub const LOCKFILE_EXCLUSIVE_LOCK: u32 = 2;
    pub const ERROR_LOCK_VIOLATION: i32 = 33;
    pub const FILE_SHARE_READ: u32 = 1;
    pub const FILE_SHARE_WRITE: u32 = 2;
}

fn open(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    #[cfg(windows)]
    {
        // No FILE_SHARE_DELETE: cleanup cannot delete a lock file someone has open.
        use std::os::windows::fs::OpenOptionsExt;
        o.share_mode(sys::FILE_SHARE_READ | sys::FILE_SHARE_WRITE);
    }
    o.open(path)
}

/// Takes the lock, waiting for it when `wait`; Ok(None) when `!wait` and someone else holds it.
#[cfg(unix)]
pub fn take(path: &Path, kind: Kind, wait: bool) -> io::Result<Option<Lock>> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;
    loop {
        let file = open(path)?;
        let mut op = if kind == Kind::Shared { sys::LOCK_SH } else { sys::LOCK_EX };
        if !wait {
            op |= sys::LOCK_NB;
        }
        loop {
            if unsafe { sys::flock(file.as_raw_fd(), op) } == 0 {
                break;
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(None),
                _ => return Err(e),
            }
        }
        // Cleanup may have deleted the lock file while we waited: then our lock guards nothing;
        // lock the file that is at the path now.
        let here = file.metadata()?;
        match std::fs::metadata(path) {
            Ok(m) if m.ino() == here.ino() && m.dev() == here.dev() => return Ok(Some(Lock { file })),
            _ => continue,
        }
    }
}

#[cfg(windows)]
pub fn take(path: &Path, kind: Kind, wait: bool) -> io::Result<Option<Lock>> {
    use std::os::windows::io::AsRawHandle;
    let file = open(path)?;
    let mut flags = if kind == Kind::Exclusive { sys::LOCKFILE_EXCLUSIVE_LOCK } else { 0 };
    if !wait {
        flags |= sys::LOCKFILE_FAIL_IMMEDIATELY;
    }
    let mut o = sys::Overlapped { internal: 0, internal_high: 0, offset: 0, offset_high: 0, event: std::ptr::null_mut() };
    if unsafe { sys::LockFileEx(file.as_raw_handle() as *mut _, flags, 0, 1, 0, &mut o) } != 0 {
        return Ok(Some(Lock { file }));
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(sys::ERROR_LOCK_VIOLATION) {
        return Ok(None);
    }
    Err(e)
}

impl Lock {
    /// Keeps the lock across `exec` (the backend then holds it for as long as it runs).
    #[cfg(unix)]
    pub fn inherit_across_exec(&self) {
        use std::os::raw::c_int;
        use std::os::unix::io::AsRawFd;
        extern "C" {
            fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
        }
        const F_SETFD: c_int = 2;
        unsafe { fcntl(self.file.as_raw_fd(), F_SETFD, 0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("taupy-lock-test-{}-{}", name, std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn shared_locks_coexist_and_exclude_an_exclusive_one() {
        let d = dir("a");
        let p = d.join("x.lock");
        let s1 = take(&p, Kind::Shared, false).unwrap().expect("first shared");
        let s2 = take(&p, Kind::Shared, false).unwrap().expect("second shared");
        assert!(take(&p, Kind::Exclusive, false).unwrap().is_none(), "exclusive while shared held");
        drop(s1);
        assert!(take(&p, Kind::Exclusive, false).unwrap().is_none(), "one shared still held");
        drop(s2);
        let x = take(&p, Kind::Exclusive, false).unwrap().expect("exclusive once free");
        assert!(take(&p, Kind::Shared, false).unwrap().is_none(), "shared while exclusive held");
        drop(x);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_waiting_lock_gets_it_when_released_and_survives_deletion_of_the_file() {
        let d = dir("b");
        let p = d.join("x.lock");
        let x = take(&p, Kind::Exclusive, true).unwrap().unwrap();
        let p2 = p.clone();
        let t = std::thread::spawn(move || take(&p2, Kind::Shared, true).unwrap().unwrap());
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!t.is_finished_compat());
        // Cleanup deletes the lock file while holding it: the waiter must lock the new file.
        std::fs::remove_file(&p).unwrap();
        drop(x);
        let s = t.join().unwrap();
        assert!(take(&p, Kind::Exclusive, false).unwrap().is_none(), "the waiter holds the file now at the path");
        drop(s);
        std::fs::remove_dir_all(&d).unwrap();
    }

    trait Finished {
        fn is_finished_compat(&self) -> bool;
    }
    impl<T> Finished for std::thread::JoinHandle<T> {
        fn is_finished_compat(&self) -> bool {
            self.is_finished()
        }
    }
}
