//! The Genesys Cloud region table (`rules/data/regions.yaml`, embedded) and
//! the analysis of the transaction object's auth and service URLs.

use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub domain: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionFile {
    regions: Vec<Region>,
}

const REGIONS_YAML: &str = include_str!("../../rules/data/regions.yaml");

static REGIONS: LazyLock<Vec<Region>> = LazyLock::new(|| {
    // The embedded table is tested (`embedded_table_parses`); a broken build
    // would fail that test, so an empty table here is unreachable in practice.
    serde_saphyr::from_str::<RegionFile>(REGIONS_YAML)
        .map(|f| f.regions)
        .unwrap_or_default()
});

/// Every known region.
pub fn regions() -> &'static [Region] {
    &REGIONS
}

/// The region whose domain is exactly `domain`.
pub fn by_domain(domain: &str) -> Option<&'static Region> {
    regions()
        .iter()
        .find(|r| r.domain.eq_ignore_ascii_case(domain))
}

/// The region a host belongs to (`login.mypurecloud.de` → Frankfurt), with
/// the label before the domain (`login`).
pub fn split_host(host: &str) -> Option<(&str, &'static Region)> {
    let host = host.trim_end_matches('.');
    regions()
        .iter()
        .filter_map(|r| {
            let prefix = host.strip_suffix(r.domain.as_str())?.strip_suffix('.')?;
            Some((prefix, r))
        })
        // `mypurecloud.com.au` must win over `mypurecloud.com`… which cannot
        // match anyway, but prefer the longest domain for safety.
        .max_by_key(|(_, r)| r.domain.len())
}

/// The known domain closest to `domain` (for "did you mean").
pub fn closest_domain(domain: &str) -> Option<&'static str> {
    regions()
        .iter()
        .map(|r| {
            (
                strsim::levenshtein(&r.domain, &domain.to_ascii_lowercase()),
                r,
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, r)| r.domain.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses() {
        let f: RegionFile = serde_saphyr::from_str(REGIONS_YAML).unwrap();
        assert_eq!(f.regions.len(), 18);
        assert_eq!(regions().len(), 18);
    }

    #[test]
    fn splits_hosts_by_longest_domain() {
        let (p, r) = split_host("login.mypurecloud.com.au").unwrap();
        assert_eq!((p, r.id.as_str()), ("login", "ap-southeast-2"));
        let (p, r) = split_host("api.mypurecloud.com").unwrap();
        assert_eq!((p, r.id.as_str()), ("api", "us-east-1"));
        assert!(split_host("login.example.com").is_none());
        assert_eq!(closest_domain("mypurecloud.co"), Some("mypurecloud.com"));
    }
}
