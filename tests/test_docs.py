"""The offline documentation site (tools/build_docs.py) and README generation (tools/docs_readme.py).

Uses the build in `_docs/` when it is newer than every notebook, module and docs tool (CI runs
`python tools/build_docs.py` just before the tests); otherwise builds it (set FASTFF_DOCS_REBUILD=1 to force).
The browser test needs headless Chromium + ChromeDriver from Debian (`bash tools/install_browser.sh`) and selenium
(dev extra); it skips, saying why, only when those cannot be found. Screenshots go to `screenshots/` (git-ignored).
"""
import json, os, re, shutil, subprocess, sys, tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS, DOCS, TOOLS = ROOT/'nbs', ROOT/'_docs', ROOT/'tools'
SHOTS = ROOT/'screenshots'
sys.path.insert(0, str(TOOLS))


def _sources():
    yield from NBS.rglob('*.ipynb')
    yield from (ROOT/'fastff').rglob('*.py')
    yield from TOOLS.glob('build_docs.py')
    yield from (TOOLS/'docs_theme').rglob('*')
    for f in ('sidebar.yml', 'styles.css'): yield NBS/f
    yield ROOT/'pyproject.toml'


def _fresh(manifest: Path) -> bool:
    if not manifest.exists() or os.environ.get('FASTFF_DOCS_REBUILD'): return False
    t = manifest.stat().st_mtime
    return all(p.stat().st_mtime <= t for p in _sources() if p.exists() and '.ipynb_checkpoints' not in p.parts)


@pytest.fixture(scope='session')
def site():
    "The built site: (folder, manifest dict, build stderr or '')."
    manifest, err = DOCS/'docs_manifest.json', ''
    if not _fresh(manifest):
        r = subprocess.run([sys.executable, str(TOOLS/'build_docs.py')], cwd=ROOT, capture_output=True, text=True, timeout=900)
        err = r.stderr
        assert manifest.exists(), f'build_docs.py wrote no site (exit {r.returncode}):\n{r.stdout}\n{r.stderr[-4000:]}'
    return DOCS, json.loads(manifest.read_text()), err


def _sidebar_notebooks():
    "Notebook paths listed in nbs/sidebar.yml, in order, that exist in nbs/."
    import build_docs as bd
    return [p for p in bd.sidebar_pages(bd.read_sidebar(NBS)) if (NBS/p).exists()]


def _page(nb_rel):
    import build_docs as bd
    return bd.page_name(Path(nb_rel))


class _Links(HTMLParser):
    "hrefs/srcs of a page, and those inside <nav class=sidebar>, and element ids."
    def __init__(self):
        super().__init__(); self.links, self.nav, self.ids, self._in_nav, self.sections = [], [], set(), 0, []
        self._summary = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'id' in a: self.ids.add(a['id'])
        if tag == 'nav' and 'sidebar' in (a.get('class') or ''): self._in_nav = 1
        if tag == 'summary' and self._in_nav: self._summary = True
        for k in ('href', 'src'):
            if k in a and a[k] is not None:
                self.links.append((tag, a[k]))
                if self._in_nav and tag == 'a': self.nav.append(a[k])
    def handle_endtag(self, tag):
        if tag == 'nav': self._in_nav = 0
        if tag == 'summary': self._summary = False
    def handle_data(self, data):
        if self._summary and data.strip(): self.sections.append(data.strip())


def _parse(path: Path) -> _Links:
    p = _Links(); p.feed(path.read_text(encoding='utf-8')); return p


# ---------------------------------------------------------------------------------------------------------------------
def test_build_renders_every_notebook(site):
    folder, manifest, err = site
    failed = manifest['failed']
    assert not failed, 'notebooks that did not render:\n' + '\n'.join(f"  {f['notebook']}: {f['error']}" for f in failed) + \
        ('\n' + err[-3000:] if err else '')
    built = {p['notebook'] for p in manifest['pages']}
    import build_docs as bd
    expected = {'nbs/' + p.as_posix() for p in bd.list_notebooks(NBS)}
    assert expected <= built, f'notebooks without a page: {sorted(expected - built)}'


def test_pages_for_sidebar_notebooks(site):
    folder, manifest, _ = site
    failed = {f['notebook'] for f in manifest['failed']}
    nbs = _sidebar_notebooks()
    assert 'index.ipynb' in nbs and (folder/'index.html').exists()
    for nb in nbs:
        if 'nbs/' + nb in failed: continue          # reported by test_build_renders_every_notebook
        page = folder/_page(nb)
        assert page.exists(), f'no page {page.name} for nbs/{nb}'
        text = page.read_text()
        assert '<nav class="sidebar"' in text and '<h1 class="title">' in text


