//! A real tinyproxy (Debian package) on 127.0.0.1, started per test.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Tinyproxy {
    pub port: u16,
    child: Child,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts tinyproxy allowing CONNECT only to `connect_ports`, optionally
/// requiring basic auth. `None` when tinyproxy is not installed.
pub fn start(dir: &Path, connect_ports: &[u16], auth: Option<(&str, &str)>) -> Option<Tinyproxy> {
    if !super::have("tinyproxy") {
        return None;
    }
    let port = super::free_port();
    let mut conf = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout 10\nMaxClients 64\nLogLevel Error\nDisableViaHeader Yes\n"
    );
    for p in connect_ports {
        conf.push_str(&format!("ConnectPort {p}\n"));
    }
    if let Some((u, p)) = auth {
        conf.push_str(&format!("BasicAuth {u} {p}\n"));
    }
    let path = dir.join(format!("tinyproxy-{port}.conf"));
    std::fs::write(&path, conf).unwrap();
    let child = Command::new("tinyproxy")
        .arg("-d")
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "tinyproxy did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Tinyproxy { port, child })
}
