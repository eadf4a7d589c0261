//! 1,000 loopback endpoints, half open and half closed, all classified
//! correctly and quickly. The nmap comparison on release builds is
//! `benches/compare-nmap.sh`; this test keeps a debug-build bound.

#[path = "support/probe/mod.rs"]
mod support;

use hybrid_preflight::Status;
use hybrid_preflight::probe::{Depth, Endpoint, net002, probe_all};
use std::time::{Duration, Instant};

fn raise_nofile() {
    // SAFETY: plain getrlimit/setrlimit on this process.
    unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < 8192 {
            l.rlim_cur = l.rlim_max.min(8192);
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn thousand_open_and_closed_loopback_endpoints() {
    raise_nofile();
    let mut listeners = Vec::new();
    let mut eps = Vec::new();
    for _ in 0..500 {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        eps.push(Endpoint::new("127.0.0.1", l.local_addr().unwrap().port()));
        listeners.push(l);
    }
    let closed: Vec<std::net::TcpListener> = (0..500)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    for c in &closed {
        eps.push(Endpoint::new("127.0.0.1", c.local_addr().unwrap().port()));
    }
    drop(closed);
    let mut cfg = support::config();
    cfg.depth = Depth::Tcp;
    let started = Instant::now();
    let r = probe_all(&eps, &cfg).await;
    let took = started.elapsed();
    let o: Vec<_> = r.iter().map(net002).collect();
    let open = o.iter().filter(|x| x.status == Status::Pass).count();
    let refused = o
        .iter()
        .filter(|x| x.reason.as_deref() == Some("conn-refused"))
        .count();
    assert_eq!((open, refused), (500, 500));
    assert!(
        o[..500].iter().all(|x| x.status == Status::Pass),
        "input order kept"
    );
    eprintln!("1000 loopback endpoints (TCP stage): {took:?}");
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}
