#!/usr/bin/env python3
"""The example app signing its own tokens with a private key, checked by a
standard library: PyJWT verifies the sign-in token with the key published at
/.well-known/jwks.json; HS/RS confusion attempts with the public key as an
HMAC secret are refused.

Usage: jwks_interop.py BASE_URL ALG PUBLIC_PEM_PATH
"""

import base64
import hashlib
import hmac
import json
import sys
import urllib.request

import jwt  # PyJWT

base, alg, public_pem = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
failures = []
passed = []


def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method)
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name)
    (passed if ok else failures).append(name)


status, headers, body = call("GET", "/.well-known/jwks.json")
check("JWKS served", status == 200)
jwks = json.loads(body)
check("one public key, no private member", len(jwks["keys"]) == 1 and "d" not in jwks["keys"][0])
jwk = jwks["keys"][0]
check(f"JWK alg is {alg}", jwk.get("alg") == alg and jwk.get("use") == "sig" and jwk.get("kid"))

status, _, body = call("POST", "/auth/", {"id": "7d7b6ea4-2a2b-4b84-a4c1-0a0c0a0c0a0c"})
token = json.loads(body)["token"]
header = jwt.get_unverified_header(token)
check("token header names the alg and the JWK's kid", header["alg"] == alg and header["kid"] == jwk["kid"])
key = jwt.PyJWK(jwk)
claims = jwt.decode(token, key.key, algorithms=[alg], issuer="vortico")
check("PyJWT verifies the app's token with the published key", claims["data"]["permissions"] == ["my-permission-name"])
check("exp is iat + 300", claims["exp"] == claims["iat"] + 300)
status, _, _ = call("GET", "/private/info/", token=token)
check("the app accepts its own token", status == 200)


def b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forge(secret, alg_name="HS256", digest=hashlib.sha256):
    signing_input = b64(json.dumps({"alg": alg_name, "kid": jwk["kid"]}).encode()) + "." + b64(
        json.dumps({"iss": "vortico", "data": {"permissions": ["my-permission-name"]}}).encode())
    return signing_input + "." + b64(hmac.new(secret, signing_input.encode(), digest).digest())


for secret, what in [(public_pem, "PEM"), (json.dumps(jwk).encode(), "JWK text"),
                     (json.dumps(jwk, separators=(",", ":")).encode(), "compact JWK text")]:
    status, _, body = call("GET", "/private/info/", token=forge(secret))
    check(f"HS256 signed with the public key's {what} is refused", status == 401)
    check(f"... and the body does not echo it", b"BEGIN" not in body)
# A token signed by the app, then relabelled HS256, is refused.
h, p, s = token.split(".")
relabelled = b64(json.dumps({"alg": "HS256", "kid": jwk["kid"]}).encode()) + "." + p + "." + s
check("a relabelled token is refused", call("GET", "/private/info/", token=relabelled)[0] == 401)

print(f"{len(passed)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
