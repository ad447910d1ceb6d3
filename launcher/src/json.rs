//! A tiny JSON parser and serializer (RFC 8259), enough for the IPC protocol.
//! No crates: the launcher must build offline and with rustc 1.63.

use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    /// Keys keep their order; duplicate keys: the last one wins on lookup.
    Obj(Vec<(String, Json)>),
}

const MAX_DEPTH: usize = 128;

impl Json {
    pub fn parse(text: &str) -> Result<Json, String> {
        let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
        p.ws();
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("trailing characters at byte {}", p.i));
        }
        Ok(v)
    }

    pub fn obj(pairs: Vec<(&str, Json)>) -> Json {
        Json::Obj(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(pairs) => pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    #[allow(dead_code)]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }

    #[allow(dead_code)]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Compact serialization (one line: no raw newlines ever appear in the output).
    pub fn to_string(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// The canonical form the update manifest is signed in (scripts/updates/manifest.ts):
    /// JSON.stringify's output with object keys sorted at every level, `skip` left out at the
    /// top. Only what both sides print alike: integers, and no duplicate keys.
    pub fn canonical(&self, skip: Option<&str>) -> Result<String, String> {
        let mut out = String::new();
        self.write_as(&mut out, Some(skip))?;
        Ok(out)
    }

    fn write(&self, out: &mut String) {
        let _ = self.write_as(out, None);
    }

    /// `canonical`: None for the IPC form (keys in order, U+2028/2029 escaped); Some(skip) for
    /// the signed form (keys sorted, strings exactly as JSON.stringify writes them).
    fn write_as(&self, out: &mut String, canonical: Option<Option<&str>>) -> Result<(), String> {
        let inner = canonical.map(|_| None);
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => {
                if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
                    let _ = write!(out, "{}", *n as i64);
                } else if canonical.is_some() {
                    return Err("the manifest holds a number this launcher does not sign".into());
                } else if !n.is_finite() {
                    out.push_str("null");
                } else {
                    let _ = write!(out, "{}", n);
                }
            }
            Json::Str(s) => write_str(s, out, canonical.is_none()),
            Json::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_as(out, inner)?;
                }
                out.push(']');
            }
            Json::Obj(pairs) => {
                let mut keyed: Vec<&(String, Json)> = pairs.iter().collect();
                if let Some(skip) = canonical {
                    keyed.retain(|(k, _)| Some(k.as_str()) != skip);
                    keyed.sort_by(|a, b| a.0.cmp(&b.0));
                    if keyed.windows(2).any(|w| w[0].0 == w[1].0) {
                        return Err("the manifest repeats a key".into());
                    }
                }
                out.push('{');
                for (i, (k, v)) in keyed.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(k, out, canonical.is_none());
                    out.push(':');
                    v.write_as(out, inner)?;
                }
                out.push('}');
            }
        }
        Ok(())
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::Str(s.to_string())
    }
}
impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::Str(s)
    }
}
impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}
impl From<i32> for Json {
    fn from(n: i32) -> Json {
        Json::Num(n as f64)
    }
}
impl From<f64> for Json {
    fn from(n: f64) -> Json {
        Json::Num(n)
    }
}

