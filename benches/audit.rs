//! The offline audit of a 1,000-tenant deployment, key decryption included
//! (brief §6: under 1 s CPU). The deployment is generated from the contract
//! sample's Tenant_A (JSON export, OpenSSL 3 PKCS#8 key) with its cloud folder.

use criterion::{Criterion, criterion_group, criterion_main};
use hybrid_preflight::audit::{self, AuditOptions};
use hybrid_preflight::rules::RulePack;
use std::path::Path;

fn generate(dir: &Path, tenants: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample");
    let tx = std::fs::read_to_string(root.join("onprem/tenant-a.json")).unwrap();
    std::fs::create_dir_all(dir.join("onprem")).unwrap();
    let mut manifest = String::from(
        "name: bench\nmulti_tenant: true\nservices: [predictive-engagement, agent-pacing]\ntenants:\n",
    );
    for i in 0..tenants {
        let name = format!("T{i:04}");
        let file = format!("onprem/{name}.json");
        std::fs::write(
            dir.join(&file),
            tx.replace(
                "\"tenant\": \"Tenant_A\"",
                &format!("\"tenant\": \"{name}\""),
            ),
        )
        .unwrap();
        manifest.push_str(&format!(
            "  - name: {name}\n    transaction: {file}\n    cloud: cloud\n"
        ));
    }
    copy(&root.join("cloud/tenant-a"), &dir.join("cloud"));
    std::fs::write(dir.join("deployment.yaml"), manifest).unwrap();
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 1000);
    let pack = RulePack::builtin().unwrap();
    let opts = AuditOptions {
        offline: true,
        ignore: vec!["NET".into()],
        ..AuditOptions::default()
    };
    let mut g = c.benchmark_group("offline-audit");
    g.sample_size(10);
    g.bench_function("load 1000 tenants", |b| {
        b.iter(|| hybrid_preflight::evidence::load(dir.path()).unwrap())
    });
    let d = hybrid_preflight::evidence::load(dir.path()).unwrap();
    g.bench_function("evaluate 1000 tenants (all offline rules)", |b| {
        b.iter(|| audit::run(&d, &pack, &opts))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
