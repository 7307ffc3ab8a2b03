#!/usr/bin/env python3
"""The example app verifying tokens from a JWKS server it does not control:
key rotation, an unknown-kid flood (fetches counted), the server going down,
HS/RS confusion, a key replaced under the same kid, and Keycloak- and
Auth0-shaped tokens. Everything on
127.0.0.1; the JWKS server is this script's own.

Usage: jwks_remote.py PATH_TO_jwt_api_BINARY KEYS_DIR
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives import serialization

binary, keys_dir = sys.argv[1], sys.argv[2]
passed, failures = [], []


def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name)
    (passed if ok else failures).append(name)


def private(name):
    with open(os.path.join(keys_dir, name + ".key"), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


KEYS = {"a": private("rsa"), "b": private("rsa2")}


def jwk(kid):
    key = KEYS[State.material.get(kid, kid)]
    entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    entry.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return entry


class State:
    published = ["a"]
    # kid -> the key published under it, when not its own (a key replaced
    # under the same kid).
    material = {}
    mode = "ok"
    fetches = 0


class Jwks(BaseHTTPRequestHandler):
    def do_GET(self):
        State.fetches += 1
        if State.mode == "down":
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"keys": [jwk(k) for k in State.published]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
threading.Thread(target=server.serve_forever, daemon=True).start()
jwks_url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"


def start_app(**env):
    full = dict(os.environ, ADDR="127.0.0.1:0", JWT_JWKS_URL=jwks_url, RUST_LOG="warn", **env)
    for var in ("JWT_SECRET_HEX", "JWT_SECRET", "JWT_SIGNING_KEY"):
        full.pop(var, None)
    proc = subprocess.Popen([binary], env=full, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    base = None
    while time.time() < deadline and base is None:
        line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line or "")
        if found:
            base = found.group(0)
        elif proc.poll() is not None:
            break
    if base is None:
        print("the example did not start", file=sys.stderr)
        sys.exit(1)
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    return proc, base


def status(base, token, path="/private/info/"):
    req = urllib.request.Request(base + path, headers={"authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def token(kid, claims=None, key=None):
    claims = claims or {"sub": "ada", "data": {"permissions": ["my-permission-name"]}}
    claims = dict(claims, exp=int(time.time()) + 300)
    return jwt.encode(claims, key or KEYS[kid], algorithm="RS256", headers={"kid": kid})


def accepted_within(base, token, seconds=30):
    """Seconds until `token` gets 200, asked every 0.5 s; None if not within `seconds`."""
    started = time.time()
    while time.time() - started < seconds:
        if status(base, token) == 200:
            return time.time() - started
        time.sleep(0.5)
    return None


proc, base = start_app()
try:
    check("a token signed by the IdP's published key: 200", status(base, token("a")) == 200)
    check("sign-in is not offered (the IdP issues tokens)",
          status(base, "", "/public/info/") == 200)
    # Rotation: the IdP publishes `b` and starts signing with it.
    State.published = ["a", "b"]
    before = State.fetches
    # Refetches on unknown kids are rate-limited (one per 10 s): the new key
    # is accepted within 30 s of its publication (SPEC §8), not at once.
    accepted = accepted_within(base, token("b"))
    check(f"a token of the rotated-in key `b` is accepted within 30 s ({accepted and round(accepted, 1)} s)",
          accepted is not None)
    check(f"... after at most two fetches (got {State.fetches - before})", State.fetches - before <= 2)
    check("the old key still verifies while published", status(base, token("a")) == 200)
    # The IdP replaces the key under kid `b` and keeps the kid: the first
    # tokens of the new key fail their signature check, which refetches
    # (rate-limited like an unknown kid; the background refresh is minutes
    # away, so only that path can fetch).
    State.material["b"] = "a"
    before = State.fetches
    accepted = accepted_within(base, token("b", key=KEYS["a"]))
    check(f"a key replaced under the same kid is accepted within 30 s ({accepted and round(accepted, 1)} s)",
          accepted is not None)
    check(f"... after at most two fetches (got {State.fetches - before})", State.fetches - before <= 2)
    check("... and the replaced key's tokens are refused", status(base, token("b")) == 401)
    # Flood of made-up kids (signed with a real key, so only the kid is unknown).
    before = State.fetches
    statuses = [status(base, token(str(uuid.uuid4()), key=KEYS["a"])) for _ in range(200)]
    check("200 made-up kids: all 401", all(s == 401 for s in statuses))
    check(f"... with at most 2 fetches (got {State.fetches - before})", State.fetches - before <= 2)
    # The server goes down: cached keys keep working.
    State.mode = "down"
    check("JWKS server down: known keys still verify", status(base, token("a")) == 200)
    t0 = time.time()
    s = status(base, token("zzz", key=KEYS["a"]))
    check("... an unknown kid is refused without hanging", s == 401 and time.time() - t0 < 8)
    State.mode = "ok"
    # HS/RS confusion with the public key as HMAC secret.
    pem = KEYS["a"].public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    import base64, hashlib, hmac
    b64 = lambda d: base64.urlsafe_b64encode(d).decode().rstrip("=")
    signing_input = b64(json.dumps({"alg": "HS256", "kid": "a"}).encode()) + "." + b64(
        json.dumps({"data": {"permissions": ["my-permission-name"]}}).encode())
    forged = signing_input + "." + b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    check("HS256 signed with the IdP's public key: 401", status(base, forged) == 401)
finally:
    proc.terminate()
    proc.wait(timeout=15)

for layout, claims in [
    ("keycloak:my-api", {"sub": "kc", "realm_access": {"roles": ["offline_access"]},
                          "resource_access": {"my-api": {"roles": ["my-permission-name"]}}}),
    ("auth0", {"sub": "auth0|1", "permissions": ["my-permission-name"], "scope": "openid"}),
]:
    proc, base = start_app(JWT_PERMISSIONS_CLAIM=layout)
    try:
        check(f"{layout}-shaped token: 200", status(base, token("a", claims)) == 200)
        lacking = json.loads(json.dumps(claims).replace("my-permission-name", "other"))
        check(f"{layout}-shaped token without the permission: 403", status(base, token("a", lacking)) == 403)
    finally:
        proc.terminate()
        proc.wait(timeout=15)

server.shutdown()
print(f"{len(passed)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
