"""Full-page screenshots of every menu page for each demo role, for a person to review.

    .venv/bin/python -m bench.screenshots          # `make screenshots`

Serves the database at DATABASE_URL (default: the demo database of `make run`, seeded by
`manage.py seed_demo`) with `manage.py runserver` on a free local port, logs in as each demo
role (password `tandem-demo`) in Debian's Chromium through Playwright, and writes
var/screenshots/<role>/<page>.png for every item of that role's menu, plus the first client
card, project, task, contract and invoice the role can open (their forms are part of the
review). Environment: SCREENSHOT_ROLES="head am1" to limit the roles, SCREENSHOT_WIDTH (1366).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "screenshots"
ROLES = ["head", "gh1", "am1", "spec1", "finance", "admin"]
PASSWORD = "tandem-demo"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"]
# Detail pages worth a look: the first link of each kind found on the role's menu pages.
DETAILS = {
    "client": re.compile(r"^/clients/\d+/$"), "project": re.compile(r"^/projects/\d+/$"),
    "task": re.compile(r"^/tasks/\d+/$"), "contract": re.compile(r"^/contracts/\d+/$"),
    "invoice": re.compile(r"^/invoices/\d+/$"), "request": re.compile(r"^/requests/\d+/$"),
}


# Visible controls without a label (label[for], a wrapping label or aria-label): printed per page.
UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')].filter(el => {
  if (['hidden', 'submit', 'button', 'image', 'reset'].includes(el.type)) return false;
  if (!el.getClientRects().length) return false;
  if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label')) return false;
  return !(el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'));
}).map(el => el.name || el.id || el.outerHTML.slice(0, 80))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the dev server stopped (exit code {server.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - a local URL
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the dev server did not answer {url} in {seconds:.0f} s")


def _slug(href: str) -> str:
    return href.strip("/").replace("/", "-") or "home"


def _unlabelled(page) -> str:  # type: ignore[no-untyped-def]
    missing = page.evaluate(UNLABELLED_JS)
    return f"  UNLABELLED: {', '.join(missing)}" if missing else ""


def _shoot_role(browser, base: str, role: str, width: int) -> int:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/login/" in page.url:
        print(f"  {role}: cannot log in (is the demo seeded?), skipped", flush=True)
        context.close()
        return 0
    folder = OUT / role
    folder.mkdir(parents=True, exist_ok=True)
    hrefs = page.eval_on_selector_all("nav.mainnav a", "els => els.map(e => e.getAttribute('href'))")
    details: dict[str, str] = {}
    count = 0
    for href in dict.fromkeys(hrefs):
        response = page.goto(f"{base}{href}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(folder / f"{_slug(href)}.png"), full_page=True)
        count += 1
        status = response.status if response else "?"
        print(f"  {role} {href} {status}{_unlabelled(page)}", flush=True)
        for link in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))"):
            for kind, pattern in DETAILS.items():
                if kind not in details and pattern.match(link or ""):
                    details[kind] = link
    for kind, href in details.items():
        response = page.goto(f"{base}{href}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(folder / f"detail-{kind}.png"), full_page=True)
        count += 1
        print(f"  {role} {href} {response.status if response else '?'}{_unlabelled(page)}", flush=True)
    context.close()
    return count


def main() -> None:
    if not os.path.exists(CHROMIUM):
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    roles = os.environ.get("SCREENSHOT_ROLES", "").split() or ROLES
    width = int(os.environ.get("SCREENSHOT_WIDTH", "1366"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    print(f"Serving {env.get('DATABASE_URL', 'var/tandem.sqlite3')} on {base}", flush=True)
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    total = 0
    try:
        _wait_for(f"{base}/login/", server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for role in roles:
                print(f"{role}:", flush=True)
                total += _shoot_role(browser, base, role, width)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"{total} screenshots in {OUT}", flush=True)


if __name__ == "__main__":
    main()
