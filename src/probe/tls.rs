//! TLS with rustls through a verifier that records the presented chain and
//! two verdicts: against the trust store in use (system store plus
//! `--ca-file`), and whether the chain anchors in the public (Mozilla) set.
//! A chain that does not is an intercepting proxy's, whatever the local store
//! thinks of it.
//!
//! The probe connection never carries application data, so the verifier
//! records its verdict and lets the handshake finish: that way the version and
//! cipher of an untrusted endpoint are still reported. Signatures over the
//! handshake are still checked. The HTTP stage uses a strictly verifying
//! configuration ([`TrustStore::strict_config`]).

use crate::probe::config::ProbeConfig;
use crate::probe::dns::round_ms;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use serde_json::{Value, json};
use sha2::Digest;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

/// The roots in use and the public reference set.
#[derive(Debug, Clone)]
pub struct TrustStore {
    store: Arc<RootCertStore>,
    public: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    /// `system store (146 certificates) + --ca-file corp.pem (1)`.
    pub description: String,
}

impl TrustStore {
    /// Loads the OS store, `ca_files` and `public_ca_files`. Blocking (reads
    /// files): call once per run.
    pub fn load(cfg: &ProbeConfig) -> Result<TrustStore, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut store = RootCertStore::empty();
        let (system_certs, origin) = system_roots();
        let (system_added, _) = store.add_parsable_certificates(system_certs);
        let mut parts = vec![format!(
            "system store {origin} ({system_added} certificates)"
        )];
        let mut public = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for f in &cfg.ca_files {
            let certs = read_pem_certs(f)?;
            let n = certs.len();
            for c in certs {
                store
                    .add(c)
                    .map_err(|e| format!("{}: not a usable CA certificate: {e}", f.display()))?;
            }
            parts.push(format!("--ca-file {} ({n})", f.display()));
        }
        for f in &cfg.public_ca_files {
            let certs = read_pem_certs(f)?;
            let n = certs.len();
            for c in certs {
                store
                    .add(c.clone())
                    .map_err(|e| format!("{}: not a usable CA certificate: {e}", f.display()))?;
                public
                    .add(c)
                    .map_err(|e| format!("{}: not a usable CA certificate: {e}", f.display()))?;
            }
            parts.push(format!("public CA file {} ({n})", f.display()));
        }
        Ok(TrustStore {
            store: Arc::new(store),
            public: Arc::new(public),
            provider,
            description: parts.join(" + "),
        })
    }

    /// Number of roots in the store in use.
    #[must_use]
    pub fn len(&self) -> usize {
        self.store.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// A normally verifying client configuration on the same roots (for
    /// HTTP), offering only HTTP/1.1.
    pub fn strict_config(&self) -> Result<ClientConfig, String> {
        let mut c = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(self.store.clone())
            .with_no_client_auth();
        c.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(c)
    }

    fn recording_config(&self) -> Result<(ClientConfig, SeenSlot), String> {
        let inner =
            WebPkiServerVerifier::builder_with_provider(self.store.clone(), self.provider.clone())
                .build()
                .map_err(|e| format!("trust store unusable: {e}"))?;
        let seen = Arc::new(Mutex::new(None));
        let v = RecordingVerifier {
            inner,
            public: self.public.clone(),
            provider: self.provider.clone(),
            seen: seen.clone(),
        };
        let c = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(v))
            .with_no_client_auth();
        Ok((c, seen))
    }
}

/// Distribution CA bundles, one file each (reading one file is several times
/// faster than scanning `/etc/ssl/certs`, which holds the same roots again).
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The OS roots and where they came from: `SSL_CERT_FILE`/`SSL_CERT_DIR`
/// when set (rustls-native-certs honours them), else the distribution bundle,
/// else whatever rustls-native-certs finds.
fn system_roots() -> (Vec<CertificateDer<'static>>, String) {
    let overridden =
        std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some();
    if !overridden {
        for b in BUNDLES {
            if let Ok(bytes) = std::fs::read(b) {
                let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
                    .filter_map(Result::ok)
                    .collect();
                if !certs.is_empty() {
                    return (certs, (*b).to_owned());
                }
            }
        }
    }
    let native = rustls_native_certs::load_native_certs();
    let origin = if overridden {
        "(SSL_CERT_FILE/SSL_CERT_DIR)"
    } else {
        "(native)"
    };
    (native.certs, origin.to_owned())
}

