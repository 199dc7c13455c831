"""The example project's demo: its people, its pages, and ``runserver`` with the emulator beside it.

The people sign in through the package's test kit (the ``microsoft`` fixture), as a project's
own tests would; the ``runserver`` tests serve the example for real and sign in through the
emulator's pages over HTTP, as a browser would.
"""

import re
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from django_microsoft_sso.models import MicrosoftSSOUser
from example_project import demo
from example_project import settings as example_settings
from example_project.management.commands.runserver import banner
from tests.example_server import serve_example

ADA, NOOR, SAM, MIKA = (person.user_principal_name for person in demo.PEOPLE)
SIGN_IN_LINK = re.compile(
    r'href="([^"]+)"[^>]*>\s*(?:<img[^>]*>\s*)?<span[^>]*>Sign in with Microsoft'
)


@pytest.fixture
def demo_people(settings, microsoft):
    """The example project as the demo configures it, its people at the test kit's fake."""
    settings.ROOT_URLCONF = "example_project.urls"
    settings.TEMPLATES = example_settings.TEMPLATES
    settings.MIDDLEWARE = example_settings.MIDDLEWARE
    settings.LOGIN_URL = example_settings.LOGIN_URL
    settings.MICROSOFT_SSO_NEXT_URL = "home"
    settings.MICROSOFT_SSO_LOGOUT_REDIRECT_PATH = "home"
    settings.EXAMPLE_USES_EMULATOR = True
    settings.MICROSOFT_SSO_AUTHORITY = demo.AUTHORITY
    settings.MICROSOFT_SSO_ALLOWED_TENANTS = demo.ALLOWED_TENANTS
    settings.MICROSOFT_SSO_ALLOWABLE_DOMAINS = demo.ALLOWABLE_DOMAINS
    settings.MICROSOFT_SSO_SUPERUSER_LIST = demo.SUPERUSER_LIST
    return demo.add_people(microsoft)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response
    return response.content.decode()


def sign_in_from_admin(client, microsoft, person):
    """Open the admin, click "Sign in with Microsoft" on its login page, pick ``person``."""
    login_page = client.get("/admin/", follow=True)
    assert login_page.redirect_chain == [("/admin/login/?next=/admin/", 302)]
    link = SIGN_IN_LINK.search(login_page.content.decode())
    assert link is not None
    return microsoft.login(client, person, start_url=link.group(1).replace("&amp;", "&"))


def shown_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_superuser_with_photo_lands_in_admin_with_picture_names_and_email(
    client, microsoft, demo_people
):
    response = sign_in_from_admin(client, microsoft, demo_people[ADA])

    assert response.status_code == 302
    assert response.url == "/admin/"
    user = get_user_model().objects.get()
    assert (user.username, user.first_name, user.last_name, user.email) == (
        "ada@contoso.com",
        "Ada",
        "Fairweather",
        "ada@contoso.com",
    )
    assert user.is_staff
    assert user.is_superuser
    html = page(client, "/admin/")
    picture_url = f"/microsoft_sso/picture/{user.pk}/"
    assert f'<img src="{picture_url}" alt="" width="24" height="24"' in html
    assert '<strong class="example-name">Ada Fairweather</strong>' in html
    assert '<span class="example-email">(ada@contoso.com)</span>' in html
    picture = client.get(picture_url)
    assert picture["Content-Type"] == "image/png"
    assert picture.content == demo.PEOPLE[0].photo
    link = MicrosoftSSOUser.objects.get()
    assert (link.tenant_id, link.microsoft_id) == (
        demo.CONTOSO_TENANT_ID,
        demo.PEOPLE[0].object_id,
    )
    assert "ada@contoso.com" in page(client, "/admin/auth/user/")


@pytest.mark.django_db
def test_person_without_mail_signs_in_with_no_email(client, microsoft, demo_people):
    response = sign_in_from_admin(client, microsoft, demo_people[NOOR])

    assert response.url == "/admin/"
    user = get_user_model().objects.get()
    assert (user.username, user.email, user.is_superuser) == ("noor@contoso.com", "", True)
    html = page(client, "/admin/")
    assert '<strong class="example-name">Noor Haddad</strong>' in html
    assert 'class="example-email"' not in html
    assert 'class="example-picture"' not in html
    assert client.get(f"/microsoft_sso/picture/{user.pk}/").status_code == 404


