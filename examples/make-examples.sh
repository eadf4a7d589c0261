#!/usr/bin/env bash
# Regenerates the example deployments under examples/ (input contract v1):
#
#   single-tenant/  a correct single-tenant deployment (EMEA Dublin)
#   two-tenants/    Acme_Retail (correct, EMEA Frankfurt) and Acme_Travel
#                   (US East, with the faults listed in two-tenants/FAULTS.md)
#
# Key material is made with the provisioning guide's own commands, so every
# run yields new certificates and keys; everything else (ids, names, layout)
# is fixed. After writing, check-examples.sh verifies every file.
#
# Needs: bash, openssl (3.x), jq, python3 with PyYAML (for the check).
# Every password and secret here is fake test material protecting nothing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------------------
# Key material, exactly as the guide prescribes ("Transaction object", step 3)
# ---------------------------------------------------------------------------

# keypair DIR CN PASSWORD [rsa-flag...]
# Writes cert.pem, key.pem, key.pem.enc, cert.pem.b64, key.pem.enc.b64 in DIR.
# Extra flags go to the `openssl rsa` step (`-traditional` for the OpenSSL 1.1
# legacy `Proc-Type`/`DEK-Info` form).
keypair() {
    local dir=$1 cn=$2 pw=$3
    shift 3
    mkdir -p "$dir"
    (
        cd "$dir"
        openssl req -new -x509 -days 3652 -nodes -out cert.pem -keyout key.pem \
            -subj "/CN=$cn" 2>/dev/null
        openssl rsa -in key.pem -out key.pem.enc -aes256 -passout "pass:$pw" "$@" 2>/dev/null
        openssl base64 -in cert.pem -out cert.pem.b64
        openssl base64 -in key.pem.enc -out key.pem.enc.b64
        # One-line variants: an INI option value must fit on one line.
        openssl base64 -A -in cert.pem -out cert.pem.b64.oneline
        openssl base64 -A -in key.pem.enc -out key.pem.enc.b64.oneline
    )
}

# The identity provider's `certificate`: cert.pem without its armour lines
# (the guide's PUT body), joined as the Platform API returns it.
idp_cert() {
    sed '/^-----/d' "$1/cert.pem" | tr -d '\n'
}

# A file's content without its final newline (a trailing newline in an
# option value would be stray whitespace, which CFG015 reports).
content() {
    printf '%s' "$(cat "$1")"
}

# ---------------------------------------------------------------------------
# Genesys Cloud evidence folder (the six Platform API responses)
# ---------------------------------------------------------------------------

# jq helpers shared by the role listings: the API returns policies expanded,
# one per entity, with explicit actions.
JQ_POLICY='def pol($d; $e; $a): {domain: $d, entityName: $e, actionSet: $a, allowConditions: false};
def journey_agent: [pol("journey"; "session"; ["view"]), pol("journey"; "event"; ["view"]),
    pol("journey"; "outcome"; ["view"]), pol("journey"; "segment"; ["view"]),
    pol("journey"; "customer"; ["view"]), pol("journey"; "eventtype"; ["view"]),
    pol("journey"; "sessiontype"; ["view"]), pol("journey"; "visit"; ["view"]),
    pol("journey"; "outcomescores"; ["view"]),
    pol("journey"; "actionmap"; ["add", "delete", "edit", "view"])];
def listing: {entities: ., pageSize: 100, pageNumber: 1, total: length, pageCount: 1};'

