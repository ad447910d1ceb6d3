//! Menus, platform-neutral: the model of `set_menu` / `popup_menu` items, checked here once
//! (depth, count, label length, unique ids, accelerators) so the platform code only builds.

use crate::json::Json;

/// Submenus nest at most this deep (a menu bar, its menus, and 6 levels of submenus).
pub const MAX_DEPTH: usize = 8;
/// Items in one menu tree, separators included.
pub const MAX_ITEMS: usize = 2000;
/// Characters in a label or an id.
pub const MAX_LABEL_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Normal,
    Checkbox,
    Separator,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Accel {
    pub ctrl: bool,
    pub shift: bool,
    pub alt: bool,
    pub meta: bool,
    /// One upper-case letter or digit, or a key name: F1…F24, Enter, Escape, Tab, Space,
    /// Backspace, Delete, Insert, Home, End, PageUp, PageDown, Up, Down, Left, Right, Plus, Minus.
    pub key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: Option<String>,
    pub label: String,
    pub kind: Kind,
    pub accelerator: Option<Accel>,
    pub checked: bool,
    pub enabled: bool,
    /// A submenu (then the item itself is never clicked).
    pub items: Option<Vec<Item>>,
}

const NAMED_KEYS: &[&str] = &[
    "Enter", "Escape", "Tab", "Space", "Backspace", "Delete", "Insert", "Home", "End", "PageUp", "PageDown", "Up",
    "Down", "Left", "Right", "Plus", "Minus",
];

/// `Ctrl+Q`, `CmdOrCtrl+Shift+S`, `Alt+F4`, `F5`: modifiers then one key, `+` between.
pub fn parse_accelerator(s: &str) -> Result<Accel, String> {
    let mut a = Accel { ctrl: false, shift: false, alt: false, meta: false, key: String::new() };
    let parts: Vec<&str> = s.split('+').map(str::trim).collect();
    let (key, mods) = parts.split_last().ok_or_else(|| "empty accelerator".to_string())?;
    for m in mods {
        match m.to_ascii_lowercase().as_str() {
            "ctrl" | "control" | "cmdorctrl" | "commandorcontrol" => a.ctrl = true,
            "shift" => a.shift = true,
            "alt" | "option" => a.alt = true,
            "super" | "meta" | "cmd" | "command" => a.meta = true,
            _ => return Err(format!("unknown modifier `{}` in accelerator `{}`", m, s)),
        }
    }
    let k = *key;
    a.key = if k.chars().count() == 1 && k.chars().all(|c| c.is_ascii_alphanumeric()) {
        k.to_ascii_uppercase()
    } else if let Some(n) = k.strip_prefix('F').or_else(|| k.strip_prefix('f')).and_then(|n| n.parse::<u8>().ok()) {
        if !(1..=24).contains(&n) {
            return Err(format!("no key F{} (accelerator `{}`)", n, s));
        }
        format!("F{}", n)
    } else if let Some(name) = NAMED_KEYS.iter().find(|n| n.eq_ignore_ascii_case(k)) {
        name.to_string()
    } else {
        return Err(format!("unknown key `{}` in accelerator `{}` (a letter, a digit, F1-F24 or a key name)", k, s));
    };
    Ok(a)
}

/// Parses a menu tree: `[{"id":"file","label":"File","items":[…]}, {"type":"separator"}, …]`.
pub fn parse_items(v: &Json) -> Result<Vec<Item>, String> {
    let mut count = 0;
    let mut ids = Vec::new();
    parse_level(v, 1, &mut count, &mut ids)
}

fn parse_level(v: &Json, depth: usize, count: &mut usize, ids: &mut Vec<String>) -> Result<Vec<Item>, String> {
    if depth > MAX_DEPTH {
        return Err(format!("menus nest at most {} levels deep", MAX_DEPTH));
    }
    let list = match v {
        Json::Arr(a) => a,
        _ => return Err("`items` must be an array of menu items".into()),
    };
    let mut out = Vec::with_capacity(list.len());
    for it in list {
        *count += 1;
        if *count > MAX_ITEMS {
            return Err(format!("a menu has at most {} items", MAX_ITEMS));
        }
        out.push(parse_item(it, depth, count, ids)?);
    }
    Ok(out)
}

fn text(v: &Json, k: &str) -> Result<Option<String>, String> {
    match v.get(k) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Str(s)) if s.chars().count() <= MAX_LABEL_CHARS => Ok(Some(s.clone())),
        Some(Json::Str(_)) => Err(format!("menu item `{}` is longer than {} characters", k, MAX_LABEL_CHARS)),
        Some(_) => Err(format!("menu item `{}` must be a string", k)),
    }
}

