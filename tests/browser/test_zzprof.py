import time, re
from playwright.sync_api import expect
import pytest
from tests.browser.helpers import sign_up, axe_violations, AXE_JS
pytestmark = pytest.mark.browser
def test_prof(browser, browser_context_args):
    ctx = browser.new_context(**browser_context_args, bypass_csp=True)
    t=time.perf_counter()
    def lap(s):
        nonlocal t
        n=time.perf_counter(); print(f"{s}: {n-t:.2f}s"); t=n
    for i in range(3):
        page = ctx.new_page(); lap("new page")
        page.goto("/login"); lap("goto")
        expect(page.locator("main h1")).to_be_visible(); lap("h1")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme); lap("emulate")
            page.evaluate("getComputedStyle(document.body).backgroundColor"); lap("bg")
            axe_violations(page); lap("axe "+scheme)
        page.close(); lap("close")