# cloud_folder DIR, reading these variables:
#   ORG_ID ORG_NAME ORG_SNAME DOMAIN COUNTRY HOME_ID HOME_NAME
#   ADMIN_ROLE_ID ADMIN_ROLE_NAME EMPLOYEE_ROLE_ID AI_ROLE_ID SUP_ROLE_ID
#   IDP_ID ISSUER_URI IDP_CERT AUTO_PROVISION (JSON literal) IDP_CERTS (JSON array)
#   SAML_CLIENT_ID SAML_TOKEN_SECONDS CC_CLIENT_ID
#   EMPLOYEE_DROP (permission "domain:entity" left out of employee, or "")
#   OTHER_IDPS (JSON array of further SAML providers in the org)
#   OTHER_CLIENTS (JSON array of further OAuth clients in the org)
cloud_folder() {
    local dir=$1
    mkdir -p "$dir"

    jq -n --arg id "$ORG_ID" --arg name "$ORG_NAME" --arg sname "$ORG_SNAME" \
        --arg country "$COUNTRY" '{
        id: $id, name: $name, thirdPartyOrgName: $sname, domain: $sname,
        state: "active", version: 4, productPlatform: "GenesysCloud",
        defaultLanguage: "en", defaultCountryCode: $country,
        features: {purecloud: true, journey: true}, voicemailEnabled: true,
        selfUri: "/api/v2/organizations/me"}' >"$dir/organizations-me.json"

    jq -n --arg id "$HOME_ID" --arg name "$HOME_NAME" '{
        id: $id, name: $name, description: "Home division", homeDivision: true,
        selfUri: ("/api/v2/authorization/divisions/" + $id)}' >"$dir/divisions-home.json"

    jq -n --arg id "$IDP_ID" --arg issuer "$ISSUER_URI" --arg sso "https://apps.$DOMAIN" \
        --arg cert "$IDP_CERT" --argjson auto "$AUTO_PROVISION" --argjson certs "$IDP_CERTS" '{
        id: $id, name: "Genesys Multicloud CX", disabled: false,
        issuerURI: $issuer, ssoTargetURI: $sso, certificate: $cert,
        autoProvisionUsers: $auto, selfUri: "/api/v2/identityproviders/pureengage"}
        + (if $certs == [] then {} else {certificates: $certs} end)' \
        >"$dir/identityproviders-pureengage.json"

    # The listing holds SAMLProvider entries (no autoProvisionUsers), the
    # pureengage provider included.
    jq --argjson others "$OTHER_IDPS" "$JQ_POLICY"'
        [del(.autoProvisionUsers)] + $others | listing' \
        "$dir/identityproviders-pureengage.json" >"$dir/identityproviders.json.tmp"
    mv "$dir/identityproviders.json.tmp" "$dir/identityproviders.json"

    jq -n --arg saml "$SAML_CLIENT_ID" --argjson saml_ttl "$SAML_TOKEN_SECONDS" \
        --arg cc "$CC_CLIENT_ID" --arg apps "https://apps.$DOMAIN" \
        --arg admin "$ADMIN_ROLE_ID" --arg home "$HOME_ID" \
        --argjson others "$OTHER_CLIENTS" "$JQ_POLICY"'[
        {id: $saml, name: "PureEngage SAML2 Bearer",
         description: "OAuth client for user authentication",
         accessTokenValiditySeconds: $saml_ttl, authorizedGrantType: "SAML2-BEARER",
         registeredRedirectUri: [$apps], scope: ["identity-providers:readonly", "journey", "oauth"],
         roleDivisions: [], state: "active",
         dateCreated: "2026-01-12T09:14:03.512Z", dateModified: "2026-01-12T09:14:03.512Z",
         selfUri: ("/api/v2/oauth/clients/" + $saml)},
        {id: $cc, name: "PureEngage Client Credentials",
         description: "OAuth client for service-to-service authentication",
         accessTokenValiditySeconds: 86400, authorizedGrantType: "CLIENT-CREDENTIALS",
         registeredRedirectUri: [], scope: [],
         roleDivisions: [{roleId: $admin, divisionId: $home}], state: "active",
         dateCreated: "2026-01-12T09:02:47.090Z", dateModified: "2026-01-12T09:02:47.090Z",
         selfUri: ("/api/v2/oauth/clients/" + $cc)}
        ] + $others | listing' >"$dir/oauth-clients.json"

    jq -n --arg admin "$ADMIN_ROLE_ID" --arg admin_name "$ADMIN_ROLE_NAME" \
        --arg employee "$EMPLOYEE_ROLE_ID" --arg ai "$AI_ROLE_ID" --arg sup "$SUP_ROLE_ID" \
        --arg drop "$EMPLOYEE_DROP" "$JQ_POLICY"'
        def role($id; $name; $desc; $default_id; $users; $perms; $policies):
            {id: $id, name: $name, description: $desc, defaultRoleId: $default_id,
             default: true, base: false, userCount: $users, roleNeedsUpdate: false,
             permissions: $perms, permissionPolicies: $policies,
             selfUri: ("/api/v2/authorization/roles/" + $id)};
        [role($admin; $admin_name; "Full administrative access"; "admin"; 3; ["admin"];
              [pol("directory"; "user"; ["add", "delete", "edit", "view"]),
               pol("authorization"; "role"; ["add", "delete", "edit", "view"]),
               pol("oauth"; "client"; ["add", "delete", "edit", "view"]),
               pol("sso"; "provider"; ["add", "delete", "edit", "view"])] + journey_agent),
         role($employee; "employee"; "Directory - Employee"; "employee"; 187; [];
              [pol("directory"; "user"; ["view"]),
               pol("externalContacts"; "session"; ["view"])]
              + [journey_agent[] | select("\(.domain):\(.entityName)" != $drop)]),
         role($ai; "AI Agent"; "AI Agent"; "aiAgent"; 0; []; journey_agent),
         role($sup; "Supervisor"; "Supervisor"; "supervisor"; 12; [];
              [pol("analytics"; "conversationDetail"; ["view"])])
        ] | listing' >"$dir/authorization-roles.json"
}

