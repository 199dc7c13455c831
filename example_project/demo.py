"""The demo: a Microsoft emulator with a few people, for trying the example without a tenant.

When no app registration is in the environment (and DEBUG is on), the example's settings send
sign-ins to the emulator of ``django_microsoft_sso.testing``, and ``manage.py runserver`` starts
it (``example_project/management/commands/runserver.py``). Its sign-in page lists the people
below; each shows one side of the package.
"""

from __future__ import annotations

import os
import struct
import tempfile
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from django_microsoft_sso.testing import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    OTHER_TENANT_ID,
    FakeMicrosoft,
    MicrosoftUser,
)

# The demo's app registration and tenants, as the example's settings use them.
CLIENT_ID = DEFAULT_CLIENT_ID
CLIENT_SECRET = DEFAULT_CLIENT_SECRET
CONTOSO_TENANT_ID = DEFAULT_TENANT_ID
FABRIKAM_TENANT_ID = OTHER_TENANT_ID
# Any work account may reach the app; the app itself admits Contoso's only.
AUTHORITY = "https://login.microsoftonline.com/organizations"
ALLOWED_TENANTS = [CONTOSO_TENANT_ID]
ALLOWABLE_DOMAINS = ["contoso.com"]


@dataclass(frozen=True)
class DemoPerson:
    """One person of the emulator, and what signing in as them shows."""

    user_principal_name: str
    given_name: str
    surname: str
    job_title: str
    shows: str
    mail: str | None = None
    tenant_id: str = CONTOSO_TENANT_ID
    photo_colour: tuple[int, int, int] | None = None
    superuser: bool = False
    # Whether the person completes multi-factor authentication when asked (the admin's step-up,
    # with MICROSOFT_SSO_ADMIN_REQUIRE_MFA=true in the environment).
    mfa: bool = True

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.surname}"

    @property
    def object_id(self) -> str:
        """Fixed, so that the example's database finds the same person at every start."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo:{self.user_principal_name}"))

    @property
    def photo(self) -> bytes | None:
        if self.photo_colour is None:
            return None
        return avatar_png(self.given_name[0] + self.surname[0], self.photo_colour)


PEOPLE = [
    DemoPerson(
        "ada@contoso.com",
        "Ada",
        "Fairweather",
        "IT administrator",
        mail="ada@contoso.com",
        photo_colour=(0, 103, 184),
        superuser=True,
        shows="superuser with a photo: lands in the admin, her picture, name and e-mail at the top",
    ),
    DemoPerson(
        "noor@contoso.com",
        "Noor",
        "Haddad",
        "Site editor",
        superuser=True,
        mfa=False,
        shows="superuser with no e-mail address at Microsoft: lands in the admin all the same",
    ),
    DemoPerson(
        "sam@contoso.com",
        "Sam",
        "Lee",
        "Sales",
        mail="sam@contoso.com",
        shows="not staff: the admin turns him away, the private page greets him",
    ),
    DemoPerson(
        "mika@fabrikam.com",
        "Mika",
        "Virtanen",
        "Consultant",
        mail="mika@fabrikam.com",
        tenant_id=FABRIKAM_TENANT_ID,
        photo_colour=(135, 100, 184),
        shows="another organization (Fabrikam): refused, the login page says why",
    ),
]

SUPERUSER_LIST = [person.user_principal_name for person in PEOPLE if person.superuser]


def demo_microsoft() -> FakeMicrosoft:
    """A fake Microsoft that knows the demo's app and people."""
    fake = FakeMicrosoft(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        tenant_domains={"contoso.com": CONTOSO_TENANT_ID, "fabrikam.com": FABRIKAM_TENANT_ID},
        signing_key=signing_key(),
    )
    add_people(fake)
    return fake