def test_sidebar_order_and_links(site):
    "Every page's sidebar lists the built pages in sidebar.yml order, with its sections, and every link resolves."
    folder, manifest, _ = site
    built = {p['notebook'][4:]: p['page'] for p in manifest['pages']}
    want = [built[nb] for nb in _sidebar_notebooks() if nb in built]
    import build_docs as bd
    sections = [e[1] for e in bd.read_sidebar(NBS) if e[0] == 'section' and any(p in built for p in bd.sidebar_pages(e[2]))]
    for page in built.values():
        p = _parse(folder/page)
        nav = [os.path.normpath(os.path.join(os.path.dirname(page), unquote(h))).replace(os.sep, '/') for h in p.nav]
        assert nav[:len(want)] == want, f'{page}: sidebar order {nav} != sidebar.yml order {want}'
        for h in nav: assert (folder/h).exists(), f'{page}: sidebar link {h} does not resolve'
        assert [s for s in p.sections if s in sections] == sections, f'{page}: sidebar sections {p.sections} != {sections}'


def test_links_between_pages_resolve(site):
    "Relative links and images resolve to files of the site, no link points at an .ipynb, and #anchors exist."
    folder, manifest, _ = site
    failed_pages = {_page(f['notebook'][4:]) for f in manifest['failed']}
    ids = {p['page']: _parse(folder/p['page']).ids for p in manifest['pages']}
    bad = []
    for page in ids:
        for tag, url in _parse(folder/page).links:
            u = urlsplit(url)
            if u.scheme or url.startswith('//'): continue
            if u.path.endswith('.ipynb'): bad.append(f'{page}: link to a notebook {url}'); continue
            if not u.path: target = page
            else:
                target = os.path.normpath(os.path.join(os.path.dirname(page), unquote(u.path))).replace(os.sep, '/')
                if target in failed_pages: continue
                if not (folder/target).exists(): bad.append(f'{page}: {url} -> missing {target}'); continue
            # anchors of private names (`_x`: nbdev links them but documents only public names) are not checked
            if u.fragment and not u.fragment.startswith('_') and target in ids and unquote(u.fragment) not in ids[target]:
                bad.append(f'{page}: {url} -> no #{u.fragment} in {target}')
    assert not bad, 'broken links:\n' + '\n'.join(bad)


def test_nbdev_processing_applied(site):
    "nbdev's docs processors ran: no directives, no exported/hidden code shown; show_doc output on exporting pages."
    folder, manifest, _ = site
    for p in manifest['pages']:
        text = (folder/p['page']).read_text()
        left = re.findall(r'^(?:<[^>]+>)*(#\|[^<\n]*)', text, re.M)     # a code line starting with #|
        assert not left, f"{p['page']}: nbdev/Quarto directives left in shown code: {left[:5]}"
        src = (ROOT/p['notebook']).read_text()
        if re.search(r'#\|\s*export\b', src) and 'show_doc' in src:
            assert 'class="output_markdown' in text and re.search(r'<h[34] id=', text), f"{p['page']}: no API (show_doc) section"


def test_readme_generated_from_index():
    "README.md is what tools/docs_readme.py (nbdev processors + Quarto's gfm layout) writes from nbs/index.ipynb."
    r = subprocess.run([sys.executable, str(TOOLS/'docs_readme.py'), '--stdout'], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f'docs_readme.py failed:\n{r.stderr[-3000:]}'
    readme = ROOT/'README.md'
    assert readme.exists(), 'README.md missing: run `python tools/docs_readme.py`'
    assert readme.read_text() == r.stdout, 'README.md is out of date with nbs/index.ipynb: run `python tools/docs_readme.py`'
    for name in re.findall(r'!\[[^\]]*\]\((index_files/[^)]+)\)', r.stdout):
        assert (ROOT/name).exists(), f'README image {name} missing: run `python tools/docs_readme.py`'


# ---------------------------------------------------------------------------------------------------------------------
# Browser test: headless Chromium (Debian packages) driven by selenium through chromedriver; nothing is downloaded.
def _browser():
    chrome = shutil.which('chromium') or shutil.which('chromium-browser')
    driver = shutil.which('chromedriver')
    if not (chrome and driver):
        pytest.skip('no Chromium/ChromeDriver found (Debian packages chromium + chromium-driver: run `bash tools/install_browser.sh`)')
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip('selenium is not installed (it is in the dev extra: pip install -e ".[dev]")')
    os.environ.setdefault('SE_AVOID_STATS', 'true')
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync',
              '--disable-dev-shm-usage', '--window-size=1400,1000', '--hide-scrollbars',
              f'--user-data-dir={tempfile.mkdtemp(prefix="fastff-chromium-")}'):
        opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service(driver), options=opts)