# A further SAML identity provider of the org (the corporate IdP for browser
# SSO), to show that IDP005 looks at issuers, not at provider count.
other_idp() {
    local id=$1 name=$2 issuer=$3 sso=$4 certdir=$5
    jq -n --arg id "$id" --arg name "$name" --arg issuer "$issuer" --arg sso "$sso" \
        --arg cert "$(idp_cert "$certdir")" '{
        id: $id, name: $name, disabled: false, issuerURI: $issuer, ssoTargetURI: $sso,
        certificate: $cert, selfUri: ("/api/v2/identityproviders/" + ($name | ascii_downcase))}'
}

# ---------------------------------------------------------------------------
# Transaction object exports
# ---------------------------------------------------------------------------

# tx_json TENANT KEYDIR, reading ORG_SNAME ORG_ID DOMAIN SERVICE_URL ISSUER
# SAML_PW EXPIRE SAML_CLIENT_ID SAML_SECRET EWT (JSON object or null)
# EXTRA_GENERAL (JSON object merged into `general`) OTHER_TX (JSON array).
# PKEY_DIR names the key pair whose encrypted key goes into saml/pkey.
tx_json() {
    local tenant=$1 keydir=$2
    jq -n --arg tenant "$tenant" --arg sname "$ORG_SNAME" --arg org "$ORG_ID" \
        --arg auth "https://login.$DOMAIN/oauth/token" --arg svc "$SERVICE_URL" \
        --arg issuer "$ISSUER" --arg cert "$(content "$keydir/cert.pem.b64")" \
        --arg pkey "$(content "$PKEY_DIR/key.pem.enc.b64")" --arg pw "$SAML_PW" \
        --arg expire "$EXPIRE" --arg saml_id "$SAML_CLIENT_ID" --arg saml_secret "$SAML_SECRET" \
        --argjson ewt "$EWT" --argjson extra "$EXTRA_GENERAL" --argjson others "$OTHER_TX" '{
        __metadata__: {formatName: "JSON", formatVersion: "1.0.0"},
        transactions: ([{
            name: "hybrid_integration", alias: "hybrid_integration", type: "list",
            state: "enabled", tenant: $tenant, folder: "Transactions",
            userProperties: ({
                general: ({organization_sname: $sname, organization_id: $org,
                    default_agent_role_name: "employee", default_admin_role_name: "admin",
                    base_auth_url: $auth, base_service_url: $svc} + $extra),
                saml: {issuer: $issuer, certificate: $cert, pkey: $pkey, password: $pw,
                    expire_time: $expire},
                saml_auth: {client_id: $saml_id, password: $saml_secret}}
                + (if $ewt == null then {} else {ewt: $ewt} end)),
            annex: {general: {organization_domain_suffix: "com"}}}] + $others)}'
}

# ===========================================================================
# single-tenant: Contoso Insurance, EMEA (Dublin), Predictive Engagement only
# ===========================================================================
single=$here/single-tenant
rm -rf "$single"
mkdir -p "$single/onprem" "$single/cloud"

keypair "$work/contoso" contoso-saml Pw-example-contoso-7Kq2
keypair "$work/contoso-adfs" adfs.contoso.example Pw-example-unused-adfs

ORG_ID=47b03f20-b03d-4c85-a609-bc694c57539a ORG_SNAME=contoso-insurance DOMAIN=mypurecloud.ie
SERVICE_URL=https://api.mypurecloud.ie/api/ ISSUER=https://engage.contoso.example/pureengage
SAML_PW=Pw-example-contoso-7Kq2 EXPIRE=24
SAML_CLIENT_ID=a69d4fbe-8402-4914-9592-f12217756cd3
SAML_SECRET=sec-example-contoso-saml2-bearer-0f1e2d
EWT=null EXTRA_GENERAL='{}' PKEY_DIR=$work/contoso
# A whole Transactions folder was exported: the tool must pick hybrid_integration.
OTHER_TX='[{"name": "business_hours", "alias": "business_hours", "type": "list",
  "state": "enabled", "tenant": "Environment", "folder": "Transactions",
  "userProperties": {"weekdays": {"open": "08:00", "close": "18:00"}}}]'
