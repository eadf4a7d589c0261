//! Loading rule files: YAML as written ([`RuleFileRaw`]) → compiled, cross-
//! checked [`RulePack`]. Every problem is reported with file, line and
//! column, all of them in one pass.

use super::builtin;
use super::model::{Assertion, Check, Origin, Rule, RuleMeta, Scope, Test};
use crate::error::{InputError, InputErrors};
use crate::evidence::{text, yaml};
use crate::facts::FactPath;
use crate::result::{Severity, Status};
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The built-in pack, embedded at build time (file name, text).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("config.yaml", include_str!("../../rules/config.yaml")),
    (
        "certificate.yaml",
        include_str!("../../rules/certificate.yaml"),
    ),
    ("identity.yaml", include_str!("../../rules/identity.yaml")),
    ("oauth.yaml", include_str!("../../rules/oauth.yaml")),
    ("roles.yaml", include_str!("../../rules/roles.yaml")),
    ("tenancy.yaml", include_str!("../../rules/tenancy.yaml")),
    ("network.yaml", include_str!("../../rules/network.yaml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileRaw {
    pub rules: Vec<RuleRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleRaw {
    pub code: Spanned<String>,
    pub title: String,
    pub category: Spanned<String>,
    pub severity: Severity,
    #[serde(default = "default_scope")]
    pub scope: Scope,
    pub guide: String,
    #[serde(default)]
    pub since: Option<String>,
    pub what: String,
    pub why: String,
    pub fix: String,
    #[serde(default)]
    pub example: Option<String>,
    #[serde(default)]
    pub when: Option<Spanned<AssertFields>>,
    pub check: Spanned<CheckRaw>,
}

fn default_scope() -> Scope {
    Scope::Tenant
}

/// A check as written: either `builtin` (+ `params`), or assertions
/// (one inline, or a list in `all`). Fields are spelled out (no serde
/// `flatten`) so that a misspelt field is rejected with its position.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRaw {
    #[serde(default)]
    pub builtin: Option<String>,
    #[serde(default)]
    pub params: Option<Value>,
    #[serde(default)]
    pub all: Option<Vec<Spanned<AssertFields>>>,
    #[serde(default)]
    pub on_fail: Option<Status>,
    #[serde(default)]
    pub fact: Option<String>,
    #[serde(default)]
    pub present: Option<bool>,
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    #[serde(default)]
    pub contains: Option<Value>,
    #[serde(default)]
    pub range: Option<RangeRaw>,
    #[serde(default)]
    pub same_as: Option<String>,
}

impl CheckRaw {
    fn single(&self) -> AssertFields {
        AssertFields {
            fact: self.fact.clone(),
            present: self.present,
            equals: self.equals.clone(),
            matches: self.matches.clone(),
            one_of: self.one_of.clone(),
            contains: self.contains.clone(),
            range: self.range.clone(),
            same_as: self.same_as.clone(),
        }
    }
}

/// One assertion as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertFields {
    #[serde(default)]
    pub fact: Option<String>,
    #[serde(default)]
    pub present: Option<bool>,
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    #[serde(default)]
    pub contains: Option<Value>,
    #[serde(default)]
    pub range: Option<RangeRaw>,
    #[serde(default)]
    pub same_as: Option<String>,
}

