"""MICROSOFT_SSO_CLOUD, External ID (CIAM) authorities and certificate credentials, through the views."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.checks import run_checks
from django.urls import reverse

from django_microsoft_sso.testing import DEFAULT_TENANT_ID, FakeMicrosoft

pytestmark = pytest.mark.django_db

CLOUD_HOSTS = {
    "global": ("login.microsoftonline.com", "graph.microsoft.com"),
    "usgov": ("login.microsoftonline.us", "graph.microsoft.us"),
    "china": ("login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
}


@pytest.fixture(scope="module")
def certificate():
    """A self-signed certificate, as one made for an app registration: (key PEM, cert)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "django-microsoft-sso test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, cert


def thumbprint(cert):
    return cert.fingerprint(hashes.SHA1()).hex()


def use_fake(settings, fake, **extra):
    for name, value in {**fake.project_settings(), **extra}.items():
        setattr(settings, name, value)


def error_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def check_ids():
    return sorted(
        m.id for m in run_checks() if m.id and m.id.startswith("django_microsoft_sso.E01")
    )


@pytest.mark.parametrize("cloud", ["global", "usgov", "china"])
def test_a_whole_sign_in_runs_on_the_clouds_hosts(client, settings, cloud):
    login_host, graph_host = CLOUD_HOSTS[cloud]
    fake = FakeMicrosoft(login_host=login_host, graph_host=graph_host)
    use_fake(settings, fake, MICROSOFT_SSO_CLOUD=cloud, MICROSOFT_SSO_AUTHORITY=None)
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = [DEFAULT_TENANT_ID]
    with fake:
        alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com", given_name="Alice")
        start = client.get(reverse("django_microsoft_sso:oauth_start_login"))
        assert start.url.startswith(f"https://{login_host}/common/oauth2/v2.0/authorize?")
        response = fake.sign_in(start.url, alice).send(client)
    assert response.status_code == 302
    assert response.url == "/admin/"
    user = get_user_model().objects.get()
    assert (user.username, user.first_name) == ("alice@contoso.com", "Alice")
    hosts = {request.url.host for _name, request in fake.calls}
    assert hosts == {login_host, graph_host}
    assert fake.count("batch") == 1


def test_explicit_hosts_set_sign_in_and_graph(client, settings):
    hosts = {"login": "login.sovereign.example", "graph": "graph.sovereign.example"}
    fake = FakeMicrosoft(login_host=hosts["login"], graph_host=hosts["graph"])
    use_fake(
        settings,
        fake,
        MICROSOFT_SSO_CLOUD=hosts,
        MICROSOFT_SSO_AUTHORITY=f"https://{hosts['login']}/{DEFAULT_TENANT_ID}",
    )
    with fake:
        alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com")
        response = fake.login(client, alice)
    assert response.url == "/admin/"
    assert get_user_model().objects.get().email == "alice@contoso.com"
    assert {r.url.host for _n, r in fake.calls} == set(hosts.values())


def test_sign_out_uses_the_clouds_tenant_metadata(client, settings):
    login_host, graph_host = CLOUD_HOSTS["usgov"]
    fake = FakeMicrosoft(login_host=login_host, graph_host=graph_host)
    use_fake(
        settings,
        fake,
        MICROSOFT_SSO_CLOUD="usgov",
        MICROSOFT_SSO_AUTHORITY=f"https://{login_host}/{DEFAULT_TENANT_ID}",
        MICROSOFT_SSO_SLO_ENABLED=True,
    )
    with fake:
        alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com")
        assert fake.login(client, alice).url == "/admin/"
        response = client.post(reverse("django_microsoft_sso:oauth_logout"))
    assert response.status_code == 302
    assert response.url.startswith(f"https://{login_host}/{DEFAULT_TENANT_ID}/oauth2/v2.0/logout")


def test_external_id_ciam_authority_signs_in(client, settings):
    host = "contosocustomers.ciamlogin.com"
    fake = FakeMicrosoft(login_host=host)
    use_fake(settings, fake, MICROSOFT_SSO_AUTHORITY=f"https://{host}/{DEFAULT_TENANT_ID}")
    with fake:
        carol = fake.add_user("carol@contoso.com", mail="carol@contoso.com")
        start = client.get(reverse("django_microsoft_sso:oauth_start_login"))
        assert start.url.startswith(f"https://{host}/{DEFAULT_TENANT_ID}/oauth2/v2.0/authorize?")
        response = fake.sign_in(start.url, carol).send(client)
        # An id_token from another tenant's issuer is refused, as on the login host.
        mallory = fake.add_user("mallory@contoso.com", mail="mallory@contoso.com")
        client.logout()
        forged = fake.login(
            client,
            mallory,
            id_token_claims={"iss": f"https://{host}/{'0' * 8}-0000-0000-0000-{'0' * 12}/v2.0"},
        )
    assert response.url == "/admin/"
    assert get_user_model().objects.filter(username="carol@contoso.com").exists()
    assert forged.url == reverse("admin:login")
    assert not get_user_model().objects.filter(username="mallory@contoso.com").exists()
    assert fake.count("metadata") == 1