/// Largest CA file read (a full public bundle is about 250 KB).
const MAX_CA_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads every certificate in a PEM file; none is an error.
pub fn read_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    use std::io::Read;
    let cant = |e: std::io::Error| format!("{}: cannot read CA file: {}", path.display(), e.kind());
    // Capped: a wrong path (a device, a huge file) must not exhaust memory.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(cant)?
        .take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cant)?;
    if bytes.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(format!(
            "{}: CA file is larger than the limit of {MAX_CA_FILE_BYTES} bytes",
            path.display()
        ));
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: invalid PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{}: no `BEGIN CERTIFICATE` block found",
            path.display()
        ));
    }
    Ok(certs)
}

/// Where the verifier leaves what it saw.
type SeenSlot = Arc<Mutex<Option<Seen>>>;

/// What the verifier saw during one handshake.
#[derive(Debug, Clone)]
struct Seen {
    chain: Vec<CertificateDer<'static>>,
    store: Result<(), rustls::Error>,
    public: Result<(), rustls::Error>,
}

#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    public: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    seen: SeenSlot,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let store = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            .map(|_| ());
        // Anchoring is judged at a moment the leaf is valid, so an expired
        // public certificate is "expired", not "interception".
        let public = ParsedCertificate::try_from(end_entity).and_then(|p| {
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &p,
                &self.public,
                intermediates,
                within_validity(end_entity, now),
                self.provider.signature_verification_algorithms.all,
            )
        });
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        if let Ok(mut s) = self.seen.lock() {
            *s = Some(Seen {
                chain,
                store,
                public,
            });
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `now` when the leaf is currently valid, else the middle of its validity.
fn within_validity(ee: &CertificateDer<'_>, now: UnixTime) -> UnixTime {
    let Ok((_, c)) = x509_parser::parse_x509_certificate(ee) else {
        return now;
    };
    let nb = c.validity().not_before.timestamp();
    let na = c.validity().not_after.timestamp();
    let n = now.as_secs() as i64;
    if nb <= n && n <= na {
        now
    } else {
        UnixTime::since_unix_epoch(Duration::from_secs(
            u64::try_from(nb / 2 + na / 2).unwrap_or(0),
        ))
    }
}

/// One certificate of the presented chain, as an auditor files it.
#[derive(Debug, Clone, PartialEq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub not_after_unix: i64,
    pub serial: String,
    pub sha256: String,
    pub dns_names: Vec<String>,
    pub is_ca: bool,
}

impl CertInfo {
    fn parse(der: &CertificateDer<'_>) -> CertInfo {
        let sha256 = hex::encode(sha2::Sha256::digest(der.as_ref()));
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, c)) => {
                let dns_names = c
                    .subject_alternative_name()
                    .ok()
                    .flatten()
                    .map(|san| {
                        san.value
                            .general_names
                            .iter()
                            .filter_map(|g| match g {
                                x509_parser::extensions::GeneralName::DNSName(d) => {
                                    Some((*d).to_owned())
                                }
                                x509_parser::extensions::GeneralName::IPAddress(b) => ip_text(b),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let v = c.validity();
                CertInfo {
                    subject: c.subject().to_string(),
                    issuer: c.issuer().to_string(),
                    not_before: rfc3339(v.not_before.timestamp()),
                    not_after: rfc3339(v.not_after.timestamp()),
                    not_after_unix: v.not_after.timestamp(),
                    serial: c.raw_serial_as_string(),
                    sha256,
                    dns_names,
                    is_ca: c.is_ca(),
                }
            }
            Err(_) => CertInfo {
                subject: "(unparsable certificate)".into(),
                issuer: String::new(),
                not_before: String::new(),
                not_after: String::new(),
                not_after_unix: 0,
                serial: String::new(),
                sha256,
                dns_names: Vec::new(),
                is_ca: false,
            },
        }
    }

    /// Whole days until `not_after` (negative once expired).
    #[must_use]
    pub fn days_left(&self, now_unix: i64) -> i64 {
        (self.not_after_unix - now_unix).div_euclid(86_400)
    }

    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "subject": self.subject, "issuer": self.issuer,
            "not_before": self.not_before, "not_after": self.not_after,
            "serial": self.serial, "sha256": self.sha256,
            "dns_names": self.dns_names, "is_ca": self.is_ca,
        })
    }
}

