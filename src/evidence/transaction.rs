//! Transaction object exports: Configuration Server's CfgTransaction as JSON
//! (`userProperties` or `options`, plus `annex`) or as INI text
//! (`[section]`, `key=value`, `[annex.section]`).
//!
//! Option values are kept exactly as exported (no trimming) so the audit can
//! report stray whitespace; numbers become their decimal text.

use crate::error::InputError;
use crate::evidence::text::line_col;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The name every tenant's object must have.
pub const OBJECT_NAME: &str = "hybrid_integration";

/// One option's value and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionValue {
    pub text: String,
    /// 1-based line in the export, where the format gives one (INI).
    pub line: Option<u64>,
}

/// Sections of options: section → option → value.
pub type Sections = BTreeMap<String, BTreeMap<String, OptionValue>>;

/// One transaction object from an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxObject {
    pub name: Option<String>,
    pub alias: Option<String>,
    /// `type` in the export (`list`); unknown for INI exports.
    pub kind: Option<String>,
    /// `state` in the export (`enabled`); unknown for INI exports.
    pub state: Option<String>,
    /// Owning tenant (`Environment` for the single-tenant root); unknown for INI.
    pub tenant: Option<String>,
    pub folder: Option<String>,
    pub options: Sections,
    pub annex: Sections,
    /// Options given twice (`section/option`), later value kept.
    pub duplicates: Vec<String>,
}

impl TxObject {
    pub fn option(&self, section: &str, name: &str) -> Option<&OptionValue> {
        self.options.get(section).and_then(|s| s.get(name))
    }

    pub fn annex_option(&self, section: &str, name: &str) -> Option<&OptionValue> {
        self.annex.get(section).and_then(|s| s.get(name))
    }
}

/// The format an export was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Ini,
}

/// Every object in one export file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxExport {
    pub path: PathBuf,
    pub format: ExportFormat,
    pub objects: Vec<TxObject>,
}

/// Parses export text; JSON when it starts with `{`, INI otherwise.
pub fn parse(path: &Path, text: &str) -> Result<TxExport, InputError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(path, text)
    } else {
        parse_ini(path, text)
    }
}

fn parse_json(path: &Path, text: &str) -> Result<TxExport, InputError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        InputError::new(path, format!("invalid JSON: {}", json_phrase(&e)))
            .at(e.line() as u64, e.column() as u64)
    })?;
    let list = match &value {
        serde_json::Value::Object(map) => match map.get("transactions") {
            Some(serde_json::Value::Array(items)) => items.clone(),
            Some(_) => return Err(InputError::new(path, "`transactions` is not a list")),
            None if map.contains_key("name") => vec![value.clone()],
            None => {
                return Err(InputError::new(
                    path,
                    "no `transactions` list and no single object with a `name`",
                )
                .hint("export the Transactions folder, or the hybrid_integration object, as JSON"));
            }
        },
        serde_json::Value::Array(items) => items.clone(),
        _ => return Err(InputError::new(path, "expected a JSON object")),
    };
    let mut objects = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        objects.push(json_object(path, i, item)?);
    }
    Ok(TxExport {
        path: path.to_path_buf(),
        format: ExportFormat::Json,
        objects,
    })
}

/// serde_json's phrase without its trailing " at line N column M".
pub fn json_phrase(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

fn json_object(path: &Path, index: usize, v: &serde_json::Value) -> Result<TxObject, InputError> {
    let Some(map) = v.as_object() else {
        return Err(InputError::new(
            path,
            format!("transactions[{index}] is not an object"),
        ));
    };
    let text_field = |k: &str| map.get(k).and_then(scalar_text);
    let sections = |k: &str| -> Result<Sections, InputError> {
        match map.get(k) {
            None | Some(serde_json::Value::Null) => Ok(Sections::new()),
            Some(serde_json::Value::Object(secs)) => {
                let mut out = Sections::new();
                for (sname, sval) in secs {
                    let Some(opts) = sval.as_object() else {
                        return Err(InputError::new(
                            path,
                            format!("transactions[{index}].{k}.{sname} is not an object of options"),
                        ));
                    };
                    let mut section = BTreeMap::new();
                    for (oname, oval) in opts {
                        let text = scalar_text(oval).ok_or_else(|| {
                            InputError::new(
                                path,
                                format!(
                                    "transactions[{index}].{k}.{sname}.{oname} is not a string or number"
                                ),
                            )
                        })?;
                        section.insert(oname.clone(), OptionValue { text, line: None });
                    }
                    out.insert(sname.clone(), section);
                }
                Ok(out)
            }
            Some(_) => Err(InputError::new(
                path,
                format!("transactions[{index}].{k} is not an object of sections"),
            )),
        }
    };
    let mut options = sections("userProperties")?;
    for (sname, sec) in sections("options")? {
        options.entry(sname).or_default().extend(sec);
    }
    Ok(TxObject {
        name: text_field("name"),
        alias: text_field("alias"),
        kind: text_field("type"),
        state: text_field("state"),
        tenant: text_field("tenant"),
        folder: text_field("folder"),
        options,
        annex: sections("annex")?,
        duplicates: Vec::new(),
    })
}

fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Null => Some(String::new()),
        _ => None,
    }
}

