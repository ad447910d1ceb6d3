//! The payload's index (docs/one-file-format.md, "The index"), parsed with `crate::json` and
//! validated strictly: every path must stay inside its extraction folder, every chunk inside
//! the payload, so nothing in a damaged or hostile file can write elsewhere.

use super::extract::Group;
use super::footer::{FORMAT, OLDEST_FORMAT};
use crate::json::Json;

/// Largest decompressed chunk the format allows (the writer uses 8 MiB).
pub const MAX_CHUNK: u64 = 8 << 20;

#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Relative to `payload_start`.
    pub offset: u64,
    pub clen: u64,
    pub ulen: u64,
}

/// How a group's chunks are compressed: the runtime's as `runtime.codec` says (absent: Brotli,
/// as in format 2), the app's always Brotli (an app-only update must stay readable by launchers
/// that know only Brotli; docs/one-file-format.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Codec {
    Brotli,
    Zstd,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub mode: u32,
    pub chunks: Vec<Chunk>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Splash {
    pub title: String,
    pub background: String,
    pub foreground: String,
    pub html: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub app_id: String,
    pub app_name: String,
    pub version: String,
    pub build: String,
    pub runtime_id: String,
    pub runtime_files: Vec<Entry>,
    pub runtime_codec: Codec,
    pub files: Vec<Entry>,
    /// SHA-256 of the runtime's chunks, and of the app's, in index order (`chunksSha256`).
    pub runtime_sha256: [u8; 32],
    pub files_sha256: [u8; 32],
    pub launch_args: Vec<String>,
    pub backend: Vec<String>,
    pub env: Vec<(String, String)>,
    pub splash: Option<Splash>,
    /// `updates.publicKey`: the Ed25519 key (base64url) staged updates must be signed with.
    pub update_key: Option<String>,
}

impl Index {
    /// The app's folder name under `apps/<id>/`.
    pub fn app_folder(&self) -> String {
        format!("{}-{}", self.version, self.build)
    }

    pub fn runtime_group(&self) -> Group<'_> {
        Group { entries: &self.runtime_files, codec: self.runtime_codec, sha256: &self.runtime_sha256 }
    }

    pub fn app_group(&self) -> Group<'_> {
        Group { entries: &self.files, codec: Codec::Brotli, sha256: &self.files_sha256 }
    }
}

/// A relative `/`-separated path with no way out of its folder: no `..`, `.`, empty part,
/// leading `/`, `\`, `:` (drive letters, NTFS streams), NUL or other control character (the
/// manifest is one path per line).
pub fn valid_path(p: &str) -> bool {
    !p.is_empty()
        && !p.chars().any(|c| c == '\\' || c == ':' || (c as u32) < 0x20)
        && p.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// A single folder-name component made of `[A-Za-z0-9._+-]`, not starting with a dot.
fn valid_name(s: &str, lowercase_only: bool) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && !s.starts_with('.')
        && s.chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || "._-".contains(c) || (!lowercase_only && (c.is_ascii_uppercase() || c == '+')))
}

fn field<'a>(v: &'a Json, path: &str, key: &str) -> Result<&'a Json, String> {
    v.get(key).ok_or_else(|| format!("the payload index lacks `{}{}`", path, key))
}

fn string(v: &Json, path: &str, key: &str) -> Result<String, String> {
    field(v, path, key)?.as_str().map(String::from).ok_or_else(|| format!("`{}{}` must be a string", path, key))
}

fn uint(v: &Json, what: &str) -> Result<u64, String> {
    match v {
        Json::Num(n) if *n >= 0.0 && n.fract() == 0.0 && *n <= 9_007_199_254_740_991.0 => Ok(*n as u64),
        _ => Err(format!("{} must be a non-negative integer", what)),
    }
}

fn strings(v: &Json, what: &str) -> Result<Vec<String>, String> {
    match v {
        Json::Arr(items) => items.iter().map(|i| i.as_str().map(String::from).ok_or_else(|| format!("{} must hold strings", what))).collect(),
        _ => Err(format!("{} must be an array of strings", what)),
    }
}