fn ip_text(b: &[u8]) -> Option<String> {
    match b.len() {
        4 => Some(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
        16 => <[u8; 16]>::try_from(b)
            .ok()
            .map(|a| std::net::Ipv6Addr::from(a).to_string()),
        _ => None,
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The chain's judgement.
#[derive(Debug, Clone, PartialEq)]
pub enum ChainVerdict {
    /// Verifies for the host name against the store in use and anchors in a public CA.
    Trusted,
    /// Anchors outside the public set: an inspecting proxy (or a private CA).
    Interception {
        /// Issuer of the top presented certificate.
        issuer: String,
        /// Whether the store in use (e.g. with `--ca-file`) accepts it anyway.
        trusted_by_store: bool,
    },
    Expired,
    NotYetValid,
    /// The certificate does not name the host.
    WrongName,
    /// A public chain the store in use does not accept (stale store, missing intermediate …).
    Untrusted(String),
}

impl ChainVerdict {
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            ChainVerdict::Trusted => "trusted",
            ChainVerdict::Interception { .. } => "tls-interception",
            ChainVerdict::Expired => "expired",
            ChainVerdict::NotYetValid => "not-yet-valid",
            ChainVerdict::WrongName => "wrong-name",
            ChainVerdict::Untrusted(_) => "untrusted",
        }
    }

    /// Whether the HTTP stage can verify the same chain.
    #[must_use]
    pub fn store_accepts(&self) -> bool {
        matches!(
            self,
            ChainVerdict::Trusted
                | ChainVerdict::Interception {
                    trusted_by_store: true,
                    ..
                }
        )
    }
}

fn judge(seen: &Seen, chain: &[CertInfo]) -> ChainVerdict {
    if seen.public.is_err() {
        let issuer = chain.last().map(|c| c.issuer.clone()).unwrap_or_default();
        return ChainVerdict::Interception {
            issuer,
            trusted_by_store: seen.store.is_ok(),
        };
    }
    match &seen.store {
        Ok(()) => ChainVerdict::Trusted,
        Err(rustls::Error::InvalidCertificate(e)) => match e {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                ChainVerdict::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                ChainVerdict::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                ChainVerdict::WrongName
            }
            other => ChainVerdict::Untrusted(format!("{other:?}")),
        },
        Err(other) => ChainVerdict::Untrusted(other.to_string()),
    }
}

/// A completed handshake.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsSession {
    /// The address (or proxy tunnel) the handshake ran over.
    pub peer: String,
    pub sni: String,
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    pub cipher: String,
    pub chain: Vec<CertInfo>,
    pub verdict: ChainVerdict,
    pub elapsed_ms: f64,
}

/// What the TLS stage produced.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsResult {
    /// The stage did not run; the reason says why (`tcp-failed`, `not-probed`).
    NotRun {
        reason: &'static str,
        message: String,
    },
    Done(TlsSession),
    /// The handshake did not complete.
    Failed {
        peer: String,
        /// `handshake-failed`, `tls-timeout` (nothing received), `tls-stalled`
        /// (bytes trickled, no handshake), `tls-version-too-old`, `run-deadline`,
        /// `trust-store-error`.
        reason: &'static str,
        detail: String,
        /// Whatever chain was presented before the failure.
        chain: Vec<CertInfo>,
        elapsed_ms: f64,
    },
}

impl TlsResult {
    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            TlsResult::NotRun { reason, .. } => json!({"skipped": reason}),
            TlsResult::Done(s) => json!({
                "peer": s.peer, "sni": s.sni, "version": s.version, "cipher": s.cipher,
                "verdict": s.verdict.as_str(),
                "chain": s.chain.iter().map(CertInfo::to_json).collect::<Vec<_>>(),
                "elapsed_ms": round_ms(s.elapsed_ms),
            }),
            TlsResult::Failed {
                peer,
                reason,
                detail,
                chain,
                elapsed_ms,
            } => json!({
                "peer": peer, "error": reason, "detail": detail,
                "chain": chain.iter().map(CertInfo::to_json).collect::<Vec<_>>(),
                "elapsed_ms": round_ms(*elapsed_ms),
            }),
        }
    }
}

