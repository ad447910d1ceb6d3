//! The 72-byte footer at the end of a packaged executable (docs/one-file-format.md): found by
//! seeking, never by reading the whole file. On a signed Windows exe the Authenticode table comes
//! after it; the PE security data directory says where that table starts.

use std::io::{Read, Seek, SeekFrom};

pub const MAGIC: &[u8; 8] = b"TAUPYPAK";
pub const LEN: u64 = 72;
/// Format 3 (zstd runtime chunks) is written by `taupy package`; format 2 (all Brotli) by
/// older ones and for app-only updates, which launchers that read only format 2 must open.
pub const FORMAT: u32 = 3;
pub const OLDEST_FORMAT: u32 = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct Footer {
    pub payload_start: u64,
    pub index_start: u64,
    pub index_len: u64,
    /// SHA-256 of the index; the index holds one per group of chunks (format 2).
    pub sha256: [u8; 32],
}

#[cfg(test)]
impl Footer {
    pub fn index_end(&self) -> u64 {
        self.index_start + self.index_len
    }
}

fn read_at<R: Read + Seek>(r: &mut R, at: u64, buf: &mut [u8]) -> Result<(), String> {
    r.seek(SeekFrom::Start(at)).and_then(|_| r.read_exact(buf)).map_err(|e| format!("cannot read the executable: {}", e))
}

