//! The request scenarios the instruction counter and the allocation counter
//! drive: an app, a prebuilt request, the answer it must get.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};

use crate::{
    PERMISSION, PRIVATE_PATH, baseline_router, bearer, request, scale, scale_path, token,
    warden_router, warden_router_with, warden_scaled,
};

/// The public path both apps serve.
pub const PUBLIC_PATH: &str = "/public/info/";

/// One side of a comparison: an app, the path to call, the token, the answer.
#[derive(Debug)]
pub struct Case {
    /// The app.
    pub router: Router,
    /// The path called.
    pub path: String,
    /// The `Authorization` header, if any.
    pub auth: Option<HeaderValue>,
    /// The `Cookie` header, if any.
    pub cookie: Option<HeaderValue>,
    /// The status every answer must have.
    pub expected: StatusCode,
}

impl Case {
    /// A case without cookies.
    pub fn new(
        router: Router,
        path: &str,
        auth: Option<&HeaderValue>,
        expected: StatusCode,
    ) -> Self {
        // As `axum::serve` does: handlers become services once, not per
        // request.
        let router = router.with_state(());
        Case { router, path: path.to_owned(), auth: auth.cloned(), cookie: None, expected }
    }

    /// `n` copies of the request, built beforehand.
    pub fn requests(&self, n: usize) -> Vec<Request> {
        (0..n)
            .map(|_| {
                let mut req = request(&self.path, self.auth.as_ref());
                if let Some(cookie) = &self.cookie {
                    req.headers_mut().insert(header::COOKIE, cookie.clone());
                }
                req
            })
            .collect()
    }
}

/// The case a variant names (see `src/bin/count.rs`).
///
/// # Panics
///
/// On an unknown variant.
pub fn case(variant: &str) -> Case {
    let granted = bearer(&token(&[PERMISSION]));
    let lacking = bearer(&token(&["other-permission"]));
    let (ok, unauthorized, forbidden) =
        (StatusCode::OK, StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN);
    match variant {
        "warden-public" => Case::new(warden_router(), PUBLIC_PATH, None, ok),
        "baseline-public" => Case::new(baseline_router(), PUBLIC_PATH, None, ok),
        "warden-200" => Case::new(warden_router(), PRIVATE_PATH, Some(&granted), ok),
        "warden-cookie" => {
            let cookie = HeaderValue::try_from(format!("access_token={}", token(&[PERMISSION])))
                .expect("a JWT is a valid cookie value");
            Case { cookie: Some(cookie), ..Case::new(warden_router(), PRIVATE_PATH, None, ok) }
        }
        // Scaling with the token and the request: a token holding N
        // permissions (the route's last), a cookie header of N cookies (the
        // token's last).
        perms if perms.starts_with("perms-") => {
            let n: usize = perms["perms-".len()..].parse().expect("perms-N");
            let mut held: Vec<String> = (1..n).map(|i| format!("permission-{i}")).collect();
            held.push(PERMISSION.to_owned());
            let held: Vec<&str> = held.iter().map(String::as_str).collect();
            let router = warden_router_with(|v| v.with_max_token_len(64 * 1024));
            Case::new(router, PRIVATE_PATH, Some(&bearer(&token(&held))), ok)
        }
        cookies if cookies.starts_with("cookies-") => {
            let n: usize = cookies["cookies-".len()..].parse().expect("cookies-N");
            let mut header: String = (1..n).map(|i| format!("c{i}=value-{i}; ")).collect();
            header.push_str(&format!("access_token={}", token(&[PERMISSION])));
            let cookie = HeaderValue::try_from(header).expect("a valid cookie header");
            Case { cookie: Some(cookie), ..Case::new(warden_router(), PRIVATE_PATH, None, ok) }
        }
        // The verified-token cache on, every request a hit.
        "warden-cached" => {
            Case::new(warden_router_with(|v| v.cache(1024)), PRIVATE_PATH, Some(&granted), ok)
        }
        "warden-401" => Case::new(warden_router(), PRIVATE_PATH, None, unauthorized),
        "warden-403" => Case::new(warden_router(), PRIVATE_PATH, Some(&lacking), forbidden),
        "baseline-200" => Case::new(baseline_router(), PRIVATE_PATH, Some(&granted), ok),
        "baseline-401" => Case::new(baseline_router(), PRIVATE_PATH, None, unauthorized),
        "baseline-403" => Case::new(baseline_router(), PRIVATE_PATH, Some(&lacking), forbidden),
        "scale-10" => {
            Case::new(warden_scaled(scale::routes_10()), &scale_path(10), Some(&granted), ok)
        }
        "scale-100" => {
            Case::new(warden_scaled(scale::routes_100()), &scale_path(100), Some(&granted), ok)
        }
        "scale-1000" => {
            Case::new(warden_scaled(scale::routes_1000()), &scale_path(1000), Some(&granted), ok)
        }
        other => panic!("unknown variant {other}"),
    }
}
