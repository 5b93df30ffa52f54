"""The rendered course site (`python3 tasks.py site`): built from stored outputs, in budget,
no broken link, anchor or image, math rendered, nothing loaded from another host.

The build runs once for the module (``tools/build_site.py`` into a temporary folder). The
browser test serves it on 127.0.0.1, opens the index and two notebook pages in Debian's
chromium (the same set-up as tests/test_browser.py), refuses every request to another host,
and checks what a reader sees: each image decoded, each local link answered, MathJax typeset
without errors.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import NOTEBOOKS, ROOT

SITE_BUDGET_S = 180     # the budget for the whole build on 2 cores


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_site", module)
    spec.loader.exec_module(module)
    return module


build_site = _load_builder()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    start = time.perf_counter()
    build_site.build(out)
    return out, time.perf_counter() - start


@pytest.mark.slow
def test_site_builds_in_budget_with_every_page_and_no_broken_reference(site):
    out, seconds = site
    assert seconds < SITE_BUDGET_S, f"the site took {seconds:.0f} s to build"
    pages = {p.name for p in out.glob("*.html")}
    expected = {p.with_suffix(".html").name for p in NOTEBOOKS} | {"index.html"} | {
        f"{name}.html" for name in build_site.DOCS}
    assert expected <= pages, expected - pages
    assert build_site.check_site(out) == []
    index = (out / "index.html").read_text(encoding="utf-8")
    # the table of contents lists the notebooks in course order
    positions = [index.index(f'href="{p.with_suffix(".html").name}"') for p in NOTEBOOKS]
    assert positions == sorted(positions)
    # stored outputs, not a re-run: a figure stored in notebook 01 is on its page, byte for byte
    import nbformat
    nb = nbformat.read(NOTEBOOKS[1], as_version=4)
    png = next(o["data"]["image/png"] for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    page = (out / NOTEBOOKS[1].with_suffix(".html").name).read_text(encoding="utf-8")
    assert png.strip()[:200] in page


def test_the_checker_finds_broken_links_anchors_images_and_remote_loads(tmp_path):
    (tmp_path / "a.html").write_text(
        '<h2 id="here">x</h2><a href="b.html">ok</a><a href="#here">ok</a>'
        '<a href="b.html#there">ok</a><a href="https://example.org">a link may leave</a>')
    (tmp_path / "b.html").write_text(
        '<a id="there"></a><a href="gone.html">x</a><a href="a.html#nowhere">x</a>'
        '<img src="missing.png"><script src="https://cdn.example.org/x.js"></script>')
    problems = build_site.check_site(tmp_path)
    assert len(problems) == 4, problems
    assert all(p.startswith("b.html") for p in problems)
    for fragment in ("gone.html", "#nowhere", "missing.png", "another host"):
        assert any(fragment in p for p in problems), (fragment, problems)


def test_github_anchor_names():
    assert build_site.github_slug("The Colab setup cell") == "the-colab-setup-cell"
    assert build_site.github_slug("00 · Welcome") == "00--welcome"
    assert build_site.github_slug("Scores, thresholds & <code>predict</code>") == \
        "scores-thresholds--predict"


@pytest.fixture(scope="module")
def served(site):
    out, _ = site
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


PAGES = ["index.html", NOTEBOOKS[1].with_suffix(".html").name,
         NOTEBOOKS[9].with_suffix(".html").name]


@pytest.mark.slow
@pytest.mark.browser
def test_site_pages_in_a_real_browser(served, tmp_path_factory):
    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM_ARGS, INSTALL_HINT, chromium_executable
    remote, failed = [], []
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=chromium_executable(), headless=True,
                                         args=CHROMIUM_ARGS)
        except Exception as err:  # the same advice as the other browser tests
            pytest.fail(f"chromium did not start: {err}\n{INSTALL_HINT}", pytrace=False)
        page = browser.new_page(viewport={"width": 1300, "height": 900})

        def route(r):
            if r.request.url.startswith(served):
                r.continue_()
            else:
                remote.append(r.request.url)
                r.abort()
        page.route("**/*", route)
        page.on("response", lambda resp: resp.status >= 400 and failed.append(
            f"{resp.status} {resp.url}"))
        for name in PAGES:
            page.goto(f"{served}/{name}", wait_until="load")
            has_math = name != "index.html"
            if has_math:   # MathJax typesets after load: wait for its queue to empty
                page.wait_for_function(
                    "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
                    " && document.querySelectorAll('.MathJax, .MathJax_Display').length > 0",
                    timeout=90_000)
                errors = page.evaluate(
                    "() => Array.from(document.querySelectorAll('.MathJax_Error, .merror'))"
                    ".map(e => e.textContent)")
                assert errors == [], f"{name}: math that did not typeset: {errors[:5]}"
                raw = page.evaluate("() => Array.from(document.querySelectorAll('.jp-MarkdownOutput'))"
                                    ".filter(e => /\\$[^$\\s][^$]*\\\\[a-z]+[^$]*\\$/.test(e.innerText))"
                                    ".length")
                assert raw == 0, f"{name}: {raw} cells still show raw $...\\command...$ text"
            broken_images = page.evaluate(
                "() => Array.from(document.images).filter(i => !i.complete || "
                "i.naturalWidth === 0).map(i => i.src)")
            assert broken_images == [], f"{name}: images that did not load: {broken_images}"
            links = page.evaluate(
                "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
                ".filter(h => h.startsWith(location.origin))")
            for url in sorted({u.split("#")[0] for u in links}):
                status = page.request.get(url).status
                assert status == 200, f"{name}: link {url} answers {status}"
            if name == PAGES[1]:   # the navigation bar leads on to the next notebook
                page.click("nav.course-nav >> text=→")
                assert page.url.endswith(NOTEBOOKS[2].with_suffix(".html").name)
        browser.close()
    assert failed == [], failed
    assert remote == [], f"the site asked another host for: {sorted(set(remote))[:10]}"
