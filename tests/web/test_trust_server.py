"""The built site served by Debian's nginx with deploy/nginx.conf: headers, types, caching,
compression, and the calculator working in Chromium with the Content-Security-Policy
enforced (header and <meta>) and no violation reported."""
from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.web.sitebuild import free_port
from tests.web.test_calculator import fill_form, open_panel, shown_results
from tests.web.trust_nginx import DEPLOY_CONF, NGINX, Nginx

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IMMUTABLE = "public, max-age=31536000, immutable"
REQUIRED_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'", "'wasm-unsafe-eval'"},
    "worker-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
}
# Records every CSP violation the page sees; worker violations reach the console instead.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def nginx_url(built_site, tmp_path_factory):
    """One nginx for this module, over the session's built site."""
    if not Path(NGINX).exists():
        message = f"{NGINX} is missing: run `make test` (it installs nginx) or apt-get install -y nginx-light"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = Nginx(built_site.site_dir, tmp_path_factory.mktemp("nginx"), free_port())
    yield server.url
    server.stop()


def fetch(url: str, **headers) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def parse_csp(text: str) -> dict[str, set[str]]:
    directives = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = set(words[1:])
    return directives


def inline_script_hashes(html: str) -> set[str]:
    """Independently of the build: sha256 of each inline script without a non-JS type."""
    hashes = set()
    for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S | re.I):
        kind = re.search(r'\btype="([^"]*)"', attrs)
        if "src=" in attrs or (kind and kind.group(1) not in ("module", "text/javascript")):
            continue
        hashes.add("'sha256-%s'" % base64.b64encode(hashlib.sha256(body.encode()).digest()).decode())
    return hashes


def pages(site_dir: Path) -> list[Path]:
    return sorted(site_dir.rglob("*.html"))


# ---------------------------------------------------------------- headers (no browser)