fn entries(v: &Json, what: &str, payload_len: u64) -> Result<Vec<Entry>, String> {
    let items = match v {
        Json::Arr(items) => items,
        _ => return Err(format!("`{}` must be an array", what)),
    };
    let mut out: Vec<Entry> = Vec::with_capacity(items.len());
    for item in items {
        let prefix = format!("{}[].", what);
        let path = string(item, &prefix, "path")?;
        if !valid_path(&path) || path == super::cache::MANIFEST {
            return Err(format!("the payload index names an unsafe path {:?} (refused)", path));
        }
        let size = uint(field(item, &prefix, "size")?, &format!("the size of {}", path))?;
        let mode = uint(field(item, &prefix, "mode")?, &format!("the mode of {}", path))?;
        let chunk_list = match field(item, &prefix, "chunks")? {
            Json::Arr(c) => c,
            _ => return Err(format!("the chunks of {} must be an array", path)),
        };
        let mut chunks = Vec::with_capacity(chunk_list.len());
        let mut total = 0u64;
        for c in chunk_list {
            let n = match c {
                Json::Arr(n) if n.len() == 3 => n,
                _ => return Err(format!("a chunk of {} must be [offset, clen, ulen]", path)),
            };
            let what = format!("a chunk of {}", path);
            let chunk = Chunk { offset: uint(&n[0], &what)?, clen: uint(&n[1], &what)?, ulen: uint(&n[2], &what)? };
            if chunk.offset.checked_add(chunk.clen).map_or(true, |e| e > payload_len) || chunk.ulen > MAX_CHUNK {
                return Err(format!("a chunk of {} lies outside the payload (damaged file)", path));
            }
            total += chunk.ulen;
            chunks.push(chunk);
        }
        if total != size {
            return Err(format!("the chunks of {} add up to {} bytes, not its size {}", path, total, size));
        }
        if out.iter().any(|e| e.path.eq_ignore_ascii_case(&path)) {
            return Err(format!("the payload index names {} twice", path));
        }
        out.push(Entry { path, size, mode: (mode & 0o777) as u32, chunks });
    }
    Ok(out)
}

