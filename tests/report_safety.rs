//! Reports are written atomically: a planted symlink is replaced, not
//! followed; a full disk leaves the previous report intact and no temp file.

mod support;

use support::{Fixture, run};

#[test]
fn a_symlink_in_place_of_the_report_is_replaced_not_followed() {
    let f = Fixture::sample();
    let victim = f.path("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let report = f.path("report.json");
    std::os::unix::fs::symlink(&victim, &report).unwrap();
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--select",
        "CFG001",
        "--report",
        &format!("json:{}", report.display()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        !std::fs::symlink_metadata(&report)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("\"schema_version\": 1")
    );
}

#[test]
fn a_full_disk_keeps_the_previous_report_and_leaves_no_temp_file() {
    if !support::is_root() {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root");
        eprintln!("skipping: mounting a tmpfs needs root");
        return;
    }
    let f = Fixture::sample();
    let mnt = f.path("tiny");
    std::fs::create_dir_all(&mnt).unwrap();
    let ok = std::process::Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=16k",
            "tmpfs",
            mnt.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(ok.success(), "mount tmpfs");
    let report = mnt.join("report.html");
    std::fs::write(&report, "previous report").unwrap();
    // The HTML report of the full sample is far larger than 16 KiB.
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--report",
        &format!("html:{}", report.display()),
    ]);
    let entries: Vec<String> = std::fs::read_dir(&mnt)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let previous = std::fs::read_to_string(&report).unwrap();
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot write report") && r.stderr.contains("report.html"),
        "{}",
        r.stderr
    );
    assert_eq!(previous, "previous report");
    assert_eq!(
        entries,
        vec!["report.html".to_owned()],
        "no temporary file left behind"
    );
}

#[test]
fn no_secret_in_help_version_or_a_traced_run() {
    let f = Fixture::sample();
    let mut outputs = vec![
        run(&["--help"]).stdout,
        run(&["--version"]).stdout,
        run(&["audit", "--help"]).stdout,
    ];
    let traced = std::process::Command::new(support::BIN)
        .args([
            "audit",
            f.dir.path().to_str().unwrap(),
            "--offline",
            "--report",
            "json:-",
        ])
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    outputs.push(String::from_utf8_lossy(&traced.stdout).into_owned());
    outputs.push(String::from_utf8_lossy(&traced.stderr).into_owned());
    for out in &outputs {
        for s in support::SAMPLE_SECRETS {
            assert!(!out.contains(s), "secret {s} leaked");
        }
    }
}

#[test]
fn a_device_or_fifo_is_written_into_not_replaced() {
    if !support::is_root() {
        eprintln!("skipping: mknod needs root");
        return;
    }
    let f = Fixture::sample();
    // A private copy of /dev/null (char 1:3) and a FIFO with a reader.
    let null = f.path("null");
    assert!(
        std::process::Command::new("mknod")
            .args([null.to_str().unwrap(), "c", "1", "3"])
            .status()
            .unwrap()
            .success()
    );
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--select",
        "CFG001",
        "--report",
        &format!("json:{}", null.display()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&null)
            .unwrap()
            .file_type()
            .is_char_device(),
        "the device must survive"
    );
    let fifo = f.path("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--select",
        "CFG001",
        "--report",
        &format!("json:{}", fifo.display()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(reader.join().unwrap().contains("\"schema_version\": 1"));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[test]
fn a_directory_or_the_same_path_twice_is_refused() {
    let f = Fixture::sample();
    let dir = f.dir.path().to_str().unwrap();
    let r = run(&[
        "audit",
        dir,
        "--offline",
        "--report",
        &format!("json:{dir}"),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot write report") && r.stderr.contains("is a directory"),
        "{}",
        r.stderr
    );
    let same = f.path("same.json");
    let r = run(&[
        "audit",
        dir,
        "--offline",
        "--report",
        &format!("json:{}", same.display()),
        "--report",
        &format!("junit:{}", same.display()),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("two --report options write to"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_closed_stdout_keeps_the_findings_exit_code() {
    let f = Fixture::copy_of("examples/two-tenants");
    let mut child = std::process::Command::new(support::BIN)
        .args([
            "audit",
            f.dir.path().to_str().unwrap(),
            "--offline",
            "--report",
            "json:-",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
}
