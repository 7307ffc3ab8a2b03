//! Identity-provider claim layouts, each with a token shaped like that
//! provider's, through the router; and the policy matrix minting in each.

use serde_json::{Map, Value, json};
use warden::PermissionSource;
use warden::jwt::Algorithm;

use crate::support::*;

async fn statuses(source: PermissionSource, claims: Value) -> (u16, u16) {
    let router = app_with(auth(verifier()).permissions(source));
    let t = token(Algorithm::HS256, claims);
    let read = get_bearer(&router, "/private/", &t).await.status.as_u16();
    let admin = get_bearer(&router, "/admin/", &t).await.status.as_u16();
    (read, admin)
}

#[tokio::test]
async fn auth0_rbac_permissions() {
    let claims = json!({
        "iss": "https://tenant.eu.auth0.com/", "sub": "auth0|64f1",
        "permissions": ["read", "write:models"], "scope": "openid profile admin"
    });
    let source = PermissionSource::Pointer("/permissions".into());
    // `scope` says admin, but this layout reads `permissions` only.
    assert_eq!(statuses(source, claims).await, (200, 403));
}

#[tokio::test]
async fn oauth2_okta_cognito_scope() {
    let okta = json!({"iss": "https://dev-1.okta.com/oauth2/default", "scp_unused": 1, "scope": "read admin", "sub": "00u1"});
    assert_eq!(statuses(PermissionSource::Scope("scope".into()), okta).await, (200, 200));
    let cognito = json!({"token_use": "access", "scope": "aws.cognito.signin.user.admin read", "client_id": "abc"});
    assert_eq!(statuses(PermissionSource::Scope("scope".into()), cognito).await, (200, 403));
}

#[tokio::test]
async fn entra_id_scp_and_roles() {
    let delegated = json!({"tid": "t", "oid": "o", "scp": "read User.Read"});
    assert_eq!(statuses(PermissionSource::entra_id(), delegated).await, (200, 403));
    let app_roles = json!({"tid": "t", "oid": "o", "roles": ["read", "admin"]});
    assert_eq!(statuses(PermissionSource::entra_id(), app_roles).await, (200, 200));
    let mixed = json!({"scp": "admin", "roles": ["read"]});
    assert_eq!(statuses(PermissionSource::entra_id(), mixed).await, (200, 200));
}

#[tokio::test]
async fn keycloak_realm_and_client_roles() {
    let claims = json!({
        "realm_access": {"roles": ["offline_access", "read"]},
        "resource_access": {"my-api": {"roles": ["admin"]}, "account": {"roles": ["manage-account"]}},
        "azp": "my-api"
    });
    let realm_only = PermissionSource::Keycloak { client: None };
    assert_eq!(statuses(realm_only, claims.clone()).await, (200, 403));
    let with_client = PermissionSource::Keycloak { client: Some("my-api".into()) };
    assert_eq!(statuses(with_client, claims.clone()).await, (200, 200));
    let other_client = PermissionSource::Keycloak { client: Some("account".into()) };
    assert_eq!(statuses(other_client, claims).await, (200, 403));
}

#[tokio::test]
async fn custom_layout_function() {
    // Permissions as an object of booleans: {"perms": {"read": true}}.
    let source = PermissionSource::custom(|claims: &Map<String, Value>, p: &str| {
        claims.get("perms").and_then(|m| m.get(p)).and_then(Value::as_bool) == Some(true)
    });
    let claims = json!({"perms": {"read": true, "admin": false}});
    assert_eq!(statuses(source, claims).await, (200, 403));
}

#[tokio::test]
async fn each_layout_writes_exactly_what_it_reads() {
    // Base claims granting `admin` in every layout's place: writing must
    // leave only what was written.
    let base: Map<String, Value> = json!({
        "permissions": ["admin"], "data": {"roles": {"r": ["admin"]}},
        "realm_access": {"roles": ["admin"]}, "resource_access": {"c": {"roles": ["admin"]}},
        "scope": "admin", "scp": "admin", "roles": ["admin"]
    })
    .as_object()
    .unwrap()
    .clone();
    for source in [
        PermissionSource::Flama,
        PermissionSource::Pointer("/permissions".into()),
        PermissionSource::Scope("scope".into()),
        PermissionSource::entra_id(),
        PermissionSource::Keycloak { client: Some("c".into()) },
    ] {
        for (written, expected) in
            [(&["read"][..], (200, 403)), (&["read", "admin"], (200, 200)), (&[], (403, 403))]
        {
            let mut claims = base.clone();
            assert!(source.write(&mut claims, written), "{source:?}");
            let got = statuses(source.clone(), Value::Object(claims)).await;
            assert_eq!(got, expected, "{source:?} after writing {written:?}");
        }
    }
    let unwritable = PermissionSource::custom(|_: &Map<String, Value>, _: &str| true);
    assert!(!unwritable.write(&mut Map::new(), &["read"]));
}

#[cfg(feature = "testing")]
#[tokio::test]
async fn the_policy_matrix_mints_in_every_layout() {
    for source in [
        PermissionSource::Pointer("/permissions".into()),
        PermissionSource::Scope("scp".into()),
        PermissionSource::entra_id(),
        PermissionSource::Keycloak { client: Some("my-api".into()) },
    ] {
        let app = warden::App::new("Layouts", "1")
            .auth(auth(verifier()).permissions(source.clone()).build().unwrap())
            .routes(warden::routes![public, private_route]);
        let report = warden::testing::PolicyMatrix::from_app(app, (), secret(), Algorithm::HS256)
            .unwrap()
            .run()
            .await;
        assert!(report.is_ok(), "{source:?}: {}", report.unwrap_err());
    }
}

#[cfg(feature = "testing")]
#[warden::route(get, "/layouts/private/", permissions = ["read", "admin"])]
async fn private_route() {}

#[warden::route(get, "/my/permissions/", authenticated)]
async fn my_permissions(claims: warden::Claims) -> warden::Json<Vec<String>> {
    warden::Json(claims.permissions().into_iter().map(str::to_owned).collect())
}

async fn listed(source: PermissionSource, claims: Value) -> Value {
    let router: axum::Router = warden::App::new("T", "1")
        .auth(auth(verifier()).permissions(source).build().unwrap())
        .routes(warden::routes![my_permissions])
        .build()
        .unwrap();
    get_bearer(&router, "/my/permissions/", &token(Algorithm::HS256, claims)).await.body
}

#[tokio::test]
async fn claims_list_their_permissions_in_the_configured_layout() {
    let claims = json!({
        "data": {"permissions": ["read"], "roles": {"admin": ["write"]}},
        "scope": "openid profile",
        "realm_access": {"roles": ["offline_access"]},
    });
    assert_eq!(listed(PermissionSource::Flama, claims.clone()).await, json!(["read", "write"]));
    let scope = PermissionSource::Scope("scope".into());
    assert_eq!(listed(scope, claims.clone()).await, json!(["openid", "profile"]));
    let keycloak = PermissionSource::Keycloak { client: None };
    assert_eq!(listed(keycloak, claims).await, json!(["offline_access"]));
}