@pytest.fixture(scope='module')
def browser():
    d = _browser()
    yield d
    d.quit()


_IMGS_JS = """
const imgs = Array.from(document.querySelectorAll('main img'));
return imgs.map(i => ({src: i.src.slice(0, 80), complete: i.complete, w: i.naturalWidth, h: i.naturalHeight}));"""
_PAGE_JS = """
const q = s => document.querySelectorAll(s).length;
const nav = document.querySelector('.navbar');
return {sidebar_links: q('nav.sidebar a'), api: q('.output_markdown h3, .output_markdown h4'),
        api_sig: q('.output_markdown pre'), code: q('.highlight pre'), title: (document.querySelector('h1.title')||{}).textContent,
        nav_bg: nav ? getComputedStyle(nav).backgroundColor : null, height: document.body.scrollHeight};"""


def _shoot(d, name, full_height):
    SHOTS.mkdir(exist_ok=True)
    d.save_screenshot(str(SHOTS/f'{name}.png'))
    try:                                            # full page, capped: long pages would make huge files
        import base64
        h = min(int(full_height), 9000)
        r = d.execute_cdp_cmd('Page.captureScreenshot', {'format': 'png', 'captureBeyondViewport': True,
                                                         'clip': {'x': 0, 'y': 0, 'width': 1400, 'height': h, 'scale': 1}})
        (SHOTS/f'{name}_full.png').write_bytes(base64.b64decode(r['data']))
    except Exception: pass


def _experiment_notebooks():
    return sorted(p for p in NBS.glob('*.ipynb') if re.match(r'^([3-9]\d)_', p.name))


def _layer_notebooks():
    return sorted(p for p in NBS.glob('*.ipynb') if re.match(r'^0[0-4]_', p.name))


def _n_images(nb: Path) -> int:
    d = json.loads(nb.read_text())
    skip = r'#\|\s*(hide\b|include:\s*false|output:\s*false|export|exporti|default_exp)'   # cells nbdev/Quarto drop
    return sum(1 for c in d['cells'] if c['cell_type'] == 'code' and not re.search(skip, ''.join(c['source']))
               for o in c.get('outputs', []) if any(k.startswith('image/') for k in o.get('data', {})))


def test_pages_in_browser(site, browser):
    "index.html, the experiment pages and the layer pages in headless Chromium: images load, API sections present."
    folder, manifest, _ = site
    built = {p['notebook'][4:]: p['page'] for p in manifest['pages']}
    pages = [('index.ipynb', 'index.html')] + [(nb.name, built[nb.name]) for nb in _experiment_notebooks() + _layer_notebooks() if nb.name in built]
    problems, report = [], []
    for nb, page in pages:
        browser.get((folder/page).as_uri())
        browser.execute_script('return document.readyState')
        info = browser.execute_script(_PAGE_JS)
        imgs = browser.execute_async_script("""const done = arguments[arguments.length-1];
            Promise.all(Array.from(document.images).map(i => i.complete ? 1 : new Promise(r => {i.onload = i.onerror = r;})))
              .then(() => done(true));""") and browser.execute_script(_IMGS_JS)
        _shoot(browser, 'docs_' + Path(page).stem, info['height'])
        report.append(f"{page}: {len(imgs)} images, {info['api']} API headings, {info['code']} code blocks")
        broken = [i for i in imgs if not i['complete'] or i['w'] == 0 or i['h'] == 0]
        if broken: problems.append(f'{page}: images that did not load: {broken}')
        want = _n_images(NBS/nb)
        if len(imgs) - len(broken) < want: problems.append(f'{page}: nbs/{nb} has {want} saved figures, page shows {len(imgs) - len(broken)}')
        if info['sidebar_links'] < 1: problems.append(f'{page}: no sidebar')
        if info['nav_bg'] in (None, 'rgba(0, 0, 0, 0)'): problems.append(f'{page}: stylesheet not applied')
        if re.match(r'^0[0-4]_', nb) and (info['api'] < 1 or info['api_sig'] < 1):
            problems.append(f'{page}: layer page without API (show_doc) section')
        severe = [l['message'] for l in browser.get_log('browser') if l.get('level') == 'SEVERE']
        if severe: problems.append(f'{page}: browser errors: {severe[:3]}')
    print('\n'.join(report))
    assert not problems, '\n'.join(problems)
