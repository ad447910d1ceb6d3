//! Removes what older versions left in the cache, once the new version's backend is ready:
//! other versions of this app whose lock is free (nobody runs them), then runtimes that no
//! remaining app names and whose lock is free. Never waits; failures are silent (next time).

use super::cache::{lock_path, read_manifest, Cache};
use super::lock::{self, Kind};
use std::collections::HashSet;
use std::path::Path;

/// `folder` minus a `.partial-<pid>` suffix: the name its lock is taken for.
fn locked_name(name: &str) -> &str {
    match name.find(".partial-") {
        Some(i) => &name[..i],
        None => name,
    }
}

/// Removes `parent/name` if its lock can be taken exclusively at once.
fn remove_if_unused(parent: &Path, name: &str) {
    let owner = parent.join(locked_name(name));
    let lp = lock_path(&owner);
    let held = match lock::take(&lp, Kind::Exclusive, false) {
        Ok(Some(l)) => l,
        _ => return,
    };
    let _ = std::fs::remove_dir_all(parent.join(name));
    if name == locked_name(name) {
        // Unix: unlink while held (a waiter notices and re-opens, see lock::take). Windows: a
        // lock file someone has open cannot be deleted, so delete after closing ours.
        #[cfg(unix)]
        let _ = std::fs::remove_file(&lp);
        drop(held);
        #[cfg(windows)]
        let _ = std::fs::remove_file(&lp);
    }
}

fn folders(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .flatten()
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

pub fn old_versions(cache: &Cache, app_id: &str, keep: &str) {
    let mine = cache.root.join("apps").join(app_id);
    for name in folders(&mine) {
        if name != keep {
            remove_if_unused(&mine, &name);
        }
    }
    // Runtimes still named by any app's manifest (every app sharing this cache).
    let apps = cache.root.join("apps");
    let mut named = HashSet::new();
    for app in folders(&apps) {
        for version in folders(&apps.join(&app)) {
            if let Some(m) = read_manifest(&apps.join(&app).join(&version)) {
                if let Some(r) = m.runtime {
                    named.insert(r);
                }
            }
        }
    }
    let runtimes = cache.root.join("runtimes");
    for name in folders(&runtimes) {
        if !named.contains(locked_name(&name)) {
            remove_if_unused(&runtimes, &name);
        }
    }
}
