//! Private network namespaces with their own iptables rules, so DROP and
//! REJECT (tcp-reset, ICMP unreachable codes) can be produced without
//! touching the host's firewall. Needs root; tests skip otherwise.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Netns {
    pub name: String,
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

impl Netns {
    /// Creates `hp-<tag>-<pid>-<n>` with loopback up; `None` (after saying
    /// why on stderr) when not root or `ip`/`iptables` are missing.
    pub fn create(tag: &str) -> Option<Netns> {
        if !super::is_root() {
            eprintln!("SKIP: network namespace tests need root (CI runs them as root)");
            return None;
        }
        if !super::have("ip") || !super::have("iptables") {
            eprintln!("SKIP: `ip` (iproute2) or `iptables` is not installed");
            return None;
        }
        let name = format!(
            "hp-{tag}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        run(&["ip", "netns", "add", &name]);
        let ns = Netns { name };
        ns.exec(&["ip", "link", "set", "lo", "up"]);
        Some(ns)
    }

    /// Runs a command inside the namespace; panics on failure.
    pub fn exec(&self, args: &[&str]) {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(args);
        run(&full);
    }

    /// `iptables RULE...` inside the namespace.
    pub fn iptables(&self, rule: &str) {
        let mut args = vec!["iptables"];
        args.extend(rule.split_whitespace());
        self.exec(&args);
    }

    /// Runs `f` on a thread that entered the namespace (sockets it opens
    /// live there), with a current-thread tokio runtime.
    pub fn run<F, Fut, T>(&self, f: F) -> T
    where
        F: FnOnce() -> Fut + Send,
        Fut: std::future::Future<Output = T>,
        T: Send,
    {
        let path = format!("/var/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(move || {
                let file = std::fs::File::open(&path).expect("open netns");
                use std::os::fd::AsRawFd;
                // SAFETY: setns on a valid namespace fd affects only this thread.
                let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(rc, 0, "setns failed: {}", std::io::Error::last_os_error());
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(f())
            })
            .join()
            .expect("netns thread panicked")
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn run(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
}