tx_json Environment "$work/contoso" >"$single/onprem/hybrid_integration.json"

ORG_NAME="Contoso Insurance" COUNTRY=IE
HOME_ID=7829cc1f-30cf-4585-9075-23dda81c6dcc HOME_NAME=Home
ADMIN_ROLE_ID=b26012d6-9b8a-4213-9c1a-d492c8fbd38c ADMIN_ROLE_NAME=admin
EMPLOYEE_ROLE_ID=34b5757f-c0d4-47b6-bdb1-b49851cd575c
AI_ROLE_ID=5e17101f-a3ac-4b4c-be18-da084e1e0919 SUP_ROLE_ID=07fced7c-d184-4857-87f4-fa6ac93e6df9
IDP_ID=71af3df4-b611-488b-b90f-9e342b4a9e83 ISSUER_URI=$ISSUER
IDP_CERT=$(idp_cert "$work/contoso") AUTO_PROVISION=true IDP_CERTS='[]'
SAML_TOKEN_SECONDS=86400 CC_CLIENT_ID=03a1d74e-d41e-4edb-b526-7e790d6128a2 EMPLOYEE_DROP=
OTHER_IDPS="[$(other_idp 52726b1d-ad40-457b-af99-79c17db2d743 ADFS \
    http://adfs.contoso.example/adfs/services/trust \
    https://adfs.contoso.example/adfs/ls/ "$work/contoso-adfs")]"
OTHER_CLIENTS='[]'
cloud_folder "$single/cloud"

cat >"$single/deployment.yaml" <<'EOF'
# Single-tenant deployment: the hybrid_integration object lives in the
# Environment tenant. Only Predictive Engagement is used, so the `ewt`
# section (Agent Pacing Service) is absent: it is optional here.
name: Contoso Insurance (single tenant, EMEA Dublin)
multi_tenant: false
services: [predictive-engagement]
tenants:
  - name: Environment
    transaction: onprem/hybrid_integration.json
    cloud: cloud/
EOF

# ===========================================================================
# two-tenants: Acme_Retail (correct, Frankfurt) and Acme_Travel (faulty, US East)
# ===========================================================================
two=$here/two-tenants
rm -rf "$two/onprem" "$two/cloud" "$two/deployment.yaml"
mkdir -p "$two/onprem" "$two/cloud"

# --- Acme_Retail: INI export, UTF-8 BOM + CRLF, OpenSSL 1.1 legacy key form --
keypair "$work/retail" Acme_Retail-saml Pw-example-retail-3Vn8 -traditional
keypair "$work/retail-okta" okta.acme.example Pw-example-unused-okta

retail_ini=$work/acme_retail.cfg
{
    printf '[general]\n'
    printf 'organization_sname=acme-retail\n'
    printf 'organization_id=09ea8088-43b9-4dba-903a-7f5487105015\n'
    printf 'default_agent_role_name=employee\n'
    printf 'default_admin_role_name=admin\n'
    printf 'base_auth_url=https://login.mypurecloud.de/oauth/token\n'
    printf 'base_service_url=https://api.mypurecloud.de/api/\n'
    printf '\n[saml]\n'
    printf 'issuer=https://engage.acme.example/acme-retail/pureengage\n'
    printf 'certificate=%s\n' "$(content "$work/retail/cert.pem.b64.oneline")"
    printf 'pkey=%s\n' "$(content "$work/retail/key.pem.enc.b64.oneline")"
    printf 'password=Pw-example-retail-3Vn8\n'
    printf 'expire_time=24\n'
    printf '\n[saml_auth]\n'
    printf 'client_id=faf8a883-973a-4acd-96a5-a95dd2a21f6f\n'
    printf 'password=sec-example-retail-saml2-bearer-5c4b3a\n'
    printf '\n[ewt]\n'
    printf 'client_id=2e870c3e-cd19-4be3-bfd0-2304ea49d027\n'
    printf 'password=sec-example-retail-client-credentials-9d8e7f\n'
    printf '\n[annex.general]\n'
    printf 'organization_domain_suffix=com\n'
} >"$retail_ini"
{
    printf '\xEF\xBB\xBF'
    sed 's/$/\r/' "$retail_ini"
} >"$two/onprem/acme_retail.cfg"

