//! Packets per second of the offline capture analysis (read + decode +
//! flows + TLS), on a generated capture of 1,000 endpoints × 20 connections:
//! handshakes with a ClientHello / ServerHello, drops, resets and data.
//!
//! `cargo bench --bench capture`; criterion prints elements/s = packets/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use etherparse::PacketBuilder;
use hybrid_preflight::capture::{CapturedPacket, LinkType, Target, analyse_reader, write_pcap_to};
use std::hint::black_box;
use std::time::Duration;

#[allow(clippy::too_many_arguments)]
fn tcp(
    out: &mut Vec<CapturedPacket>,
    t: u64,
    src: [u8; 4],
    dst: [u8; 4],
    sp: u16,
    dp: u16,
    flags: &str,
    payload: &[u8],
) {
    let mut b = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(src, dst, 60)
        .tcp(sp, dp, 1000, 64000);
    if flags.contains('S') {
        b = b.syn();
    }
    if flags.contains('A') {
        b = b.ack(1);
    }
    if flags.contains('R') {
        b = b.rst();
    }
    let mut data = Vec::new();
    b.write(&mut data, payload).unwrap();
    let orig_len = data.len() as u32;
    out.push(CapturedPacket {
        ts: Duration::from_micros(1_700_000_000_000_000 + t),
        data,
        orig_len,
    });
}

fn hello(kind: u8, sni: &str) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.push(0);
    if kind == 1 {
        body.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
        let n = sni.as_bytes();
        let mut ext = vec![0, 0];
        ext.extend_from_slice(&((n.len() + 5) as u16).to_be_bytes());
        ext.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&(n.len() as u16).to_be_bytes());
        ext.extend_from_slice(n);
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
    } else {
        body.extend_from_slice(&[0x13, 0x01, 0]);
    }
    let mut hs = vec![kind];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

fn generate() -> (Vec<u8>, Vec<Target>, u64) {
    let mut p = Vec::new();
    let client = [10, 0, 0, 5];
    let bulk = vec![0x17u8; 1200];
    let mut targets = Vec::new();
    for e in 0..1000u32 {
        let server = [192, 0, (e >> 8) as u8, e as u8];
        let sni = format!("svc{e}.example.test");
        targets.push(Target {
            host: sni.clone(),
            port: 443,
        });
        for c in 0..20u32 {
            let t = u64::from(e * 20 + c) * 1000;
            let sp = 20000 + c as u16;
            tcp(&mut p, t, client, server, sp, 443, "S", &[]);
            match e % 10 {
                0 => continue, // dropped
                1 => {
                    tcp(&mut p, t + 5, server, client, 443, sp, "RA", &[]);
                    continue;
                }
                _ => {}
            }
            tcp(&mut p, t + 20, server, client, 443, sp, "SA", &[]);
            tcp(
                &mut p,
                t + 21,
                client,
                server,
                sp,
                443,
                "A",
                &hello(1, &sni),
            );
            tcp(&mut p, t + 40, server, client, 443, sp, "A", &hello(2, ""));
            for _ in 0..4 {
                tcp(&mut p, t + 50, server, client, 443, sp, "A", &bulk);
            }
        }
    }
    let n = p.len() as u64;
    let mut file = Vec::new();
    write_pcap_to(&mut file, LinkType::Ethernet, &p).unwrap();
    (file, targets, n)
}

fn bench(c: &mut Criterion) {
    let (file, targets, packets) = generate();
    let mut g = c.benchmark_group("capture");
    g.sample_size(10);
    g.throughput(Throughput::Elements(packets));
    g.bench_function(
        format!(
            "analyse {packets} packets, {} MB, 1000 targets",
            file.len() >> 20
        ),
        |b| b.iter(|| analyse_reader(black_box(&file[..]), black_box(&targets)).unwrap()),
    );
    g.throughput(Throughput::Bytes(file.len() as u64));
    g.bench_function("analyse, bytes/s, no targets", |b| {
        b.iter(|| analyse_reader(black_box(&file[..]), &[]).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