/// A JSON string as JSON.stringify writes it; `js_safe` also escapes U+2028/2029, so the output
/// is safe to splice into JS source (the IPC form; the signed form must match JSON.stringify).
fn write_str(s: &str, out: &mut String, js_safe: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (js_safe && (c == '\u{2028}' || c == '\u{2029}')) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{} at byte {}", what, self.i))
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        if self.i >= self.s.len() {
            return self.err("unexpected end of input");
        }
        let c = self.s[self.i];
        match c {
            b'n' if self.eat("null") => Ok(Json::Null),
            b't' if self.eat("true") => Ok(Json::Bool(true)),
            b'f' if self.eat("false") => Ok(Json::Bool(false)),
            b'"' => self.string().map(Json::Str),
            b'[' => self.nested(|p| p.array()),
            b'{' => self.nested(|p| p.object()),
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.err("unexpected character"),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Json, String>) -> Result<Json, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn array(&mut self) -> Result<Json, String> {
        self.i += 1; // [
        let mut items = Vec::new();
        self.ws();
        if self.eat("]") {
            return Ok(Json::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                return Ok(Json::Arr(items));
            }
            return self.err("expected ',' or ']'");
        }
    }

    fn object(&mut self) -> Result<Json, String> {
        self.i += 1; // {
        let mut pairs = Vec::new();
        self.ws();
        if self.eat("}") {
            return Ok(Json::Obj(pairs));
        }
        loop {
            self.ws();
            if self.i >= self.s.len() || self.s[self.i] != b'"' {
                return self.err("expected string key");
            }
            let k = self.string()?;
            self.ws();
            if !self.eat(":") {
                return self.err("expected ':'");
            }
            self.ws();
            let v = self.value()?;
            pairs.push((k, v));
            self.ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Ok(Json::Obj(pairs));
            }
            return self.err("expected ',' or '}'");
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.i < p.s.len() && p.s[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i - s
        };
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        if self.i < self.s.len() && self.s[self.i] == b'0' {
            self.i += 1;
        } else if digits(self) == 0 {
            return self.err("invalid number");
        }
        if self.i < self.s.len() && self.s[self.i] == b'.' {
            self.i += 1;
            if digits(self) == 0 {
                return self.err("invalid number");
            }
        }
        if self.i < self.s.len() && (self.s[self.i] == b'e' || self.s[self.i] == b'E') {
            self.i += 1;
            if self.i < self.s.len() && (self.s[self.i] == b'+' || self.s[self.i] == b'-') {
                self.i += 1;
            }
            if digits(self) == 0 {
                return self.err("invalid number");
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        text.parse::<f64>().map(Json::Num).map_err(|_| format!("invalid number at byte {}", start))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        if self.i + 4 > self.s.len() {
            return self.err("short \\u escape");
        }
        let h = std::str::from_utf8(&self.s[self.i..self.i + 4]).map_err(|e| e.to_string())?;
        let v = u32::from_str_radix(h, 16).map_err(|_| format!("bad \\u escape at byte {}", self.i))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            // Copy a run of plain bytes at once (input is &str, so runs are valid UTF-8).
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b'"' && self.s[self.i] != b'\\' && self.s[self.i] >= 0x20 {
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?);
            if self.i >= self.s.len() {
                return self.err("unterminated string");
            }
            let b = self.s[self.i];
            self.i += 1;
            match b {
                b'"' => return Ok(out),
                b'\\' => {
                    if self.i >= self.s.len() {
                        return self.err("unterminated escape");
                    }
                    let e = self.s[self.i];
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if !self.eat("\\u") {
                                    return self.err("lone high surrogate");
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return self.err("bad low surrogate");
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return self.err("lone low surrogate");
                            } else {
                                hi
                            };
                            match char::from_u32(cp) {
                                Some(c) => out.push(c),
                                None => return self.err("bad code point"),
                            }
                        }
                        _ => return self.err("bad escape"),
                    }
                }
                _ => return self.err("control character in string"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn parses_scalars() {
        assert_eq!(Json::parse("null").unwrap(), Json::Null);
        assert_eq!(Json::parse(" true ").unwrap(), Json::Bool(true));
        assert_eq!(Json::parse("false").unwrap(), Json::Bool(false));
        assert_eq!(Json::parse("-12.5e2").unwrap(), Json::Num(-1250.0));
        assert_eq!(Json::parse("0").unwrap(), Json::Num(0.0));
        assert_eq!(Json::parse("\"a\\u00e9\\n\"").unwrap(), Json::Str("aé\n".into()));
    }

    #[test]
    fn parses_nested() {
        let v = Json::parse(r#"{"type":"set_size","width":800,"height":600,"x":[1,{"y":null}]}"#).unwrap();
        assert_eq!(v.get("type").and_then(Json::as_str), Some("set_size"));
        assert_eq!(v.get("width").and_then(Json::as_f64), Some(800.0));
        assert_eq!(v.get("x"), Some(&Json::Arr(vec![Json::Num(1.0), Json::obj(vec![("y", Json::Null)])])));
    }

    #[test]
    fn surrogate_pairs_and_utf8() {
        assert_eq!(Json::parse(r#""\ud83d\ude00""#).unwrap(), Json::Str("😀".into()));
        assert_eq!(Json::parse("\"日本\"").unwrap(), Json::Str("日本".into()));
        assert!(Json::parse(r#""\ud83d""#).is_err());
        assert!(Json::parse(r#""\ude00""#).is_err());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc", "\"a\nb\"", "[1 2]",
            "{1:2}", "\"\\x\"", "1 2", "nul", "+1",
        ] {
            assert!(Json::parse(bad).is_err(), "should reject {:?}", bad);
        }
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(Json::parse(&deep).is_err());
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(Json::parse(&ok).is_ok());
    }

    #[test]
    fn serializes_compactly_on_one_line() {
        let v = Json::obj(vec![
            ("type", "reply".into()),
            ("id", 7.into()),
            ("ok", true.into()),
            ("s", "a\"b\\c\nd\u{1}\u{2028}é".into()),
            ("f", 1.5.into()),
            ("nan", Json::Num(f64::NAN)),
            ("arr", Json::Arr(vec![])),
        ]);
        let s = v.to_string();
        assert_eq!(
            s,
            r#"{"type":"reply","id":7,"ok":true,"s":"a\"b\\c\nd\u0001\u2028é","f":1.5,"nan":null,"arr":[]}"#
        );
        assert!(!s.contains('\n'));
    }

    #[test]
    fn round_trips() {
        let text = r#"{"a":[1,2.25,-3,"x",{"b":false,"c":null}],"d":"\u0000 \ud83d\ude00"}"#;
        let v = Json::parse(text).unwrap();
        assert_eq!(Json::parse(&v.to_string()).unwrap(), v);
    }

    #[test]
    fn last_duplicate_key_wins() {
        let v = Json::parse(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(v.get("a"), Some(&Json::Num(2.0)));
    }
}
