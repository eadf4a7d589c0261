//! Shared helpers for the integration tests: fixture deployments copied to a
//! temporary directory (so a test can plant a fault), and the real binary.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_hybrid-preflight");

/// Secrets planted in `tests/fixtures/sample` (passwords, client secrets).
pub const SAMPLE_SECRETS: &[&str] = &[
    "Pw-4d2a3d87cf23",
    "sec-d0c6c82d7bc5453e9d5c27f641ebf4b4",
    "sec-c55c67948e3c4bf0b8cb9d18cd195656",
    "Pw-a8cf307dd33d",
    "sec-ed5546677fb64dd09017c9c5133abdec",
    "sec-8cae684c2d9446d5b231d8373d63f0b4",
    "Pw-4061862a3a78",
    "sec-1d821755a91b4b689745d23753cfeef6",
    "sec-8c855d3749f94f0898e2771485721c75",
];

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of a fixture deployment in a temporary directory.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn copy_of(rel: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&crate_dir().join(rel), dir.path());
        Fixture { dir }
    }

    /// The three-tenant contract sample: every rule passes on it.
    pub fn sample() -> Fixture {
        Self::copy_of("tests/fixtures/sample")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Sets a JSON value at a pointer (`/transactions/0/userProperties/saml/issuer`).
    pub fn set_json(&self, rel: &str, pointer: &str, value: Value) {
        let p = self.path(rel);
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = v
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent} in {rel}"));
        match target {
            Value::Object(m) => {
                m.insert(key.to_owned(), value);
            }
            Value::Array(a) => {
                let i = key.parse::<usize>().unwrap();
                if i == a.len() {
                    a.push(value);
                } else {
                    a[i] = value;
                }
            }
            _ => panic!("{parent} is not a container"),
        }
        std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    }

    /// Removes a key at a pointer.
    pub fn remove_json(&self, rel: &str, pointer: &str) {
        let p = self.path(rel);
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        v.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key)
            .unwrap();
        std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    }

    /// Replaces text in a file (exactly once).
    pub fn replace(&self, rel: &str, from: &str, to: &str) {
        let p = self.path(rel);
        let t = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            t.matches(from).count(),
            1,
            "`{from}` must occur once in {rel}"
        );
        std::fs::write(&p, t.replace(from, to)).unwrap();
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Runs an offline audit and returns (exit code, JSON report).
    pub fn audit(&self, extra: &[&str]) -> (i32, Value) {
        let out = self.path("report.json");
        let mut args = vec![
            "audit",
            self.dir.path().to_str().unwrap(),
            "--offline",
            "--report",
        ];
        let spec = format!("json:{}", out.display());
        args.push(&spec);
        args.extend_from_slice(extra);
        let r = run(&args);
        assert!(
            r.code == 0 || r.code == 1,
            "audit failed ({}): {}",
            r.code,
            r.stderr
        );
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        (r.code, report)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// (status, reason) of one rule on one subject.
pub fn verdict(report: &Value, rule: &str, subject: &str) -> (String, Option<String>) {
    let r = result(report, rule, subject);
    (
        r["status"].as_str().unwrap().to_owned(),
        r["reason"].as_str().map(str::to_owned),
    )
}

pub fn result<'a>(report: &'a Value, rule: &str, subject: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule && r["subject"] == subject)
        .unwrap_or_else(|| panic!("no result for {rule} on {subject}"))
}

/// Every result of a rule prefix that is not `pass`, as `RULE subject status reason`.
pub fn non_passes(report: &Value, prefixes: &[&str]) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            prefixes
                .iter()
                .any(|p| r["rule"].as_str().unwrap().starts_with(p))
        })
        .filter(|r| r["status"] != "pass")
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["rule"], r["subject"], r["status"], r["reason"]
            )
        })
        .collect()
}

/// Whether the tests run as root (namespaces, mounts, mknod, live capture).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}
