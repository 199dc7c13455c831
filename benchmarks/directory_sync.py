"""What ``microsoft_sso_sync`` costs on a large directory, against the fake Microsoft.

    python benchmarks/directory_sync.py                       # 10,000 and 100,000 people
    python benchmarks/directory_sync.py --people 2000 --no-write

For each size, a directory of that many people in one tenant, every one of them with a Django
user and a link (the worst case: the sync looks at everyone), in a new in-memory SQLite database
(``tests.project.settings``). The fake runs in the process (through respx), so the figures are
the package's own work plus the fake's, without network latency (the fake's records of the
requests it served are dropped after each page, so that its bookkeeping is not counted). Two runs of the sync:

1. the first, a full read of everyone;
2. after 100 changes in Entra (50 people disabled, 30 deleted, 20 renamed), the run that reads
   the delta link the first one kept.

For each: Graph requests by endpoint, wall time, and the peak of memory the run allocated
(``tracemalloc``, which slows Python down: the wall times are with it on). The memory of the
fake's own directory is allocated before the run and is not counted. It prints the figures and
writes them to docs/performance.md (``--no-write`` does not).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import sys
import time
import tracemalloc
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Directory sync"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.project.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from django_microsoft_sso import directory  # noqa: E402
from django_microsoft_sso.models import DirectorySyncState, MicrosoftSSOUser  # noqa: E402
from django_microsoft_sso.testing import DEFAULT_TENANT_ID, FakeMicrosoft  # noqa: E402

CHANGES = {"disabled": 50, "deleted": 30, "renamed": 20}


@dataclass
class RunFigures:
    requests: Counter[str]
    seconds: float
    peak_bytes: int
    summary: dict[str, int]


def build(fake: FakeMicrosoft, people: int) -> None:
    """``people`` people in the fake, each with a Django user and a link row."""
    user_model = get_user_model()
    batch = 5000
    for start in range(0, people, batch):
        entra = [
            fake.add_user(
                f"p{n}@contoso.com",
                object_id=str(uuid.UUID(int=n + 1)),
                mail=f"p{n}@contoso.com",
                given_name="Person",
                surname=str(n),
                display_name=f"Person {n}",
            )
            for n in range(start, min(start + batch, people))
        ]
        users = user_model.objects.bulk_create(
            user_model(username=person.user_principal_name, email=person.mail) for person in entra
        )
        if connection.vendor == "sqlite" and users and users[0].pk is None:
            by_name = dict(
                user_model.objects.filter(username__in=[u.username for u in users]).values_list(
                    "username", "pk"
                )
            )
            for user in users:
                user.pk = by_name[user.username]
        MicrosoftSSOUser.objects.bulk_create(
            MicrosoftSSOUser(
                user_id=user.pk,
                tenant_id=DEFAULT_TENANT_ID,
                microsoft_id=person.object_id,
                user_principal_name=person.user_principal_name,
            )
            for user, person in zip(users, entra, strict=True)
        )


def change(fake: FakeMicrosoft) -> None:
    people = list(fake.users[: sum(CHANGES.values())])
    for person in people[: CHANGES["disabled"]]:
        fake.disable_user(person)
    for person in people[CHANGES["disabled"] : CHANGES["disabled"] + CHANGES["deleted"]]:
        fake.delete_user(person)
    for person in people[CHANGES["disabled"] + CHANGES["deleted"] :]:
        fake.update_user(person, surname="Renamed")


def measure(fake: FakeMicrosoft) -> RunFigures:
    requests: Counter[str] = Counter()

    def forget_the_fakes_records(tenant_id: str, read: int) -> None:
        # respx keeps every request and answer it served, and the fake every request: the
        # fake's bookkeeping, which would grow with the directory, is counted and dropped after
        # each page so that the peak is the sync's own.
        requests.update(name for name, _request in fake.calls)
        fake.calls.clear()
        fake._router.reset()

    fake.calls.clear()
    fake._router.reset()
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    summary = directory.run(sleep=lambda seconds: None, progress=forget_the_fakes_records)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    assert not summary.failed_tenants, summary.failed_tenants
    requests.update(name for name, _request in fake.calls)
    return RunFigures(
        requests,
        seconds,
        peak,
        summary.as_dict(),
    )


def one_size(people: int) -> tuple[RunFigures, RunFigures]:
    call_command("flush", interactive=False, verbosity=0)
    fake = FakeMicrosoft()
    with override_settings(**fake.project_settings(), MICROSOFT_SSO_ENABLE_LOGS=False), fake:
        build(fake, people)
        first = measure(fake)
        assert DirectorySyncState.objects.filter(tenant_id=DEFAULT_TENANT_ID).exists()
        change(fake)
        after = measure(fake)
    return first, after


def table(results: dict[int, tuple[RunFigures, RunFigures]], page_size: int) -> str:
    lines = [
        "| people | run | Graph requests (users/delta) | token requests | wall time | "
        "peak memory | deactivated | updated |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for people, runs in results.items():
        for name, figures in zip(("first, full read", "after 100 changes"), runs, strict=True):
            lines.append(
                f"| {people:,} | {name} | {figures.requests['users_delta']} | "
                f"{figures.requests['token']} | {figures.seconds:.1f} s | "
                f"{figures.peak_bytes / 1024 / 1024:.1f} MiB | "
                f"{figures.summary['deactivated']} | {figures.summary['updated']} |"
            )
    machine = f"{platform.python_implementation()} {platform.python_version()}, "
    machine += f"{os.cpu_count()} CPUs shared with other work, SQLite in memory"
    return (
        f"{SECTION}\n\n"
        "`microsoft_sso_sync` reads `/users/delta` one page at a time and keeps nothing of the "
        "directory but the people it will deactivate once the read is complete; a page costs "
        "one database query for the link rows of its people, and `lifecycle.apply` runs only "
        "for a person there is something to do for. A run after the first reads only the "
        "changes (one request here), and the application's token is asked once per process "
        "(msal keeps it until it nears its end).\n\n"
        "`python benchmarks/directory_sync.py`: `microsoft_sso_sync` against the fake Microsoft "
        f"in the process ({page_size} people a page of `/users/delta`), every person with a "
        "Django user and a link. Wall times are with `tracemalloc` on; peak memory is what the "
        "run allocated beyond what was there before it (the fake's directory is not counted). "
        f"{machine}.\n\n" + "\n".join(lines) + "\n\n"
        "The peak does not follow the size of the directory: what differs between sizes is "
        "caches of bounded size filling up over the first pages (the standard library's cache "
        "of parsed URLs, for one).\n"
    )


def write(text: str) -> None:
    path = ROOT / "docs" / "performance.md"
    document = path.read_text()
    pattern = re.compile(re.escape(SECTION) + r"\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(document):
        document = pattern.sub(text.rstrip("\n") + "\n", document)
    else:
        document = document.rstrip("\n") + "\n\n" + text
    path.write_text(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    results = {}
    for people in options.people:
        results[people] = one_size(people)
        for figures in results[people]:
            print(
                people,
                dict(figures.requests),
                f"{figures.seconds:.1f} s",
                f"{figures.peak_bytes / 1024 / 1024:.1f} MiB",
                figures.summary,
                flush=True,
            )
    text = table(results, FakeMicrosoft().delta_page_size)
    print(text)
    if not options.no_write:
        write(text)


if __name__ == "__main__":
    main()
