"""The music constants the server renders into every page are the ones the browser modules
require, and the ones their unit tests stand in for the page with (tests/js/page.mjs)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.views.pages import music_constants

ROOT = Path(__file__).resolve().parent.parent
CONSTANTS_JS = ROOT / "web" / "js" / "music" / "constants.js"
PAGE_FIXTURE = ROOT / "tests" / "js" / "page.mjs"


def required_by_the_browser() -> set[str]:
    source = CONSTANTS_JS.read_text()
    listing = re.search(r"const REQUIRED = [^\[]*\[(.*?)\]", source, re.S)
    assert listing is not None, "constants.js no longer lists its REQUIRED constants"
    return set(re.findall(r'"(\w+)"', listing.group(1)))


def test_the_page_carries_every_constant_the_browser_requires() -> None:
    assert required_by_the_browser() <= set(music_constants())


def test_the_constants_survive_the_json_the_page_holds() -> None:
    assert json.loads(json.dumps(music_constants())) == music_constants()


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the browser unit tests")
def test_the_browser_unit_tests_stand_in_for_the_page_with_the_servers_values() -> None:
    script = (
        f"import({json.dumps(PAGE_FIXTURE.as_uri())})"
        ".then((page) => console.log(JSON.stringify(page.MUSIC_CONSTANTS)))"
    )
    printed = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    assert json.loads(printed.stdout) == music_constants()
