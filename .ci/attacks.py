#!/usr/bin/env python3
"""Black-box attack catalogue against the running example app.

Usage: attacks.py BASE_URL   (the app must use Flama's demo secret)

Tokens are forged here with the standard library only (hmac, hashlib,
base64), independently of Warden's own code, and sent over real HTTP. Each
case states what RFC 7515/7519/8725/6750 and SPEC.md require. Tokens never
appear in the output.
"""

import base64
import hashlib
import hmac
import http.client
import json
import sys
import time
import urllib.parse

SECRET = bytes(16)  # Flama's demo secret
PERM = "my-permission-name"
FLAMA = (
    "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9."
    "eyJkYXRhIjogeyJmb28iOiAiYmFyIn0sICJpYXQiOiAwfQ==."
    "J3zdedMZSFNOimstjJat0V28rM_b1UU62XCp9dg_5kg="
)
HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64(data: bytes, pad: bool = False) -> str:
    text = base64.urlsafe_b64encode(data).decode()
    return text if pad else text.rstrip("=")


def raw(header: str, payload: str, alg: str = "HS256", pad: bool = False, sign_alg=None) -> str:
    """A token from literal JSON texts, signed over exactly the text sent."""
    signing_input = f"{b64(header.encode(), pad)}.{b64(payload.encode(), pad)}"
    digest = HASHES[sign_alg or alg]
    sig = hmac.new(SECRET, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(sig, pad)}"


def token(claims: dict, alg: str = "HS256", pad: bool = False, header=None) -> str:
    header = header or {"alg": alg, "typ": "JWT"}
    return raw(json.dumps(header), json.dumps(claims), alg=alg, pad=pad)


def granted(**extra) -> dict:
    return {"iss": "vortico", "data": {"permissions": [PERM]}, **extra}


NOW = int(time.time())
BASE = urllib.parse.urlsplit(sys.argv[1])
failures = []
count = 0


def request(method: str, path: str, headers=(), body=None):
    conn = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=10)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    data = resp.read()
    result = (resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data)
    conn.close()
    return result


def case(name, status, headers=(), path="/private/info/", method="GET", body=None,
         detail=None, challenge=None, secret_text=None):
    """Sends one request and checks status, envelope, challenge, no echo."""
    global count
    count += 1
    got, hdrs, data = request(method, path, headers, body)
    problems = []
    if got != status:
        problems.append(f"status {got}, want {status}")
    if got >= 400:
        try:
            envelope = json.loads(data)
        except ValueError:
            envelope = None
            problems.append("error body is not JSON")
        if envelope is not None:
            if set(envelope) != {"status_code", "detail", "error"} or envelope["status_code"] != got:
                problems.append("not Flama's envelope")
            if detail is not None and not detail(envelope["detail"]):
                problems.append(f"unexpected detail {envelope['detail']!r}")
    if challenge is not None and hdrs.get("www-authenticate") != challenge:
        problems.append(f"WWW-Authenticate {hdrs.get('www-authenticate')!r}, want {challenge!r}")
    for _, value in headers:
        for part in value.replace(";", " ").replace("=", " ").split():
            if len(part) > 20 and part.encode() in data:
                problems.append("the response echoes a credential")
    if secret_text is not None and secret_text.encode() in data:
        problems.append("the response echoes a secret value")
    print(("ok   " if not problems else "FAIL ") + name + ("" if not problems else ": " + "; ".join(problems)))
    if problems:
        failures.append(name)


def bearer(t):
    return [("Authorization", f"Bearer {t}")]


def decode_error(kind):
    return lambda d: isinstance(d, dict) and d.get("error") == kind


INVALID = 'Bearer error="invalid_token"'

# Baseline.
case("no token: 401 Unauthorized", 401, detail=lambda d: d == "Unauthorized", challenge="Bearer")
for alg in ("HS256", "HS384", "HS512"):
    case(f"valid {alg} token: 200", 200, bearer(token(granted(), alg=alg)))
case("valid token without the permission: 403", 403, bearer(token({"data": {}})),
     detail=lambda d: d == "Insufficient permissions",
     challenge=f'Bearer error="insufficient_scope", scope="{PERM}"')

# Algorithm attacks (RFC 8725 §2.1, §3.1).
case("alg none, empty signature", 401, bearer(raw('{"alg":"none"}', json.dumps(granted()))[:-43]),
     detail=decode_error("JWTDecodeException"), challenge=INVALID)
case("alg none, unsigned", 401, bearer(b64(b'{"alg":"none"}') + "." + b64(json.dumps(granted()).encode()) + "."),
     detail=decode_error("JWTDecodeException"))
for alg in ("None", "NONE", "hs256", "Hs256", "HS256 "):
    case(f"alg {alg!r}", 401, bearer(raw(json.dumps({"alg": alg}), json.dumps(granted()), sign_alg="HS256")),
         detail=decode_error("JWTDecodeException"))
case("alg RS256 with an HMAC signature (confusion)", 401,
     bearer(raw('{"alg":"RS256"}', json.dumps(granted()), sign_alg="HS256")), detail=decode_error("JWTDecodeException"))
case("header says HS512, signed HS256", 401,
     bearer(raw('{"alg":"HS512"}', json.dumps(granted()), sign_alg="HS256")), detail=decode_error("JWTDecodeException"))

# Flama padding (SPEC §2).
case("Flama's padded article vector: authentic, no permission: 403", 403, bearer(FLAMA))
case("padded token with the permission: 200", 200, bearer(token(granted(), pad=True)))
head, payload, sig = FLAMA.split(".")
case("Flama vector with its padding normalised away", 401, bearer(f"{head}.{payload.rstrip('=')}.{sig}"),
     detail=decode_error("JWTDecodeException"))
