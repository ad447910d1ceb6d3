//! The per-user cache (docs/one-file-format.md, "The cache"): where it is, the trust checks
//! that keep us from running anything another user could have written, and the
//! `.taupy-complete` manifests.

use super::index::Entry;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = ".taupy-complete";

/// `$XDG_CACHE_HOME` (when absolute) or `$HOME/.cache`: the folder that holds `taupy/`.
#[cfg(unix)]
pub fn parent_of_root() -> Result<PathBuf, String> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME") {
        let p = PathBuf::from(x);
        if p.is_absolute() {
            return Ok(p);
        }
    }
    match std::env::var_os("HOME") {
        Some(h) if Path::new(&h).is_absolute() => Ok(Path::new(&h).join(".cache")),
        _ => Err("neither XDG_CACHE_HOME nor HOME is set to an absolute folder: nowhere to unpack the app".into()),
    }
}

/// `%LOCALAPPDATA%` as the shell knows it (FOLDERID_LocalAppData; see platform::local_app_data).
#[cfg(windows)]
pub fn parent_of_root() -> Result<PathBuf, String> {
    crate::platform::local_app_data().map(PathBuf::from)
}

/// Refuses a folder another user could have written to (or planted).
#[cfg(unix)]
pub fn check_trusted(dir: &Path, follow: bool) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    extern "C" {
        fn getuid() -> u32;
    }
    let m = if follow { std::fs::metadata(dir) } else { std::fs::symlink_metadata(dir) }
        .map_err(|e| format!("cannot check the cache folder {}: {}", dir.display(), e))?;
    let refuse = |what: String| {
        Err(format!(
            "refusing to run from the cache folder {}: {}. Another user could change what runs; fix it (chown/chmod go-w) or remove the folder.",
            dir.display(),
            what
        ))
    };
    if !m.is_dir() {
        return refuse("it is not a folder (a symbolic link or a file)".into());
    }
    let uid = unsafe { getuid() };
    if m.uid() != uid {
        return refuse(format!("it is owned by uid {}, not by you (uid {})", m.uid(), uid));
    }
    if m.mode() & 0o022 != 0 {
        return refuse(format!("it is writable by {} (mode {:o})", if m.mode() & 0o002 != 0 { "everyone" } else { "its group" }, m.mode() & 0o7777));
    }
    Ok(())
}

/// On Windows the per-user profile's ACLs protect %LOCALAPPDATA%; nothing to check here.
#[cfg(windows)]
pub fn check_trusted(_dir: &Path, _follow: bool) -> Result<(), String> {
    Ok(())
}

/// Creates `dir` (0700) when missing, then checks it.
pub fn ensure_dir(dir: &Path) -> Result<(), String> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    match b.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create the cache folder {}: {}", dir.display(), e)),
    }
    check_trusted(dir, false)
}

/// `taupy/` under the user's cache folder, created and checked, with `runtimes/` and `apps/<id>/`.
pub struct Cache {
    pub root: PathBuf,
}

impl Cache {
    pub fn open_at(parent: &Path) -> Result<Cache, String> {
        if !parent.exists() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(parent).map_err(|e| format!("cannot create the cache folder {}: {}", parent.display(), e))?;
        }
        // The parent may be a symbolic link (a cache moved to another disk): check its target.
        check_trusted(parent, true)?;
        let root = parent.join("taupy");
        ensure_dir(&root)?;
        Ok(Cache { root })
    }

    pub fn open() -> Result<Cache, String> {
        Cache::open_at(&parent_of_root()?)
    }

    pub fn runtimes(&self) -> Result<PathBuf, String> {
        let d = self.root.join("runtimes");
        ensure_dir(&d)?;
        Ok(d)
    }

    pub fn apps(&self, app_id: &str) -> Result<PathBuf, String> {
        let a = self.root.join("apps");
        ensure_dir(&a)?;
        let d = a.join(app_id);
        ensure_dir(&d)?;
        Ok(d)
    }
}

/// `<folder>.lock` beside `<folder>`.
pub fn lock_path(folder: &Path) -> PathBuf {
    sibling(folder, ".lock")
}

pub fn sibling(folder: &Path, suffix: &str) -> PathBuf {
    let mut name = folder.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    folder.with_file_name(name)
}

/// The manifest's text: `<size> <path>` per file, then `runtime <id>` for an app folder.
pub fn manifest_text(files: &[Entry], runtime_id: Option<&str>) -> String {
    let mut s = String::new();
    for f in files {
        s.push_str(&format!("{} {}\n", f.size, f.path));
    }
    if let Some(id) = runtime_id {
        s.push_str(&format!("runtime {}\n", id));
    }
    s
}

pub struct Manifest {
    pub files: Vec<(u64, String)>,
    pub runtime: Option<String>,
}

