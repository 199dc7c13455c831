"""Add up pytest's JUnit XML reports, and fail when one ran no test or any test failed.

    python scripts/count_tests.py REPORT.xml...

Prints a line per report and a total line ``tests: N passed, N failed, N skipped``. A run that
skipped everything (e.g. the custom-user tests under the wrong settings) counts as a failure.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(report: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) of one report; errors count as failures."""
    root = ET.parse(report).getroot()  # noqa: S314  (our own pytest wrote it)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return total - failed - skipped, failed, skipped


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: python scripts/count_tests.py REPORT.xml...", file=sys.stderr)
        return 2
    reports = [Path(path).resolve() for path in paths]
    common = Path(os.path.commonpath([report.parent for report in reports]))
    problems = []
    totals = [0, 0, 0]
    for report in reports:
        name = str(report.relative_to(common).with_suffix(""))
        if not report.is_file():
            problems.append(f"{name}: no report ({report} is missing: the run did not happen)")
            continue
        passed, failed, skipped = count(report)
        print(f"  {name:<28} {passed:>5} passed, {failed} failed, {skipped} skipped")
        totals = [totals[0] + passed, totals[1] + failed, totals[2] + skipped]
        if failed:
            problems.append(f"{name}: {failed} failed")
        if passed == 0:
            problems.append(f"{name}: ran no test")
    print(f"tests: {totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
