//! Makes one extraction folder (a runtime or an app version) complete and returns it locked
//! shared: check under a shared lock; if anything is missing, take the exclusive lock, check
//! again (another launcher may have done the work), extract or heal, then start over.

use super::cache::{self, check_trusted, ensure_dir, lock_path, sibling, MANIFEST};
use super::extract::{extract, Group};
use super::index::Entry;
use super::lock::{self, Kind, Lock};
use super::Payload;
use std::path::{Path, PathBuf};

pub struct Installed {
    pub dir: PathBuf,
    pub lock: Lock,
    /// Whether this start wrote anything (for the "first start" message and measurements).
    pub extracted: bool,
}

fn take(path: &Path, kind: Kind) -> Result<Lock, String> {
    match lock::take(path, kind, true) {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Err(format!("cannot lock {}", path.display())),
        Err(e) => Err(format!("cannot lock {}: {}", path.display(), e)),
    }
}

fn remove_stale_partials(parent: &Path, name: &str) {
    let prefix = format!("{}.partial-", name);
    if let Ok(rd) = std::fs::read_dir(parent) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Ensures `parent/name` holds `entries` (and a manifest naming `runtime_id` for an app).
///
/// The exclusive lock is only ever tried without waiting: a launcher that finished extracting
/// holds the shared lock for as long as its app runs, so waiting for the exclusive one would
/// wait for that app to quit. When it stays taken (others run from a folder that got damaged),
/// the repair is done under a shared lock instead: cleanup still cannot remove the folder, and
/// every write goes through our own partial folder and a rename, so two repairers at once only
/// duplicate work.
pub fn ensure(
    p: &Payload,
    parent: &Path,
    name: &str,
    group: Group,
    runtime_id: Option<&str>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Installed, String> {
    let entries = group.entries;
    let dir = parent.join(name);
    let lock_file = lock_path(&dir);
    let mut extracted = false;
    let mut busy = 0;
    for _ in 0..1000 {
        // Waits while someone holds it exclusively (extracting), then checks.
        let shared = take(&lock_file, Kind::Shared)?;
        if dir.exists() {
            check_trusted(&dir, false)?;
            if cache::damaged(&dir, entries).map_or(false, |d| d.is_empty()) {
                return Ok(Installed { dir, lock: shared, extracted });
            }
        }
        if busy >= BUSY_TRIES {
            busy = 0;
            extracted = true;
            repair(p, &dir, &group, runtime_id, progress)?;
            continue; // with `shared` dropped at the end of this pass: checked again from the top
        }
        drop(shared);
        let exclusive = match lock::take(&lock_file, Kind::Exclusive, false) {
            Ok(Some(l)) => l,
            Ok(None) => {
                busy += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
                continue;
            }
            Err(e) => return Err(format!("cannot lock {}: {}", lock_file.display(), e)),
        };
        // Under the exclusive lock nobody else is extracting: any partial folder is left over
        // from a launcher that died.
        remove_stale_partials(parent, name);
        if repair(p, &dir, &group, runtime_id, progress)? {
            extracted = true;
        }
        drop(exclusive);
    }
    Err(format!("{} keeps changing under us (another program removing it?)", dir.display()))
}

/// ~2 s of 50 ms tries for the exclusive lock before repairing under a shared one.
const BUSY_TRIES: u32 = 40;

/// Re-checks `dir` (another launcher may have done the work) and extracts or heals what is
/// needed; whether anything was written.
fn repair(p: &Payload, dir: &Path, group: &Group, runtime_id: Option<&str>, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<bool, String> {
    let entries = group.entries;
    let todo: Option<Vec<&Entry>> = if dir.exists() { cache::damaged(dir, entries) } else { None };
    if todo.as_ref().map_or(false, |t| t.is_empty()) {
        return Ok(false);
    }
    let partial = sibling(dir, &format!(".partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    let result = write(p, dir, &partial, group, todo, runtime_id, progress);
    let _ = std::fs::remove_dir_all(&partial);
    result.map(|_| true)
}

/// Extracts into `partial`, then moves the result into `dir`: the whole folder when `heal` is
/// None (no usable manifest), else only the damaged files.
fn write(
    p: &Payload,
    dir: &Path,
    partial: &Path,
    group: &Group,
    heal: Option<Vec<&Entry>>,
    runtime_id: Option<&str>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(), String> {
    let entries = group.entries;
    ensure_dir(partial)?;
    match heal {
        Some(damaged) => {
            extract(&p.file, &p.footer, group, &damaged, partial, progress)?;
            for e in damaged {
                let to = dir.join(&e.path);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(|err| format!("cannot create {}: {}", parent.display(), err))?;
                }
                if to.is_dir() {
                    let _ = std::fs::remove_dir_all(&to);
                }
                std::fs::rename(partial.join(&e.path), &to).map_err(|err| format!("cannot replace {}: {}", to.display(), err))?;
            }
        }
        None => {
            let all: Vec<&Entry> = entries.iter().collect();
            extract(&p.file, &p.footer, group, &all, partial, progress)?;
            std::fs::write(partial.join(MANIFEST), cache::manifest_text(entries, runtime_id))
                .map_err(|e| format!("cannot write {}: {}", partial.join(MANIFEST).display(), e))?;
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(|e| format!("cannot replace the incomplete {}: {}", dir.display(), e))?;
            }
            if let Err(e) = std::fs::rename(partial, dir) {
                // Another repairer (under a shared lock) may have put a complete folder there.
                if !cache::damaged(dir, entries).map_or(false, |d| d.is_empty()) {
                    return Err(format!("cannot move {} into place: {}", dir.display(), e));
                }
            }
        }
    }
    Ok(())
}
