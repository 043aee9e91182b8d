"""Sign in and screenshot portal pages with headless Chromium (Debian's package): a look at what users see.

Usage: python scripts/screenshot.py BASE_URL USER PASSWORD OUT_DIR PATH [PATH ...] [--width 1280]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("out")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        page.goto(f"{args.base}/login/")
        page.fill("#username", args.user)
        page.fill("#password", args.password)
        page.click("input[type=submit], button[type=submit]")
        for i, path in enumerate(args.paths):
            page.goto(f"{args.base}{path}")
            name = out / f"{i:02d}_{path.strip('/').replace('/', '_').replace('?', '_') or 'home'}.png"
            page.screenshot(path=str(name), full_page=True)
            print(name)
        browser.close()


if __name__ == "__main__":
    main()