def test_the_shipped_configuration_passes_nginx_t(built_site, tmp_path):
    """deploy/nginx.conf as a bureau installs it (TLS and the HTTP redirect included), with
    only the certificate and site paths changed, is accepted by `nginx -t`."""
    if not (shutil.which("openssl") and Path(NGINX).exists()):
        pytest.skip("needs openssl and nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=policy.example.gov.cn", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    text = (DEPLOY_CONF.read_text("utf-8")
            .replace("/etc/ssl/certs/policy.example.gov.cn.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/ssl/private/policy.example.gov.cn.key", str(tmp_path / "key.pem"))
            .replace("/srv/policy-portal/site", str(built_site.site_dir)))
    (tmp_path / "site.conf").write_text(text, "utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"events {{}}\nhttp {{ include /etc/nginx/mime.types; include {tmp_path / 'site.conf'}; }}\n", "utf-8")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                             "-g", f"pid {tmp_path / 'nginx.pid'}; error_log stderr;"], capture_output=True, text=True)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


@pytest.mark.parametrize("path", ["/", "/en/", "/calculator/", "/en/policies/", "/no-such-page/"])
def test_pages_carry_the_security_headers_and_short_caching(built_site, nginx_url, path):
    status, headers, _ = fetch(nginx_url + path)
    assert status == (404 if "no-such" in path else 200)
    assert headers["content-type"] == "text/html; charset=utf-8"
    csp = parse_csp(headers["content-security-policy"])
    for directive, sources in REQUIRED_CSP.items():
        assert sources <= csp[directive], (directive, csp.get(directive))
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & set().union(*csp.values())
    # The header is the build's: same hashes as the inline scripts of the pages.
    expected = set().union(*(inline_script_hashes(p.read_text("utf-8")) for p in pages(built_site.site_dir)))
    assert {s for s in csp["script-src"] if s.startswith("'sha256-")} == expected
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert re.fullmatch(r"max-age=\d{7,}(; includeSubDomains)?", headers["strict-transport-security"])
    assert "set-cookie" not in headers
    if status == 200:
        max_age = int(re.search(r"max-age=(\d+)", headers["cache-control"]).group(1))
        assert max_age <= 600 and "immutable" not in headers["cache-control"]


def test_versioned_runtime_files_are_cached_for_a_year(built_site, nginx_url):
    site = built_site.site_dir
    versioned = [p for p in (site / "assets" / "pyodide").rglob("*") if p.is_file()]
    versioned += [p for p in (site / "assets" / "calculator").rglob("*") if p.is_file()
                  and (p.parent.name != "calculator" or p.name.startswith("rules-"))]
    versioned += list((site / "assets" / "javascripts").glob("bundle.*.min.js"))
    versioned += list((site / "assets" / "stylesheets").glob("main.*.min.css"))
    assert any(p.suffix == ".whl" for p in versioned) and any(p.name == "pyodide.asm.wasm" for p in versioned)
    for path in versioned:
        status, headers, _ = fetch(f"{nginx_url}/{path.relative_to(site).as_posix()}")
        assert status == 200, path
        assert headers["cache-control"] == IMMUTABLE, path
        assert headers["x-content-type-options"] == "nosniff", path  # the security headers too
    # Unversioned scripts are not immutable: a new release must reach browsers.
    for name in ("calculator.js", "calculator-early.js", "worker.js"):
        _, headers, _ = fetch(f"{nginx_url}/assets/calculator/{name}")
        assert "immutable" not in headers["cache-control"]


def test_webassembly_and_modules_have_their_types_and_are_compressed(built_site, nginx_url):
    wasm = next((built_site.site_dir / "assets" / "pyodide").rglob("pyodide.asm.wasm"))
    url = f"{nginx_url}/{wasm.relative_to(built_site.site_dir).as_posix()}"
    status, headers, body = fetch(url, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-type"] == "application/wasm"
    assert headers["content-encoding"] == "gzip"
    assert len(body) < wasm.stat().st_size * 0.6
    status, headers, body = fetch(url)  # a client that takes no gzip gets the bytes as they are
    assert "content-encoding" not in headers and body == wasm.read_bytes()
    mjs = wasm.with_name("pyodide.mjs")
    _, headers, _ = fetch(f"{nginx_url}/{mjs.relative_to(built_site.site_dir).as_posix()}")
    assert headers["content-type"] in ("text/javascript", "application/javascript")


def test_the_build_file_with_the_header_is_not_served(built_site, nginx_url):
    assert (built_site.site_dir / "nginx-csp.conf").exists()
    status, _, body = fetch(nginx_url + "/nginx-csp.conf")
    assert status == 404 and b"add_header" not in body


def test_every_page_has_the_same_policy_as_a_meta_tag(built_site, nginx_url):
    _, headers, _ = fetch(nginx_url + "/")
    header = parse_csp(headers["content-security-policy"])
    for page in pages(built_site.site_dir):
        html = page.read_text("utf-8")
        metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
        assert len(metas) == 1, page
        head = html.split("<head>", 1)[1]
        # Right after <meta charset> (which must stay in the first 1024 bytes), before anything else.
        assert re.match(r'\s*<meta charset="utf-8">\s*<meta http-equiv="Content-Security-Policy"', head), page
        assert html.index('<meta charset="utf-8">') < 1024, page
        meta = parse_csp(metas[0])
        assert inline_script_hashes(html) <= meta["script-src"], page
        # Browsers ignore frame-ancestors in a <meta> (with a console warning): header only.
        assert meta == {k: v for k, v in header.items() if k != "frame-ancestors"}, page


# ---------------------------------------------------------------- in Chromium

@pytest.fixture
def csp_page(browser):
    """A page that records CSP violations: DOM events, and console reports (from workers too)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_reports = []
    page.on("console", lambda message: "content security policy" in message.text.lower()
            and page.console_reports.append(message.text))
    yield page
    context.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + page.console_reports


def test_the_calculator_works_under_the_enforced_policy(csp_page, nginx_url):
    page = csp_page
    responses = []
    page.on("response", lambda r: responses.append(r))
    page.goto(nginx_url + "/calculator/")
    fill_form(page, "f-", {"city": "jixi", "hnte_status": "newly_first", "above_designated_size": True,
                           "rd_expense": 600000}, "2024-06-01")
    page.click("form[data-pp-calculator] button[type=submit]")
    assert any(status == "eligible" for status, _ in shown_results(page).values())
    # The page was served with the header, so both policies (header and <meta>) applied.
    document = next(r for r in responses if r.url == nginx_url + "/calculator/")
    assert "wasm-unsafe-eval" in document.headers["content-security-policy"]
    worker = next(r for r in responses if r.url.endswith("/assets/calculator/worker.js"))
    assert "wasm-unsafe-eval" in worker.headers["content-security-policy"]  # the worker's own policy
    # Material's search worker, under the same policy (it reads the query on keyup).
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").fill("研发")
    page.locator("input.md-search__input").press("End")
    page.locator(".md-search-result__item").first.wait_for()
    # The English policy page's panel too.
    page.goto(nginx_url + "/en/policies/jixi-2022-21/")
    open_panel(page)
    fill_form(page, "p-", {"hnte_status": "existing", "rd_expense": 600000}, "2024-06-01")
    page.click("[data-pp-panel] button[type=submit]")
    shown_results(page)
    page.wait_for_timeout(300)
    assert violations(page) == []


def test_a_violation_would_be_seen(csp_page, nginx_url):
    """The check above is not vacuous: without 'wasm-unsafe-eval' in the worker's policy,
    Pyodide cannot compile WebAssembly and the violation is reported."""
    page = csp_page

    def stricter(route):
        response = route.fetch()
        headers = {**response.headers}
        headers["content-security-policy"] = headers["content-security-policy"].replace("'wasm-unsafe-eval'", "")
        route.fulfill(response=response, headers=headers)

    page.route("**/assets/calculator/worker.js", stricter)
    page.goto(nginx_url + "/calculator/")
    for _ in range(200):
        if violations(page):
            break
        page.wait_for_timeout(100)
    assert any("unsafe-eval" in v or "wasm" in v.lower() for v in violations(page)), violations(page)
