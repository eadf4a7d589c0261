//! Tenancy rules at the issue's scale: 1,000 tenants, 50,000 persons,
//! 5,000 nested access groups (generated; see tests/support/tenancy_gen.rs).
//!
//! `cargo bench --bench tenancy`

#[path = "../tests/support/tenancy_gen.rs"]
mod tenancy_gen;

use criterion::{Criterion, criterion_group, criterion_main};
use hybrid_preflight::Status;
use hybrid_preflight::evidence::Deployment;
use hybrid_preflight::evidence::permissions;
use hybrid_preflight::facts::tenancy::{self, TenancyAnalysis};
use std::hint::black_box;
use std::path::Path;
use tenancy_gen::Shape;

/// Every tenancy rule on every subject, index included; returns the
/// number of findings so nothing is optimised away.
fn all_rules(d: &Deployment) -> usize {
    let a = TenancyAnalysis::of(d);
    let mut outcomes = vec![tenancy::ten001(d), tenancy::ten003(d)];
    for t in &d.tenants {
        if let Some(a) = &a {
            outcomes.push(tenancy::ten002(a, d, t));
        }
        outcomes.push(tenancy::ten004(a.as_ref(), d, t));
    }
    outcomes.iter().filter(|o| o.status == Status::Fail).count()
}

fn bench_shape(c: &mut Criterion, group: &str, shape: &Shape) {
    let text = tenancy_gen::permissions_json(shape);
    let p =
        permissions::parse(Path::new("generated.json"), &text).expect("generated export parses");
    let d = tenancy_gen::deployment(shape, Some(p.clone()));
    let mut g = c.benchmark_group(group);
    g.sample_size(20);
    g.bench_function("parse_permissions_export", |b| {
        b.iter(|| permissions::parse(Path::new("generated.json"), black_box(&text)))
    });
    g.bench_function("build_analysis", |b| {
        b.iter(|| TenancyAnalysis::new(black_box(&p)))
    });
    g.bench_function("all_rules_all_tenants", |b| {
        b.iter(|| all_rules(black_box(&d)))
    });
    g.finish();
}

fn tenancy_benches(c: &mut Criterion) {
    // Ten tenants leak through four levels of nesting; the rest are clean.
    bench_shape(c, "tenancy_issue_scale", &Shape::ISSUE);
    // Worst case: an Environment group holding every tenant's agents reads
    // every object, so each object leaks to ~50,000 agents.
    bench_shape(
        c,
        "tenancy_every_object_leaks",
        &Shape {
            env_group_reads_all: true,
            ..Shape::ISSUE
        },
    );
}

criterion_group!(benches, tenancy_benches);
criterion_main!(benches);