fn u16le(b: &[u8], at: usize) -> u64 {
    u16::from_le_bytes([b[at], b[at + 1]]) as u64
}
fn u32le(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as u64
}
fn u64le(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// Where our bytes end: the file length, or on a signed PE the start of the certificate table
/// (PE optional header, data directory 4 "security", whose address is a file offset).
fn payload_end<R: Read + Seek>(r: &mut R, len: u64) -> Result<u64, String> {
    if len < 64 {
        return Ok(len);
    }
    let mut dos = [0u8; 64];
    read_at(r, 0, &mut dos)?;
    if &dos[..2] != b"MZ" {
        return Ok(len);
    }
    let pe = u32le(&dos, 0x3c);
    // "PE\0\0", the 20-byte COFF header, then the optional header up to its data directories.
    let mut head = [0u8; 24 + 112 + 5 * 8];
    if pe + head.len() as u64 > len {
        return Ok(len);
    }
    read_at(r, pe, &mut head)?;
    if &head[..4] != b"PE\0\0" {
        return Ok(len);
    }
    let opt = 24;
    let (count_at, dirs_at) = match u16le(&head, opt) {
        0x10b => (opt + 92, opt + 96),  // PE32
        0x20b => (opt + 108, opt + 112), // PE32+
        _ => return Ok(len),
    };
    if u32le(&head, count_at) <= 4 {
        return Ok(len);
    }
    let (addr, size) = (u32le(&head, dirs_at + 32), u32le(&head, dirs_at + 36));
    if addr == 0 && size == 0 {
        return Ok(len);
    }
    if addr > len || addr + size > len {
        return Err("damaged executable: its signature table lies outside the file (truncated download?)".into());
    }
    Ok(addr)
}

/// Where the executable image itself ends (ELF: section/program headers and segments; PE: the
/// last section), so a file with bytes after it but no footer can be called damaged rather than
/// taken for a plain launcher. None when the format is not recognised.
fn image_end<R: Read + Seek>(r: &mut R, len: u64) -> Result<Option<u64>, String> {
    let mut id = [0u8; 64];
    if len < 64 {
        return Ok(None);
    }
    read_at(r, 0, &mut id)?;
    if &id[..4] == b"\x7fELF" && id[4] == 2 && id[5] == 1 {
        // 64-bit little-endian ELF
        let (phoff, shoff) = (u64le(&id, 0x20), u64le(&id, 0x28));
        let (phentsize, phnum) = (u16le(&id, 0x36), u16le(&id, 0x38));
        let (shentsize, shnum) = (u16le(&id, 0x3a), u16le(&id, 0x3c));
        let mut end = shoff.saturating_add(shentsize * shnum).max(phoff.saturating_add(phentsize * phnum));
        if phentsize >= 0x38 && phoff.saturating_add(phentsize * phnum) <= len {
            let mut ph = vec![0u8; (phentsize * phnum) as usize];
            read_at(r, phoff, &mut ph)?;
            for i in 0..phnum as usize {
                let p = &ph[i * phentsize as usize..];
                end = end.max(u64le(p, 0x08).saturating_add(u64le(p, 0x20)));
            }
        }
        if shentsize >= 0x40 && shoff.saturating_add(shentsize * shnum) <= len {
            let mut sh = vec![0u8; (shentsize * shnum) as usize];
            read_at(r, shoff, &mut sh)?;
            for i in 0..shnum as usize {
                let s = &sh[i * shentsize as usize..];
                if u32le(s, 0x04) != 8 {
                    // not SHT_NOBITS
                    end = end.max(u64le(s, 0x18).saturating_add(u64le(s, 0x20)));
                }
            }
        }
        return Ok(Some(end));
    }
    if &id[..2] == b"MZ" {
        let pe = u32le(&id, 0x3c);
        let mut coff = [0u8; 24];
        if pe + 24 > len {
            return Ok(None);
        }
        read_at(r, pe, &mut coff)?;
        if &coff[..4] != b"PE\0\0" {
            return Ok(None);
        }
        let (nsec, optsize) = (u16le(&coff, 6), u16le(&coff, 20));
        if u32le(&coff, 12) != 0 {
            return Ok(None); // a COFF symbol table (unstripped): its end is not worth computing
        }
        let table = pe + 24 + optsize;
        if table + nsec * 40 > len {
            return Ok(Some(u64::MAX));
        }
        let mut s = vec![0u8; (nsec * 40) as usize];
        read_at(r, table, &mut s)?;
        let mut end = table + nsec * 40;
        for i in 0..nsec as usize {
            end = end.max(u32le(&s, i * 40 + 20) + u32le(&s, i * 40 + 16));
        }
        return Ok(Some(end));
    }
    Ok(None)
}

/// Ok(None): no payload (a plain launcher). Err: a payload that cannot be trusted to be whole.
pub fn read<R: Read + Seek>(r: &mut R) -> Result<Option<Footer>, String> {
    let len = r.seek(SeekFrom::End(0)).map_err(|e| format!("cannot read the executable: {}", e))?;
    let end = payload_end(r, len)?;
    if end != len {
        // A launcher signed before the payload was appended: the footer ends the file.
        if let Ok(Some(f)) = read_before(r, len, len) {
            return Ok(Some(f));
        }
    }
    read_before(r, end, len)
}

/// The footer ending at `end` (up to 7 zero bytes before it), for a file of `len` bytes.
fn read_before<R: Read + Seek>(r: &mut R, end: u64, len: u64) -> Result<Option<Footer>, String> {
    let tail_len = end.min(LEN + 7);
    let mut tail = vec![0u8; tail_len as usize];
    read_at(r, end - tail_len, &mut tail)?;
    let t = tail.len();
    let found = (0..8usize).find(|&k| t >= LEN as usize + k && &tail[t - k - 8..t - k] == MAGIC && tail[t - k..].iter().all(|&b| b == 0));
    let k = match found {
        Some(k) => k,
        None => {
            let image = image_end(r, len)?;
            if let Some(image) = image {
                // Up to 7 bytes of slack (alignment padding).
                if end > image.saturating_add(7) {
                    return Err(format!(
                        "damaged executable: {} bytes follow the program but no payload footer ends them (truncated download?)",
                        end - image
                    ));
                }
            }
            return Ok(None);
        }
    };
    let f = &tail[t - k - LEN as usize..t - k];
    let footer_start = end - k as u64 - LEN;
    let version = u32le(f, 56);
    if version < OLDEST_FORMAT as u64 || version > FORMAT as u64 {
        return Err(format!("this executable's payload has format {}, this launcher reads formats {} to {}", version, OLDEST_FORMAT, FORMAT));
    }
    let mut sha256 = [0u8; 32];
    sha256.copy_from_slice(&f[24..56]);
    let footer = Footer { payload_start: u64le(f, 0), index_start: u64le(f, 8), index_len: u64le(f, 16), sha256 };
    let ordered = footer.payload_start > 0
        && footer.payload_start <= footer.index_start
        && footer.index_start.checked_add(footer.index_len).map_or(false, |e| e <= footer_start);
    if !ordered {
        return Err("damaged executable: the payload footer's offsets do not fit the file".into());
    }
    Ok(Some(footer))
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::io::Cursor;

    /// A fake packaged file: `exe`, then `payload` bytes, index, zero padding to 8, footer.
    pub fn pack(exe: &[u8], chunks: &[u8], index: &[u8], sha: [u8; 32]) -> Vec<u8> {
        let mut v = exe.to_vec();
        let payload_start = v.len() as u64;
        v.extend_from_slice(chunks);
        let index_start = v.len() as u64;
        v.extend_from_slice(index);
        while (v.len() + LEN as usize) % 8 != 0 {
            v.push(0);
        }
        v.extend_from_slice(&payload_start.to_le_bytes());
        v.extend_from_slice(&index_start.to_le_bytes());
        v.extend_from_slice(&(index.len() as u64).to_le_bytes());
        v.extend_from_slice(&sha);
        v.extend_from_slice(&FORMAT.to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(MAGIC);
        v
    }

    /// A minimal PE32+ header: MZ, e_lfanew = 0x80, PE\0\0, COFF (1 section), optional header
    /// with 16 data directories (`security` is directory 4), one section holding `body` bytes.
    fn pe(security: (u32, u32), body: usize) -> Vec<u8> {
        let headers = 0x80 + 24 + 240 + 40;
        let mut v = vec![0u8; headers];
        let sec = 0x80 + 24 + 240;
        v[0x80 + 6..0x80 + 8].copy_from_slice(&1u16.to_le_bytes());
        v[sec + 16..sec + 20].copy_from_slice(&(body as u32).to_le_bytes());
        v[sec + 20..sec + 24].copy_from_slice(&(headers as u32).to_le_bytes());
        v[0] = b'M';
        v[1] = b'Z';
        v[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        v[0x80..0x84].copy_from_slice(b"PE\0\0");
        v[0x80 + 20..0x80 + 22].copy_from_slice(&240u16.to_le_bytes());
        let opt = 0x80 + 24;
        v[opt..opt + 2].copy_from_slice(&0x20bu16.to_le_bytes());
        v[opt + 108..opt + 112].copy_from_slice(&16u32.to_le_bytes());
        v[opt + 112 + 32..opt + 112 + 36].copy_from_slice(&security.0.to_le_bytes());
        v[opt + 112 + 36..opt + 112 + 40].copy_from_slice(&security.1.to_le_bytes());
        v.resize(v.len() + body, 0xcc);
        v
    }

    fn elf() -> Vec<u8> {
        // ELF64 LE header, one program header (a segment of the whole 1000-byte image).
        let mut v = vec![0u8; 64 + 0x38];
        v[..4].copy_from_slice(b"\x7fELF");
        v[4] = 2;
        v[5] = 1;
        v[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        v[0x36..0x38].copy_from_slice(&0x38u16.to_le_bytes());
        v[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        v[64 + 0x20..64 + 0x28].copy_from_slice(&1000u64.to_le_bytes());
        v.resize(1000, 0x90);
        v
    }

    #[test]
    fn elf_with_payload() {
        let file = pack(&elf(), b"chunks", b"{\"format\":1}", [7; 32]);
        let f = read(&mut Cursor::new(&file)).unwrap().unwrap();
        assert_eq!(f.payload_start, 1000);
        assert_eq!(f.index_start, 1006);
        assert_eq!(f.index_len, 12);
        assert_eq!(f.sha256, [7; 32]);
        assert_eq!(&file[f.index_start as usize..f.index_end() as usize], b"{\"format\":1}");
        assert_eq!(file.len() % 8, 0);
    }

    #[test]
    fn plain_launcher_has_no_payload() {
        assert_eq!(read(&mut Cursor::new(&elf())).unwrap(), None);
        assert_eq!(read(&mut Cursor::new(&pe((0, 0), 3000))).unwrap(), None);
        assert_eq!(read(&mut Cursor::new(b"tiny".to_vec())).unwrap(), None);
    }

    #[test]
    fn pe_without_and_with_a_certificate_table() {
        let unsigned = pack(&pe((0, 0), 3000), b"abc", b"{}", [1; 32]);
        let f = read(&mut Cursor::new(&unsigned)).unwrap().unwrap();
        assert_eq!(&unsigned[f.index_start as usize..f.index_end() as usize], b"{}");

        // Signing: the security directory points at the certificate table appended at the end.
        for pad in [0usize, 3, 7] {
            let mut signed = unsigned.clone();
            signed.resize(signed.len() + pad, 0);
            let at = signed.len() as u32;
            signed.extend_from_slice(&[0x30; 1500]); // the table's bytes (a WIN_CERTIFICATE + PKCS#7)
            let opt = 0x80 + 24;
            signed[opt + 112 + 32..opt + 112 + 36].copy_from_slice(&at.to_le_bytes());
            signed[opt + 112 + 36..opt + 112 + 40].copy_from_slice(&1500u32.to_le_bytes());
            assert_eq!(read(&mut Cursor::new(&signed)).unwrap(), Some(f.clone()), "padding {}", pad);
        }
        // A launcher signed first, the payload appended after its certificate table.
        let mut signed_launcher = pe((0, 0), 3000);
        let at = signed_launcher.len() as u32;
        signed_launcher.extend_from_slice(&[0x30; 800]);
        let opt = 0x80 + 24;
        signed_launcher[opt + 112 + 32..opt + 112 + 36].copy_from_slice(&at.to_le_bytes());
        signed_launcher[opt + 112 + 36..opt + 112 + 40].copy_from_slice(&800u32.to_le_bytes());
        assert_eq!(read(&mut Cursor::new(&signed_launcher)).unwrap(), None, "a signed plain launcher");
        let appended = pack(&signed_launcher, b"abc", b"{}", [1; 32]);
        assert_eq!(read(&mut Cursor::new(&appended)).unwrap().unwrap().index_len, 2);
        // A signature table said to lie beyond the file: damaged.
        let mut bad = unsigned.clone();
        let opt = 0x80 + 24;
        let beyond = bad.len() as u32 + 10;
        bad[opt + 112 + 32..opt + 112 + 36].copy_from_slice(&beyond.to_le_bytes());
        bad[opt + 112 + 36..opt + 112 + 40].copy_from_slice(&100u32.to_le_bytes());
        assert!(read(&mut Cursor::new(&bad)).is_err());
    }

    #[test]
    fn nonzero_bytes_after_the_magic_are_not_padding() {
        let mut file = pack(&elf(), b"x", b"{}", [0; 32]);
        file.extend_from_slice(&[0, 0, 1]);
        assert!(read(&mut Cursor::new(&file)).is_err(), "trailing junk after an ELF image is damage");
    }

    #[test]
    fn truncated_or_inconsistent_files_are_refused() {
        let file = pack(&elf(), &vec![5u8; 4096], b"{}", [0; 32]);
        for cut in [1usize, 8, 72, 100, 4000] {
            let short = &file[..file.len() - cut];
            let e = read(&mut Cursor::new(short)).unwrap_err();
            assert!(e.contains("damaged"), "{}", e);
        }
        // Offsets out of order or past the footer.
        let mut bad = file.clone();
        let fs = bad.len() - LEN as usize;
        let past = bad.len() as u64;
        bad[fs + 8..fs + 16].copy_from_slice(&past.to_le_bytes());
        assert!(read(&mut Cursor::new(&bad)).unwrap_err().contains("offsets"));
        let mut newer = file.clone();
        newer[fs + 56] = 4;
        assert!(read(&mut Cursor::new(&newer)).unwrap_err().contains("format 4"));
        let mut older = file.clone();
        older[fs + 56] = 1;
        assert!(read(&mut Cursor::new(&older)).unwrap_err().contains("format 1, this launcher reads formats 2 to 3"));
        // Format 2 (an app-only update, or a file packed before zstd) is read as before.
        let mut format2 = file.clone();
        format2[fs + 56] = 2;
        assert_eq!(read(&mut Cursor::new(&format2)).unwrap(), read(&mut Cursor::new(&file)).unwrap());
    }
}

/// A real Authenticode signature (osslsigncode) on the real Windows launcher with a payload:
/// the footer is found through the security directory. Skipped without openssl/osslsigncode.
#[cfg(all(test, unix))]
mod signed {
    use super::tests::pack;
    use super::*;
    use std::process::Command;

    fn have(tool: &str, arg: &str) -> bool {
        Command::new(tool).arg(arg).output().map_or(false, |o| o.status.success())
    }

    #[test]
    fn finds_the_footer_of_a_signed_exe() {
        let exe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("prebuilt/win32-x64/taupy-launcher.exe");
        if !have("openssl", "version") || !have("osslsigncode", "--version") || !exe.exists() {
            eprintln!("skipped: needs openssl, osslsigncode and prebuilt/win32-x64/taupy-launcher.exe");
            return;
        }
        let dir = std::env::temp_dir().join(format!("taupy-sign-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (key, cert, unsigned, signed) = (dir.join("key.pem"), dir.join("cert.pem"), dir.join("app.exe"), dir.join("signed.exe"));
        let ok = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=taupy test"])
            .arg("-keyout").arg(&key).arg("-out").arg(&cert)
            .output().unwrap().status.success();
        assert!(ok, "openssl made a test certificate");
        let file = pack(&std::fs::read(&exe).unwrap(), &[9u8; 5000], b"{\"format\":1}", [3; 32]);
        std::fs::write(&unsigned, &file).unwrap();
        let out = Command::new("osslsigncode")
            .arg("sign").arg("-certs").arg(&cert).arg("-key").arg(&key)
            .arg("-in").arg(&unsigned).arg("-out").arg(&signed)
            .output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let bytes = std::fs::read(&signed).unwrap();
        assert!(bytes.len() > file.len() + 500, "the certificate table was appended");
        let expected = read(&mut std::io::Cursor::new(&file)).unwrap().unwrap();
        assert_eq!(read(&mut std::io::Cursor::new(&bytes)).unwrap(), Some(expected));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
