"""The app of Flama's article "Protected ML APIs with Flama JWT Authentication",
on Flama 2.2.2, for ``scripts/bench-e2e.sh --flama``.

Flama 2.2 renamed the article's ``JWTComponent`` to ``AccessTokenComponent``
(whose header defaults to ``access_token``; the article's ``Authorization:
Bearer`` is configured below) and made ``AuthenticationMiddleware`` a
``Middleware`` instance instead of ``Middleware(AuthenticationMiddleware)``.

Environment:

- ``JWT_SECRET_HEX``: the HMAC secret (HS256), hex bytes; or
- ``JWT_EDDSA_PRIVATE_HEX``: an Ed25519 private key (the 32-byte seed), hex:
  tokens are then EdDSA, verified with its public half (Flama 2.2 signs
  HS256/384/512 and EdDSA only).

Serve: ``uvicorn --app-dir bench/flama app:app --workers 1``.
Mint the benchmark's token (Flama's own encoder, padded base64url, ``exp``
30 days ahead): ``python bench/flama/app.py mint [PERMISSION...]``.
"""

import http
import os
import sys
import time
import typing as t
import uuid

import pydantic

from flama import Flama, types
from flama.authentication import AccessTokenComponent, AuthenticationMiddleware, JWT
from flama.crypto.algorithms import EdDSAAlgorithm
from flama.http import APIResponse

TITLE = "JWT-protected API"
VERSION = "1.0.0"
DESCRIPTION = "An API with public and private endpoints, protected with JWT"
PERMISSION = "my-permission-name"
JWT_TOKEN_EXPIRATION = 300  # the article's 5 minutes, for /auth/


def _keys() -> tuple[str, bytes, bytes]:
    """(algorithm, signing key, verification key) from the environment."""
    if hex_seed := os.environ.get("JWT_EDDSA_PRIVATE_HEX"):
        private = bytes.fromhex(hex_seed)
        return "EdDSA", private, EdDSAAlgorithm.public_key(private)
    if hex_secret := os.environ.get("JWT_SECRET_HEX"):
        secret = bytes.fromhex(hex_secret)
        return "HS256", secret, secret
    return "HS256", uuid.UUID(int=0).bytes, uuid.UUID(int=0).bytes  # the article's demo secret


ALGORITHM, SIGNING_KEY, VERIFICATION_KEY = _keys()

app = Flama(
    openapi={"info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION}},
    docs="/docs/",
    components=[
        AccessTokenComponent(
            VERIFICATION_KEY, header_key="Authorization", header_prefix="Bearer", cookie_key="access_token"
        )
    ],
    middleware=[AuthenticationMiddleware()],
)


@app.get("/public/info/", name="public-info")
async def info() -> dict[str, t.Any]:
    """tags:
        - Public
    summary:
        Info
    description:
        Returns a brief description of the API.
    """
    return {"title": TITLE, "description": DESCRIPTION, "public": True}


@app.get("/private/info/", name="protected-info", tags={"permissions": [PERMISSION]})
async def protected_info() -> dict[str, t.Any]:
    """tags:
        - Private
    summary:
        Info
    description:
        Returns a brief description of the API, to holders of my-permission-name.
    """
    return {"title": TITLE, "description": DESCRIPTION, "public": False}


class User(pydantic.BaseModel):
    id: uuid.UUID
    password: str | None = None


def token(user_id: str, permissions: list[str], lifetime: int) -> str:
    now = int(time.time())
    payload = {
        "iss": "vortico",
        "iat": now,
        "exp": now + lifetime,
        "data": {"id": user_id, "permissions": permissions},
    }
    return JWT({"alg": ALGORITHM, "typ": "JWT"}, payload).encode(SIGNING_KEY).decode()


@app.post("/auth/", name="signin")
async def signin(user: t.Annotated[types.Schema, types.SchemaMetadata(User)]) -> APIResponse:
    """tags:
        - Auth
    summary:
        Sign in
    description:
        Issues a token granting my-permission-name to the given user id.
    """
    user_id = str(user["id"])
    return APIResponse(
        {"id": user_id, "token": token(user_id, [PERMISSION], JWT_TOKEN_EXPIRATION)},
        status_code=http.HTTPStatus.OK,
    )


if __name__ == "__main__":
    if sys.argv[1:2] != ["mint"]:
        sys.exit("usage: python app.py mint [PERMISSION...]")
    print(token("7c9e6679-7425-40de-944b-e07fc1f66e17", sys.argv[2:] or [PERMISSION], 30 * 24 * 3600))
