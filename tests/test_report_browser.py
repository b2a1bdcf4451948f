"""Browser check: the day page renders in headless Chromium, loads nothing, and shows its charts.

Run with ``make browser-check`` (installs Debian's chromium if it can). Skips when Chromium is
absent. Screenshot: ``$BROWSER_CHECK_OUT/report.png`` when that variable is set, else a temp dir.

"No network request" is checked on Chromium's own net log (--log-net-log): the browser's
background traffic (component updates, time sync) is initiated by no origin, while anything the
page asks for carries the page's origin ("null" for file://). A control page with one remote image
proves the check can fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tests.test_report_golden as golden

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-default-apps",
         "--hide-scrollbars"]
PEAK_RED = np.array([0xC0, 0x39, 0x2B]) / 255  # trend-chart bar of a peak day (reports/charts.py)




def chromium(page: Path, work: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.skip("Chromium not installed: `apt-get install -y chromium chromium-driver` or `make browser-check`")
    profile = work / f"profile-{len(list(work.glob('profile-*')))}"
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def page_requests(net_log: Path) -> list[str]:
    """URLs the page (not the browser's own services) asked the network for."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for ev in log["events"]:
        p = ev.get("params") or {}
        if ev["type"] == start_job and p.get("initiator") != "not an origin" and "url" in p:
            urls.append(p["url"])
    return [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    g = golden
    root = tmp_path_factory.mktemp("browser")
    engine = g.build_store(f"sqlite:///{root / 'store.db'}")
    from reports import build_report

    return build_report(engine, g.make_config(root / "out"), g.DAY, now=g.AS_OF)


def test_control_page_with_a_remote_image_is_caught(tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text('<html><body><img src="http://127.0.0.1:9/x.png"></body></html>', encoding="utf-8")
    chromium(control, tmp_path, f"--log-net-log={tmp_path / 'net.json'}", f"--screenshot={tmp_path / 'c.png'}")
    assert page_requests(tmp_path / "net.json") == ["http://127.0.0.1:9/x.png"]


MIN_WINDOW = 500  # headless Chromium will not make a window narrower: phones are framed


def framed(html: str, width: int, height: int, work: Path, script: str = "") -> Path:
    """``html`` inside an iframe ``width`` px wide (srcdoc: same origin, so ``script`` may read it).

    Chromium's headless window is at least 500 px wide; the iframe is the phone's viewport, and its
    media queries see 390 px exactly as a phone would.
    """
    from html import escape

    wrapper = work / f"framed-{width}.html"
    wrapper.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" srcdoc="{escape(html)}" '
                       f'style="border:0;width:{width}px;height:{height}px;display:block"></iframe>{script}'
                       "</body></html>", encoding="utf-8")
    return wrapper


@pytest.mark.parametrize(("name", "width", "height"), [("report.png", 1366, 4200), ("report-390.png", 390, 3600)])
def test_report_renders_without_network_and_shows_charts(page: Path, tmp_path: Path, name: str, width: int,
                                                         height: int) -> None:
    out = Path(os.environ.get("BROWSER_CHECK_OUT") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    shot = out / name
    shot.unlink(missing_ok=True)
    target = page if width >= MIN_WINDOW else framed(page.read_text(encoding="utf-8"), width, height, tmp_path)
    run = chromium(target, tmp_path, f"--log-net-log={tmp_path / 'net.json'}", f"--screenshot={shot}",
                   f"--window-size={max(width, MIN_WINDOW)},{height}")
    assert shot.exists(), run.stderr[-2000:]
    assert page_requests(tmp_path / "net.json") == []
    import matplotlib.image

    img = matplotlib.image.imread(shot)[:, :, :3]
    red = np.all(np.abs(img - PEAK_RED) < 0.03, axis=2).sum()
    assert red > 200, "the trend chart's peak bar is not on screen: SVG charts did not render"
    if width < MIN_WINDOW:  # keep the phone's viewport only
        matplotlib.image.imsave(shot, matplotlib.image.imread(shot)[:, :width])
    print(f"\nscreenshot: {shot}")


def test_dom_holds_the_three_charts_and_escaped_text(page: Path, tmp_path: Path) -> None:
    dom = chromium(page, tmp_path, "--dump-dom").stdout
    for chart in ("chart-trend", "chart-volume", "chart-heatmap"):
        start = dom.index(f'id="{chart}"')
        assert "<svg" in dom[start : start + 400]
    assert dom.count("<svg") == 5  # trend and volume at desk and phone size
    assert "<script" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


PHONE_PROBE = """<script>
const nowrap = Array.from(document.querySelectorAll('table.data td')).filter(
  td => getComputedStyle(td).whiteSpace === 'nowrap' && td.textContent.trim());
const broken = nowrap.filter(td => { const r = document.createRange(); r.selectNodeContents(td);
  return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size > 1; });
document.body.dataset.probe = JSON.stringify({
  overflow: document.documentElement.scrollWidth - window.innerWidth, width: window.innerWidth,
  height: document.documentElement.scrollHeight, cells: nowrap.length,
  broken: broken.map(td => td.textContent).slice(0, 5),
  phoneChart: getComputedStyle(document.querySelector('.chart.phone')).display,
  deskChart: getComputedStyle(document.querySelector('.chart.desk')).display});
</script></body>"""


COPY_OUT = """<script>window.addEventListener('load', () => {
  document.body.dataset.probe = document.getElementById('f').contentDocument.body.dataset.probe; });</script>"""


def probe(page: Path, tmp_path: Path, script: str, width: int) -> dict:
    html = page.read_text(encoding="utf-8").replace("</body>", script)
    # The page's CSP (default-src 'none') rightly blocks scripts; the probe copy drops it to measure.
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    copy = framed(html, width, 900, tmp_path, COPY_OUT)
    dom = chromium(copy, tmp_path, "--dump-dom", f"--window-size={max(width, MIN_WINDOW)},900").stdout
    raw = dom.split('data-probe="', 1)[1].split('"', 1)[0]
    return json.loads(raw.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


@pytest.mark.parametrize("width", [390, 1366])
def test_no_sideways_page_and_no_broken_date_or_handle(page: Path, tmp_path: Path, width: int) -> None:
    # Tables scroll inside their own box; the page itself never scrolls sideways, and dates, handles
    # and figures never break inside a word (only post text wraps).
    got = probe(page, tmp_path, PHONE_PROBE, width)
    assert got["width"] == width
    assert got["overflow"] <= 0, got
    assert got["cells"] > 20 and got["broken"] == [], got
    phone = width < 600
    assert (got["phoneChart"] != "none", got["deskChart"] != "none") == (phone, not phone)
    print(f"\n{width} px: page height {got['height']} px")


def test_link_labels_never_wrap_in_a_narrow_window(page: Path, tmp_path: Path) -> None:
    # The cells allow overflow-wrap:anywhere (long URLs and post text), which let a squeezed "open"
    # column break its label as "ope/n". Measure every table link's line boxes at phone width.
    probe = tmp_path / "probe.html"
    script = ("<script>document.body.dataset.lines = Array.from(document.querySelectorAll('table.data a'))"
              ".map(a => a.getClientRects().length).join(',');</script></body>")
    html = page.read_text(encoding="utf-8").replace("</body>", script)
    # The page's CSP (default-src 'none') rightly blocks scripts; the probe copy drops it to measure.
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    probe.write_text(html, encoding="utf-8")
    dom = chromium(probe, tmp_path, "--dump-dom", "--window-size=420,900").stdout
    lines = dom.split('data-lines="', 1)[1].split('"', 1)[0].split(",")
    assert len(lines) >= 5
    assert set(lines) == {"1"}, lines
