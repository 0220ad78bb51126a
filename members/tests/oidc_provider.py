"""A stand-in for an institution's OpenID Connect provider, answering allauth's HTTP requests.

Tests only: the provider is outside the system, so it is the one thing mocked. It signs
its ID tokens with a key made for the test run (never used anywhere else), checks PKCE and
hands out each code once, and can be told to misbehave in every way a real one might.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://login.uni.example"
CLIENT_ID = "alliance-hub"
CLIENT_SECRET = "s3cret-of-the-test-client"
KID = "test-key-1"


@cache
def test_key() -> rsa.RSAPrivateKey:
    """A signing key made once per test run: test-only, never written anywhere."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeResponse:
    def __init__(self, status_code: int = 200, body: object = None, text: str | None = None):
        self.status_code = status_code
        self.text = text if text is not None else json.dumps(body)
        self.content = self.text.encode()
        self.headers = {"content-type": "application/json" if text is None else "text/html"}

    def json(self):
        return json.loads(self.text)

    def raise_for_status(self) -> None:
        import requests

        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code}", response=self)  # type: ignore[arg-type]


@dataclass
class FakeProvider:
    """What the provider answers; tests change its claims and failures before the callback."""

    claims: dict = field(
        default_factory=lambda: {
            "sub": "ada-42",
            "email": "ada@uni.example",
            "email_verified": True,
            "name": "Ada Lovelace",
        }
    )
    down: bool = False
    garbage_token: bool = False
    id_token_overrides: dict = field(default_factory=dict)
    signing_key: rsa.RSAPrivateKey | None = None
    expired_codes: set = field(default_factory=set)
    issued: dict = field(default_factory=dict)  # code → (nonce, code_challenge)
    used: set = field(default_factory=set)

    def authorize(self, location: str, code: str = "code-1") -> dict:
        """Read the authorization request as the provider would, and issue ``code``."""
        query = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
        self.issued[code] = (query.get("nonce"), query.get("code_challenge"))
        return query

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            **({"nonce": nonce} if nonce else {}),
            **self.claims,
            **self.id_token_overrides,
        }
        key = self.signing_key or test_key()
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": KID})

    # The HTTP side --------------------------------------------------------------------

    def session(self) -> FakeSession:
        return FakeSession(self)

    def answer(self, method: str, url: str, data: dict | None = None) -> FakeResponse:
        if self.down:
            import requests

            raise requests.ConnectionError("connection refused")
        path = urlsplit(url).path
        if path == "/.well-known/openid-configuration":
            return FakeResponse(
                body={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "userinfo_endpoint": f"{ISSUER}/userinfo",
                    "jwks_uri": f"{ISSUER}/jwks",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                }
            )
        if path == "/jwks":
            public = jwt.algorithms.RSAAlgorithm.to_jwk(test_key().public_key(), as_dict=True)
            return FakeResponse(body={"keys": [{**public, "kid": KID, "alg": "RS256"}]})
        if path == "/token":
            return self._token(data or {})
        if path == "/userinfo":
            return FakeResponse(body=self.claims)
        return FakeResponse(404, {"error": "not found"})

    def _token(self, data: dict) -> FakeResponse:
        if self.garbage_token:
            return FakeResponse(200, text="<html>Service temporarily unavailable</html>")
        code = data.get("code")
        if (
            data.get("client_id") != CLIENT_ID
            or data.get("client_secret") != CLIENT_SECRET
            or code not in self.issued
            or code in self.used
            or code in self.expired_codes
        ):
            return FakeResponse(400, {"error": "invalid_grant"})
        self.used.add(code)
        nonce, challenge = self.issued[code]
        verifier = data.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if digest.decode().rstrip("=") != challenge:
            return FakeResponse(400, {"error": "invalid_grant", "error_description": "PKCE"})
        return FakeResponse(
            body={"access_token": "at-1", "token_type": "Bearer", "id_token": self.id_token(nonce)}
        )


class FakeSession:
    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def get(self, url: str, **kwargs) -> FakeResponse:
        return self.provider.answer("GET", url)

    def request(self, method: str, url: str, params=None, data=None, **kwargs) -> FakeResponse:
        return self.provider.answer(method, url, data or params)