def add_people(fake: FakeMicrosoft) -> dict[str, MicrosoftUser]:
    """Add the demo's people to ``fake``; return them by user principal name."""
    return {
        person.user_principal_name: fake.add_user(
            person.user_principal_name,
            object_id=person.object_id,
            tenant_id=person.tenant_id,
            mail=person.mail,
            given_name=person.given_name,
            surname=person.surname,
            display_name=person.display_name,
            job_title=person.job_title,
            preferred_language="en-US",
            photo=person.photo,
            mfa=person.mfa,
        )
        for person in PEOPLE
    }


def signing_key_path() -> Path:
    """Beside the example's database: each copy of the example (and each test run) has its own."""
    from django.conf import settings

    database = str(settings.DATABASES["default"]["NAME"])
    if database in ("", ":memory:") or database.startswith("file:"):
        return Path(tempfile.gettempdir()) / "django-microsoft-sso-demo-signing-key.pem"
    return Path(database).with_name("demo-signing-key.pem")


def signing_key() -> rsa.RSAPrivateKey:
    """The emulator's signing key, kept in a file so that ``microsoft_sso_demo_token`` (another
    process) signs access tokens that the running emulator's published keys verify."""
    path = signing_key_path()
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(loaded, rsa.RSAPrivateKey):
            return loaded
    except (OSError, ValueError):
        pass
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Whole or not at all: the server and the command may both write it at their first start.
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    partial.write_bytes(pem)
    partial.chmod(0o600)
    os.replace(partial, path)
    return key


# -- a picture for a person: their initials on a coloured square, as a PNG ----------------------

# Capital letters, 5 x 7 pixels each.
GLYPHS = {
    "A": (".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "B": ("####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."),
    "C": (".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."),
    "D": ("####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."),
    "E": ("#####", "#....", "#....", "####.", "#....", "#....", "#####"),
    "F": ("#####", "#....", "#....", "####.", "#....", "#....", "#...."),
    "G": (".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"),
    "H": ("#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "I": (".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "J": ("..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."),
    "K": ("#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"),
    "L": ("#....", "#....", "#....", "#....", "#....", "#....", "#####"),
    "M": ("#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"),
    "N": ("#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"),
    "O": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "P": ("####.", "#...#", "#...#", "####.", "#....", "#....", "#...."),
    "Q": (".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"),
    "R": ("####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"),
    "S": (".####", "#....", "#....", ".###.", "....#", "....#", "####."),
    "T": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."),
    "U": ("#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "V": ("#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "W": ("#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."),
    "X": ("#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"),
    "Y": ("#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."),
    "Z": ("#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"),
}
GLYPH_WIDTH, GLYPH_HEIGHT = 5, 7
WHITE = (255, 255, 255)


def avatar_png(initials: str, background: tuple[int, int, int], size: int = 96) -> bytes:
    """A ``size`` x ``size`` PNG: ``initials`` (A-Z, one or two) in white on ``background``."""
    letters = [GLYPHS[letter] for letter in initials.upper()[:2]]
    scale = size // 16
    gap = scale
    text_width = len(letters) * GLYPH_WIDTH * scale + (len(letters) - 1) * gap
    left = (size - text_width) // 2
    top = (size - GLYPH_HEIGHT * scale) // 2
    pixels = [[background] * size for _ in range(size)]
    for index, glyph in enumerate(letters):
        glyph_left = left + index * (GLYPH_WIDTH * scale + gap)
        for row, line in enumerate(glyph):
            for column, mark in enumerate(line):
                if mark != "#":
                    continue
                for y in range(top + row * scale, top + (row + 1) * scale):
                    for x in range(glyph_left + column * scale, glyph_left + (column + 1) * scale):
                        pixels[y][x] = WHITE
    return encode_png(
        size, size, [bytes(value for pixel in row for value in pixel) for row in pixels]
    )


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """A PNG of 8-bit RGB ``rows`` (``width`` * 3 bytes each), filter type 0 on every row."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, RGB, no interlace
    image = zlib.compress(b"".join(b"\x00" + row for row in rows), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", image) + chunk(b"IEND", b"")
    )
