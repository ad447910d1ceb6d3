//! Decompresses one chunk (docs/one-file-format.md): Brotli (brotli-decompressor, pure Rust) or
//! a zstd frame (libzstd 1.5 through zstd-sys: the reference C decoder, ~2× faster than Brotli
//! on Node's binary; docs/launcher.md says why this crate).

use super::index::Codec;
use std::io::{self, Read};

/// One worker's decoders: the zstd context is made on first use and reused for every chunk
/// (its ~100 KB of tables are allocated once, not per chunk).
pub struct Decoder {
    zstd: Option<ZstdContext>,
}

struct ZstdContext(*mut zstd_sys::ZSTD_DCtx);

impl Drop for ZstdContext {
    fn drop(&mut self) {
        unsafe {
            zstd_sys::ZSTD_freeDCtx(self.0);
        }
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder { zstd: None }
    }

    /// Decompresses `compressed` into `out` (cleared first), which must come to exactly `ulen`
    /// bytes. A worker reuses one `out` for all its chunks: a fresh 8 MiB buffer per chunk is a
    /// fresh mapping, and its page faults cost more than a copy.
    pub fn decompress_into(&mut self, codec: Codec, compressed: &[u8], ulen: u64, out: &mut Vec<u8>) -> io::Result<()> {
        out.clear();
        out.reserve(ulen as usize);
        match codec {
            Codec::Brotli => {
                brotli_decompressor::Decompressor::new(compressed, 64 * 1024).take(ulen + 1).read_to_end(out)?;
            }
            Codec::Zstd => self.zstd(compressed, ulen as usize, out)?,
        }
        if out.len() as u64 != ulen {
            return Err(invalid(format!("a chunk decompressed to {} bytes, not {}", out.len(), ulen)));
        }
        Ok(())
    }

    /// One or more whole zstd frames into `out`'s first `ulen` bytes: a frame that would write
    /// more fails with "Destination buffer is too small" and writes nothing past them.
    fn zstd(&mut self, compressed: &[u8], ulen: usize, out: &mut Vec<u8>) -> io::Result<()> {
        if self.zstd.is_none() {
            let ctx = unsafe { zstd_sys::ZSTD_createDCtx() };
            if ctx.is_null() {
                return Err(io::Error::new(io::ErrorKind::Other, "out of memory (zstd context)"));
            }
            self.zstd = Some(ZstdContext(ctx));
        }
        let ctx = self.zstd.as_ref().map(|c| c.0).unwrap_or(std::ptr::null_mut());
        debug_assert!(out.capacity() >= ulen);
        // SAFETY: `out` has room for `ulen` bytes (reserved by the caller); libzstd writes at most
        // that many and returns how many it wrote, which is all `set_len` exposes.
        unsafe {
            let n = zstd_sys::ZSTD_decompressDCtx(ctx, out.as_mut_ptr().cast(), ulen, compressed.as_ptr().cast(), compressed.len());
            if zstd_sys::ZSTD_isError(n) != 0 {
                let name = std::ffi::CStr::from_ptr(zstd_sys::ZSTD_getErrorName(n));
                return Err(invalid(format!("zstd: {}", name.to_string_lossy())));
            }
            out.set_len(n);
        }
        Ok(())
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A zstd frame made by libzstd's own encoder (compiled in by zstd-sys; the linker drops it
    /// from the launcher, which never calls it).
    pub fn zstd(data: &[u8], level: i32) -> Vec<u8> {
        unsafe {
            let mut out = vec![0u8; zstd_sys::ZSTD_compressBound(data.len())];
            let n = zstd_sys::ZSTD_compress(out.as_mut_ptr().cast(), out.len(), data.as_ptr().cast(), data.len(), level);
            assert_eq!(zstd_sys::ZSTD_isError(n), 0);
            out.truncate(n);
            out
        }
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| ((i * 7) % 251) as u8 ^ (i / 4096) as u8).collect()
    }

    #[test]
    fn decodes_zstd_chunks_with_one_context() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for len in [0usize, 1, 1000, 8 << 20] {
            let data = sample(len);
            d.decompress_into(Codec::Zstd, &zstd(&data, 9), len as u64, &mut out).unwrap();
            assert!(out == data, "{} bytes", len);
        }
    }

    #[test]
    fn refuses_a_bad_zstd_chunk() {
        let data = sample(100_000);
        let good = zstd(&data, 9);
        let mut d = Decoder::new();
        let mut out = Vec::new();
        // Damaged in the middle: zstd frames made by the packer carry no checksum of their own
        // (the SHA-256 of the chunks guards them), but a damaged block does not decode.
        let mut bad = good.clone();
        bad.truncate(good.len() / 2);
        assert!(d.decompress_into(Codec::Zstd, &bad, 100_000, &mut out).unwrap_err().to_string().contains("zstd"));
        // Not zstd at all (a Brotli chunk given as zstd).
        assert!(d.decompress_into(Codec::Zstd, b"\x1b\x03\x00\xf8not zstd", 4, &mut out).unwrap_err().to_string().contains("zstd: Unknown frame descriptor"));
        // More than the index says: refused without writing past `ulen`.
        assert!(d.decompress_into(Codec::Zstd, &good, 99_999, &mut out).unwrap_err().to_string().contains("zstd: Destination buffer is too small"));
        // Less than the index says.
        assert!(d.decompress_into(Codec::Zstd, &good, 100_001, &mut out).unwrap_err().to_string().contains("decompressed to 100000 bytes, not 100001"));
        // The context is still good after errors.
        d.decompress_into(Codec::Zstd, &good, 100_000, &mut out).unwrap();
        assert!(out == data);
    }
}