case("padding added to an unpadded token's signed segments", 401,
     bearer(token(granted()).replace(".", "=.", 1)), detail=decode_error("JWTDecodeException"))

# Integrity.
t = token({"data": {}})
h, _, s = t.split(".")
case("payload swapped under a valid signature", 401, bearer(f"{h}.{b64(json.dumps(granted()).encode())}.{s}"),
     detail=decode_error("JWTDecodeException"))
case("signature of another key", 401,
     bearer(t[: t.rindex(".")] + "." + b64(hmac.new(b"x" * 32, t[: t.rindex(".")].encode(), hashlib.sha256).digest())),
     detail=decode_error("JWTDecodeException"))
case("truncated signature", 401, bearer(token(granted())[:-5]), detail=decode_error("JWTDecodeException"))
for n in (1, 2, 4, 5):
    case(f"{n} segment(s)", 401, bearer(".".join(["e30"] * n)), detail=decode_error("JWTDecodeException"))

# Time claims (RFC 7519 §4.1.4-6), 60 s leeway.
case("expired 2 minutes ago", 401, bearer(token(granted(exp=NOW - 120))), detail=decode_error("JWTValidateException"))
case("expired 10 s ago, within leeway", 200, bearer(token(granted(exp=NOW - 10))))
case("exp as a string", 401, bearer(token(granted(exp=str(NOW + 600)))), detail=decode_error("JWTValidateException"))
case("fractional exp in the future", 200, bearer(token(granted(exp=NOW + 600.5))))
case("nbf in an hour", 401, bearer(token(granted(nbf=NOW + 3600))), detail=decode_error("JWTValidateException"))
case("iat in an hour", 401, bearer(token(granted(iat=NOW + 3600))), detail=decode_error("JWTValidateException"))
case("huge exp (1e300)", 200, bearer(token(granted(exp=1e300))))
case("negative nbf", 200, bearer(token(granted(nbf=-5))))

# Audience, crit, duplicates, size (RFC 7519 §4.1.3, RFC 7515 §4.1.11, §5.2).
case("aud the server does not accept", 401, bearer(token(granted(aud="someone-else"))),
     detail=decode_error("JWTValidateException"))
# Keys the token brings along are never trusted nor fetched: an attacker's own
# HMAC key embedded as `jwk`, or pointed to by `jku`/`x5u`, signs nothing.
ATTACKER = b"attacker-chosen-key-of-32-bytes!"
for extra in ({"jwk": {"kty": "oct", "k": b64(ATTACKER)}},
              {"jku": "http://127.0.0.1:9/keys.json"},
              {"x5u": "http://127.0.0.1:9/cert.pem"}):
    signing_input = f"{b64(json.dumps(dict({'alg': 'HS256'}, **extra)).encode())}.{b64(json.dumps(granted()).encode())}"
    forged = f"{signing_input}.{b64(hmac.new(ATTACKER, signing_input.encode(), hashlib.sha256).digest())}"
    case(f"attacker key via {next(iter(extra))} header", 401, bearer(forged),
         detail=decode_error("JWTDecodeException"))
case("crit header parameter", 401, bearer(token(granted(), header={"alg": "HS256", "crit": ["exp"], "exp": 1})),
     detail=decode_error("JWTDecodeException"))
case("duplicate claim (permissions granted last)", 401,
     bearer(raw('{"alg":"HS256"}', '{"data":{"permissions":[]},"data":{"permissions":["%s"]}}' % PERM)),
     detail=decode_error("JWTDecodeException"))
case("duplicate alg header member", 401, bearer(raw('{"alg":"none","alg":"HS256"}', json.dumps(granted()))),
     detail=decode_error("JWTDecodeException"))
case("token over 8 KiB", 401, bearer(token(granted(pad="x" * 9000))), detail=decode_error("JWTDecodeException"))

# Where the token comes from (SPEC §2, RFC 6750 §2).
good = token(granted())
case("cookie only: 200", 200, [("Cookie", f"theme=dark; access_token={good}")])
case("Basic header with a valid cookie: header wins, no fallback", 401,
     [("Authorization", "Basic dXNlcjpwYXNz"), ("Cookie", f"access_token={good}")],
     detail=lambda d: d == "Unauthorized")
case("bad Bearer header with a valid cookie: no fallback", 401,
     [("Authorization", "Bearer x.y.z"), ("Cookie", f"access_token={good}")])
case("scheme in lower case", 200, [("Authorization", f"bearer {good}")])
case("several spaces after the scheme", 200, [("Authorization", f"Bearer    {good}")])
case("scheme without a token", 401, [("Authorization", "Bearer")], detail=lambda d: d == "Unauthorized")
case("token without a scheme", 401, [("Authorization", good)], detail=lambda d: d == "Unauthorized")
case("two Authorization headers", 400, [("Authorization", f"Bearer {good}"), ("Authorization", f"Bearer {good}")],
     challenge='Bearer error="invalid_request"')
case("two access_token cookies", 400, [("Cookie", f"access_token={good}; access_token={token({})}")])
case("token in the query string is not read", 401, path=f"/private/info/?access_token={good}")
case("non-ASCII in the Authorization header", 401, [("Authorization", "Bearer \xe9\xe9.\xe9.\xe9")])

# Everything else in the envelope (SPEC §3).
case("unknown route: JSON 404", 404, path="/nope/")
case("wrong method: JSON 405", 405, method="DELETE")
case("bad sign-in body names the field, never echoes the value", 400, path="/auth/", method="POST",
     headers=[("Content-Type", "application/json")],
     body=b'{"id": "7d7b6ea4-2a2b-4b84-a4c1-0a0c0a0c0a0c", "password": 1234567890123}',
     detail=lambda d: isinstance(d, dict) and d.get("field") == "password", secret_text="1234567890123")

print(f"{count - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
