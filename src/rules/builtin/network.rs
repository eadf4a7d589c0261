//! Network checks (NET001–NET007) over the probe reports of
//! [`crate::probe`], one per required endpoint, probed once per run.

use super::{Builtin, Ctx, no_params, validate_as, with_params};
use crate::probe::{self, EndpointReport};
use crate::result::Outcome;
use crate::rules::model::Scope;
use serde::Deserialize;
use serde_json::Value;

fn report<'a>(ctx: &Ctx<'a>) -> Result<&'a EndpointReport, Outcome> {
    let i = ctx
        .endpoint
        .ok_or_else(|| Outcome::error("wrong-scope", "network checks need an endpoint subject"))?;
    if ctx.derived.interrupted {
        return Err(Outcome::error(
            "interrupted",
            "the run was interrupted before the probes finished",
        ));
    }
    ctx.derived
        .probes
        .get(i)
        .ok_or_else(|| Outcome::skip("not-probed", "the endpoint was not probed"))
}

macro_rules! net {
    ($id:ident, $name:literal, $f:path) => {
        pub const $id: Builtin = Builtin {
            name: $name,
            scope: Scope::Endpoint,
            validate: no_params,
            run: |ctx, _| report(ctx).map_or_else(|o| o, $f),
        };
    };
}

net!(DNS, "dns-resolves", probe::net001);
net!(TLS, "tls-handshake", probe::net003);

/// Adds the endpoint's capture file (`audit --capture`) to an outcome.
fn with_packets(ctx: &Ctx<'_>, mut o: Outcome) -> Outcome {
    if let Some(note) = &ctx.derived.capture_note {
        o.evidence.insert("capture".into(), note.clone().into());
    }
    if let Some(Some(p)) = ctx.endpoint.and_then(|i| ctx.derived.packets.get(i)) {
        o.evidence
            .insert("capture_file".into(), p.file.display().to_string().into());
    }
    o
}

/// NET002: the probe's verdict, refined by the packets when captured (a
/// forged reset, the router that sent an ICMP, silence).
pub const TCP: Builtin = Builtin {
    name: "tcp-reachable",
    scope: Scope::Endpoint,
    validate: no_params,
    run: |ctx, _| {
        let o = report(ctx).map_or_else(|o| o, probe::net002);
        let refinement = ctx
            .endpoint
            .and_then(|i| ctx.derived.packets.get(i))
            .and_then(|p| p.as_ref())
            .and_then(|p| p.refinement.as_ref());
        let mut o = with_packets(ctx, o);
        if let Some((server, r)) = refinement
            && o.status == crate::result::Status::Fail
        {
            o.reason = Some(r.reason().to_owned());
            o.message = r.message(*server);
            o.evidence.insert("packets".into(), r.evidence());
        }
        o
    },
};
net!(TOKEN, "token-endpoint", probe::net005);
net!(API, "api-endpoint", probe::net006);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertParams {
    min_days: i64,
}

/// NET004: endpoint certificate not expiring, TLS ≥ 1.2.
pub const TLS_CERT: Builtin = Builtin {
    name: "tls-certificate",
    scope: Scope::Endpoint,
    validate: validate_as::<CertParams>,
    run: |ctx, p: &Value| {
        with_params(p, |p: CertParams| {
            report(ctx).map_or_else(|o| o, |r| probe::net004(r, p.min_days))
        })
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SkewParams {
    max_skew_seconds: i64,
}

/// NET007: clock skew against the server's `Date`.
pub const SKEW: Builtin = Builtin {
    name: "clock-skew",
    scope: Scope::Endpoint,
    validate: validate_as::<SkewParams>,
    run: |ctx, p: &Value| {
        with_params(p, |p: SkewParams| {
            report(ctx).map_or_else(|o| o, |r| probe::net007(r, p.max_skew_seconds))
        })
    },
};

/// NET008: judged from a packet capture by `hybrid-preflight pcap`; in an
/// audit without a capture it does not run (see `audit::run`).
pub const CAPTURE: Builtin = Builtin {
    name: "capture-analysis",
    scope: Scope::Endpoint,
    validate: no_params,
    run: |_, _| {
        Outcome::skip(
            "no-capture",
            "no packet capture was analysed (use `hybrid-preflight pcap FILE`)",
        )
    },
};
