//! Malformed input of every kind, for every loader: each case must end in a
//! clear error naming the file (exit 2) — never a panic, a hang or a stack
//! overflow — within seconds. Cases are generated here (a 200 MB file is not
//! checked in); regression inputs found by fuzzing live in `tests/corpus/`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{BIN, Fixture};

/// The bad contents every loader is fed.
fn cases(big: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let mut v: Vec<(&'static str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("binary junk", (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()),
        ("invalid utf-8", b"name: \xff\xfe\xfd broken\n".to_vec()),
        ("utf-16 without bom", "{\"transactions\": [], \"name\": \"x\"}".encode_utf16().flat_map(u16::to_le_bytes).collect()),
        ("deep json", format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
        ("deep yaml", format!("{}x\n", "- ".repeat(10_000)).into_bytes()),
        ("deep yaml flow", format!("{}{}", "{a: ".repeat(10_000), "}".repeat(10_000)).into_bytes()),
        (
            "alias bomb",
            b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n".to_vec(),
        ),
        ("duplicate keys", b"{\"a\": 1, \"a\": 2}\nname: x\nname: y\n".to_vec()),
        ("truncated json", b"{\"transactions\": [{\"name\": \"hybrid_integ".to_vec()),
        ("wrong types", b"{\"transactions\": 5, \"entities\": \"x\", \"objects\": 3, \"rules\": 1, \"waivers\": true, \"tenants\": 7, \"results\": 2}".to_vec()),
    ];
    let _ = big;
    v.push(("nul bytes", b"[general]\nissuer=\0\0\0\n".to_vec()));
    v
}

/// Writes `content` where `slot` is, and returns the argv that loads it.
struct Slot {
    name: &'static str,
    /// Relative path inside the sample copy that the case replaces.
    file: &'static str,
    /// Extra audit arguments that make the binary load the file.
    args: fn(&Path) -> Vec<String>,
    /// Some loaders accept some cases (an empty waiver list is not valid YAML for us either,
    /// but an INI parser sees "deep yaml" as text): such a run must then be a normal audit.
    may_load: &'static [&'static str],
}

fn audit_args(dir: &Path) -> Vec<String> {
    vec![
        "audit".into(),
        dir.display().to_string(),
        "--offline".into(),
        "--report".into(),
        "json:-".into(),
    ]
}

fn slots() -> Vec<Slot> {
    vec![
        Slot {
            name: "manifest",
            file: "deployment.yaml",
            args: audit_args,
            may_load: &[],
        },
        Slot {
            name: "transaction json",
            file: "onprem/tenant-a.json",
            args: audit_args,
            may_load: &[],
        },
        Slot {
            name: "transaction ini",
            file: "onprem/tenant-b.cfg",
            args: audit_args,
            may_load: &[],
        },
        Slot {
            name: "cloud organizations-me",
            file: "cloud/tenant-a/organizations-me.json",
            args: audit_args,
            may_load: &["wrong types"],
        },
        Slot {
            name: "cloud identityproviders-pureengage",
            file: "cloud/tenant-a/identityproviders-pureengage.json",
            args: audit_args,
            may_load: &["wrong types"],
        },
        Slot {
            name: "cloud identityproviders",
            file: "cloud/tenant-a/identityproviders.json",
            args: audit_args,
            may_load: &["wrong types"],
        },
        Slot {
            name: "cloud oauth-clients",
            file: "cloud/tenant-a/oauth-clients.json",
            args: audit_args,
            may_load: &["wrong types"],
        },
        Slot {
            name: "cloud authorization-roles",
            file: "cloud/tenant-a/authorization-roles.json",
            args: audit_args,
            may_load: &["wrong types"],
        },
        Slot {
            name: "cloud divisions-home",
            file: "cloud/tenant-a/divisions-home.json",
            args: audit_args,
            may_load: &["wrong types"],
        },
        Slot {
            name: "permissions",
            file: "onprem/permissions.json",
            args: audit_args,
            may_load: &[],
        },
        Slot {
            name: "rule file",
            file: "extra/rules.yaml",
            args: |d| {
                let mut a = audit_args(d);
                a.extend([
                    "--rules".into(),
                    d.join("extra/rules.yaml").display().to_string(),
                ]);
                a
            },
            may_load: &[],
        },
        Slot {
            name: "waivers",
            file: "extra/waivers.yaml",
            args: |d| {
                let mut a = audit_args(d);
                a.extend([
                    "--waivers".into(),
                    d.join("extra/waivers.yaml").display().to_string(),
                ]);
                a
            },
            may_load: &[],
        },
        Slot {
            name: "baseline",
            file: "extra/baseline.json",
            args: |d| {
                let mut a = audit_args(d);
                a.extend([
                    "--baseline".into(),
                    d.join("extra/baseline.json").display().to_string(),
                ]);
                a
            },
            may_load: &[],
        },
        Slot {
            name: "merge input",
            file: "extra/host.json",
            args: |d| {
                vec![
                    "report".into(),
                    "merge".into(),
                    d.join("extra/host.json").display().to_string(),
                ]
            },
            may_load: &[],
        },
    ]
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
}

