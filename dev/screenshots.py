"""make screenshots: the Apps page / README pictures, taken from the demo
database (make run) in headless Chromium, as a demo user sees them.

    screenshots.py URL DB OUT_DIR

Logs in through /web/session/authenticate, hands the session cookie to
Chromium over the DevTools protocol (websocket-client, as Odoo's tours) and
captures each page once its content is drawn.
"""

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

# (file, login, path, selector that shows the page is drawn, then what to
# click and what shows the next page is drawn, if anything)
SHOTS = [
    (
        "screenshot_charts.png",
        "sara",
        "/odoo/action-crm_alignment.crm_alignment_charts_action",
        ".o_alignment_weekly canvas",
        None,
    ),
    (
        "screenshot_dashboard.png",
        "max",
        "/odoo/action-crm_alignment.crm_alignment_dashboard_action",
        ".o_alignment_table",
        None,
    ),
    (
        "screenshot_nurture_program.png",
        "max",
        "/odoo/action-crm_alignment.crm_nurture_program_action",
        ".o_list_view .o_data_row",
        (".o_list_view .o_data_row .o_data_cell", ".o_form_view .o_field_one2many"),
    ),
]


def authenticate(url, db, login):
    body = json.dumps(
        {"params": {"db": db, "login": login, "password": login}}
    ).encode()
    request = urllib.request.Request(
        f"{url}/web/session/authenticate",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        cookie = response.headers.get("Set-Cookie", "")
        result = json.load(response)
    if "error" in result:
        sys.exit(f"cannot log in as {login}: {result['error']['data']['message']}")
    return cookie.split("session_id=", 1)[1].split(";", 1)[0]


class Page:
    def __init__(self, ws):
        self.ws, self.next_id = ws, 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, selector, timeout=30):
        expression = f"!!document.querySelector({json.dumps(selector)})"
        deadline = time.time() + timeout
        while time.time() < deadline:
            result = self.call("Runtime.evaluate", expression=expression)
            if result.get("result", {}).get("value"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{selector} never appeared")


def main():
    url, db, out_dir = sys.argv[1].rstrip("/"), sys.argv[2], Path(sys.argv[3])
    chrome = next(
        (
            shutil.which(name)
            for name in ("chromium", "google-chrome", "chromium-browser")
            if shutil.which(name)
        ),
        None,
    )
    if not chrome:
        sys.exit("Chromium is needed (make test installs it)")
    port = 9333
    with tempfile.TemporaryDirectory() as profile:
        browser = subprocess.Popen(  # noqa: S603
            [
                chrome,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={profile}",
                "--window-size=1440,960",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(50):
                try:
                    with urllib.request.urlopen(  # noqa: S310
                        f"http://127.0.0.1:{port}/json/list", timeout=2
                    ) as response:
                        targets = [
                            t for t in json.load(response) if t["type"] == "page"
                        ]
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                sys.exit("Chromium did not start")
            page = Page(websocket.create_connection(targets[0]["webSocketDebuggerUrl"]))
            page.call("Network.enable")
            for name, login, path, selector, then in SHOTS:
                page.call("Network.clearBrowserCookies")
                page.call(
                    "Network.setCookie",
                    name="session_id",
                    value=authenticate(url, db, login),
                    url=url,
                )
                page.call("Page.navigate", url=f"{url}{path}")
                page.wait_for(selector)
                if then:
                    click, selector = then
                    page.call(
                        "Runtime.evaluate",
                        expression=f"document.querySelector({json.dumps(click)}).click()",
                    )
                    page.wait_for(selector)
                time.sleep(2)  # charts and fonts settle
                shot = page.call("Page.captureScreenshot", format="png")
                (out_dir / name).write_bytes(base64.b64decode(shot["data"]))
                print(f"  {name}: {path} as {login}")
        finally:
            browser.terminate()
            browser.wait(timeout=10)


if __name__ == "__main__":
    main()
