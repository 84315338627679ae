"""The accessibility helper must be able to fail, or the other browser tests prove nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import assert_accessible

BROKEN = """<!doctype html><html lang="nl"><head><title>Kapot</title></head><body><main>
<h1>Formulier</h1><form><input type="text" name="naam"></form>
<p style="color:#bbb;background:#fff">Bijna onleesbaar</p>
</main></body></html>"""


def test_axe_helper_fails_on_serious_violations(page: Page):
    page.set_content(BROKEN)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "broken")
    report = str(failure.value)
    assert "label (critical)" in report
    assert "color-contrast (serious)" in report
    assert "input" in report
