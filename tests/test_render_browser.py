"""The HTML view in a real browser, headless Chromium driven by Selenium, checked as a person
would: the roles look different, the digest counts what the labels say, hovering shows the
probabilities, the digest's links lead to their paragraphs, and nothing in the input runs.

Needs Debian's `chromium` and `chromium-driver` (.ci/run installs them when it runs as root);
skips, saying so, where they are missing. Also writes the README's screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from zongjie import LABELS, predict_document, predict_document_proba, render_html, segment
from zongjie.segment import split_documents

from conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Headless, and quiet: no update checks, sync or first-run pages reaching for the network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1200,1400",
)
SCREENSHOT = ROOT / "docs" / "img" / "report.png"
SEED = SEEDS / "002_354727535b141923.txt"
HOSTILE = [
    "<script>window.pwned=1</script>",
    "<img src=x onerror=window.pwned=2>",
    '"><svg onload=window.pwned=3>',
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (the dev dependency group)"
    )
    from selenium.webdriver.chrome.service import Service

    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.skip(
            f"no browser: {', '.join(missing)} missing; install Debian's chromium and "
            "chromium-driver (apt-get install chromium chromium-driver; .ci/run does it as root)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def cli_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CLI's page for a seed file and a file of hostile paragraphs."""
    folder = tmp_path_factory.mktemp("page")
    hostile = folder / "hostile.txt"
    hostile.write_text("\n".join(HOSTILE) + "\n", encoding="utf-8")
    page = folder / "report.html"
    with page.open("wb") as out:
        subprocess.run(
            [sys.executable, "-m", "zongjie", str(SEED), str(hostile), "--format", "html"],
            stdout=out,
            check=True,
            timeout=120,
        )
    return page


def _seed_labels() -> tuple[list[str], list[str | None], list[list[float]]]:
    paragraphs, labels, proba = [], [], []
    for document in split_documents(segment(SEED.read_text(encoding="utf-8"))):
        paragraphs.extend(document)
        labels.extend(predict_document(document))
        proba.extend(predict_document_proba(document).tolist())
    return paragraphs, labels, proba


def _open(browser, page: Path) -> None:
    browser.get(page.as_uri())


def _background(browser, element) -> str:
    return browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", element)


def test_nothing_from_the_input_runs_and_nothing_is_fetched(browser, cli_page: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, cli_page)
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert browser.find_elements(By.CSS_SELECTOR, "script, img, svg, iframe") == []
    shown = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "#f2 .text")]
    # The input, as text (segment drops the image tag's line, as it drops Markdown images).
    assert shown == [HOSTILE[0], HOSTILE[2]] == segment("\n".join(HOSTILE))
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_the_roles_look_different(browser, cli_page: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, cli_page)
    colours = {}
    for label in LABELS:
        elements = browser.find_elements(By.CSS_SELECTOR, f"#f1 .para.role-{label}")
        assert elements, f"no {label} paragraph in the seed's page"
        colours[label] = {_background(browser, element) for element in elements}
        assert len(colours[label]) == 1  # one colour per role
    assert len({colour for shades in colours.values() for colour in shades}) == len(LABELS)
    assert "rgba(0, 0, 0, 0)" not in set().union(*colours.values())


def test_the_digest_counts_the_labels(browser, cli_page: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, cli_page)
    paragraphs, labels, _ = _seed_labels()
    expected = Counter(label for label in labels if label is not None)
    for label in LABELS:
        shown = browser.find_element(By.CSS_SELECTOR, f'#f1 .counts td[data-role="{label}"]')
        assert int(shown.text) == expected[label]
        tinted = browser.find_elements(By.CSS_SELECTOR, f"#f1 .para.role-{label}")
        assert len(tinted) == expected[label]
        if label in ("problem", "plan"):
            gathered = browser.find_elements(
                By.CSS_SELECTOR, f'#f1 .gathered[data-role="{label}"] li a'
            )
            assert [item.text for item in gathered] == [
                paragraph for paragraph, own in zip(paragraphs, labels, strict=True) if own == label
            ]
    # The contents row of the seed's file says the same.
    row = browser.find_elements(By.CSS_SELECTOR, ".contents tbody tr")[0]
    assert [int(cell.text) for cell in row.find_elements(By.CSS_SELECTOR, "td")] == [
        expected[label] for label in LABELS
    ]