@pytest.mark.django_db
def test_person_who_is_not_staff_sees_private_page_but_not_admin(client, microsoft, demo_people):
    response = sign_in_from_admin(client, microsoft, demo_people[SAM])

    assert response.url == "/admin/"
    admin = client.get("/admin/", follow=True)
    assert admin.redirect_chain == [("/admin/login/?next=/admin/", 302)]
    assert "You are authenticated as sam@contoso.com, but are not authorized" in (
        admin.content.decode()
    )
    assert "Hello Sam Lee, only signed-in people see this page." in page(client, "/private/")


@pytest.mark.django_db
def test_person_of_another_organization_is_refused_on_login_page(client, microsoft, demo_people):
    response = sign_in_from_admin(client, microsoft, demo_people[MIKA])

    assert response.status_code == 302
    assert response.url == "/admin/login/"
    assert shown_messages(response) == [
        "Accounts of your organization are not allowed to sign in here."
    ]
    assert not get_user_model().objects.exists()
    assert client.get("/private/").status_code == 302


@pytest.mark.django_db
def test_home_page_introduces_demo_people(client, demo_people):
    html = page(client, "/")

    assert "<h2>Demo</h2>" in html
    for person in demo.PEOPLE:
        assert (
            f"<tr><th>{person.display_name}</th><td>{person.user_principal_name}</td>"
            f"<td>{person.shows}</td></tr>"
        ) in html


def test_readme_demo_table_says_what_each_person_sees():
    readme = (Path(demo.__file__).resolve().parent.parent / "README.md").read_text()

    for person in demo.PEOPLE:
        assert f"| {person.display_name} | {person.shows} |" in readme


@pytest.mark.django_db
def test_home_page_with_real_microsoft_has_no_demo_section(client, demo_people, settings):
    settings.EXAMPLE_USES_EMULATOR = False

    html = page(client, "/")

    assert "Demo" not in html
    assert SIGN_IN_LINK.search(html) is not None


