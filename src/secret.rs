//! Secrets: which transaction options hold them, and how they are shown.
//!
//! Secret values are never copied into a report, log line or error message:
//! reports say that a secret is present and how long it is, nothing more.

/// Option names whose values are secrets in any section (`saml/password`,
/// `saml_auth/password`, `ewt/password`, `saml/pkey`).
pub const SECRET_OPTIONS: &[&str] = &["password", "pkey", "secret", "client_secret"];

/// Whether `section/option` holds a secret.
#[must_use]
pub fn is_secret_option(option: &str) -> bool {
    SECRET_OPTIONS.contains(&option)
}

/// What reports show in place of a secret value.
#[must_use]
pub fn redacted(value: &str) -> String {
    if value.is_empty() {
        "<empty>".to_owned()
    } else {
        format!("<redacted: {} chars>", value.chars().count())
    }
}