/// Runs the binary with a hard deadline (a hang is a failure, not a stuck test).
fn run_bounded(args: &[String], deadline: Duration) -> Outcome {
    let t0 = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return Outcome {
                code: status.code(),
                stderr,
                elapsed: t0.elapsed(),
            };
        }
        if t0.elapsed() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            return Outcome {
                code: None,
                stderr: "timed out".into(),
                elapsed: t0.elapsed(),
            };
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `file`: the file the error must name (None: any file; corpus cases may
/// point at other files).
fn check(
    slot: &str,
    case: &str,
    file: Option<&Path>,
    o: &Outcome,
    may_load: bool,
) -> Option<String> {
    let first = o.stderr.lines().next().unwrap_or("");
    let problem = if o.code.is_none() {
        Some(format!("hung ({:?})", o.elapsed))
    } else if o.stderr.contains("panicked")
        || o.stderr.contains("stack overflow")
        || o.code == Some(101)
        || o.code.is_some_and(|c| c > 128)
    {
        Some(format!("crashed: {}", o.stderr))
    } else if o.code == Some(2) {
        let named = match file {
            Some(f) => first.contains(&*f.file_name().unwrap().to_string_lossy()),
            None => first.starts_with("hybrid-preflight: error: /"),
        };
        (!named).then(|| format!("error does not name the file: {first}"))
    } else if may_load && matches!(o.code, Some(0) | Some(1)) {
        None
    } else {
        Some(format!("exit {:?} instead of 2: {first}", o.code))
    };
    if o.elapsed > Duration::from_secs(10) {
        return Some(format!("{slot} / {case}: took {:?}", o.elapsed));
    }
    problem.map(|p| format!("{slot} / {case}: {p}"))
}

#[test]
fn every_loader_rejects_every_malformed_case_cleanly() {
    let f = Fixture::sample();
    let big = f.path("big.bin");
    let mut problems = Vec::new();
    for slot in slots() {
        for (case, bytes) in cases(&big) {
            let g = Fixture::sample();
            let target = g.path(slot.file);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, &bytes).unwrap();
            let o = run_bounded(&(slot.args)(g.dir.path()), Duration::from_secs(20));
            if let Some(p) = check(
                slot.name,
                case,
                Some(&target),
                &o,
                slot.may_load.contains(&case),
            ) {
                problems.push(p);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn huge_file_is_refused_quickly_with_bounded_memory() {
    let g = Fixture::sample();
    let target = g.path("onprem/tenant-a.json");
    let file = std::fs::File::create(&target).unwrap();
    file.set_len(200 * 1024 * 1024).unwrap(); // sparse: no disk used
    let o = run_bounded(&audit_args(g.dir.path()), Duration::from_secs(10));
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("tenant-a.json: file is too large"),
        "{}",
        o.stderr
    );
    assert!(o.elapsed < Duration::from_secs(2), "{:?}", o.elapsed);
}

#[test]
fn folder_symlink_loop_and_odd_paths() {
    // A manifest entry that names a folder.
    let g = Fixture::sample();
    g.replace(
        "deployment.yaml",
        "transaction: onprem/tenant-a.json",
        "transaction: onprem/",
    );
    let o = run_bounded(&audit_args(g.dir.path()), Duration::from_secs(10));
    assert_eq!(o.code, Some(2));
    assert!(
        o.stderr.contains("is a directory, expected a file"),
        "{}",
        o.stderr
    );

    // A symlink loop in place of an export.
    let g = Fixture::sample();
    let a = g.path("onprem/tenant-a.json");
    std::fs::remove_file(&a).unwrap();
    std::os::unix::fs::symlink(g.path("onprem/loop2"), &a).unwrap();
    std::os::unix::fs::symlink(&a, g.path("onprem/loop2")).unwrap();
    let o = run_bounded(&audit_args(g.dir.path()), Duration::from_secs(10));
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.lines().next().unwrap().contains("tenant-a.json"),
        "{}",
        o.stderr
    );

    // Spaces and non-ASCII characters in every path: a normal audit.
    let g = Fixture::sample();
    let odd: PathBuf = g.path("Déploiement ACME 東京");
    std::fs::create_dir_all(&odd).unwrap();
    for entry in ["deployment.yaml", "onprem", "cloud"] {
        std::fs::rename(g.path(entry), odd.join(entry)).unwrap();
    }
    let o = run_bounded(&audit_args(&odd), Duration::from_secs(20));
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn checked_in_regression_inputs_are_rejected_cleanly() {
    let corpus = support::crate_dir().join("tests/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let slot_name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(slot) = slots()
            .into_iter()
            .find(|s| s.name.replace(' ', "-") == slot_name)
        else {
            panic!("tests/corpus/{slot_name}: no such loader");
        };
        for case in std::fs::read_dir(&dir).unwrap() {
            let case = case.unwrap().path();
            let g = Fixture::sample();
            let target = g.path(slot.file);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&case, &target).unwrap();
            let o = run_bounded(&(slot.args)(g.dir.path()), Duration::from_secs(20));
            if let Some(p) = check(slot.name, &case.display().to_string(), None, &o, true) {
                panic!("{p}");
            }
            n += 1;
        }
    }
    assert!(n > 0, "the corpus has regression inputs");
}
