"""docs/security.md names the tests that check each guarantee: every name it gives is a test
that exists, and every test of the attack-and-fault suite is named there."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(test_\w+))?`")


def functions_of(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def references():
    return REFERENCE.findall(DOC.read_text(encoding="utf-8"))


def test_every_test_the_doc_names_exists():
    named = references()
    assert len(named) > 50
    for file, function in named:
        path = ROOT / file
        assert path.is_file(), f"docs/security.md names {file}, which does not exist"
        if function:
            assert function in functions_of(path), f"{file} has no {function}"


@pytest.mark.parametrize(
    "path",
    sorted([*ROOT.glob("tests/security/test_*.py"), *ROOT.glob("tests/load/test_*.py")]),
    ids=lambda path: path.name,
)
def test_every_test_of_the_suite_is_named_in_the_doc(path):
    file = str(path.relative_to(ROOT))
    named = references()
    if path.name == "test_security_doc.py" or (file, "") in named:
        return
    missing = sorted(functions_of(path) - {function for name, function in named if name == file})
    assert missing == [], f"docs/security.md does not name these tests of {file}"
