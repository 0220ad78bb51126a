"""Single sign-on per institution over OpenID Connect, on allauth's ``openid_connect`` provider.

Each institution's configuration (members.models.InstitutionSSO) is served to allauth as one
app (members.adapters.SocialAccountAdapter.list_apps). The provider and its OAuth2 adapter
here tighten allauth's defaults: every ID token's signature is checked against the issuer's
keys (allauth skips that for tokens fetched over TLS), a ``nonce`` binds the ID token to the
sign-in that asked for it, and an address counts as verified only when the provider says so
and the institution trusts its provider.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.utils.translation import gettext as _

from members.models import InstitutionSSO
from members.services import institution_for_email

PROVIDER = "openid_connect"
# The discovery check answers a person waiting for the page: a provider that is slower than
# this is as good as unreachable.
DISCOVERY_TIMEOUT = 5
NONCE_STATE_KEY = "nonce"


def social_app(config: InstitutionSSO) -> SocialApp:
    """The allauth app (not saved) through which the institution's provider signs people in."""
    return SocialApp(
        provider=PROVIDER,
        provider_id=config.provider_id,
        name=config.institution.name,
        client_id=config.client_id,
        secret=config.client_secret,
        settings={
            "server_url": config.issuer_url,
            "oauth_pkce_enabled": True,
            # allauth signs an existing account in by its verified address only when asked to.
            "email_authentication": config.trusts_email,
            "trusts_email": config.trusts_email,
            "institution_id": config.institution_id,
            "active": config.is_active,
        },
    )


def sso_for_email(email: str) -> InstitutionSSO | None:
    """The active provider of the institution owning the address's domain (home-realm discovery)."""
    institution = institution_for_email(email)
    if institution is None:
        return None
    config = InstitutionSSO.objects.filter(institution=institution).first()
    if config is None or not config.is_active:
        return None
    return config


def sso_required_for_email(email: str) -> InstitutionSSO | None:
    """The provider that must sign in the owner of the address instead of a password, if any."""
    config = sso_for_email(email)
    return config if config is not None and config.required else None


def required_message(config: InstitutionSSO) -> str:
    """What a person is told when they try a password where their institution signs them in."""
    return _(
        "%(institution)s requires its own sign-in for your address: use "
        "“Sign in with your institution” instead of a password."
    ) % {"institution": config.institution}


# Discovery check ------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscoveryResult:
    ok: bool
    message: str


def discovery_url(issuer_url: str) -> str:
    return issuer_url.rstrip("/") + "/.well-known/openid-configuration"


def discovery_check(*, issuer_url: str) -> DiscoveryResult:
    """Fetch the issuer's discovery document and say plainly what is wrong with it, if anything."""
    url = discovery_url(issuer_url)
    try:
        response = requests.get(url, timeout=DISCOVERY_TIMEOUT, allow_redirects=False)
    except requests.RequestException:
        return DiscoveryResult(False, _("The provider is unreachable at %(url)s.") % {"url": url})
    if response.status_code != 200:
        return DiscoveryResult(
            False,
            _("The provider answered %(status)s at %(url)s.")
            % {"status": response.status_code, "url": url},
        )
    try:
        document = response.json()
    except ValueError:
        return DiscoveryResult(
            False, _("The discovery document at %(url)s is not JSON.") % {"url": url}
        )
    if not isinstance(document, dict):
        return DiscoveryResult(
            False, _("The discovery document at %(url)s is not JSON.") % {"url": url}
        )
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != issuer_url.rstrip("/"):
        return DiscoveryResult(
            False,
            _("The provider names another issuer: %(issuer)s.") % {"issuer": issuer or "—"},
        )
    for key, problem in (
        ("authorization_endpoint", _("The provider has no authorization endpoint.")),
        ("token_endpoint", _("The provider has no token endpoint.")),
        ("jwks_uri", _("The provider publishes no signing keys (jwks_uri).")),
    ):
        if not isinstance(document.get(key), str) or not document[key]:
            return DiscoveryResult(False, problem)
    return DiscoveryResult(True, _("The provider answers as it should."))


# The provider ---------------------------------------------------------------------------


class InstitutionOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, checking the signature and nonce of every ID token."""

    # The state the callback unstashed (members.views.InstitutionCallbackView sets it).
    state: dict | None = None

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        data = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )
        expected = (self.state or {}).get(NONCE_STATE_KEY)
        if not expected or not secrets.compare_digest(str(data.get("nonce", "")), expected):
            raise OAuth2Error("The ID token's nonce does not match the sign-in.")
        return data

    def complete_login(self, request, app, token, **kwargs):
        if not kwargs["response"].get("id_token"):
            # Without an ID token nothing binds the answer to this sign-in.
            raise OAuth2Error("The provider sent no ID token.")
        login = super().complete_login(request, app, token, **kwargs)
        data = login.account.extra_data
        userinfo, id_token = data.get("userinfo"), data.get("id_token") or {}
        if userinfo is not None and userinfo.get("sub") != id_token.get("sub"):
            raise OAuth2Error("The user info names another subject than the ID token.")
        return login


class InstitutionOIDCProvider(OpenIDConnectProvider):
    oauth2_adapter_class = InstitutionOIDCAdapter
    # allauth mounts the URLs of the provider's package (alliance.urls serves the two views).
    package = "allauth.socialaccount.providers.openid_connect"

    def get_oauth2_adapter(self, request):
        return self.oauth2_adapter_class(request, self.app.provider_id)

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        """Send a fresh nonce with the authorization request and keep it in the state."""
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        # A nonce smuggled in through ?auth_params= must not replace ours.
        auth_params = {**auth_params, "nonce": nonce}
        return super().redirect(
            request,
            process,
            next_url=next_url,
            data=data,
            auth_params=auth_params,
            **{**kwargs, NONCE_STATE_KEY: nonce},
        )

    def get_auth_params_from_request(self, request, action):
        # Only our own parameters: nothing from the query string reaches the provider.
        return self.get_auth_params()

    def get_scope_from_request(self, request):
        return self.get_scope()

    def extract_email_addresses(self, data):
        """The provider's address, verified only when it says so and the institution trusts it."""
        addresses = super().extract_email_addresses(data)
        trusted = bool(self.app.settings.get("trusts_email"))
        return [
            EmailAddress(
                email=address.email.strip().lower(),
                verified=trusted and address.verified is True,
                primary=address.primary,
            )
            for address in addresses
        ]
