//! Extraction, healing, locking between launchers and cleanup, on real files: a fake packaged
//! executable whose app chunks are compressed by Node's zlib (the packer's own Brotli encoder)
//! and whose runtime chunks are zstd frames from libzstd (format 3), or Brotli too (format 2).

use super::cache::{lock_path, Cache, MANIFEST};
use super::cleanup;
use super::decode::tests::zstd;
use super::footer::tests::pack;
use super::install::ensure;
use super::lock::{self, Kind};
use super::{open, Payload};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn brotli(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut c = Command::new("node")
        .args(["-e", "const z=require('zlib');process.stdout.write(z.brotliCompressSync(require('fs').readFileSync(0),{params:{[z.constants.BROTLI_PARAM_QUALITY]:5}}))"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node (compresses the test payload)");
    let mut stdin = c.stdin.take().unwrap();
    let input = data.to_vec();
    let t = std::thread::spawn(move || stdin.write_all(&input));
    let out = c.wait_with_output().unwrap();
    t.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout
}

/// Pseudo-random but compressible bytes.
fn content(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|i| {
            if i % 7 == 0 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }
            b'a' + (x % 23) as u8
        })
        .collect()
}

struct Fixture {
    dir: PathBuf,
    exe: PathBuf,
    files: Vec<(String, Vec<u8>)>,
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&Sha256::digest(bytes));
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

/// runtime: `node` (3 zstd chunks, 0755); app: two files (one empty, Brotli), version `version`.
fn fixture(name: &str, version: &str, runtime_id: &str) -> Fixture {
    fixture_of(name, version, runtime_id, 3)
}