def test_an_authority_outside_the_cloud_ends_in_a_message_not_a_request(
    client, settings, microsoft
):
    settings.MICROSOFT_SSO_CLOUD = "china"
    settings.MICROSOFT_SSO_AUTHORITY = f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}"
    response = client.get(reverse("django_microsoft_sso:oauth_start_login"))
    assert response.status_code == 302
    assert response.url == reverse("admin:login")
    assert error_messages(response) == [
        "Sign in with Microsoft is not configured correctly. Please contact your administrator."
    ]
    assert microsoft.count() == 0


@pytest.mark.parametrize(
    ("cloud", "authority", "ids"),
    [
        ("global", None, []),
        ("usgov", "https://login.microsoftonline.us/contoso.onmicrosoft.com", []),
        ("global", f"https://contoso.ciamlogin.com/{DEFAULT_TENANT_ID}", []),
        ({"login": "login.example", "graph": "graph.example"}, None, []),
        ("mars", None, ["django_microsoft_sso.E013"]),
        ({"login": "login.example"}, None, ["django_microsoft_sso.E013"]),
        ({"login": "https://x/", "graph": "g.example"}, None, ["django_microsoft_sso.E013"]),
        ("china", "https://login.microsoftonline.com/common", ["django_microsoft_sso.E013"]),
        (
            "usgov",
            f"https://contoso.ciamlogin.com/{DEFAULT_TENANT_ID}",
            ["django_microsoft_sso.E013"],
        ),
    ],
)
def test_check_e013_judges_the_cloud_and_the_authority(settings, cloud, authority, ids):
    settings.MICROSOFT_SSO_CLOUD = cloud
    settings.MICROSOFT_SSO_AUTHORITY = authority
    assert check_ids() == ids


# -- certificates ---------------------------------------------------------------------------------


def test_a_certificate_signs_in_without_a_secret(client, settings, certificate, tmp_path):
    pem, cert = certificate
    path = tmp_path / "app.pem"
    path.write_text(pem)
    fake = FakeMicrosoft(client_certificate=cert)
    use_fake(
        settings,
        fake,
        MICROSOFT_SSO_CLIENT_SECRET=None,
        MICROSOFT_SSO_CERTIFICATE={"private_key_path": str(path), "thumbprint": thumbprint(cert)},
    )
    assert check_ids() == []
    with fake:
        alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com")
        response = fake.login(client, alice)
    assert response.url == "/admin/"
    assert get_user_model().objects.get().username == "alice@contoso.com"
    (token_request,) = [r for name, r in fake.calls if name == "token"]
    body = token_request.content.decode()
    assert "client_assertion=" in body
    assert "client_secret" not in body


def test_the_wrong_certificate_is_refused_with_a_message(client, settings, certificate):
    _pem, cert = certificate
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    fake = FakeMicrosoft(client_certificate=cert)
    # The right thumbprint, but a key that is not the certificate's: the signature fails.
    use_fake(
        settings,
        fake,
        MICROSOFT_SSO_CLIENT_SECRET=None,
        MICROSOFT_SSO_CERTIFICATE={"private_key": other_pem, "thumbprint": thumbprint(cert)},
    )
    with fake:
        alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com")
        response = fake.login(client, alice)
    assert response.url == reverse("admin:login")
    assert error_messages(response) == ["Microsoft refused the sign-in. Please try again."]
    assert not get_user_model().objects.exists()
    assert fake.count("token") == 1


def test_a_secret_is_refused_when_a_certificate_is_registered(client, settings, certificate):
    _pem, cert = certificate
    fake = FakeMicrosoft(client_certificate=cert)
    use_fake(settings, fake, MICROSOFT_SSO_CLIENT_SECRET=fake.client_secret)
    with fake:
        alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com")
        response = fake.login(client, alice)
    assert response.url == reverse("admin:login")
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("setting", "secret", "ids"),
    [
        ("good", None, []),
        ("good", "s3cret", ["django_microsoft_sso.E014"]),
        (None, None, ["django_microsoft_sso.E002"]),
        ("bad-key", None, ["django_microsoft_sso.E014"]),
        ("bad-thumbprint", None, ["django_microsoft_sso.E014"]),
        ("missing-file", None, ["django_microsoft_sso.E014"]),
    ],
)
def test_check_e014_loads_the_key_at_startup(settings, certificate, setting, secret, ids):
    pem, cert = certificate
    values = {
        "good": {"private_key": pem, "thumbprint": thumbprint(cert)},
        "bad-key": {"private_key": "-----BEGIN PRIVATE KEY-----\nnope\n", "thumbprint": "a" * 40},
        "bad-thumbprint": {"private_key": pem, "thumbprint": "xyz"},
        "missing-file": {"private_key_path": "/nonexistent/app.pem", "thumbprint": "a" * 40},
        None: None,
    }
    settings.MICROSOFT_SSO_CLIENT_SECRET = secret
    settings.MICROSOFT_SSO_CERTIFICATE = values[setting]
    found = sorted(
        m.id
        for m in run_checks()
        if m.id in ("django_microsoft_sso.E002", "django_microsoft_sso.E014")
    )
    assert found == ids
