"""The offline docs as a reader gets them: the README's Documentation commands (nbdev's processing into _proc/, then
Sphinx + myst-nb with docs/conf.py into _docs/, warnings as errors: a broken link between pages, a missing anchor or
image fails the build), then every page checked here and in headless Chromium (Debian's chromium, chromium-driver)."""
import json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path
import pytest, yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
DOCS, PROC = ROOT/'_docs', ROOT/'_proc'
SIDEBAR = yaml.safe_load((ROOT/'nbs'/'sidebar.yml').read_text())['website']['sidebar']['contents']
LISTED = [e for s in SIDEBAR for e in ([s] if isinstance(s, str) else s['contents'])]
NOTEBOOKS = LISTED + sorted(p.name for p in (ROOT/'nbs').glob('[!_]*.ipynb') if p.name not in LISTED)   # 'More' pages
LEAK = re.compile(r'Warning\b|Traceback|/root/|/home/|/work/|/Users/|site-packages|^\s*\|.* \| .*\|\s*$')  # raw table: | a | b |

def run(*cmd): return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)

@pytest.fixture(scope='session')
def site():
    "Build the docs afresh (nbdev caches unchanged notebooks): the pages' parsed html by notebook."
    for r in [run(sys.executable, '-c', 'from nbdev.serve import proc_nbs; proc_nbs()'),
              run(sys.executable, '-m', 'sphinx', '-q', '-E', '-W', '--keep-going', '-j', 'auto', '-c', 'docs', '_proc', '_docs')]:
        assert r.returncode == 0, f'{r.args}:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}'
    return {nb: BeautifulSoup((DOCS/nb).with_suffix('.html').read_text(), 'html.parser') for nb in NOTEBOOKS}

def test_sidebar_notebooks_are_pages_in_order(site):
    nav = [a['href'] for a in site['index.ipynb'].select('nav.bd-docs-nav a.reference')]
    assert nav == [Path(nb).with_suffix('.html').as_posix() for nb in NOTEBOOKS[1:]], 'sidebar != nbs/sidebar.yml + More'

def test_local_links_resolve(site):
    bad = [f'{nb}: {u}' for nb, page in site.items() for t in page.select('[href], [src]')
           if not re.match(r'\w+:|#', u := t.get('href') or t.get('src')) and not (DOCS/re.split('[#?]', u)[0]).exists()]
    assert not bad, bad

def test_api_sections(site):
    "Notebooks that export show their API: nbdev's show_doc headings with a link to the source."
    for nb in NOTEBOOKS:
        if '#| export' in (ROOT/'nbs'/nb).read_text():
            assert site[nb].select('.cell_output a[href*="/blob/"]'), f'{nb}: no API (show_doc) section'

def page_text(page):
    "What a reader sees of a page: prose and outputs (code inputs may well say `'Traceback' not in err`)."
    art = BeautifulSoup(str(page.find('article')), 'html.parser')
    for el in art.select('.cell_input, script, style'): el.decompose()
    return art.get_text('\n')

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_page_clean(site, nb):
    "No warning, traceback, machine path or raw `| ... |` table text in what the page shows."
    bad = [l.strip()[:200] for l in page_text(site[nb]).splitlines() if LEAK.search(l)]
    assert not bad, f'{nb} shows:\n' + '\n'.join(bad)

def test_leak_check_can_fail():
    page = BeautifulSoup('<article><pre>/root/venv/lib/site-packages/x.py:1: UserWarning: y</pre>'
                         '<pre>| a | b |</pre></article>', 'html.parser')
    assert len([l for l in page_text(page).splitlines() if LEAK.search(l)]) == 2

def test_readme_generated_from_index(tmp_path):
    r = run(sys.executable, 'tools/readme.py', str(tmp_path/'README.md'))
    assert r.returncode == 0, r.stderr
    assert (ROOT/'README.md').read_text() == (tmp_path/'README.md').read_text(), 'README.md is stale: python tools/readme.py'

@pytest.fixture(scope='module')
def browser():
    if not (shutil.which('chromium') and shutil.which('chromedriver')): pytest.skip('needs Debian chromium, chromium-driver')
    from selenium import webdriver
    os.environ['SE_AVOID_STATS'] = 'true'           # selenium: no network
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which('chromium')
    for a in ('--headless=new', '--no-sandbox', '--window-size=1400,1000', f'--user-data-dir={tempfile.mkdtemp()}'): opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    d = webdriver.Chrome(options=opts, service=webdriver.ChromeService(shutil.which('chromedriver'))); yield d; d.quit()

def n_figures(nb):
    cells = json.loads((PROC/nb).read_text())['cells']
    return sum('image/png' in o.get('data', {}) for c in cells if not re.search(r'#\|\s*(output|include):\s*false', ''.join(c['source']))
               for o in c.get('outputs', []))

def test_pages_in_browser(site, browser):
    "Every page in headless Chromium: its figures load, math is typeset, no console errors; a screenshot of each."
    (shots := ROOT/'screenshots').mkdir(exist_ok=True)
    problems = []
    for nb in NOTEBOOKS:
        browser.get((DOCS/nb).with_suffix('.html').as_uri())
        imgs = browser.execute_script("return Array.from(document.querySelectorAll('article img')).map(i => i.complete && i.naturalWidth > 0)")
        math = browser.execute_async_script("const done = arguments[0], n = document.querySelectorAll('article .math').length;"
                                            "if (!window.MathJax) done([n, 0]); else MathJax.Hub.Queue(() => done([n, document.querySelectorAll('.MathJax_CHTML').length]))")
        if sum(imgs) < n_figures(nb) or not all(imgs): problems.append(f'{nb}: {sum(imgs)} of {len(imgs)} images load, {n_figures(nb)} saved figures')
        if math[0] and not math[1]: problems.append(f'{nb}: math not typeset by MathJax')
        problems += [f"{nb}: {l['message']}" for l in browser.get_log('browser') if l['level'] == 'SEVERE']
        browser.set_window_size(1400, min(browser.execute_script('return document.body.scrollHeight'), 8000))
        browser.save_screenshot(str(shots/f'{Path(nb).stem}.png'))   # the page's first 8000 px
        browser.set_window_size(1400, 1000)
    assert not problems, '\n'.join(problems)