/// Runs one handshake over `io` for `sni`, within `until`.
pub async fn handshake<IO>(
    io: IO,
    sni: &str,
    peer: String,
    trust: &TrustStore,
    until: Instant,
    until_is_run_deadline: bool,
) -> TlsResult
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let started = Instant::now();
    let failed = |reason: &'static str, detail: String, chain: Vec<CertInfo>| TlsResult::Failed {
        peer: peer.clone(),
        reason,
        detail,
        chain,
        elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
    };
    let (config, seen) = match trust.recording_config() {
        Ok(x) => x,
        Err(e) => return failed("trust-store-error", e, Vec::new()),
    };
    let name = match ServerName::try_from(sni.to_owned()) {
        Ok(n) => n,
        Err(e) => {
            return failed(
                "handshake-failed",
                format!("`{sni}` is not a valid TLS server name: {e}"),
                Vec::new(),
            );
        }
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let received = Arc::new(AtomicU64::new(0));
    let io = Counting {
        inner: io,
        received: received.clone(),
    };
    let res = tokio::time::timeout_at(until.into(), connector.connect(name, io)).await;
    let seen = seen.lock().ok().and_then(|s| s.clone());
    let chain: Vec<CertInfo> = seen
        .as_ref()
        .map(|s| s.chain.iter().map(CertInfo::parse).collect())
        .unwrap_or_default();
    match res {
        Err(_) if until_is_run_deadline => failed(
            "run-deadline",
            "the run deadline passed during the TLS handshake".into(),
            chain,
        ),
        Err(_) => match received.load(Ordering::Relaxed) {
            0 => failed(
                "tls-timeout",
                "the server accepted the connection but sent nothing within the timeout".into(),
                chain,
            ),
            n => failed(
                "tls-stalled",
                format!(
                    "the server sent only {n} bytes and did not finish the handshake within the timeout (a stalled or deliberately slow peer)"
                ),
                chain,
            ),
        },
        Ok(Err(e)) => {
            let reason = if is_version_refusal(&e) {
                "tls-version-too-old"
            } else {
                "handshake-failed"
            };
            failed(reason, e.to_string(), chain)
        }
        Ok(Ok(mut stream)) => {
            let (_, conn) = stream.get_ref();
            let version = conn
                .protocol_version()
                .map(version_name)
                .unwrap_or_default();
            let cipher = conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()))
                .unwrap_or_default();
            let verdict = match &seen {
                Some(s) => judge(s, &chain),
                None => ChainVerdict::Untrusted("no certificate was presented".into()),
            };
            // Best effort: a polite close_notify, bounded.
            let _ = tokio::time::timeout(Duration::from_millis(200), stream.shutdown()).await;
            TlsResult::Done(TlsSession {
                peer,
                sni: sni.to_owned(),
                version,
                cipher,
                chain,
                verdict,
                elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
            })
        }
    }
}

/// Counts the bytes the server sent, so a peer that trickles a handshake
/// (slowloris) is told apart from one that never speaks.
struct Counting<IO> {
    inner: IO,
    received: Arc<AtomicU64>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Counting<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len().saturating_sub(before);
        self.received.fetch_add(n as u64, Ordering::Relaxed);
        r
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Counting<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Whether a handshake error means the server only speaks TLS < 1.2.
fn is_version_refusal(e: &std::io::Error) -> bool {
    let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return false;
    };
    matches!(
        inner,
        rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)
            | rustls::Error::PeerIncompatible(
                rustls::PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            )
            | rustls::Error::PeerIncompatible(
                rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13
            )
    )
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        rustls::ProtocolVersion::TLSv1_1 => "TLSv1.1".into(),
        rustls::ProtocolVersion::TLSv1_0 => "TLSv1.0".into(),
        other => format!("{other:?}"),
    }
}

/// Whether a version name is TLS 1.2 or later.
#[must_use]
pub fn version_at_least_1_2(v: &str) -> bool {
    matches!(v, "TLSv1.2" | "TLSv1.3")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_ca_file_is_refused_at_the_cap() {
        let e = read_pem_certs(Path::new("/dev/zero")).unwrap_err();
        assert!(e.contains("larger than the limit"), "{e}");
    }
}
