import pytest
from loguru import logger


@pytest.fixture
def logs():
    """Every loguru line the package writes during the test, formatted as a sink would."""
    lines: list[str] = []
    handler = logger.add(lines.append, level="DEBUG", format="{level} {message}")
    yield lines
    logger.remove(handler)