ORG_ID=09ea8088-43b9-4dba-903a-7f5487105015 ORG_NAME="Acme Retail" ORG_SNAME=acme-retail
DOMAIN=mypurecloud.de COUNTRY=DE
# Division and admin role renamed by the org: rules must match the Home
# division by id and the admin role by defaultRoleId, not by display name.
HOME_ID=66c9a56e-00f9-49dd-ae48-6a8f376501a9 HOME_NAME="Acme Retail HQ"
ADMIN_ROLE_ID=07b55304-db50-41c3-9213-223c9f4fb90d ADMIN_ROLE_NAME="Master Admin"
EMPLOYEE_ROLE_ID=0a4ea062-ebf8-44b0-99b9-a4396cdd5574
AI_ROLE_ID=d1d93380-7329-4409-b4ab-6d5690406282 SUP_ROLE_ID=3fa1cd90-aca2-4065-8b45-93bafa355587
IDP_ID=c8f80520-7a37-48fd-b3ba-81f280d5bdeb
ISSUER_URI=https://engage.acme.example/acme-retail/pureengage
IDP_CERT=$(idp_cert "$work/retail") AUTO_PROVISION=true
IDP_CERTS=$(jq -n --arg c "$IDP_CERT" '[$c]')
SAML_CLIENT_ID=faf8a883-973a-4acd-96a5-a95dd2a21f6f SAML_TOKEN_SECONDS=86400
CC_CLIENT_ID=2e870c3e-cd19-4be3-bfd0-2304ea49d027 EMPLOYEE_DROP=
OTHER_IDPS="[$(other_idp bafbe3ce-43ca-4830-a2c3-123ea1a7d5b5 Okta \
    http://www.okta.com/exk7acme0retail0sso \
    https://acme.okta.example/app/genesyscloud/exk7acme0retail0sso/sso/saml "$work/retail-okta")]"
# An unrelated client of the org: the rules must pick clients by id.
OTHER_CLIENTS='[{"id": "4906709d-ea6b-40f4-9bc1-a1e312ce740a", "name": "WFM export (reporting)",
  "description": "Nightly workforce management export", "accessTokenValiditySeconds": 3600,
  "authorizedGrantType": "CLIENT-CREDENTIALS", "registeredRedirectUri": [], "scope": [],
  "roleDivisions": [{"roleId": "3fa1cd90-aca2-4065-8b45-93bafa355587",
                     "divisionId": "66c9a56e-00f9-49dd-ae48-6a8f376501a9"}],
  "state": "active", "dateCreated": "2025-11-03T16:40:12.001Z",
  "dateModified": "2025-11-03T16:40:12.001Z",
  "selfUri": "/api/v2/oauth/clients/4906709d-ea6b-40f4-9bc1-a1e312ce740a"}]'
cloud_folder "$two/cloud/acme_retail"

# --- Acme_Travel: JSON export, OpenSSL 3 PKCS#8 key, planted faults ----------
keypair "$work/travel" Acme_Travel-saml Pw-example-travel-6Hd4
# Fault CRT007: a key pair from an earlier attempt, encrypted with the same
# password; its key ends up in saml/pkey while saml/certificate is the new one.
keypair "$work/travel-old" Acme_Travel-saml Pw-example-travel-6Hd4

ORG_ID=f888e2ce-16d9-4162-a2ed-5c8e01750d7c ORG_SNAME=acme-travel DOMAIN=mypurecloud.com
SERVICE_URL=https://api.mypurecloud.com/api/v2/ # fault CFG008
ISSUER=https://engage.acme.example/acme-travel/pureengage
SAML_PW=Pw-example-travel-6Hd4 EXPIRE=72 # fault CFG012
SAML_CLIENT_ID=76d7fb26-3ace-4db1-bb79-4e751c1a33c5
SAML_SECRET=sec-example-travel-saml2-bearer-2a1b0c
EWT='{"client_id": "a047783a-7a98-4f3c-9f41-bbe857887faa",
      "password": "sec-example-travel-client-credentials-6e5f4d"}'
EXTRA_GENERAL='{"organisation_domain_suffix": "com"}' # fault CFG015
PKEY_DIR=$work/travel-old # fault CRT007
OTHER_TX='[]'
tx_json Acme_Travel "$work/travel" >"$two/onprem/acme_travel.json"

