# Sourced by scripts/example and scripts/test: the project's virtualenv in .venv.
#
# ensure_venv EXTRAS  makes .venv with python3 (or $PYTHON) when it is missing, then installs the
# project into it, editable, with EXTRAS (e.g. "tests"; "" for none). The install is skipped
# when pyproject.toml has not changed since the last one.

MIN_PYTHON="3.10"

ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "" 2>/dev/null; then
        if ! command -v "$python" >/dev/null 2>&1; then
            echo "error: $python not found; install Python $MIN_PYTHON or newer, or set PYTHON=/path/to/python3" >&2
            return 1
        fi
        if ! "$python" -c "import sys; sys.exit(sys.version_info < (3, 10))"; then
            echo "error: $("$python" --version 2>&1) is too old; Python $MIN_PYTHON or newer is needed (set PYTHON=...)" >&2
            return 1
        fi
        echo "Creating .venv with $("$python" --version 2>&1)" >&2
        rm -rf .venv
        "$python" -m venv .venv
    fi
    local spec="."
    if [ -n "$extras" ]; then
        spec=".[$extras]"
    fi
    local stamp
    stamp=".venv/.installed-${extras:-base}-$(sha256sum pyproject.toml | cut -c1-16)"
    if [ ! -e "$stamp" ]; then
        echo "Installing django-microsoft-sso${extras:+[$extras]} into .venv" >&2
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --editable "$spec"
        touch "$stamp"
    fi
}
