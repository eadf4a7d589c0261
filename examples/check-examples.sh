#!/usr/bin/env bash
# Verifies the example deployments independently of hybrid-preflight: every
# file parses, the key material is what the examples claim (certificates valid
# for years, keys encrypted in the stated format and decrypting with the stated
# password, cert/key pairs matching except for the planted CRT007 fault), the
# on-prem and cloud halves agree, and each planted fault is really there.
#
# Needs: bash, openssl, jq, python3 with PyYAML. Exit status 1 on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

ok() { printf 'ok    %s\n' "$1"; }
bad() {
    printf 'FAIL  %s\n' "$1"
    failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
# same DESCRIPTION A B: the two strings must be equal.
same() {
    if [[ "$2" == "$3" ]]; then ok "$1"; else bad "$1 (got '$2', want '$3')"; fi
}
differ() {
    if [[ "$2" != "$3" ]]; then ok "$1"; else bad "$1 (both '$2')"; fi
}

# --- Every file parses ------------------------------------------------------
while IFS= read -r f; do
    check "JSON parses: ${f#"$here"/}" jq -e . "$f"
done < <(find "$here" -name '*.json' | sort)
while IFS= read -r f; do
    check "YAML parses: ${f#"$here"/}" python3 -c \
        'import sys, yaml; d = yaml.safe_load(open(sys.argv[1], encoding="utf-8")); assert d["tenants"]' "$f"
done < <(find "$here" -name '*.yaml' | sort)

# --- Option access ------------------------------------------------------------

# The tenant's options as {section: {option: value}, annex: {...}}.
tx_json_opts() {
    jq --arg t "$2" '.transactions[] | select(.name == "hybrid_integration" and .tenant == $t)
        | .userProperties + {annex: .annex}' "$1"
}
tx_ini_opts() {
    sed '1s/^\xEF\xBB\xBF//' "$1" | tr -d '\r' | awk '
        /^\[.*\]$/ { s = substr($0, 2, length($0) - 2); next }
        /=/ { i = index($0, "="); print s "\t" substr($0, 1, i - 1) "\t" substr($0, i + 1) }' |
        jq -Rn 'reduce (inputs | split("\t")) as [$s, $k, $v] ({};
            if ($s | startswith("annex.")) then .annex[$s[6:]][$k] = $v else .[$s][$k] = $v end)'
}
opt() { jq -r --arg p "$2" 'getpath($p | split("/")) // empty' <<<"$1"; }

pem_body_der_b64() { openssl x509 -in "$1" -outform DER | base64 -w0; }
modulus() { openssl rsa -noout -modulus -passin "pass:$2" -in "$1" 2>/dev/null || true; }