/// None when the folder has no (readable) manifest: an incomplete or foreign folder.
pub fn read_manifest(folder: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(folder.join(MANIFEST)).ok()?;
    let mut m = Manifest { files: Vec::new(), runtime: None };
    for line in text.lines() {
        let (a, b) = match line.find(' ') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => return None,
        };
        if a == "runtime" {
            m.runtime = Some(b.to_string());
        } else {
            m.files.push((a.parse().ok()?, b.to_string()));
        }
    }
    Some(m)
}

/// The entries of `expected` whose file is missing or has another size than listed (one stat
/// each, no hashing). None: the folder is not complete at all (no manifest, or a manifest of
/// other files: re-extract everything).
pub fn damaged<'a>(folder: &Path, expected: &'a [Entry]) -> Option<Vec<&'a Entry>> {
    let m = read_manifest(folder)?;
    if m.files.len() != expected.len() || m.files.iter().zip(expected).any(|((size, path), e)| *size != e.size || path != &e.path) {
        return None;
    }
    Some(
        expected
            .iter()
            .filter(|e| match std::fs::symlink_metadata(folder.join(&e.path)) {
                Ok(md) => !md.is_file() || md.len() != e.size,
                Err(_) => true,
            })
            .collect(),
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("taupy-cache-test-{}-{}", name, std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
        d
    }

    #[test]
    fn creates_0700_folders_and_refuses_writable_ones() {
        let d = tmp("mode");
        let cache = Cache::open_at(&d.join(".cache")).unwrap();
        let apps = cache.apps("my-app").unwrap();
        for p in [d.join(".cache"), cache.root.clone(), cache.root.join("apps"), apps.clone()] {
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o700, "{}", p.display());
        }
        std::fs::set_permissions(&cache.root.join("apps"), std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = cache.apps("my-app").err().expect("world-writable apps/ refused");
        assert!(e.contains("apps") && e.contains("writable by everyone"), "{}", e);
        std::fs::set_permissions(&cache.root.join("apps"), std::fs::Permissions::from_mode(0o770)).unwrap();
        assert!(cache.apps("my-app").err().unwrap().contains("its group"));
        std::fs::set_permissions(&cache.root.join("apps"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(cache.apps("my-app").is_ok(), "0755 is fine");
        // The parent of taupy/ too.
        std::fs::set_permissions(&d.join(".cache"), std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(Cache::open_at(&d.join(".cache")).err().unwrap().contains(".cache"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn refuses_a_folder_owned_by_another_user_and_a_symlink() {
        let d = tmp("owner");
        let cache = Cache::open_at(&d.join(".cache")).unwrap();
        // A symlink planted in place of runtimes/ is refused even if it points somewhere good.
        std::fs::create_dir(d.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(d.join("elsewhere"), cache.root.join("runtimes")).unwrap();
        assert!(cache.runtimes().err().unwrap().contains("not a folder"));
        std::fs::remove_file(cache.root.join("runtimes")).unwrap();
        extern "C" {
            fn getuid() -> u32;
            fn chown(path: *const std::os::raw::c_char, uid: u32, gid: u32) -> i32;
        }
        if unsafe { getuid() } == 0 {
            let p = std::ffi::CString::new(cache.root.join("apps").to_str().unwrap()).unwrap();
            std::fs::create_dir(cache.root.join("apps")).unwrap();
            assert_eq!(unsafe { chown(p.as_ptr(), 65534, 65534) }, 0);
            let e = cache.apps("x").err().expect("foreign owner refused");
            assert!(e.contains("owned by uid 65534"), "{}", e);
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn manifest_round_trip_and_damage() {
        let d = tmp("manifest");
        let files = vec![
            Entry { path: "a b/x.js".into(), size: 3, mode: 0o644, chunks: vec![] },
            Entry { path: "y".into(), size: 0, mode: 0o644, chunks: vec![] },
        ];
        assert!(damaged(&d, &files).is_none(), "no manifest: not complete");
        std::fs::create_dir(d.join("a b")).unwrap();
        std::fs::write(d.join("a b/x.js"), "abc").unwrap();
        std::fs::write(d.join("y"), "").unwrap();
        std::fs::write(d.join(MANIFEST), manifest_text(&files, Some("node-1"))).unwrap();
        let m = read_manifest(&d).unwrap();
        assert_eq!(m.runtime.as_deref(), Some("node-1"));
        assert_eq!(m.files[0], (3, "a b/x.js".to_string()));
        assert_eq!(damaged(&d, &files).unwrap().len(), 0);
        std::fs::write(d.join("a b/x.js"), "abcd").unwrap();
        std::fs::remove_file(d.join("y")).unwrap();
        let bad: Vec<&str> = damaged(&d, &files).unwrap().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(bad, vec!["a b/x.js", "y"]);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
