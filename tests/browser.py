"""A real headless browser with no network, for the pages an operator opens.

Debian's `chromium` (`make test` installs the package when it is missing and runs as root),
driven by Playwright over the DevTools protocol: Playwright's own browser download is never
used. Every request the page makes is seen; any that is not to an allowed place (file:, data:,
about:, or the origins a test names, e.g. the local Airflow api-server) is aborted and recorded,
so a test can assert that nothing tried to leave the machine.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from tests.conftest import skip_or_fail_without

LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def chromium_path() -> str:
    """Debian's chromium, or skip (fail under CI=true, where the browser tests must run)."""
    path = os.environ.get("VNREPORTS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    skip_or_fail_without("chromium", "the browser tests")


@dataclass
class Seen:
    """What the browser showed and what the page asked for."""

    text: str  # the rendered text (innerText of <body>)
    links: list[str]  # every <a href> as the browser resolved it
    scripts: int  # <script> elements in the DOM
    requests: list[str] = field(default_factory=list)  # every request the page made
    external: list[str] = field(default_factory=list)  # the ones to anywhere not allowed (aborted)
    status: int | None = None  # HTTP status of the page (None for file:)


def open_offline(url: str, allow_origins: tuple[str, ...] = (), headers: dict[str, str] | None = None) -> Seen:
    """Load url in headless Chromium without network: a file: URL with the browser offline, or a
    page of an allowed local origin (http://127.0.0.1:PORT) with every other request aborted."""
    from playwright.sync_api import sync_playwright

    seen = Seen(text="", links=[], scripts=0)

    def allowed(request_url: str) -> bool:
        return request_url.startswith(LOCAL_SCHEMES) or any(
            request_url == origin or request_url.startswith(origin + "/") for origin in allow_origins)

    def route(route) -> None:
        if allowed(route.request.url):
            route.continue_()
        else:
            seen.external.append(route.request.url)
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path())
        try:
            # offline: Chromium's own "no network" for everything but file: pages (it would also
            # cut the local api-server off; there the route below does the blocking)
            context = browser.new_context(offline=not allow_origins, extra_http_headers=headers or {},
                                          service_workers="block")
            context.route("**/*", route)
            page = context.new_page()
            page.on("request", lambda request: seen.requests.append(request.url))
            response = page.goto(url, wait_until="load", timeout=30_000)
            seen.status = response.status if response is not None and not url.startswith("file:") else None
            seen.text = page.inner_text("body")
            seen.links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            seen.scripts = page.eval_on_selector_all("script", "els => els.length")
            # anything the page asked for and the route did not see (e.g. a file: subresource)
            seen.external += [u for u in seen.requests if not allowed(u) and u not in seen.external]
        finally:
            browser.close()
    return seen