# check_tenant LABEL OPTS_JSON CLOUD_DIR KEY_FORMAT(pkcs8|legacy) PAIR(match|mismatch) WANT_ISSUER_URI
check_tenant() {
    local label=$1 opts=$2 cloud=$3 keyfmt=$4 pair=$5 want_issuer=$6
    local d=$work/$label
    mkdir -p "$d"
    echo "--- $label"

    # Certificate: base64 of the PEM file (the guide's cert.pem.b64).
    opt "$opts" saml/certificate | base64 -d >"$d/cert.pem" 2>/dev/null || true
    check "$label: saml/certificate is base64 of a PEM certificate" \
        grep -q -- '-----BEGIN CERTIFICATE-----' "$d/cert.pem"
    check "$label: certificate parses" openssl x509 -noout -in "$d/cert.pem"
    check "$label: certificate valid for at least 9 more years" \
        openssl x509 -noout -checkend $((9 * 365 * 86400)) -in "$d/cert.pem"
    check "$label: certificate already valid" \
        bash -c '[[ $(date -d "$(openssl x509 -noout -startdate -in "$1" | cut -d= -f2)" +%s) -le $(date +%s) ]]' _ "$d/cert.pem"
    check "$label: RSA 2048 with SHA-256" bash -c \
        'openssl x509 -noout -text -in "$1" | grep -q "Public-Key: (2048 bit)" &&
         openssl x509 -noout -text -in "$1" | grep -q "sha256WithRSAEncryption"' _ "$d/cert.pem"

    # Private key: base64 of the AES-256-encrypted PEM (key.pem.enc.b64).
    local pw
    pw=$(opt "$opts" saml/password)
    opt "$opts" saml/pkey | base64 -d >"$d/key.pem.enc" 2>/dev/null || true
    if [[ $keyfmt == legacy ]]; then
        check "$label: key is OpenSSL 1.1 legacy PEM (Proc-Type 4,ENCRYPTED)" \
            grep -q '^Proc-Type: 4,ENCRYPTED' "$d/key.pem.enc"
        check "$label: key encrypted with AES-256-CBC" grep -q '^DEK-Info: AES-256-CBC,' "$d/key.pem.enc"
    else
        check "$label: key is OpenSSL 3 PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY)" \
            grep -q -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' "$d/key.pem.enc"
        check "$label: key encrypted with PBES2 / AES-256-CBC" bash -c \
            'openssl asn1parse -in "$1" | grep -q PBES2 && openssl asn1parse -in "$1" | grep -q aes-256-cbc' \
            _ "$d/key.pem.enc"
    fi
    check "$label: key does not open without the password" \
        bash -c '! openssl rsa -noout -passin pass: -in "$1"' _ "$d/key.pem.enc"
    check "$label: key decrypts with saml/password" \
        openssl rsa -check -noout -passin "pass:$pw" -in "$d/key.pem.enc"
    local cm km
    cm=$(openssl x509 -noout -modulus -in "$d/cert.pem")
    km=$(modulus "$d/key.pem.enc" "$pw")
    if [[ $pair == match ]]; then
        same "$label: key matches the certificate" "$km" "$cm"
    else
        differ "$label: key does NOT match the certificate (CRT007 fault)" "$km" "$cm"
    fi

    # The on-prem and cloud halves agree.
    local idp=$cloud/identityproviders-pureengage.json
    local domain
    domain=$(opt "$opts" general/base_auth_url | sed -n 's#^https://login\.\(.*\)/oauth/token$#\1#p')
    check "$label: base_auth_url is https://login.<domain>/oauth/token" test -n "$domain"
    same "$label: organization_id = organizations/me id" \
        "$(opt "$opts" general/organization_id)" "$(jq -r .id "$cloud/organizations-me.json")"
    same "$label: organization_sname = thirdPartyOrgName" \
        "$(opt "$opts" general/organization_sname)" "$(jq -r .thirdPartyOrgName "$cloud/organizations-me.json")"
    same "$label: IdP certificate = the certificate's PEM body" \
        "$(jq -r .certificate "$idp")" "$(pem_body_der_b64 "$d/cert.pem")"
    same "$label: IdP issuerURI" "$(jq -r .issuerURI "$idp")" "$want_issuer"
    same "$label: IdP ssoTargetURI" "$(jq -r .ssoTargetURI "$idp")" "https://apps.$domain"
    same "$label: IdP enabled" "$(jq -r .disabled "$idp")" false
    same "$label: no other IdP shares the issuer" \
        "$(jq --arg i "$(jq -r .issuerURI "$idp")" --arg id "$(jq -r .id "$idp")" \
            '[.entities[] | select(.issuerURI == $i and .id != $id)] | length' \
            "$cloud/identityproviders.json")" 0
    check "$label: the listing holds the pureengage provider itself" \
        jq -e --arg id "$(jq -r .id "$idp")" 'any(.entities[]; .id == $id)' "$cloud/identityproviders.json"

    local clients=$cloud/oauth-clients.json saml_id ewt_id
    saml_id=$(opt "$opts" saml_auth/client_id)
    check "$label: saml_auth client is an active SAML2 Bearer client" jq -e --arg id "$saml_id" \
        'any(.entities[]; .id == $id and .authorizedGrantType == "SAML2-BEARER" and .state == "active")' "$clients"
    ewt_id=$(opt "$opts" ewt/client_id)
    if [[ -n $ewt_id ]]; then
        check "$label: ewt client is an active Client Credentials client" jq -e --arg id "$ewt_id" \
            'any(.entities[]; .id == $id and .authorizedGrantType == "CLIENT-CREDENTIALS" and .state == "active")' "$clients"
    fi
    check "$label: the PureEngage Client Credentials client holds admin in the Home division" \
        jq -e --slurpfile roles "$cloud/authorization-roles.json" \
        --slurpfile home "$cloud/divisions-home.json" '
        ($roles[0].entities[] | select(.defaultRoleId == "admin") | .id) as $admin
        | any(.entities[]; .name == "PureEngage Client Credentials"
            and any(.roleDivisions[]; .roleId == $admin and .divisionId == $home[0].id))' "$clients"
    check "$label: employee and admin roles exist (by defaultRoleId)" jq -e \
        '([.entities[].defaultRoleId] | index("employee") != null and index("admin") != null)' \
        "$cloud/authorization-roles.json"
    check "$label: listings are complete (total = entities)" bash -c \
        'for f in "$@"; do jq -e ".total == (.entities | length)" "$f" || exit 1; done' _ \
        "$cloud/identityproviders.json" "$clients" "$cloud/authorization-roles.json"
    check "$label: all six evidence files present" bash -c \
        'for f in organizations-me identityproviders-pureengage identityproviders oauth-clients authorization-roles divisions-home; do test -s "$1/$f.json" || exit 1; done' _ "$cloud"
    check "$label: secrets are obviously fake" bash -c \
        '[[ $1 == Pw-example-* && $2 == sec-example-* ]] && [[ -z $3 || $3 == sec-example-* ]]' _ \
        "$pw" "$(opt "$opts" saml_auth/password)" "$(opt "$opts" ewt/password)"
}