impl AssertFields {
    fn is_empty(&self) -> bool {
        self.fact.is_none()
            && self.present.is_none()
            && self.equals.is_none()
            && self.matches.is_none()
            && self.one_of.is_none()
            && self.contains.is_none()
            && self.range.is_none()
            && self.same_as.is_none()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeRaw {
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub integer: bool,
}

/// The compiled rules, in pack order (built-in first, then user files).
#[derive(Debug, Clone, Default)]
pub struct RulePack {
    pub rules: Vec<Rule>,
}

impl RulePack {
    /// The built-in pack only.
    pub fn builtin() -> Result<RulePack, InputErrors> {
        Self::load(&[])
    }

    /// The built-in pack plus every `*.yaml`/`*.yml` file in `dirs` (or the files themselves).
    pub fn load(user: &[PathBuf]) -> Result<RulePack, InputErrors> {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        for (name, text) in BUILTIN_FILES {
            let path = PathBuf::from("rules").join(name);
            compile_file(&path, text, Origin::BuiltIn(name), &mut rules, &mut errors);
        }
        for p in user {
            match user_files(p) {
                Ok(files) => {
                    for f in files {
                        match text::read_text(&f) {
                            Ok(t) => compile_file(
                                &f,
                                &t,
                                Origin::User(f.clone()),
                                &mut rules,
                                &mut errors,
                            ),
                            Err(e) => errors.push(e),
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        finish_pack(rules, errors)
    }

    /// Compiles one user rule file's text on its own (no built-in rules, no
    /// file access): the entry point for fuzzing the rule compiler.
    pub fn compile_str(path: &Path, text: &str) -> Result<RulePack, InputErrors> {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        compile_file(
            path,
            text,
            Origin::User(path.to_path_buf()),
            &mut rules,
            &mut errors,
        );
        finish_pack(rules, errors)
    }

    pub fn get(&self, code: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.meta.code.eq_ignore_ascii_case(code))
    }
}

/// Rejects duplicate codes, then returns the pack or every error found.
fn finish_pack(
    rules: Vec<(Rule, InputError)>,
    mut errors: Vec<InputError>,
) -> Result<RulePack, InputErrors> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in rules.iter().enumerate() {
        if let Some(first) = seen.insert(r.0.meta.code.clone(), i) {
            let prev = &rules[first].0.meta.origin;
            errors.push(r.1.clone().with_message(format!(
                "rule code `{}` is already defined in {}",
                r.0.meta.code,
                prev.describe()
            )));
        }
    }
    if errors.is_empty() {
        Ok(RulePack {
            rules: rules.into_iter().map(|(r, _)| r).collect(),
        })
    } else {
        Err(InputErrors(errors))
    }
}

trait WithMessage {
    fn with_message(self, m: String) -> Self;
}
impl WithMessage for InputError {
    fn with_message(mut self, m: String) -> Self {
        self.message = m;
        self
    }
}

fn user_files(p: &Path) -> Result<Vec<PathBuf>, InputError> {
    let meta = std::fs::metadata(p).map_err(|e| text::io_error(p, &e))?;
    if meta.is_file() {
        return Ok(vec![p.to_path_buf()]);
    }
    let rd = std::fs::read_dir(p).map_err(|e| text::io_error(p, &e))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(InputError::new(p, "no *.yaml rule files in this directory"));
    }
    Ok(files)
}

/// Compiles one file's rules, pushing each problem (with position) to `errors`.
/// Each compiled rule keeps an error template pointing at its `code` for
/// later cross-file checks.
fn compile_file(
    path: &Path,
    text: &str,
    origin: Origin,
    out: &mut Vec<(Rule, InputError)>,
    errors: &mut Vec<InputError>,
) {
    let raw: RuleFileRaw = match yaml::from_str(path, text) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e.hint("rule fields: code, title, category, severity, scope, guide, since, what, why, fix, example, when, check"));
            return;
        }
    };
    for r in raw.rules {
        let here = |s_msg: String, span: &Location| -> InputError {
            let e = InputError::new(path, s_msg);
            if span.0 > 0 { e.at(span.0, span.1) } else { e }
        };
        let code_loc = loc(&r.code);
        if !valid_code(&r.code.value) {
            errors.push(here(
                format!(
                    "rule code `{}` must be 2–6 capital letters then 3 digits (e.g. SITE001)",
                    r.code.value
                ),
                &code_loc,
            ));
            continue;
        }
        if !valid_category(&r.category.value) {
            errors.push(here(
                format!(
                    "category `{}` must be lowercase letters and dashes",
                    r.category.value
                ),
                &loc(&r.category),
            ));
            continue;
        }
        let when = match &r.when {
            Some(w) => match compile_assert(&w.value, r.scope) {
                Ok(a) => Some(a),
                Err(m) => {
                    errors.push(here(format!("{}: when: {m}", r.code.value), &loc(w)));
                    continue;
                }
            },
            None => None,
        };
        let check = match compile_check(&r.check.value, r.scope) {
            Ok(c) => c,
            Err(m) => {
                errors.push(here(
                    format!("{}: check: {m}", r.code.value),
                    &loc(&r.check),
                ));
                continue;
            }
        };
        let meta = RuleMeta {
            code: r.code.value.clone(),
            title: r.title,
            category: r.category.value,
            severity: r.severity,
            scope: r.scope,
            guide: r.guide,
            since: r.since.unwrap_or_else(|| "0.1.0".to_owned()),
            what: r.what.trim().to_owned(),
            why: r.why.trim().to_owned(),
            fix: r.fix.trim().to_owned(),
            example: r.example.map(|e| e.trim().to_owned()),
            origin: origin.clone(),
        };
        out.push((Rule { meta, when, check }, here(String::new(), &code_loc)));
    }
}

/// (line, column); (0, 0) when unknown.
type Location = (u64, u64);

fn loc<T>(s: &Spanned<T>) -> Location {
    (s.referenced.line(), s.referenced.column())
}

fn valid_code(c: &str) -> bool {
    let letters = c.chars().take_while(char::is_ascii_uppercase).count();
    let digits = &c[letters..];
    (2..=6).contains(&letters) && digits.len() == 3 && digits.chars().all(|d| d.is_ascii_digit())
}

fn valid_category(c: &str) -> bool {
    !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-')
}

fn compile_check(c: &CheckRaw, scope: Scope) -> Result<Check, String> {
    if let Some(name) = &c.builtin {
        if c.all.is_some() || !c.single().is_empty() || c.on_fail.is_some() {
            return Err(
                "`builtin` cannot be combined with `fact`, assertions, `all` or `on_fail`".into(),
            );
        }
        let b = builtin::find(name).ok_or_else(|| {
            let names: Vec<&str> = builtin::BUILTINS.iter().map(|b| b.name).collect();
            let close = names
                .iter()
                .min_by_key(|n| strsim::levenshtein(n, name))
                .filter(|n| strsim::levenshtein(n, name) <= 3);
            match close {
                Some(n) => format!("unknown built-in check `{name}` (did you mean `{n}`?)"),
                None => format!(
                    "unknown built-in check `{name}` (known: {})",
                    names.join(", ")
                ),
            }
        })?;
        if b.scope != scope {
            return Err(format!(
                "built-in `{name}` runs with scope `{}`, the rule says `{}`",
                scope_name(b.scope),
                scope_name(scope)
            ));
        }
        let params = c.params.clone().unwrap_or(Value::Null);
        (b.validate)(&params).map_err(|m| format!("params: {m}"))?;
        return Ok(Check::Builtin {
            name: name.clone(),
            params,
        });
    }
    if c.params.is_some() {
        return Err("`params` is only for `builtin` checks".into());
    }
    if scope == Scope::Endpoint {
        return Err("endpoint rules must use a `builtin` check".into());
    }
    let on_fail = match c.on_fail {
        None | Some(Status::Fail) => Status::Fail,
        Some(Status::Warn) => Status::Warn,
        Some(other) => return Err(format!("on_fail must be `fail` or `warn`, not `{other}`")),
    };
    let mut all = Vec::new();
    let single = c.single();
    if !single.is_empty() {
        all.push(compile_assert(&single, scope)?);
    }
    if let Some(list) = &c.all {
        for (i, a) in list.iter().enumerate() {
            all.push(compile_assert(&a.value, scope).map_err(|m| format!("all[{i}]: {m}"))?);
        }
    }
    if all.is_empty() {
        return Err("needs `builtin`, or `fact` with one test (present, equals, matches, one_of, contains, range, same_as), or `all: [...]`".into());
    }
    Ok(Check::Assert { all, on_fail })
}

fn scope_name(s: Scope) -> &'static str {
    match s {
        Scope::Tenant => "tenant",
        Scope::Deployment => "deployment",
        Scope::Endpoint => "endpoint",
    }
}

