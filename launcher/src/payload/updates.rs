//! Staged app updates (docs/updates.md). The backend downloads and verifies a new version's
//! app-only payload (Ed25519 signature of the manifest, then SHA-256) and stages it in
//! `<cache>/updates/<app.id>/`:
//!
//! ```text
//! <version>.taupy    the app-only payload (one-file format without the launcher and runtime)
//! <version>.manifest the signed update.json it came with
//! <version>.json     {"version","sha256","size","runtime"}: written last, by the backend
//! <version>.trying   we started it once and have not seen its ready line yet
//! <version>.good     it printed its ready line once: no more trials
//! <version>.bad      it failed its trial: never chosen again (rollback)
//! ```
//!
//! The launcher verifies everything again before running it: the signed manifest
//! (`<version>.manifest`, the update.json the backend verified) with the public key in its own
//! payload index (Ed25519, ed25519-dalek), the staged file's SHA-256 and size against that
//! manifest's artifact for this target, the payload's own hashes (format 2: index and app chunks, checked on extraction),
//! the app id, the runtime id (app-only updates need the same Node) and the version (never
//! older than, or equal to, the embedded one).

use crate::json::Json;
use crate::payload::cache::{ensure_dir, Cache};
use crate::payload::Payload;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The target this launcher was built for, as `taupy package --target` and update.json name it.
pub const TARGET: &str = if cfg!(windows) { "win32-x64" } else { "linux-x64" };

/// What the signer (scripts/updates/manifest.ts) prefixes to the canonical manifest.
const DOMAIN: &str = "taupy-update-manifest-v1\n";

fn base64(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}

/// The signed manifest, verified with `key` (base64url, 32 bytes).
pub fn verify_manifest(text: &str, key: &str) -> Result<Json, String> {
    let m = Json::parse(text)?;
    let key: [u8; 32] = base64(key).and_then(|k| k.try_into().ok()).ok_or("the app's public key is not 32 bytes of base64url")?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| "the app's public key is not an Ed25519 key".to_string())?;
    let sig: [u8; 64] = m.get("signature").and_then(Json::as_str).and_then(base64).and_then(|s| s.try_into().ok()).ok_or("the manifest is not signed")?;
    let message = format!("{}{}", DOMAIN, m.canonical(Some("signature"))?);
    key.verify(message.as_bytes(), &Signature::from_bytes(&sig)).map_err(|_| "the manifest's signature does not match the app's public key".to_string())?;
    Ok(m)
}

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
    // Again, independently of the backend: the signed manifest and its artifact for this target.
    let key = embedded.index.update_key.as_deref().ok_or("this file has no update public key")?;
    let signed_text = std::fs::read_to_string(dir.join(format!("{}.manifest", version))).map_err(|e| format!("cannot read its signed manifest: {}", e))?;
    let signed = verify_manifest(&signed_text, key)?;
    let app = signed.get("artifacts").and_then(|a| a.get(TARGET)).and_then(|t| t.get("app")).ok_or(format!("its signed manifest has no app artifact for {}", TARGET))?;
    if signed.get("version").and_then(Json::as_str) != Some(version)
        || app.get("size").and_then(Json::as_f64) != Some(size as f64)
        || !app.get("sha256").and_then(Json::as_str).map_or(false, |s| s.eq_ignore_ascii_case(&sha))
    {
        return Err("its payload does not match the signed manifest (version, size, SHA-256)".into());
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
    fn base64_decodes_both_alphabets() {
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(base64("a b").is_none());
    }

    #[test]
    fn canonical_form_sorts_keys_and_escapes_as_json_stringify() {
        let v = Json::parse(r#"{"b":1,"a":{"d":"x\n\b","c":[true,null]},"signature":"s"}"#).unwrap();
        assert_eq!(v.canonical(Some("signature")).unwrap(), r#"{"a":{"c":[true,null],"d":"x\n\b"},"b":1}"#);
        let repeated = Json::parse(r#"{"a":1,"a":2}"#).unwrap();
        assert!(repeated.canonical(None).is_err(), "a repeated key has no one canonical form");
        let separator = Json::parse(r#"{"s":"\u2028"}"#).unwrap();
        assert_eq!(separator.canonical(None).unwrap(), "{\"s\":\"\u{2028}\"}", "as JSON.stringify: not escaped");
    }

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
