//! Icons the app hands the launcher (tray, notifications): an absolute path to a PNG file,
//! checked before any toolkit sees it: its size on disk first (a 50 MB file is refused without
//! being read), then the PNG signature and the IHDR chunk's width and height.

/// Bytes in an icon file: far above any tray or notification icon (256×256 RGBA is 256 KiB raw).
pub const MAX_ICON_BYTES: u64 = 1024 * 1024;
/// Pixels on a side.
pub const MAX_ICON_SIDE: u32 = 1024;

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Reads and checks the PNG at `path`; the error says what is wrong and what is accepted.
pub fn load_png(path: &str) -> Result<Vec<u8>, String> {
    if !std::path::Path::new(path).is_absolute() {
        return Err(format!("icon `{}` must be an absolute path to a PNG file", path));
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("icon `{}`: {}", path, e))?;
    if !meta.is_file() {
        return Err(format!("icon `{}` is not a file", path));
    }
    if meta.len() > MAX_ICON_BYTES {
        return Err(format!("icon `{}` is {} bytes; at most {} (1 MiB) are accepted", path, meta.len(), MAX_ICON_BYTES));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("icon `{}`: {}", path, e))?;
    png_size(&bytes).map_err(|e| format!("icon `{}`: {}", path, e))?;
    Ok(bytes)
}

/// Width and height of a PNG, from its IHDR chunk (which must come first).
pub fn png_size(b: &[u8]) -> Result<(u32, u32), String> {
    if b.len() < 24 || &b[..8] != SIGNATURE {
        return Err("not a PNG file (no PNG signature); give the tray and notifications a .png".into());
    }
    if &b[12..16] != b"IHDR" {
        return Err("a PNG must start with its IHDR chunk".into());
    }
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let (w, h) = (be(16), be(20));
    if w == 0 || h == 0 || w > MAX_ICON_SIDE || h > MAX_ICON_SIDE {
        return Err(format!("a {}×{} image; icons are 1 to {} pixels on a side", w, h, MAX_ICON_SIDE));
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(w: u32, h: u32) -> Vec<u8> {
        let mut b = SIGNATURE.to_vec();
        b.extend_from_slice(&13u32.to_be_bytes());
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b
    }

    #[test]
    fn sizes_and_signatures() {
        assert_eq!(png_size(&header(32, 16)), Ok((32, 16)));
        assert!(png_size(&header(0, 16)).is_err());
        assert!(png_size(&header(4096, 16)).is_err());
        assert!(png_size(b"GIF89a...........................").unwrap_err().contains("not a PNG"));
        assert!(load_png("relative.png").unwrap_err().contains("absolute"));
    }
}
