#!/usr/bin/env python3
"""The ML API example as a new user runs it: from a clean directory, with
only the documented variables; driven over HTTP; the SQLite file inspected
from outside; then two replicas sharing one Redis.

Usage: ml_smoke.py PATH_TO_ml_api_BINARY
"""

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

binary = os.path.abspath(sys.argv[1])
passed, failures = [], []
ADMIN_PASSWORD = "a long admin password for the smoke test"
PASSWORD = "an analyst's long password"


def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name)
    (passed if ok else failures).append(name)


def start(cwd, **env):
    full = dict(os.environ, ADDR="127.0.0.1:0", RUST_LOG="warn", **env)
    proc = subprocess.Popen([binary], cwd=cwd, env=full, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line or "")
        if found:
            import threading
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, found.group(0)
        if proc.poll() is not None:
            break
    print("ml_api did not start", file=sys.stderr)
    sys.exit(1)


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method)
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, json.loads(raw) if raw else None


def sign_in(base, user, password):
    return call(base, "POST", "/auth/signin/", {"username": user, "password": password})


with tempfile.TemporaryDirectory() as work:
    proc, base = start(work, ADMIN_PASSWORD=ADMIN_PASSWORD)
    try:
        status, pair = sign_in(base, "admin", ADMIN_PASSWORD)
        check("the bootstrapped admin signs in", status == 200)
        admin = pair["access_token"]
        status, _ = call(base, "POST", "/users/", {"username": "anna", "password": PASSWORD, "role": "analyst"}, admin)
        check("the admin creates an analyst", status == 201)
        status, _ = call(base, "POST", "/users/", {"username": "vera", "password": PASSWORD, "role": "viewer"}, admin)
        analyst = sign_in(base, "anna", PASSWORD)[1]["access_token"]
        viewer = sign_in(base, "vera", PASSWORD)[1]["access_token"]
        status, prediction = call(base, "POST", "/models/iris/predict/", {"features": [6.7, 3.0, 5.2, 2.3]}, analyst)
        check("the analyst predicts virginica", status == 200 and prediction["class"] == "virginica")
        status, _ = call(base, "POST", "/models/iris/predict/", {"features": [6.7, 3.0, 5.2, 2.3]}, viewer)
        check("the viewer may not predict", status == 403)
        status, _ = sign_in(base, "anna", "wrong password here")
        check("a wrong password is 401", status == 401)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    check("the database file was created in the working directory", os.path.exists(os.path.join(work, "ml_api.db")))
    db = sqlite3.connect(os.path.join(work, "ml_api.db"))
    hashes = [row[0] for row in db.execute("SELECT password_hash FROM users")]
    db.close()
    check("passwords are stored as argon2id hashes", len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes))
    blob = b"".join(open(os.path.join(work, f), "rb").read() for f in os.listdir(work) if f.startswith("ml_api.db"))
    check("no password is in the database files", PASSWORD.encode() not in blob and ADMIN_PASSWORD.encode() not in blob)
    added = subprocess.run([binary, "add-user", "carol", "--role", "viewer"], cwd=work, input=PASSWORD + "\n",
                           capture_output=True, text=True, timeout=60)
    check("add-user reads the password from standard input", added.returncode == 0 and "carol" in added.stdout)
    routes = subprocess.run([binary, "routes"], capture_output=True, text=True, timeout=60)
    check("routes prints the permission table", 'permissions = ["model:predict"]' in routes.stdout)

    # Two replicas: one database, one key, one Redis.
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    redis_port = port.getsockname()[1]
    port.close()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    shared = dict(REDIS_URL=f"redis://127.0.0.1:{redis_port}/", JWT_SECRET_HEX="5a" * 32)
    a, base_a = start(work, **shared)
    b, base_b = start(work, **shared)
    try:
        status, pair = sign_in(base_a, "anna", PASSWORD)
        token = pair["access_token"]
        check("a token from replica A works on B", call(base_b, "GET", "/me/", token=token)[0] == 200)
        check("logout on A", call(base_a, "POST", "/auth/logout/", token=token)[0] == 204)
        check("... is seen by B at once", call(base_b, "GET", "/me/", token=token)[0] == 401)
        refresh = sign_in(base_b, "anna", PASSWORD)[1]["refresh_token"]
        check("refresh on A of a pair from B", call(base_a, "POST", "/auth/refresh/", {"refresh_token": refresh})[0] == 200)
        call(base_a, "POST", "/auth/refresh/", {"refresh_token": refresh})  # the grace retry
        time.sleep(6)
        check("reuse after the grace window is refused on B",
              call(base_b, "POST", "/auth/refresh/", {"refresh_token": refresh})[0] == 401)
    finally:
        for proc in (a, b):
            proc.terminate()
            proc.wait(timeout=20)
        redis.terminate()
        redis.wait(timeout=10)

print(f"{len(passed)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