def test_hovering_a_paragraph_shows_its_probabilities(browser, cli_page: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _open(browser, cli_page)
    _, labels, proba = _seed_labels()
    index = labels.index("problem")
    paragraph = browser.find_element(By.ID, f"f1-p{index}")
    tooltip = paragraph.find_element(By.CSS_SELECTOR, ".proba")
    assert not tooltip.is_displayed()
    ActionChains(browser).move_to_element(paragraph).perform()
    assert tooltip.is_displayed()
    expected = " · ".join(f"{label} {p:.2f}" for label, p in zip(LABELS, proba[index], strict=True))
    assert tooltip.text == expected


def test_a_digest_link_leads_to_its_paragraph(browser, cli_page: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, cli_page)
    link = browser.find_element(By.CSS_SELECTOR, '#f1 .gathered[data-role="plan"] li a')
    target = link.get_attribute("href").split("#")[1]
    link.click()
    paragraph = browser.find_element(By.ID, target)
    assert "role-plan" in paragraph.get_attribute("class")
    assert paragraph.text.startswith(link.text)
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", paragraph)
    assert 0 <= top < browser.execute_script("return innerHeight")  # scrolled into view


def test_no_role_is_untinted_and_an_explanation_opens_on_click(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    page = tmp_path / "page.html"
    page.write_text(
        render_html(
            ["教育局半年工作总结", "二、存在问题", "培训形式单一,针对性不强。"],
            [None, "problem", "problem"],
            [[0.5, 0.2, 0.3], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1]],
            explanations=[None, None, "针对性不强 → problem"],
        ),
        encoding="utf-8",
    )
    _open(browser, page)
    title = browser.find_element(By.ID, "f1-p0")
    assert _background(browser, title) == "rgba(0, 0, 0, 0)"
    assert browser.find_element(By.CSS_SELECTOR, '.counts td[data-role="problem"]').text == "2"
    explanation = browser.find_element(By.CSS_SELECTOR, "#f1-p2 .why div")
    assert not explanation.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#f1-p2 .why summary").click()
    assert explanation.is_displayed() and explanation.text == "针对性不强 → problem"


@pytest.mark.usefixtures("use_tiny_model")
def test_the_clis_explanations_open_on_click(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    from zongjie import explain_document

    page = tmp_path / "explained.html"
    with page.open("wb") as out:
        subprocess.run(
            [sys.executable, "-m", "zongjie", str(SEED), "--format", "html", "--explain"],
            stdout=out,
            check=True,
            timeout=120,
        )
    _open(browser, page)
    explanations = [
        e
        for document in split_documents(segment(SEED.read_text(encoding="utf-8")))
        for e in explain_document(document)
    ]
    whys = browser.find_elements(By.CSS_SELECTOR, "#f1 .para .why")
    assert len(whys) == len(explanations)
    index = next(i for i, e in enumerate(explanations) if e.changed and e.label is not None)
    shown = browser.find_element(By.CSS_SELECTOR, f"#f1-p{index} .why div")
    assert not shown.is_displayed()
    browser.find_element(By.CSS_SELECTOR, f"#f1-p{index} .why summary").click()
    assert shown.is_displayed()
    # As the text says it, its indentation kept.
    assert shown.text == str(explanations[index])
    assert "the document changed it" in shown.text


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    return bool(fonts.strip())


def test_screenshot_of_a_labelled_seed_report(browser, tmp_path: Path) -> None:
    """The README's picture: the first report of seed 002 that has all three roles, the first
    paragraph hovered. Written to docs/img only when asked (`make screenshot`, which sets
    ZONGJIE_SCREENSHOT=write) and where a CJK font is installed, so a test run changes no
    committed file and a machine without the font does not replace it with boxes."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    documents = split_documents(segment(SEED.read_text(encoding="utf-8")))
    number, document = next(
        (number, document)
        for number, document in enumerate(documents, 1)
        if set(LABELS) <= set(predict_document(document))
    )
    labels = predict_document(document)
    page = tmp_path / "report.html"
    title = f"{SEED.name}, report {number}"
    page.write_text(
        render_html(document, labels, predict_document_proba(document), title=title),
        encoding="utf-8",
    )
    _open(browser, page)
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "f1-p0")).perform()
    png = browser.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    asked = os.environ.get("ZONGJIE_SCREENSHOT") == "write"
    destination = SCREENSHOT if asked and _has_cjk_font() else tmp_path / SCREENSHOT.name
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(png)
