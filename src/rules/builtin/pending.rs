//! Checks whose analysis modules are being integrated: they report `skip`
//! (`not-implemented`), never a pass.

use super::{Builtin, Ctx};
use crate::result::Outcome;
use crate::rules::model::Scope;
use serde_json::Value;

fn pending(_: &Ctx<'_>, _: &Value) -> Outcome {
    Outcome::skip("not-implemented", "this check is not implemented yet")
}

fn any_params(_: &Value) -> Result<(), String> {
    Ok(())
}

macro_rules! pending {
    ($($id:ident = $name:literal, $scope:ident;)*) => {
        $(pub const $id: Builtin = Builtin { name: $name, scope: Scope::$scope, validate: any_params, run: pending };)*
    };
}

pending! {
    DNS = "dns-resolves", Endpoint;
    TCP = "tcp-reachable", Endpoint;
    TLS = "tls-handshake", Endpoint;
    TLS_CERT = "tls-certificate", Endpoint;
    TOKEN = "token-endpoint", Endpoint;
    API = "api-endpoint", Endpoint;
    SKEW = "clock-skew", Endpoint;
}
