"""Print the path of the Chromium that `playwright install chromium` downloaded: the pipeline's
browser step links it as `chromium`, where tests/test_dashboard.py looks for the browser."""

from playwright.sync_api import sync_playwright

with sync_playwright() as p:
    print(p.chromium.executable_path)