fn compile_assert(a: &AssertFields, scope: Scope) -> Result<Assertion, String> {
    let fact_s = a.fact.as_deref().ok_or("an assertion needs `fact`")?;
    let fact = FactPath::parse(fact_s)?;
    if scope == Scope::Deployment && fact.is_per_tenant() {
        return Err(format!(
            "`{fact_s}` is a per-tenant fact; use `scope: tenant`"
        ));
    }
    let mut tests = Vec::new();
    if let Some(p) = a.present {
        if !p {
            return Err("`present: false` is not supported; use `present: true`".into());
        }
        tests.push(Test::Present);
    }
    if let Some(v) = &a.equals {
        tests.push(Test::Equals(v.clone()));
    }
    if let Some(re) = &a.matches {
        let r = regex::Regex::new(re)
            .map_err(|e| format!("invalid regex `{re}`: {}", first_line(&e.to_string())))?;
        tests.push(Test::Matches(r));
    }
    if let Some(v) = &a.one_of {
        if v.is_empty() {
            return Err("`one_of` is empty".into());
        }
        tests.push(Test::OneOf(v.clone()));
    }
    if let Some(v) = &a.contains {
        tests.push(Test::Contains(v.clone()));
    }
    if let Some(r) = &a.range {
        if r.min.is_none() && r.max.is_none() {
            return Err("`range` needs `min` or `max`".into());
        }
        if let (Some(lo), Some(hi)) = (r.min, r.max)
            && lo > hi
        {
            return Err(format!("range min {lo} is above max {hi}"));
        }
        tests.push(Test::Range {
            min: r.min,
            max: r.max,
            integer: r.integer,
        });
    }
    if let Some(other) = &a.same_as {
        tests.push(Test::SameAs(FactPath::parse(other)?));
    }
    match tests.len() {
        1 => Ok(Assertion {
            fact,
            test: tests.remove(0),
        }),
        0 => Err(format!(
            "`{fact_s}` has no test (present, equals, matches, one_of, contains, range, same_as)"
        )),
        _ => Err(format!(
            "`{fact_s}` has several tests; use `all: [...]` with one test each"
        )),
    }
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().to_owned()
}
