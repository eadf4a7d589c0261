//! Filtered vs closed, the nmap `-sT` way, in a private network namespace
//! whose iptables rules DROP or REJECT (tcp-reset, ICMP unreachable codes).
//! Also the timing bars: 100 silently dropped endpoints at 0.5 s finish in
//! under 0.7 s; retries only after timeouts; the run deadline holds.
//! Needs root (CI runs as root); skips with a message otherwise.

#[path = "support/probe/mod.rs"]
mod support;

use hybrid_preflight::Status;
use hybrid_preflight::probe::{Depth, Endpoint, net002, probe_all};
use std::time::{Duration, Instant};
use support::netns::Netns;

fn tcp_config(timeout_ms: u64) -> hybrid_preflight::probe::ProbeConfig {
    let mut cfg = support::config();
    cfg.timeout = Duration::from_millis(timeout_ms);
    cfg.depth = Depth::Tcp;
    cfg
}

#[test]
fn drop_reject_and_icmp_codes_are_classified() {
    let Some(ns) = Netns::create("cls") else {
        return;
    };
    let rules = [
        (41001, "-A INPUT -i lo -p tcp --dport 41001 -j DROP"),
        (
            41002,
            "-A INPUT -i lo -p tcp --dport 41002 -j REJECT --reject-with tcp-reset",
        ),
        (
            41003,
            "-A INPUT -i lo -p tcp --dport 41003 -j REJECT --reject-with icmp-admin-prohibited",
        ),
        (
            41004,
            "-A INPUT -i lo -p tcp --dport 41004 -j REJECT --reject-with icmp-host-unreachable",
        ),
        (
            41005,
            "-A INPUT -i lo -p tcp --dport 41005 -j REJECT --reject-with icmp-net-unreachable",
        ),
        (
            41006,
            "-A INPUT -i lo -p tcp --dport 41006 -j REJECT --reject-with icmp-port-unreachable",
        ),
        (
            41007,
            "-A OUTPUT -o lo -p tcp --dport 41007 -j REJECT --reject-with icmp-host-prohibited",
        ),
    ];
    for (_, r) in rules {
        ns.iptables(r);
    }
    let outcomes = ns.run(|| async {
        let open = tokio::net::TcpListener::bind("127.0.0.1:41008")
            .await
            .unwrap();
        let mut eps: Vec<Endpoint> = (41000..=41007)
            .map(|p| Endpoint::new("127.0.0.1", p))
            .collect();
        eps.push(Endpoint::new("127.0.0.1", 41008));
        let started = Instant::now();
        let r = probe_all(&eps, &tcp_config(300)).await;
        let took = started.elapsed();
        drop(open);
        (r.iter().map(net002).collect::<Vec<_>>(), took)
    });
    let (o, took) = outcomes;
    let expect = [
        (Status::Fail, "conn-refused", "closed"), // 41000 nothing listens
        (Status::Fail, "no-response", "filtered"), // DROP
        (Status::Fail, "conn-refused", "closed"), // REJECT tcp-reset
        (Status::Fail, "admin-prohibited", "filtered"), // ICMP 3/13
        (Status::Fail, "host-unreach", "filtered"), // ICMP 3/1
        (Status::Fail, "net-unreach", "filtered"), // ICMP 3/0
        (Status::Fail, "port-unreach", "filtered"), // ICMP 3/3 (iptables' default REJECT)
        (Status::Fail, "admin-prohibited", "filtered"), // ICMP 3/10 on the way out
    ];
    for (i, (status, reason, state)) in expect.iter().enumerate() {
        assert_eq!(
            (o[i].status, o[i].reason.as_deref()),
            (*status, Some(*reason)),
            "port {}: {:?}",
            41000 + i,
            o[i]
        );
        assert_eq!(o[i].evidence["state"], *state, "port {}", 41000 + i);
    }
    assert_eq!(o[3].evidence["tcp"][0]["icmp"]["code"], 13);
    assert_eq!(
        o[3].evidence["tcp"][0]["icmp"]["from"], "127.0.0.1",
        "the ICMP sender is named"
    );
    assert!(
        o[3].message.contains("administratively prohibited"),
        "{}",
        o[3].message
    );
    assert!(
        o[1].message.contains("drops the SYN silently"),
        "{}",
        o[1].message
    );
    assert_eq!(o[8].status, Status::Pass, "{:?}", o[8]);
    assert!(
        took < Duration::from_millis(800),
        "one timeout for the whole set, took {took:?}"
    );
}

#[test]
fn hundred_dropped_endpoints_take_one_timeout() {
    let Some(ns) = Netns::create("drop") else {
        return;
    };
    ns.iptables("-A INPUT -i lo -p tcp --dport 30000:30099 -j DROP");
    let (o, took) = ns.run(|| async {
        let eps: Vec<Endpoint> = (30000..30100)
            .map(|p| Endpoint::new("127.0.0.1", p))
            .collect();
        let started = Instant::now();
        let r = probe_all(&eps, &tcp_config(500)).await;
        (r.iter().map(net002).collect::<Vec<_>>(), started.elapsed())
    });
    assert_eq!(o.len(), 100);
    assert!(
        o.iter().all(|x| x.reason.as_deref() == Some("no-response")),
        "{:?}",
        o[0]
    );
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(
        took < Duration::from_millis(700),
        "100 dropped endpoints at 0.5 s took {took:?}"
    );
}

#[test]
fn retries_follow_timeouts_only_and_the_run_deadline_holds() {
    let Some(ns) = Netns::create("retry") else {
        return;
    };
    ns.iptables("-A INPUT -i lo -p tcp --dport 31000:31009 -j DROP");
    let (retried, refused, late, took) = ns.run(|| async {
        let mut cfg = tcp_config(200);
        cfg.retries = 2;
        let started = Instant::now();
        let r = probe_all(
            &[
                Endpoint::new("127.0.0.1", 31000),
                Endpoint::new("127.0.0.1", 31100),
            ],
            &cfg,
        )
        .await;
        let retry_time = started.elapsed();
        assert!(
            retry_time >= Duration::from_millis(3 * 200 + 100 + 200),
            "backoff between attempts: {retry_time:?}"
        );

        let mut cfg = tcp_config(5000);
        cfg.run_deadline = Duration::from_millis(300);
        let eps: Vec<Endpoint> = (31001..31010)
            .map(|p| Endpoint::new("127.0.0.1", p))
            .collect();
        let started = Instant::now();
        let late = probe_all(&eps, &cfg).await;
        (
            net002(&r[0]),
            net002(&r[1]),
            late.iter().map(net002).collect::<Vec<_>>(),
            started.elapsed(),
        )
    });
    assert_eq!(retried.evidence["tcp"][0]["attempts"], 3, "{retried:?}");
    assert_eq!(retried.reason.as_deref(), Some("no-response"));
    assert_eq!(
        refused.evidence["tcp"][0]["attempts"], 1,
        "a refusal is an answer, never retried"
    );
    for o in &late {
        assert_eq!(
            (o.status, o.reason.as_deref()),
            (Status::Error, Some("run-deadline")),
            "{o:?}"
        );
    }
    assert!(
        took < Duration::from_millis(600),
        "run deadline 300 ms, took {took:?}"
    );
}
