//! Staged app updates (docs/updates.md). The backend downloads and verifies a new version's
//! app-only payload (Ed25519 signature of the manifest, then SHA-256) and stages it in
//! `<cache>/updates/<app.id>/`:
//!
//! ```text
//! <version>.taupy    the app-only payload (one-file format without the launcher and runtime)
//! <version>.json     {"version","sha256","size","runtime"}: written last, by the backend
//! <version>.trying   we started it once and have not seen its ready line yet
//! <version>.good     it printed its ready line once: no more trials
//! <version>.bad      it failed its trial: never chosen again (rollback)
//! ```
//!
//! The launcher verifies again what it can without a signature library that builds with the
//! Windows toolchain's rustc 1.63: the SHA-256 and size the backend recorded, the payload's own
//! footer hash (checked on extraction), the app id, the runtime id (app-only updates need the
//! same Node) and the version (never older than, or equal to, the embedded one).

use crate::json::Json;
use crate::payload::cache::{ensure_dir, Cache};
use crate::payload::Payload;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct Staged {
    pub payload: Payload,
    pub version: String,
    /// Its first start (no `.good` yet): watched for a ready line, rolled back on failure.
    pub trial: bool,
    pub dir: PathBuf,
}

impl Staged {
    pub fn mark(&self, state: &str) {
        let _ = std::fs::write(self.dir.join(format!("{}.{}", self.version, state)), b"");
    }
}

/// The folder updates are staged in (created, trusted like the rest of the cache).
pub fn folder(cache: &Cache, app_id: &str) -> Result<PathBuf, String> {
    let u = cache.root.join("updates");
    ensure_dir(&u)?;
    let d = u.join(app_id);
    ensure_dir(&d)?;
    Ok(d)
}

/// `1.2.3` (and `1.2.3-beta.1`, which sorts before `1.2.3`) as comparable parts; None if not semver-like.
pub fn version_key(v: &str) -> Option<(Vec<u64>, bool, String)> {
    let (core, pre) = match v.find('-') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, ""),
    };
    let core = core.split('+').next()?;
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    let parts = parts?;
    if parts.len() != 3 {
        return None;
    }
    Some((parts, pre.is_empty(), pre.to_string()))
}

pub fn newer(a: &str, than: &str) -> bool {
    match (version_key(a), version_key(than)) {
        (Some(a), Some(b)) => a > b,
        _ => false,
    }
}

fn sha256_file(path: &Path) -> Result<(String, u64), String> {
    let mut f = File::open(path).map_err(|e| e.to_string())?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let r = f.read(&mut buf).map_err(|e| e.to_string())?;
        if r == 0 {
            break;
        }
        n += r as u64;
        h.update(&buf[..r]);
    }
    let hex: String = h.finalize().iter().map(|b| format!("{:02x}", b)).collect();
    Ok((hex, n))
}

/// Checks one staged version; Err says why it is refused (logged, and marked bad).
fn check(dir: &Path, version: &str, embedded: &Payload) -> Result<Payload, String> {
    let text = std::fs::read_to_string(dir.join(format!("{}.json", version))).map_err(|e| format!("cannot read its manifest: {}", e))?;
    let m = Json::parse(&text)?;
    let field = |k: &str| m.get(k).and_then(Json::as_str).map(String::from).ok_or(format!("its manifest has no {}", k));
    if field("version")? != version {
        return Err("its manifest names another version".into());
    }
    let file = dir.join(format!("{}.taupy", version));
    let (sha, size) = sha256_file(&file).map_err(|e| format!("cannot read {}: {}", file.display(), e))?;
    if m.get("size").and_then(Json::as_f64) != Some(size as f64) || !sha.eq_ignore_ascii_case(&field("sha256")?) {
        return Err("its payload does not match the SHA-256 and size the backend verified".into());
    }
    let payload = crate::payload::open(File::open(&file).map_err(|e| e.to_string())?).ok_or("it has no payload footer".to_string())??;
    let (i, e) = (&payload.index, &embedded.index);
    if i.app_id != e.app_id {
        return Err(format!("it is for the app {}, not {}", i.app_id, e.app_id));
    }
    if i.version != version {
        return Err(format!("its payload is version {}", i.version));
    }
    if i.runtime_id != e.runtime_id {
        return Err(format!("it needs the runtime {}, this file has {}", i.runtime_id, e.runtime_id));
    }
    Ok(payload)
}

/// The newest usable staged version newer than the embedded one, or None (run the embedded
/// app). Versions whose trial failed (or that are refused now) are marked `.bad` and skipped;
/// `rolled_back` collects them for the backend (TAUPY_UPDATE_ROLLED_BACK).
pub fn choose(cache: &Cache, embedded: &Payload, rolled_back: &mut Vec<String>) -> Option<Staged> {
    let dir = folder(cache, &embedded.index.app_id).ok()?;
    let mut versions: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".json")).map(String::from))
        .filter(|v| newer(v, &embedded.index.version))
        .collect();
    versions.sort_by(|a, b| version_key(b).cmp(&version_key(a)));
    for v in versions {
        let at = |s: &str| dir.join(format!("{}.{}", v, s));
        if at("bad").exists() {
            continue;
        }
        let good = at("good").exists();
        if !good && at("trying").exists() {
            // Started before and never printed its ready line (a crash, a window closed early).
            eprintln!("taupy: the update to {} did not start last time: rolled back", v);
            let _ = std::fs::write(at("bad"), b"");
            rolled_back.push(v);
            continue;
        }
        match check(&dir, &v, embedded) {
            Ok(payload) => return Some(Staged { payload, version: v, trial: !good, dir }),
            Err(e) => {
                eprintln!("taupy: refusing the staged update {}: {}", v, e);
                let _ = std::fs::write(at("bad"), b"");
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_semver() {
        assert!(newer("1.0.1", "1.0.0"));
        assert!(newer("1.10.0", "1.9.9"));
        assert!(!newer("1.0.0", "1.0.0"));
        assert!(!newer("0.9.9", "1.0.0"));
        assert!(newer("1.0.0", "1.0.0-beta.1"));
        assert!(!newer("junk", "1.0.0"));
        assert!(!newer("1.0", "0.0.1"));
    }
}