fn flag(v: &Json, k: &str, default: bool) -> Result<bool, String> {
    match v.get(k) {
        None | Some(Json::Null) => Ok(default),
        Some(Json::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("menu item `{}` must be a boolean", k)),
    }
}

fn parse_item(v: &Json, depth: usize, count: &mut usize, ids: &mut Vec<String>) -> Result<Item, String> {
    if !matches!(v, Json::Obj(_)) {
        return Err("each menu item must be an object".into());
    }
    let kind = match text(v, "type")?.as_deref() {
        None | Some("normal") => Kind::Normal,
        Some("checkbox") => Kind::Checkbox,
        Some("separator") => Kind::Separator,
        Some(o) => return Err(format!("menu item `type` is normal, checkbox or separator, not `{}`", o)),
    };
    let id = text(v, "id")?;
    if let Some(i) = &id {
        if ids.contains(i) {
            return Err(format!("menu item id `{}` is used twice", i));
        }
        ids.push(i.clone());
    }
    let label = text(v, "label")?.unwrap_or_default();
    let items = match v.get("items") {
        None | Some(Json::Null) => None,
        Some(sub) => Some(parse_level(sub, depth + 1, count, ids)?),
    };
    if kind != Kind::Separator && label.is_empty() {
        return Err("every menu item but a separator needs a `label`".into());
    }
    if kind != Kind::Separator && items.is_none() && id.is_none() {
        return Err(format!("menu item `{}` needs an `id` (it is what menu_clicked reports)", label));
    }
    let accelerator = match text(v, "accelerator")? {
        Some(a) => Some(parse_accelerator(&a)?),
        None => None,
    };
    Ok(Item {
        id,
        label,
        kind,
        accelerator,
        checked: flag(v, "checked", false)?,
        enabled: flag(v, "enabled", true)?,
        items,
    })
}

/// `Ctrl+Shift+S` as shown beside a label (Windows draws it after a tab).
#[allow(dead_code)] // Windows only
pub fn accel_text(a: &Accel) -> String {
    let mut s = String::new();
    for (on, name) in [(a.ctrl, "Ctrl+"), (a.alt, "Alt+"), (a.shift, "Shift+"), (a.meta, "Win+")] {
        if on {
            s.push_str(name);
        }
    }
    s.push_str(&a.key);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accelerators() {
        let a = parse_accelerator("CmdOrCtrl+Shift+s").unwrap();
        assert!(a.ctrl && a.shift && !a.alt && a.key == "S");
        assert_eq!(parse_accelerator("f5").unwrap().key, "F5");
        assert_eq!(accel_text(&parse_accelerator("Alt+Delete").unwrap()), "Alt+Delete");
        assert!(parse_accelerator("Hyper+Q").is_err());
        assert!(parse_accelerator("Ctrl+F25").is_err());
        assert!(parse_accelerator("Ctrl+Qq").is_err());
    }

    #[test]
    fn items_are_checked() {
        let ok = Json::parse(
            r#"[{"id":"file","label":"File","items":[{"id":"quit","label":"Quit","accelerator":"Ctrl+Q"},{"type":"separator"},{"id":"wrap","label":"Wrap","type":"checkbox","checked":true}]}]"#,
        )
        .unwrap();
        let items = parse_items(&ok).unwrap();
        let sub = items[0].items.as_ref().unwrap();
        assert_eq!(sub[1].kind, Kind::Separator);
        assert!(sub[2].checked && sub[2].enabled);
        for bad in [
            r#"[{"label":"No id"}]"#,
            r#"[{"id":"a","label":"A"},{"id":"a","label":"B"}]"#,
            r#"[{"id":"a","label":"A","accelerator":"Ctrl+Nope"}]"#,
            r#"[{"id":"a","label":"A","type":"radio"}]"#,
            r#"{"id":"a"}"#,
        ] {
            assert!(parse_items(&Json::parse(bad).unwrap()).is_err(), "{}", bad);
        }
    }

    #[test]
    fn depth_and_size_are_bounded() {
        let mut deep = r#"{"id":"leaf","label":"Leaf"}"#.to_string();
        for i in 0..MAX_DEPTH {
            deep = format!(r#"{{"label":"L{}","items":[{}]}}"#, i, deep);
        }
        let e = parse_items(&Json::parse(&format!("[{}]", deep)).unwrap()).unwrap_err();
        assert!(e.contains("levels deep"), "{}", e);
        let many: Vec<String> = (0..MAX_ITEMS + 1).map(|i| format!(r#"{{"id":"i{}","label":"I"}}"#, i)).collect();
        let e = parse_items(&Json::parse(&format!("[{}]", many.join(","))).unwrap()).unwrap_err();
        assert!(e.contains("at most"), "{}", e);
    }
}