/// INI: `[section]`, `[annex.section]`, `key=value`; `;` and `#` start comments.
fn parse_ini(path: &Path, text: &str) -> Result<TxExport, InputError> {
    let mut obj = TxObject {
        name: Some(OBJECT_NAME.to_owned()),
        ..TxObject::default()
    };
    let mut current: Option<(bool, String)> = None;
    let mut offset = 0usize;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i as u64 + 1;
        let line_start = offset;
        offset += raw.len() + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(inner) = line.strip_prefix('[') {
            let Some(name) = inner.strip_suffix(']') else {
                let (l, c) = line_col(&text.as_bytes()[..line_start + raw.len()]);
                return Err(InputError::new(path, "section header is missing `]`").at(l, c));
            };
            current = Some(match name.strip_prefix("annex.") {
                Some(annex) => (true, annex.to_owned()),
                None => (false, name.to_owned()),
            });
            let (annex, sname) = current.as_ref().map(|(a, s)| (*a, s.clone())).unwrap_or_default();
            let target = if annex { &mut obj.annex } else { &mut obj.options };
            target.entry(sname).or_default();
            continue;
        }
        let Some((annex, section)) = &current else {
            return Err(InputError::new(path, "option outside any `[section]`").at(line_no, 1));
        };
        let Some(eq) = raw.find('=') else {
            let col = raw.len() - raw.trim_start().len() + 1;
            return Err(InputError::new(path, "expected `key=value`")
                .at(line_no, col as u64)
                .hint("each option line is `name=value` under a `[section]` header"));
        };
        let (key_raw, value_raw) = (&raw[..eq], &raw[eq + 1..]);
        // `key = value` (a space each side) is the INI writer's style, not data.
        let value = if key_raw.ends_with(' ') && value_raw.starts_with(' ') {
            &value_raw[1..]
        } else {
            value_raw
        };
        let key = key_raw.trim().to_owned();
        if key.is_empty() {
            return Err(InputError::new(path, "option name is empty").at(line_no, 1));
        }
        let target = if *annex { &mut obj.annex } else { &mut obj.options };
        let sec = target.entry(section.clone()).or_default();
        let prev = sec.insert(
            key.clone(),
            OptionValue {
                text: value.to_owned(),
                line: Some(line_no),
            },
        );
        if prev.is_some() {
            let prefix = if *annex { "annex." } else { "" };
            obj.duplicates.push(format!("{prefix}{section}/{key}"));
        }
    }
    if obj.options.is_empty() && obj.annex.is_empty() {
        return Err(InputError::new(path, "no `[section]` found: not an INI options export"));
    }
    Ok(TxExport {
        path: path.to_path_buf(),
        format: ExportFormat::Ini,
        objects: vec![obj],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_annex_and_lines() {
        let t = "[general]\norganization_sname=acme\n\n[annex.general]\norganization_domain_suffix=com\n";
        let e = parse(Path::new("t.cfg"), t).unwrap();
        let o = &e.objects[0];
        assert_eq!(o.option("general", "organization_sname").unwrap().text, "acme");
        assert_eq!(o.option("general", "organization_sname").unwrap().line, Some(2));
        assert_eq!(
            o.annex_option("general", "organization_domain_suffix").unwrap().text,
            "com"
        );
    }

    #[test]
    fn ini_keeps_stray_whitespace_and_records_duplicates() {
        let t = "[saml]\nissuer=https://x/ \nissuer=https://y\nexpire_time = 24\n";
        let o = &parse(Path::new("t"), t).unwrap().objects[0];
        assert_eq!(o.option("saml", "issuer").unwrap().text, "https://y");
        assert_eq!(o.duplicates, vec!["saml/issuer".to_owned()]);
        assert_eq!(o.option("saml", "expire_time").unwrap().text, "24");
    }

    #[test]
    fn ini_error_has_line_and_column() {
        let e = parse(Path::new("t.cfg"), "[general]\n  junk line\n").unwrap_err();
        assert_eq!(e.location(), "t.cfg:2:3");
    }

    #[test]
    fn json_numbers_become_text_and_options_merge() {
        let t = r#"{"transactions":[{"name":"hybrid_integration","type":"list",
            "userProperties":{"saml":{"expire_time":24}},"options":{"general":{"a":"b"}}}]}"#;
        let o = &parse(Path::new("t.json"), t).unwrap().objects[0];
        assert_eq!(o.option("saml", "expire_time").unwrap().text, "24");
        assert_eq!(o.option("general", "a").unwrap().text, "b");
        assert_eq!(o.kind.as_deref(), Some("list"));
    }

    #[test]
    fn json_error_has_position() {
        let e = parse(Path::new("t.json"), "{\n  \"transactions\": [,]\n}").unwrap_err();
        assert_eq!(e.position.map(|p| p.line), Some(2));
    }
}