# Predictive Engagement agent permissions on the role with defaultRoleId employee.
employee_has() {
    jq -e --arg d "$2" --arg e "$3" 'any(.entities[] | select(.defaultRoleId == "employee")
        | .permissionPolicies[]; .domain == $d and .entityName == $e and (.actionSet | index("view")))' \
        "$1/authorization-roles.json"
}
saml_client() {
    jq --arg id "$(opt "$2" saml_auth/client_id)" '.entities[] | select(.id == $id)' "$1/oauth-clients.json"
}
correct_tenant_extras() {
    local label=$1 opts=$2 cloud=$3
    for p in session event outcome segment; do
        check "$label: employee role grants journey:$p:view" employee_has "$cloud" journey "$p"
    done
    same "$label: base_service_url" "$(opt "$opts" general/base_service_url)" \
        "$(opt "$opts" general/base_auth_url | sed 's#//login\.#//api.#; s#/oauth/token$#/api/#')"
    same "$label: expire_time" "$(opt "$opts" saml/expire_time)" 24
    same "$label: SAML2 client token duration (s)" "$(saml_client "$cloud" "$opts" | jq .accessTokenValiditySeconds)" 86400
    same "$label: autoProvisionUsers is the boolean true" \
        "$(jq -c .autoProvisionUsers "$cloud/identityproviders-pureengage.json")" true
    same "$label: Annex organization_domain_suffix" "$(opt "$opts" annex/general/organization_domain_suffix)" com
    same "$label: general options exactly the guide's" \
        "$(jq -c '.general | keys' <<<"$opts")" \
        '["base_auth_url","base_service_url","default_admin_role_name","default_agent_role_name","organization_id","organization_sname"]'
}

# --- single-tenant ----------------------------------------------------------
s=$here/single-tenant
s_opts=$(tx_json_opts "$s/onprem/hybrid_integration.json" Environment)
check_tenant single-tenant "$s_opts" "$s/cloud" pkcs8 match https://engage.contoso.example/pureengage
correct_tenant_extras single-tenant "$s_opts" "$s/cloud"
same "single-tenant: no ewt section" "$(jq -c 'has("ewt")' <<<"$s_opts")" false
same "single-tenant: region" "$(opt "$s_opts" general/base_auth_url)" https://login.mypurecloud.ie/oauth/token

