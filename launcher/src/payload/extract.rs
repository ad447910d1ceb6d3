//! Writes index entries into a folder: chunks decompressed on every core (decode.rs), each chunk
//! written at its offset with a positioned write, while one more thread hashes the index and
//! the chunks of the group being extracted (format 2: not the other group, so a second app
//! sharing an extracted runtime reads and hashes only its own few chunks); both hashes are
//! checked before the caller renames anything into place.

use super::decode::Decoder;
use super::footer::Footer;
use super::index::{Codec, Entry};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

#[cfg(unix)]
pub fn read_at(f: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, at)
}

#[cfg(windows)]
pub fn read_at(f: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match f.seek_read(buf, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn write_at(f: &File, buf: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, buf, at)
}

#[cfg(windows)]
fn write_at(f: &File, mut buf: &[u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match f.seek_write(buf, at)? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => {
                buf = &buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

/// SHA-256 of the bytes `ranges` name (`(start, len)`, absolute), in order, read in 1 MiB blocks.
fn sha256_of(exe: &File, ranges: impl Iterator<Item = (u64, u64)>, stop: &AtomicBool) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    for (start, len) in ranges {
        let mut at = start;
        while at < start + len && !stop.load(Ordering::Relaxed) {
            let n = ((start + len - at) as usize).min(buf.len());
            read_at(exe, &mut buf[..n], at)?;
            h.update(&buf[..n]);
            at += n as u64;
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&h.finalize());
    Ok(out)
}

/// The chunks of one group (the runtime, or the app), how they are compressed, and the SHA-256
/// the index gives them.
pub struct Group<'a> {
    pub entries: &'a [Entry],
    pub codec: Codec,
    pub sha256: &'a [u8; 32],
}

/// Checks the index against the footer and `group`'s chunks against the index.
fn check(exe: &File, footer: &Footer, group: &Group, stop: &AtomicBool) -> io::Result<Result<(), String>> {
    if sha256_of(exe, std::iter::once((footer.index_start, footer.index_len)), stop)? != footer.sha256 {
        return Ok(Err("damaged executable: the payload index's SHA-256 does not match its footer (corrupted download or copy?)".into()));
    }
    let chunks = group.entries.iter().flat_map(|e| e.chunks.iter()).map(|c| (footer.payload_start + c.offset, c.clen));
    if sha256_of(exe, chunks, stop)? != *group.sha256 {
        return Ok(Err("damaged executable: the payload's SHA-256 does not match its index (corrupted download or copy?)".into()));
    }
    Ok(Ok(()))
}

/// One (small) entry's bytes, straight from the payload, unchecked by the hash: only for what
/// is shown before extraction (the splash page, an app file: Brotli).
pub fn read_entry(exe: &File, footer: &Footer, e: &Entry) -> io::Result<Vec<u8>> {
    let mut decoder = Decoder::new();
    let mut out = Vec::with_capacity(e.size as usize);
    for c in &e.chunks {
        let mut compressed = vec![0u8; c.clen as usize];
        read_at(exe, &mut compressed, footer.payload_start + c.offset)?;
        let mut data = Vec::new();
        decoder.decompress_into(Codec::Brotli, &compressed, c.ulen, &mut data)?;
        out.extend_from_slice(&data);
    }
    Ok(out)
}

/// Extracts `entries` (some or all of `group`) under `dest` (which must exist), checking the
/// whole group's hash. `progress(done, total)` is called from worker threads with decompressed
/// bytes. On error the caller removes `dest`.
pub fn extract(exe: &File, footer: &Footer, group: &Group, entries: &[&Entry], dest: &Path, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<(), String> {
    let mut outputs = Vec::with_capacity(entries.len());
    for e in entries {
        let path = dest.join(&e.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|err| format!("cannot create {}: {}", parent.display(), err))?;
        }
        let f = File::create(&path).map_err(|err| format!("cannot create {}: {}", path.display(), err))?;
        f.set_len(e.size).map_err(|err| format!("cannot write {}: {}", path.display(), err))?;
        outputs.push(f);
    }
    // One job per chunk: (file, chunk, offset in the file).
    let mut jobs = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let mut at = 0;
        for c in &e.chunks {
            jobs.push((i, c, at));
            at += c.ulen;
        }
    }
    let total: u64 = entries.iter().map(|e| e.size).sum();
    let done = AtomicU64::new(0);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let error: Mutex<Option<String>> = Mutex::new(None);
    let fail = |msg: String| {
        let mut g = error.lock().unwrap();
        if g.is_none() {
            *g = Some(msg);
        }
        stop.store(true, Ordering::Relaxed);
    };
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(jobs.len().max(1));
    let hash = std::thread::scope(|s| {
        let hasher = s.spawn(|| check(exe, footer, group, &stop));
        for _ in 0..workers {
            s.spawn(|| {
                let mut compressed = Vec::new();
                let mut data = Vec::new();
                let mut decoder = Decoder::new();
                while !stop.load(Ordering::Relaxed) {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    if j >= jobs.len() {
                        return;
                    }
                    let (i, c, at) = jobs[j];
                    let path = &entries[i].path;
                    compressed.resize(c.clen as usize, 0);
                    if let Err(e) = read_at(exe, &mut compressed, footer.payload_start + c.offset) {
                        return fail(format!("cannot read the payload: {}", e));
                    }
                    if let Err(e) = decoder.decompress_into(group.codec, &compressed, c.ulen, &mut data) {
                        return fail(format!("damaged executable: {} does not decompress ({})", path, e));
                    }
                    if let Err(e) = write_at(&outputs[i], &data, at) {
                        return fail(format!("cannot write {}: {}", dest.join(path).display(), e));
                    }
                    progress(done.fetch_add(c.ulen, Ordering::Relaxed) + c.ulen, total);
                }
            });
        }
        hasher.join().unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::Other, "hash thread panicked")))
    });
    if let Some(e) = error.lock().unwrap().take() {
        return Err(e);
    }
    hash.map_err(|e| format!("cannot read the payload: {}", e))??;
    for (e, f) in entries.iter().zip(&outputs) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(e.mode & 0o755))
                .map_err(|err| format!("cannot set the mode of {}: {}", e.path, err))?;
        }
        #[cfg(not(unix))]
        let _ = (e, f);
    }
    Ok(())
}
