//! YAML with positions: one place that turns serde-saphyr errors into
//! `file:line:col` messages, with the parser's resource budget on.

use crate::error::InputError;
use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;
use std::path::Path;

/// Deserializes YAML, refusing duplicate keys, alias bombs and deep nesting.
pub fn from_str<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, InputError> {
    let options = serde_saphyr::options::Options::default();
    serde_saphyr::from_str_with_options(text, options).map_err(|e| convert(path, &e))
}

fn convert(path: &Path, e: &serde_saphyr::Error) -> InputError {
    let message = first_line_without_location(&e.to_string());
    let err = InputError::new(path, message);
    match e.location() {
        Some(l) if l.line() > 0 => err.at(l.line(), l.column()),
        _ => err,
    }
}

/// serde-saphyr prints its own location and a source excerpt; we keep the phrase only.
fn first_line_without_location(s: &str) -> String {
    let first = s.lines().next().unwrap_or("invalid YAML").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let re_prefix = regex_prefix_len(first);
    first[re_prefix..].trim().to_owned()
}

/// Length of a leading `line N column M: ` prefix, if any.
fn regex_prefix_len(s: &str) -> usize {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^line \d+ column \d+:\s*").expect("static regex")
    });
    RE.find(s).map_or(0, |m| m.end())
}

/// Attaches a spanned value's position to an error.
pub fn at<T>(err: InputError, s: &Spanned<T>) -> InputError {
    let l = s.referenced;
    if l.line() > 0 {
        err.at(l.line(), l.column())
    } else {
        err
    }
}