def png_pixels(data):
    """Decode an 8-bit RGB PNG without filters, as ``demo.encode_png`` writes it."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (checksum,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert checksum == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + width * 3
    rows = [raw[i * stride : (i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows)
    return (
        width,
        height,
        [[tuple(row[1 + x * 3 : 4 + x * 3]) for x in range(width)] for row in rows],
    )


def test_avatar_draws_initials_in_white_on_the_colour():
    width, height, pixels = png_pixels(demo.avatar_png("LT", (10, 20, 30), size=96))

    assert (width, height) == (96, 96)
    scale, left, top = 6, (96 - 66) // 2, (96 - 42) // 2
    assert pixels[0][0] == (10, 20, 30)
    # L: its upright on the left, its foot along the bottom row.
    assert pixels[top][left] == (255, 255, 255)
    assert pixels[top + 6 * scale][left + 4 * scale] == (255, 255, 255)
    assert pixels[top][left + 2 * scale] == (10, 20, 30)
    # T: its bar across the top, its stem in the middle.
    t_left = left + 5 * scale + scale
    assert pixels[top][t_left + 4 * scale] == (255, 255, 255)
    assert pixels[top + 6 * scale][t_left + 2 * scale] == (255, 255, 255)
    assert pixels[top + 6 * scale][t_left] == (10, 20, 30)


def test_demo_photo_fits_the_picture_limit_and_is_served_as_png():
    photo = demo.PEOPLE[0].photo

    assert len(photo) < 100 * 1024
    assert png_pixels(photo)[:2] == (96, 96)


def test_demo_people_keep_their_object_ids_between_runs():
    again = demo.DemoPerson(ADA, "Ada", "Fairweather", "", shows="")

    assert again.object_id == demo.PEOPLE[0].object_id
    assert len({person.object_id for person in demo.PEOPLE}) == len(demo.PEOPLE)


# -- runserver, for real ------------------------------------------------------------------------


def test_runserver_starts_emulator_and_signs_in_through_its_pages(tmp_path):
    with serve_example(tmp_path) as served, httpx.Client(timeout=10) as browser:
        assert served.emulator_url is not None
        start = browser.get(f"{served.url}/microsoft_sso/login/", params={"next": "/private/"})
        assert start.status_code == 302
        # No host: the browser stays on the site, whatever name it reached it by (another
        # machine, a container, a codespace), and the site passes the emulator's pages on.
        assert start.headers["Location"].startswith(
            "/microsoft-emulator/login.microsoftonline.com/organizations/oauth2/v2.0/authorize?"
        )
        authorize = served.url + start.headers["Location"]

        picker = browser.get(authorize)
        assert picker.status_code == 200
        for person in demo.PEOPLE:
            assert f'value="{person.object_id}"' in picker.text
            assert person.display_name in picker.text
        answer = browser.post(authorize, data={"person": demo.PEOPLE[0].object_id})
        assert answer.status_code == 302
        callback = answer.headers["Location"]
        assert callback.startswith(f"{served.url}/microsoft_sso/callback/?code=")

        landed = browser.get(callback)
        assert (landed.status_code, landed.headers["Location"]) == (302, "/private/")
        private = browser.get(f"{served.url}/private/")
        assert "Hello Ada Fairweather, only signed-in people see this page." in private.text

        output = served.output()
    assert "Sign in with Microsoft: DEMO, through the Microsoft emulator at http://127.0.0.1:" in (
        output
    )
    assert f"Open {served.url}/admin/ and click 'Sign in with Microsoft'" in output
    for person in demo.PEOPLE:
        assert person.user_principal_name in output


def test_runserver_with_app_registration_uses_real_microsoft(tmp_path):
    tenant = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    # No sign-in is tried: it would go to the real Microsoft.
    with serve_example(
        tmp_path,
        MICROSOFT_SSO_APPLICATION_ID="my-app-id",
        MICROSOFT_SSO_CLIENT_SECRET="my-secret",
        MICROSOFT_SSO_TENANT_ID=tenant,
        MICROSOFT_SSO_ALLOWABLE_DOMAINS="contoso.com",
    ) as served:
        with httpx.Client(timeout=10) as browser:
            home = browser.get(f"{served.url}/")
        output = served.output()

    assert served.mode == (
        f"the real Microsoft, authority https://login.microsoftonline.com/{tenant}"
    )
    assert served.emulator_url is None
    assert "Microsoft emulator" not in output
    assert (
        f"The app registration needs the Web redirect URI {served.url}/microsoft_sso/callback/"
        in output
    )
    assert home.status_code == 200
    assert "Demo" not in home.text


def test_runserver_uses_an_emulator_that_is_already_running(tmp_path):
    with serve_example(
        tmp_path, migrate=False, MICROSOFT_SSO_EMULATOR_URL="http://127.0.0.1:9"
    ) as served:
        assert served.emulator_url == "http://127.0.0.1:9"


def test_banner_without_app_registration_points_at_the_warning(settings):
    settings.EXAMPLE_USES_EMULATOR = False
    settings.MICROSOFT_SSO_APPLICATION_ID = None
    settings.MICROSOFT_SSO_AUTHORITY = None

    text = banner("http://localhost:8000")

    assert "Sign in with Microsoft: the real Microsoft, authority " in text
    assert "https://login.microsoftonline.com/common" in text
    assert "It is not set up yet: the warning example_project.W001 above says what to set." in text


@pytest.mark.django_db
def test_demo_step_up_lets_ada_into_the_admin_after_mfa_and_refuses_noor(
    settings, client, microsoft, demo_people
):
    settings.MICROSOFT_SSO_ADMIN_REQUIRE_MFA = True
    for person, status in ((ADA, 200), (NOOR, 403)):
        client.logout()
        sign_in_from_admin(client, microsoft, demo_people[person])
        start_url = client.get("/admin/")["Location"]
        microsoft.login(client, demo_people[person], start_url=start_url)

        assert client.get("/admin/").status_code == status
