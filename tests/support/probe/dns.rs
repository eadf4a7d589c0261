//! A UDP DNS server on 127.0.0.1 with scripted answers per name, built on
//! hickory-proto so NXDOMAIN, SERVFAIL, REFUSED, empty answers and silence
//! can each be produced on demand.

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, AAAA};
use hickory_resolver::proto::rr::{RData, Record, RecordType};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the server does for one name.
#[derive(Debug, Clone)]
pub enum Behaviour {
    Addresses(Vec<IpAddr>),
    NxDomain,
    ServFail,
    Refused,
    /// NOERROR with an empty answer section.
    NoData,
    /// Never answers.
    Silent,
}

pub struct DnsServer {
    pub addr: SocketAddr,
    pub queries: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the server; names are matched case-insensitively without the final dot.
pub async fn serve(zone: &[(&str, Behaviour)]) -> DnsServer {
    let zone: HashMap<String, Behaviour> = zone
        .iter()
        .map(|(n, b)| (n.to_ascii_lowercase(), b.clone()))
        .collect();
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    let queries = Arc::new(AtomicUsize::new(0));
    let count = queries.clone();
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                return;
            };
            let Ok(req) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let Some(q) = req.queries.first().cloned() else {
                continue;
            };
            let name = q
                .name()
                .to_string()
                .trim_end_matches('.')
                .to_ascii_lowercase();
            let mut resp = Message::response(req.metadata.id, req.metadata.op_code);
            resp.metadata.recursion_desired = req.metadata.recursion_desired;
            resp.metadata.recursion_available = true;
            resp.queries = req.queries.clone();
            match zone.get(&name).cloned().unwrap_or(Behaviour::NxDomain) {
                Behaviour::Silent => continue,
                Behaviour::NxDomain => resp.metadata.response_code = ResponseCode::NXDomain,
                Behaviour::ServFail => resp.metadata.response_code = ResponseCode::ServFail,
                Behaviour::Refused => resp.metadata.response_code = ResponseCode::Refused,
                Behaviour::NoData => {}
                Behaviour::Addresses(ips) => {
                    for ip in ips {
                        let rdata = match (ip, q.query_type()) {
                            (IpAddr::V4(a), RecordType::A) => RData::A(A(a)),
                            (IpAddr::V6(a), RecordType::AAAA) => RData::AAAA(AAAA(a)),
                            _ => continue,
                        };
                        resp.answers
                            .push(Record::from_rdata(q.name().clone(), 60, rdata));
                    }
                }
            }
            if let Ok(bytes) = resp.to_vec() {
                let _ = sock.send_to(&bytes, peer).await;
            }
        }
    });
    DnsServer {
        addr,
        queries,
        task,
    }
}