fn sha256_hex(v: &Json, key: &str) -> Result<[u8; 32], String> {
    let text = v.get(key).and_then(Json::as_str).ok_or_else(|| format!("the payload index lacks `chunksSha256.{}`", key))?;
    let mut out = [0u8; 32];
    if text.len() != 64 || !text.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("`chunksSha256.{}` must be 64 hex digits", key));
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// `payload_len`: bytes of chunks (`index_start - payload_start`), the bound for every chunk.
pub fn parse(text: &str, payload_len: u64) -> Result<Index, String> {
    let v = Json::parse(text).map_err(|e| format!("the payload index is not valid JSON: {}", e))?;
    match v.get("format") {
        Some(Json::Num(n)) if (OLDEST_FORMAT..=FORMAT).any(|f| f as f64 == *n) => {}
        Some(other) => return Err(format!("the payload index has format {}, this launcher reads formats {} to {}", other.to_string(), OLDEST_FORMAT, FORMAT)),
        None => return Err("the payload index lacks `format`".into()),
    }
    let app = field(&v, "", "app")?;
    let runtime = field(&v, "", "runtime")?;
    let launch = field(&v, "", "launch")?;
    let update_key = v.get("updates").and_then(|u| u.get("publicKey")).and_then(Json::as_str).map(String::from);
    let hashes = field(&v, "", "chunksSha256")?;
    let index = Index {
        update_key,
        app_id: string(app, "app.", "id")?,
        app_name: string(app, "app.", "name")?,
        version: string(app, "app.", "version")?,
        build: string(app, "app.", "build")?,
        runtime_id: string(runtime, "runtime.", "id")?,
        runtime_files: entries(field(runtime, "runtime.", "files")?, "runtime.files", payload_len)?,
        runtime_codec: match runtime.get("codec") {
            None => Codec::Brotli,
            Some(c) => match c.as_str() {
                Some("brotli") => Codec::Brotli,
                Some("zstd") => Codec::Zstd,
                _ => return Err(format!("runtime.codec {} is not one this launcher reads (brotli, zstd): the file was made by a newer taupy", c.to_string())),
            },
        },
        files: entries(field(&v, "", "files")?, "files", payload_len)?,
        runtime_sha256: sha256_hex(hashes, "runtime")?,
        files_sha256: sha256_hex(hashes, "app")?,
        launch_args: match launch.get("args") {
            Some(a) => strings(a, "launch.args")?,
            None => Vec::new(),
        },
        backend: strings(field(launch, "launch.", "backend")?, "launch.backend")?,
        env: match launch.get("env") {
            Some(Json::Obj(pairs)) => {
                let mut env: Vec<(String, String)> = Vec::new();
                for (k, val) in pairs {
                    let s = val.as_str().ok_or_else(|| format!("launch.env.{} must be a string", k))?;
                    if k.is_empty() || k.contains('=') || k.contains('\0') || s.contains('\0') {
                        return Err(format!("launch.env has an invalid variable {:?}", k));
                    }
                    env.retain(|(old, _)| old != k);
                    env.push((k.clone(), s.to_string()));
                }
                env
            }
            Some(_) => return Err("launch.env must be an object of strings".into()),
            None => Vec::new(),
        },
        splash: match v.get("splash") {
            Some(s @ Json::Obj(_)) => Some(Splash {
                title: s.get("title").and_then(Json::as_str).unwrap_or("").to_string(),
                background: s.get("background").and_then(Json::as_str).unwrap_or("#ffffff").to_string(),
                foreground: s.get("foreground").and_then(Json::as_str).unwrap_or("#1f2328").to_string(),
                html: s.get("html").and_then(Json::as_str).map(String::from),
            }),
            _ => None,
        },
    };
    if !valid_name(&index.app_id, true) {
        return Err(format!("app.id {:?} must be made of a-z 0-9 . _ - (it names a folder)", index.app_id));
    }
    if !valid_name(&index.version, false) {
        return Err(format!("app.version {:?} must be made of A-Z a-z 0-9 . _ + - (it names a folder)", index.version));
    }
    if index.build.len() != 16 || !index.build.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("app.build {:?} must be 16 hex digits", index.build));
    }
    if !valid_name(&index.runtime_id, false) {
        return Err(format!("runtime.id {:?} must be made of A-Z a-z 0-9 . _ + - (it names a folder)", index.runtime_id));
    }
    if index.backend.is_empty() {
        return Err("launch.backend is empty".into());
    }
    if let Some(html) = index.splash.as_ref().and_then(|s| s.html.as_ref()) {
        if !index.files.iter().any(|f| &f.path == html) {
            return Err(format!("splash.html names {:?}, which is not among the app's files", html));
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const SAMPLE: &str = r##"{
      "format": 2, "future": {"ignored": true},
      "app": { "id": "my-app", "name": "My App", "version": "1.2.0", "build": "3f2a00112233aabb" },
      "runtime": { "id": "node-24.21.0-linux-x64-5c1e0b9a7d21",
                   "files": [{ "path": "node", "size": 10, "mode": 493, "chunks": [[0, 5, 6], [5, 5, 4]] }] },
      "files": [{ "path": "dist/server.mjs", "size": 3, "mode": 420, "chunks": [[10, 4, 3]] },
                { "path": "splash.html", "size": 0, "mode": 420, "chunks": [] }],
      "launch": {
        "args": ["--title", "My App", "--size", "1024x768"],
        "backend": ["{runtime}/node", "{app}/dist/server.mjs"],
        "env": { "NODE_COMPILE_CACHE": "{app}/.compile-cache" }
      },
      "splash": { "title": "My App", "background": "#ffffff", "foreground": "#1f2328", "html": "splash.html" },
      "chunksSha256": { "runtime": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                        "app": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" }
    }"##;

    #[test]
    fn parses_the_documented_example() {
        let i = parse(SAMPLE, 100).unwrap();
        assert_eq!(i.app_id, "my-app");
        assert_eq!(i.app_folder(), "1.2.0-3f2a00112233aabb");
        assert_eq!(i.runtime_id, "node-24.21.0-linux-x64-5c1e0b9a7d21");
        assert_eq!(i.runtime_files[0].mode, 0o755);
        assert_eq!(i.runtime_files[0].chunks[1], Chunk { offset: 5, clen: 5, ulen: 4 });
        assert_eq!(i.files[0].path, "dist/server.mjs");
        assert_eq!(i.launch_args, vec!["--title", "My App", "--size", "1024x768"]);
        assert_eq!(i.backend, vec!["{runtime}/node", "{app}/dist/server.mjs"]);
        assert_eq!(i.env, vec![("NODE_COMPILE_CACHE".to_string(), "{app}/.compile-cache".to_string())]);
        assert_eq!(i.splash.unwrap().html.as_deref(), Some("splash.html"));
        assert_eq!(i.runtime_sha256[..3], [0x00, 0x11, 0x22]);
        assert_eq!(i.files_sha256[31], 0x55);
        assert_eq!(i.runtime_codec, Codec::Brotli);
    }

    #[test]
    fn the_runtime_codec_is_read_from_the_index_and_an_unknown_one_refused() {
        let with = |codec: &str| SAMPLE.replace("\"format\": 2", "\"format\": 3").replace("\"id\": \"node-", &format!("{}\"id\": \"node-", codec));
        assert_eq!(parse(&with("\"codec\": \"zstd\", "), 100).unwrap().runtime_codec, Codec::Zstd);
        assert_eq!(parse(&with("\"codec\": \"brotli\", "), 100).unwrap().runtime_codec, Codec::Brotli);
        assert!(parse(&with("\"codec\": \"lzma\", "), 100).unwrap_err().contains("runtime.codec \"lzma\""));
        assert!(parse(&with("\"codec\": 1, "), 100).unwrap_err().contains("runtime.codec"));
    }

    #[test]
    fn path_validation() {
        for good in ["a", "dist/server.mjs", "node_modules/.bin/x", "a b/c", "é/日本"] {
            assert!(valid_path(good), "{}", good);
        }
        for bad in ["", "/etc/passwd", "..", "../x", "a/../b", "a/..", "a//b", "a/", "./a", "a/./b", "a\\b", "..\\x", "C:x", "c:/x", "a:b", "a\0b", "a\nb"] {
            assert!(!valid_path(bad), "{:?}", bad);
        }
    }

    #[test]
    fn refuses_unsafe_paths_and_bad_chunks() {
        for (from, to) in [
            ("\"dist/server.mjs\"", "\"../server.mjs\""),
            ("\"dist/server.mjs\"", "\"/tmp/x\""),
            ("\"dist/server.mjs\"", "\"dist\\\\server.mjs\""),
            ("\"dist/server.mjs\"", "\"C:/x\""),
            ("\"dist/server.mjs\"", "\"a//b\""),
            ("\"dist/server.mjs\"", "\"a\\u0000b\""),
            ("\"dist/server.mjs\"", "\".taupy-complete\""),
            ("\"dist/server.mjs\"", "\"splash.html\""),
        ] {
            let text = SAMPLE.replacen(from, to, 1);
            assert!(parse(&text, 100).is_err(), "{}", to);
        }
        assert!(parse(SAMPLE, 13).unwrap_err().contains("outside the payload"));
        assert!(parse(&SAMPLE.replace("[10, 4, 3]", "[10, 4, 2]"), 100).unwrap_err().contains("add up"));
        assert!(parse(&SAMPLE.replace("[10, 4, 3]", "[10, 4, 9000000]").replace("\"size\": 3,", "\"size\": 9000000,"), 100).is_err());
        assert!(parse(&SAMPLE.replace("\"my-app\"", "\"../x\""), 100).is_err());
        assert!(parse(&SAMPLE.replace("\"my-app\"", "\"My-App\""), 100).is_err());
        assert!(parse(&SAMPLE.replace("\"1.2.0\"", "\"..\""), 100).is_err());
        assert!(parse(&SAMPLE.replace("3f2a00112233aabb", "3f2a"), 100).is_err());
        assert!(parse(&SAMPLE.replace("node-24.21.0-linux-x64-5c1e0b9a7d21", "a/b"), 100).is_err());
        assert!(parse(&SAMPLE.replace("\"format\": 2", "\"format\": 1"), 100).unwrap_err().contains("format 1"));
        assert!(parse(&SAMPLE.replace("\"format\": 2", "\"format\": 4"), 100).unwrap_err().contains("format 4"));
        assert!(parse(&SAMPLE.replace("\"app\": \"e3b0", "\"app\": \"e3b"), 100).unwrap_err().contains("chunksSha256.app"));
        assert!(parse(&SAMPLE.replace("\"runtime\": \"0011", "\"other\": \"0011"), 100).unwrap_err().contains("chunksSha256.runtime"));
        assert!(parse("{]", 100).is_err());
    }
}
