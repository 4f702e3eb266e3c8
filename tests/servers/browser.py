"""Headless Chromium for the web page's browser tests: Debian's chromium and its chromedriver, installed by apt
when missing (never downloaded by selenium-manager: both paths are given to Selenium explicitly)."""

from __future__ import annotations

import os
import shutil

from .install import ServerStartError, ensure_installed

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _find() -> str | None:
    if os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK):
        return CHROMEDRIVER
    return None


def ensure_chromium() -> tuple[str, str]:
    """(chromium, chromedriver): apt-installs chromium and chromium-driver (with a font) when missing."""
    ensure_installed(_find, ["chromium", "chromium-driver", "fonts-dejavu-core"], "Chromium with its chromedriver")
    return CHROMIUM, CHROMEDRIVER


def start_chrome(width: int = 1280, height: int = 1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--disable-component-update"):
        options.add_argument(arg)
    os.environ.setdefault("SE_AVOID_STATS", "true")
    if shutil.which(driver) is None and not os.access(driver, os.X_OK):
        raise ServerStartError(f"no chromedriver at {driver}")
    try:
        return webdriver.Chrome(options=options, service=Service(executable_path=driver))
    except Exception as exc:  # the driver's own message says what is wrong (version skew, a missing library)
        raise ServerStartError(f"headless chromium did not start: {exc}") from exc
