//! The one-file executable's payload (docs/one-file-format.md): found at the end of our own
//! file, extracted once per user into a cache, healed when something is missing.
//!
//! footer (find it) -> index (what is in it) -> cache (where, trust) -> lock -> extract ->
//! install (one complete, locked folder) -> cleanup (older versions).

pub mod cache;
pub mod cleanup;
pub mod decode;
pub mod extract;
pub mod footer;
pub mod index;
pub mod install;
pub mod lock;
pub mod updates;

use std::fs::File;

pub struct Payload {
    pub file: File,
    pub footer: footer::Footer,
    pub index: index::Index,
}

/// The index is small (a few hundred bytes per file); anything huge is damage.
const MAX_INDEX: u64 = 64 << 20;

pub fn open(mut file: File) -> Option<Result<Payload, String>> {
    let f = match footer::read(&mut file) {
        Ok(Some(f)) => f,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    Some(load(file, f))
}

fn load(file: File, footer: footer::Footer) -> Result<Payload, String> {
    if footer.index_len > MAX_INDEX {
        return Err(format!("damaged executable: a payload index of {} bytes", footer.index_len));
    }
    let mut buf = vec![0u8; footer.index_len as usize];
    extract::read_at(&file, &mut buf, footer.index_start).map_err(|e| format!("cannot read the payload index: {}", e))?;
    let text = String::from_utf8(buf).map_err(|_| "damaged executable: the payload index is not UTF-8".to_string())?;
    let index = index::parse(&text, footer.index_start - footer.payload_start)?;
    Ok(Payload { file, footer, index })
}

/// None for a plain launcher (no payload, or our own file cannot be opened); Some(Err) for a
/// packaged file that is damaged.
pub fn find_in_current_exe() -> Option<Result<Payload, String>> {
    let exe = std::env::current_exe().ok()?;
    let file = File::open(exe).ok()?;
    open(file)
}

#[cfg(all(test, unix))]
mod tests;
