"""Pages work without the internet and run no inline script."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

PAGES = ["/", "/account/login", "/account/signup", "/account/reset", "/page-that-does-not-exist"]

# Collect Content-Security-Policy violations in the page (init scripts are not subject to CSP).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def test_pages_load_nothing_from_other_hosts(page: Page, live_url):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert any(url.endswith(".css") for url in requested), "the stylesheet was not requested"
    foreign = [url for url in requested if not url.startswith(live_url + "/")]
    assert not foreign, f"requests to other hosts: {foreign}"


@pytest.mark.parametrize("path", PAGES)
def test_csp_forbids_inline_script_and_pages_need_none(page: Page, path):
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    response = page.goto(path)
    policy = response.headers.get("content-security-policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], policy
    assert "'unsafe-inline'" not in policy
    assert directives.get("default-src") == ["'self'"], policy

    inline = page.evaluate(
        """() => ({
          scripts: [...document.scripts].filter((s) => !s.src).length,
          handlers: [...document.querySelectorAll("*")].flatMap((el) =>
            [...el.attributes].filter((a) => a.name.startsWith("on")).map((a) => a.name)),
          javascriptLinks: document.querySelectorAll("[href^='javascript:']").length,
        })"""
    )
    assert inline == {"scripts": 0, "handlers": [], "javascriptLinks": 0}
    assert page.evaluate("() => window.__cspViolations") == []

    # The browser enforces the policy: an inline script put into the page does not run.
    ran = page.evaluate(
        """() => {
          window.__inlineRan = false;
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.head.appendChild(script);
          return window.__inlineRan;
        }"""
    )
    assert ran is False
    assert any(v.startswith("script-src") for v in page.evaluate("() => window.__cspViolations"))