ORG_NAME="Acme Travel" COUNTRY=US
HOME_ID=7bce9aca-1f2d-48ce-bd3e-64ffafaaf377 HOME_NAME=Home
ADMIN_ROLE_ID=e15441d4-ee09-47bf-a3ec-288b89cd37ef ADMIN_ROLE_NAME=admin
EMPLOYEE_ROLE_ID=f58226ea-1857-4549-aca3-f99393589860
AI_ROLE_ID=7e05e738-4695-4b58-9639-a01f89ee603e SUP_ROLE_ID=2f7552b8-f6b5-4cbe-a54e-3c96f8702646
IDP_ID=ee8ee049-76bb-496e-b1cf-5701dc60fa26
ISSUER_URI=$ISSUER/ # fault IDP004
IDP_CERT=$(idp_cert "$work/travel") AUTO_PROVISION='"true"' # fault IDP002
IDP_CERTS='[]'
SAML_TOKEN_SECONDS=200000 # fault OAU003
CC_CLIENT_ID=a047783a-7a98-4f3c-9f41-bbe857887faa
EMPLOYEE_DROP=journey:segment # fault ROL001
OTHER_IDPS='[]' OTHER_CLIENTS='[]'
cloud_folder "$two/cloud/acme_travel"

cat >"$two/deployment.yaml" <<'EOF'
# Multi-tenant deployment: one hybrid_integration object per tenant, each
# tenant with its own Genesys Cloud org. Acme_Retail is correct; Acme_Travel
# carries the faults listed in FAULTS.md.
name: Acme Group (two tenants)
multi_tenant: true
services: [predictive-engagement, agent-pacing]
wde_version: "8.5.133.02"
tenants:
  - name: Acme_Retail
    transaction: onprem/acme_retail.cfg
    cloud: cloud/acme_retail/
  - name: Acme_Travel
    transaction: onprem/acme_travel.json
    cloud: cloud/acme_travel/
permissions: onprem/permissions.json
EOF

# Fault TEN002: jsmith (agent, Acme_Retail) ∈ Floor Leads (Acme_Retail)
# ∈ Travel Overflow (Acme_Travel), which may READ Acme_Travel's object.
jq -n '
def grp($name; $tenant): {type: "CfgAccessGroup", name: $name, tenant: $tenant};
def person($name; $tenant; $agent): {type: "CfgPerson", name: $name, tenant: $tenant, agent: $agent};
def full: ["read", "create", "change", "delete", "execute", "read_permissions", "change_permissions"];
def object($tenant; $acl): {type: "CfgTransaction", name: "hybrid_integration", tenant: $tenant, acl: $acl};
{objects: [
   object("Acme_Retail"; [
     {subject: grp("Agents"; "Acme_Retail"), access: ["read", "execute"]},
     {subject: grp("Floor Leads"; "Acme_Retail"), access: ["read", "execute"]},
     {subject: grp("Administrators"; "Acme_Retail"), access: full}]),
   object("Acme_Travel"; [
     {subject: grp("Agents"; "Acme_Travel"), access: ["read", "execute"]},
     {subject: grp("Travel Overflow"; "Acme_Travel"), access: ["read"]},
     {subject: grp("Administrators"; "Acme_Travel"), access: full}])],
 access_groups: [
   {name: "Agents", tenant: "Acme_Retail", members: [
     person("mkeller"; "Acme_Retail"; true), person("abauer"; "Acme_Retail"; true),
     person("lschmidt"; "Acme_Retail"; true)]},
   {name: "Floor Leads", tenant: "Acme_Retail", members: [
     person("jsmith"; "Acme_Retail"; true)]},
   {name: "Administrators", tenant: "Acme_Retail", members: [
     person("admin.retail"; "Acme_Retail"; false)]},
   {name: "Agents", tenant: "Acme_Travel", members: [
     person("rgarcia"; "Acme_Travel"; true), person("tnguyen"; "Acme_Travel"; true),
     person("kobrien"; "Acme_Travel"; true)]},
   {name: "Travel Overflow", tenant: "Acme_Travel", members: [
     grp("Floor Leads"; "Acme_Retail")]},
   {name: "Administrators", tenant: "Acme_Travel", members: [
     person("admin.travel"; "Acme_Travel"; false)]}]}' >"$two/onprem/permissions.json"

"$here/check-examples.sh"