/// Format 3: the runtime's chunks are zstd (`runtime.codec`); format 2: everything is Brotli.
fn fixture_of(name: &str, version: &str, runtime_id: &str, format: u32) -> Fixture {
    let dir = std::env::temp_dir().join(format!("taupy-payload-test-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let files = vec![
        ("node".to_string(), content(1, 300_000)),
        ("dist/server.mjs".to_string(), content(2, 5000)),
        ("dist/empty.txt".to_string(), Vec::new()),
    ];
    let mut chunks = Vec::new();
    let mut entries = Vec::new();
    let mut runtime_end = 0;
    for (i, (path, data)) in files.iter().enumerate() {
        if i == 1 {
            runtime_end = chunks.len();
        }
        let pieces: Vec<&[u8]> = if i == 0 { vec![&data[..100_000], &data[100_000..250_000], &data[250_000..]] } else if data.is_empty() { vec![] } else { vec![&data[..]] };
        let mut list = Vec::new();
        for p in pieces {
            let c = if i == 0 && format == 3 { zstd(p, 9) } else { brotli(p) };
            list.push(format!("[{},{},{}]", chunks.len(), c.len(), p.len()));
            chunks.extend_from_slice(&c);
        }
        let mode = if i == 0 { 493 } else { 420 };
        entries.push(format!(r#"{{"path":"{}","size":{},"mode":{},"chunks":[{}]}}"#, path, data.len(), mode, list.join(",")));
    }
    let index = format!(
        r#"{{"format":{},"app":{{"id":"demo","name":"Demo","version":"{}","build":"0123456789abcdef"}},
        "runtime":{{"id":"{}",{}"files":[{}]}},"files":[{}],
        "launch":{{"args":["--title","Demo"],"backend":["{{runtime}}/node","{{app}}/dist/server.mjs"],"env":{{}}}},
        "chunksSha256":{{"runtime":"{}","app":"{}"}}}}"#,
        format,
        version,
        runtime_id,
        if format == 3 { r#""codec":"zstd","# } else { "" },
        entries[0],
        entries[1..].join(","),
        hex(&sha256(&chunks[..runtime_end])),
        hex(&sha256(&chunks[runtime_end..]))
    );
    let sha = sha256(index.as_bytes());
    let mut exe_bytes = vec![0u8; 64 + 0x38];
    exe_bytes[..4].copy_from_slice(b"\x7fELF");
    exe_bytes[4] = 2;
    exe_bytes[5] = 1;
    let exe = dir.join("demo");
    std::fs::write(&exe, pack(&exe_bytes, &chunks, index.as_bytes(), sha)).unwrap();
    Fixture { dir, exe, files }
}

impl Fixture {
    fn payload(&self) -> Payload {
        open(File::open(&self.exe).unwrap()).expect("has a payload").expect("valid payload")
    }
    fn cache(&self) -> Cache {
        Cache::open_at(&self.dir.join(".cache")).unwrap()
    }
    /// (runtime folder, app folder, whether anything was extracted, which: [runtime, app]).
    fn install(&self) -> Result<(PathBuf, PathBuf, bool, [bool; 2]), String> {
        let p = self.payload();
        let cache = self.cache();
        let rt = ensure(&p, &cache.runtimes()?, &p.index.runtime_id, p.index.runtime_group(), None, &|_, _| {})?;
        let app = ensure(&p, &cache.apps("demo")?, &p.index.app_folder(), p.index.app_group(), Some(&p.index.runtime_id), &|_, _| {})?;
        Ok((rt.dir.clone(), app.dir.clone(), rt.extracted || app.extracted, [rt.extracted, app.extracted]))
    }
    fn check(&self, rt: &Path, app: &Path) {
        assert_eq!(std::fs::read(rt.join("node")).unwrap(), self.files[0].1);
        assert_eq!(std::fs::metadata(rt.join("node")).unwrap().permissions().mode() & 0o777, 0o755);
        assert_eq!(std::fs::read(app.join("dist/server.mjs")).unwrap(), self.files[1].1);
        assert_eq!(std::fs::metadata(app.join("dist/server.mjs")).unwrap().permissions().mode() & 0o777, 0o644);
        assert_eq!(std::fs::read(app.join("dist/empty.txt")).unwrap(), b"");
    }
}

fn no_partials(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().contains(".partial-"))
}

#[test]
fn extracts_once_then_reuses_then_heals() {
    let f = fixture("heal", "1.0.0", "node-1-test");
    let (rt, app, extracted, _) = f.install().unwrap();
    assert!(extracted);
    f.check(&rt, &app);
    assert_eq!(app, f.dir.join(".cache/taupy/apps/demo/1.0.0-0123456789abcdef"));
    let manifest = std::fs::read_to_string(app.join(MANIFEST)).unwrap();
    assert_eq!(manifest, "5000 dist/server.mjs\n0 dist/empty.txt\nruntime node-1-test\n");
    assert_eq!(std::fs::read_to_string(rt.join(MANIFEST)).unwrap(), "300000 node\n");
    assert!(no_partials(&f.dir.join(".cache/taupy/runtimes")));

    let (_, _, again, _) = f.install().unwrap();
    assert!(!again, "a complete folder is reused");

    // Healing: a missing file and a file of the wrong size are written again.
    std::fs::remove_file(app.join("dist/server.mjs")).unwrap();
    std::fs::write(rt.join("node"), b"short").unwrap();
    let (_, _, healed, _) = f.install().unwrap();
    assert!(healed);
    f.check(&rt, &app);
    // A folder without its manifest is incomplete: extracted again from scratch.
    std::fs::remove_file(app.join(MANIFEST)).unwrap();
    std::fs::write(app.join("stray"), b"x").unwrap();
    assert!(f.install().unwrap().2);
    assert!(!app.join("stray").exists());
    f.check(&rt, &app);
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[test]
fn a_format_2_payload_with_a_brotli_runtime_is_still_read() {
    let f = fixture_of("format2", "1.0.0", "node-1-test", 2);
    let p = f.payload();
    assert_eq!(p.index.runtime_codec, super::index::Codec::Brotli);
    let (rt, app, extracted, _) = f.install().unwrap();
    assert!(extracted);
    f.check(&rt, &app);
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[test]
fn a_runtime_chunk_that_is_not_zstd_is_refused_as_damage() {
    // The index says zstd but the runtime's chunks are Brotli (hashes right): nothing extracted.
    let f = fixture_of("notzstd", "1.0.0", "node-1-test", 2);
    let bytes = std::fs::read(&f.exe).unwrap();
    let p = f.payload();
    let index_at = p.footer.index_start as usize;
    let old = String::from_utf8(bytes[index_at..index_at + p.footer.index_len as usize].to_vec()).unwrap();
    let new = old.replace(r#""format":2"#, r#""format":3"#).replace(r#""files":[{"path":"node""#, r#""codec":"zstd","files":[{"path":"node""#);
    assert_ne!(old, new);
    let body = &bytes[64 + 0x38..index_at];
    std::fs::write(&f.exe, pack(&bytes[..64 + 0x38], body, new.as_bytes(), sha256(new.as_bytes()))).unwrap();
    let e = f.install().unwrap_err();
    assert!(e.contains("damaged executable: node does not decompress (zstd: Unknown frame descriptor)"), "{}", e);
    assert!(!f.dir.join(".cache/taupy/runtimes/node-1-test").exists());
    assert!(no_partials(&f.dir.join(".cache/taupy/runtimes")));
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[test]
fn a_damaged_payload_extracts_nothing() {
    let f = fixture("damaged", "1.0.0", "node-1-test");
    let mut bytes = std::fs::read(&f.exe).unwrap();
    let at = 64 + 0x38 + 10; // inside the first chunk
    bytes[at] ^= 0x55;
    std::fs::write(&f.exe, &bytes).unwrap();
    let e = f.install().unwrap_err();
    assert!(e.contains("damaged"), "{}", e);
    let runtimes = f.dir.join(".cache/taupy/runtimes");
    assert!(!runtimes.join("node-1-test").exists());
    assert!(no_partials(&runtimes));
    // A byte changed in the index is caught by the hash too (the chunk decodes fine).
    let mut bytes = std::fs::read(&f.exe).unwrap();
    bytes[at] ^= 0x55;
    let i = bytes.windows(13).position(|w| w == b"\"name\":\"Demo\"").expect("the app's name in the index") + 8;
    bytes[i] = b'E';
    std::fs::write(&f.exe, &bytes).unwrap();
    assert!(f.install().unwrap_err().contains("SHA-256"));
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[test]
fn two_launchers_at_once_both_work() {
    let f = fixture("race", "1.0.0", "node-1-test");
    let f = std::sync::Arc::new(f);
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let f = f.clone();
            std::thread::spawn(move || f.install())
        })
        .collect();
    let results: Vec<_> = runs.into_iter().map(|t| t.join().unwrap().unwrap()).collect();
    for which in 0..2 {
        assert_eq!(results.iter().filter(|r| r.3[which]).count(), 1, "exactly one extracted each folder, the others waited and reused it");
    }
    f.check(&results[0].0, &results[0].1);
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[test]
fn cleanup_removes_unused_old_versions_and_runtimes() {
    let old = fixture("cleanup", "1.0.0", "node-old");
    old.install().unwrap();
    let dir = old.dir.clone();
    // The new version, packaged with another runtime, uses the same cache.
    let new = Fixture { dir: dir.clone(), ..fixture("cleanup-new", "2.0.0", "node-new") };
    let _ = std::fs::copy(&new.exe, dir.join("demo2"));
    let new = Fixture { exe: dir.join("demo2"), ..new };
    new.install().unwrap();
    let cache = new.cache();
    let apps = cache.root.join("apps/demo");
    let old_app = apps.join("1.0.0-0123456789abcdef");

    // In use (another launcher holds its shared lock): kept.
    let held = lock::take(&lock_path(&old_app), Kind::Shared, false).unwrap().unwrap();
    let rt_held = lock::take(&lock_path(&cache.root.join("runtimes/node-old")), Kind::Shared, false).unwrap().unwrap();
    cleanup::old_versions(&cache, "demo", "2.0.0-0123456789abcdef");
    assert!(old_app.exists() && cache.root.join("runtimes/node-old").exists());
    drop(held);
    // The old app goes; its runtime is still locked by a user: kept for now.
    cleanup::old_versions(&cache, "demo", "2.0.0-0123456789abcdef");
    assert!(!old_app.exists() && !lock_path(&old_app).exists());
    assert!(cache.root.join("runtimes/node-old").exists());
    drop(rt_held);
    cleanup::old_versions(&cache, "demo", "2.0.0-0123456789abcdef");
    assert!(!cache.root.join("runtimes/node-old").exists());
    assert!(apps.join("2.0.0-0123456789abcdef").exists() && cache.root.join("runtimes/node-new").exists());
    std::fs::remove_dir_all(&dir).unwrap();
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("taupy-payload-test-cleanup-new-{}", std::process::id())));
}

#[test]
fn a_folder_damaged_while_another_launcher_runs_from_it_is_repaired_without_waiting_for_it() {
    let f = fixture("busy", "1.0.0", "node-1-test");
    let (rt, app, _, _) = f.install().unwrap();
    // Another launcher runs the app: it holds the shared locks until it quits.
    let running = (
        lock::take(&lock_path(&rt), Kind::Shared, false).unwrap().unwrap(),
        lock::take(&lock_path(&app), Kind::Shared, false).unwrap().unwrap(),
    );
    std::fs::remove_file(app.join("dist/server.mjs")).unwrap();
    let started = std::time::Instant::now();
    let (_, _, repaired, which) = f.install().unwrap();
    assert!(repaired && which == [false, true]);
    assert!(started.elapsed().as_secs() < 10, "did not wait for the running launcher");
    f.check(&rt, &app);
    drop(running);
    std::fs::remove_dir_all(&f.dir).unwrap();
}