# --- two-tenants: Acme_Retail -------------------------------------------------
t=$here/two-tenants
ini=$t/onprem/acme_retail.cfg
check "Acme_Retail: INI starts with a UTF-8 BOM" bash -c '[[ $(head -c3 "$1" | od -An -tx1 | tr -d " ") == efbbbf ]]' _ "$ini"
check "Acme_Retail: every INI line ends with CRLF" bash -c '! grep -qv $'"'"'\r$'"'"' "$1"' _ "$ini"
r_opts=$(tx_ini_opts "$ini")
check_tenant Acme_Retail "$r_opts" "$t/cloud/acme_retail" legacy match https://engage.acme.example/acme-retail/pureengage
correct_tenant_extras Acme_Retail "$r_opts" "$t/cloud/acme_retail"
same "Acme_Retail: region" "$(opt "$r_opts" general/base_auth_url)" https://login.mypurecloud.de/oauth/token

# --- two-tenants: Acme_Travel (planted faults) ----------------------------------
a_opts=$(tx_json_opts "$t/onprem/acme_travel.json" Acme_Travel)
a_cloud=$t/cloud/acme_travel
issuer=$(opt "$a_opts" saml/issuer)
check_tenant Acme_Travel "$a_opts" "$a_cloud" pkcs8 mismatch "$issuer/"
same "Acme_Travel: CFG008 base_service_url has v2/" "$(opt "$a_opts" general/base_service_url)" https://api.mypurecloud.com/api/v2/
same "Acme_Travel: CFG012 expire_time" "$(opt "$a_opts" saml/expire_time)" 72
same "Acme_Travel: CFG015 British spelling in general" "$(opt "$a_opts" general/organisation_domain_suffix)" com
same "Acme_Travel: Annex option still set correctly" "$(opt "$a_opts" annex/general/organization_domain_suffix)" com
same "Acme_Travel: IDP002 autoProvisionUsers is a string" \
    "$(jq -c .autoProvisionUsers "$a_cloud/identityproviders-pureengage.json")" '"true"'
same "Acme_Travel: OAU003 SAML2 client token duration" \
    "$(saml_client "$a_cloud" "$a_opts" | jq .accessTokenValiditySeconds)" 200000
check "Acme_Travel: ROL001 employee lacks journey:segment:view" bash -c \
    '! jq -e '"'"'any(.entities[] | select(.defaultRoleId == "employee") | .permissionPolicies[];
        .domain == "journey" and .entityName == "segment")'"'"' "$1"' _ "$a_cloud/authorization-roles.json"
for p in session event outcome; do
    check "Acme_Travel: employee role still grants journey:$p:view" employee_has "$a_cloud" journey "$p"
done

# --- two-tenants: tenancy -------------------------------------------------------
perm=$t/onprem/permissions.json
different_orgs=$(jq -rn --arg a "$(opt "$r_opts" general/organization_id)" --arg b "$(opt "$a_opts" general/organization_id)" '$a != $b')
same "TEN003: organization_id differs between tenants" "$different_orgs" true
check "TEN004: permissions cover both tenants' objects" jq -e \
    '[.objects[] | select(.name == "hybrid_integration") | .tenant] | sort == ["Acme_Retail", "Acme_Travel"]' "$perm"
# Every (object tenant, agent) pair with READ, through nested groups (bounded depth).
cross=$(jq -r '
    def members($g): [.access_groups[] | select(.name == $g.name and .tenant == $g.tenant) | .members[]?];
    . as $root
    | [.objects[] | .tenant as $ot | .acl[] | select(.access | index("read")) | .subject as $s
       | [$s] | recurse(if length < 8 and (last.type == "CfgAccessGroup")
                        then . as $p | ($root | members($p | last))[] as $m | $p + [$m] else empty end)
       | select(last.type == "CfgPerson" and last.agent == true and last.tenant != $ot)
       | "\($ot): \(map(.name) | reverse | join(" ∈ "))"] | unique[]' "$perm")
same "TEN002: exactly one cross-tenant reader" "$cross" "Acme_Travel: jsmith ∈ Floor Leads ∈ Travel Overflow"

echo
if ((failures > 0)); then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
