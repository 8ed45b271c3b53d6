#!/usr/bin/env python
"""Build the fastff documentation site offline into `_docs/`:  `python tools/build_docs.py`

Why this script: `nbdev-docs` renders the site with Quarto, which cannot be installed on our machines (no package
registry we reach carries it). The standard nbdev/Quarto configuration (nbs/_quarto.yml, nbdev.yml, sidebar.yml)
stays as it is for anyone who has Quarto; this script builds the same pages without it.

How (two maintained tools, nothing executed but what nbdev itself executes for the docs):
1. nbdev's own notebook processing, exactly as `nbdev-docs` does before it calls Quarto: each notebook goes through
   `nbdev.processors.FilterDefaults` (FrontmatterProc, add_show_docs, clean_show_doc, exec_show_docs, rm_export,
   hide_, hide_line, filter_stream_, add_links, add_fold, mv_exports, ...) via `nbdev.serve_drv.exec_nb`, the worker
   `nbdev.serve.proc_nbs` uses. `exec_show_docs` runs only the cells nbdev runs at docs time (imports, exported cells
   and `show_doc` cells) so the API sections are rendered; every other cell keeps its saved outputs.
2. nbconvert (Jupyter's own converter, maintained by the Jupyter project, already a dev dependency) turns each processed
   notebook into HTML: its `classic` cell template, Pygments syntax highlighting, markdown via mistune, output figures
   embedded as data URIs (so they always load); files the markdown links to (e.g. nbs/images/*.png) are copied. We then apply what Quarto would: the cell options nbdev leaves for it (`#| echo: false`,
   `#| output: false|asis`, `#| include: false`, `#| code-fold`), `:::` fenced divs, links to `.ipynb` rewritten to
   the page names Quarto gives (`nbdev.config.nbpath2html`: `01_fff.ipynb` -> `fff.html`; `01_fff.html` also works
   through a small redirect page), links to the hosted docs made relative, and math converted to MathML
   (latex2mathml, optional) so it shows offline. A page shell adds the sidebar (nbs/sidebar.yml order, sections
   included; notebooks missing from it are listed last), a table of contents and the CSS in tools/docs_theme/.

Exit status is non-zero, naming the notebook, when any notebook fails to process or render. Notebooks are processed in
parallel (`--workers`, default: number of CPUs).
"""
from __future__ import annotations
import argparse, html, json, os, re, shutil, sys, time, traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import multiprocessing as mp

HERE = Path(__file__).resolve().parent
THEME = HERE/'docs_theme'

# ------------------------------------------------------------------------------------------------------------------
# Project configuration and the sidebar
# ------------------------------------------------------------------------------------------------------------------
def project_config(root=None):
    from nbdev.config import get_config
    return get_config(root)

def page_name(nb_rel: Path) -> str:
    "The html path Quarto gives notebook `nb_rel` (relative to nbs/), as nbdev sets it in the `output-file` frontmatter."
    from nbdev.config import nbpath2html
    return nbpath2html(Path(nb_rel)).as_posix()

def list_notebooks(nbs: Path) -> list[Path]:
    "Notebooks nbdev renders: nbdev's `nbglob` (skips `_`-prefixed files and folders, checkpoints)."
    from nbdev.doclinks import nbglob
    return sorted(Path(p).relative_to(nbs) for p in nbglob(nbs, func=Path, file_glob='*.ipynb'))

def read_sidebar(nbs: Path) -> list:
    "Entries of nbs/sidebar.yml as a tree: ('page', rel_path) | ('section', title, [entries]) | ('link', text, href)."
    import yaml
    f = nbs/'sidebar.yml'
    if not f.exists(): return []
    d = yaml.safe_load(f.read_text()) or {}
    sb = (d.get('website') or {}).get('sidebar') or {}
    if isinstance(sb, list): sb = sb[0] if sb else {}
    def conv(items):
        res = []
        for it in items or []:
            if isinstance(it, str): res.append(('page', it))
            elif isinstance(it, dict) and 'section' in it: res.append(('section', str(it['section']), conv(it.get('contents'))))
            elif isinstance(it, dict) and 'href' in it: 
                href = str(it['href'])
                if href.endswith(('.ipynb', '.qmd', '.md')) and not re.match(r'\w+://', href): res.append(('page', href, it.get('text')))
                else: res.append(('link', str(it.get('text', href)), href))
            elif isinstance(it, dict) and 'contents' in it: res.extend(conv(it['contents']))
        return res
    return conv(sb.get('contents'))

def sidebar_pages(tree) -> list[str]:
    "Page paths in sidebar order."
    out = []
    for e in tree:
        if e[0] == 'page': out.append(e[1])
        elif e[0] == 'section': out.extend(sidebar_pages(e[2]))
    return out

# ------------------------------------------------------------------------------------------------------------------
# Worker: nbdev processing + nbconvert, one notebook
# ------------------------------------------------------------------------------------------------------------------
_re_opt = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_re_dir_line = re.compile(r'^\s*#\|.*$')

def quarto_options(src: str) -> tuple[dict, str]:
    "Split the leading `#| key: value` cell options (left by nbdev for Quarto) from a code cell's source."
    lines, opts, i = src.splitlines(), {}, 0
    while i < len(lines) and (_re_dir_line.match(lines[i]) or (not lines[i].strip() and opts)):
        m = _re_opt.match(lines[i])
        if m: opts[m.group(1).lower()] = m.group(2).strip().strip('"\'')
        i += 1
    return opts, '\n'.join(lines[i:]).strip('\n')

def _false(v): return str(v).lower() in ('false', 'no', '0')

_re_fence_open = re.compile(r'^(:{3,})\s*\{([^}]*)\}\s*$|^(:{3,})\s*([\w-]+)\s*$')
_re_fence_close = re.compile(r'^:{3,}\s*$')
def fenced_divs(md: str) -> str:
    "Quarto/pandoc `::: {.class #id}` fenced divs -> html divs (markdown inside keeps rendering)."
    if ':::' not in md: return md
    out, in_code = [], False
    for line in md.splitlines():
        if line.lstrip().startswith(('```', '~~~')): in_code = not in_code
        if not in_code and (m := _re_fence_open.match(line.strip())):
            attrs = (m.group(2) if m.group(2) is not None else '.' + m.group(4)).split()
            cls = ' '.join(a[1:] for a in attrs if a.startswith('.'))
            ids = [a[1:] for a in attrs if a.startswith('#')]
            cls = cls.replace('fig-align="center"', '')
            kv = ' '.join(a for a in attrs if '=' in a and not a.startswith(('.', '#')))
            attr = f' class="{html.escape(cls)}"' if cls else ''
            if ids: attr += f' id="{html.escape(ids[0])}"'
            if kv and 'title=' in kv:
                t = re.search(r'title="([^"]*)"', kv)
                if t: attr += f' data-title="{html.escape(t.group(1))}"'
            out += [f'<div{attr}>', '']
        elif not in_code and _re_fence_close.match(line.strip()): out += ['', '</div>', '']
        else: out.append(line)
    return '\n'.join(out)

_re_link_attr = re.compile(r'(!?)\[([^\]]*)\]\(([^)\s]*)\)\{([^}]*)\}')
_re_span_attr = re.compile(r'(?<![!\]])\[([^\]]+)\]\{([^}]*)\}')
_re_head_attr = re.compile(r'^(#{1,6}\s+.*?)\s+\{([^}]*)\}\s*$', re.M)
def _attrs(a: str) -> str:
    "pandoc attribute list `#id .cls key=\"v\"` -> html attributes"
    res, classes = [], []
    for m in re.finditer(r'([#.][\w:-]+)|([\w-]+)=("[^"]*"|\S+)', a):
        if m.group(1) and m.group(1)[0] == '#': res.append(f'id="{html.escape(m.group(1)[1:])}"')
        elif m.group(1): classes.append(m.group(1)[1:])
        else: res.append(f'{m.group(2)}="{html.escape(m.group(3).strip(chr(34)))}"')
    if classes: res.insert(0, f'class="{" ".join(classes)}"')
    return (' ' + ' '.join(res)) if res else ''

def pandoc_markdown(md: str) -> str:
    "Pandoc/Quarto markdown extensions nbdev emits (show_doc's `[source](url){target=...}`, `{#id}` on headings,"
    " `[text]{.cls}` spans, `:::` divs) -> plain markdown + html that mistune renders."
    if '{' not in md and ':::' not in md: return md
    parts = re.split(r'(^```.*?^```[ \t]*$|^~~~.*?^~~~[ \t]*$)', md, flags=re.M | re.S)
    for i in range(0, len(parts), 2):
        t = parts[i]
        t = _re_link_attr.sub(lambda m: (f'<img src="{html.escape(m.group(3))}" alt="{html.escape(m.group(2))}"{_attrs(m.group(4))}>' if m.group(1)
                                        else f'<a href="{html.escape(m.group(3))}"{_attrs(m.group(4))}>{m.group(2)}</a>'), t)
        t = _re_span_attr.sub(lambda m: f'<span{_attrs(m.group(2))}>{m.group(1)}</span>', t)
        t = _re_head_attr.sub(lambda m: m.group(1) + (f' <a id="{html.escape(i.group(1))}"></a>' if (i := re.search(r'#([\w:.-]+)', m.group(2))) else ''), t)
        parts[i] = t
    return fenced_divs(''.join(parts))

def apply_quarto_options(nb):
    "Do what Quarto does with the cell options nbdev leaves in the processed notebook; returns the notebook."
    cells = []
    for c in nb.cells:
        if c.cell_type == 'raw': continue          # frontmatter cell (FrontmatterProc) and raw cells: Quarto does not show them
        if c.cell_type == 'markdown':
            c.source = pandoc_markdown(c.source)
            cells.append(c); continue
        if c.cell_type != 'code': continue
        opts, src = quarto_options(c.source)
        if _false(opts.get('include', 'true')): continue
        c.source = src
        md = c.setdefault('metadata', {})
        tags = list(md.get('tags', []))
        if _false(opts.get('echo', 'true')) or not src.strip(): tags.append('remove_input')
        if _false(opts.get('output', 'true')): c.outputs = []
        if 'code-fold' in opts and not _false(opts['code-fold']):
            md['docs_fold'] = 'show' if opts['code-fold'].lower() == 'show' else 'hide'
            md['docs_summary'] = opts.get('code-summary', 'Code')
        md['tags'] = tags
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if 'text/markdown' in d:
                m = d['text/markdown']
                d['text/markdown'] = pandoc_markdown(''.join(m) if isinstance(m, list) else m)
        if 'remove_input' in tags and not c.get('outputs'): continue
        cells.append(c)
    nb.cells = cells
    return nb

CELL_TEMPLATE = r"""{%- extends 'classic/base.html.j2' -%}
{% block input_group -%}
{%- if 'remove_input' in cell.metadata.get('tags', []) -%}
{%- elif cell.metadata.get('docs_fold') -%}
<details class="code-fold"{{ ' open' if cell.metadata.docs_fold == 'show' else '' }}><summary>{{ cell.metadata.docs_summary | escape_html }}</summary>
{{ super() }}
</details>
{%- else -%}
{{ super() }}
{%- endif -%}
{%- endblock input_group %}
{% block output_area_prompt %}{% endblock output_area_prompt %}
{% block in_prompt %}{% endblock in_prompt %}
{% block empty_in_prompt %}{% endblock empty_in_prompt %}
"""

def nb_to_html(nb) -> str:
    "Render the cells of a processed notebook with nbconvert (no page shell)."
    import nbformat
    from nbconvert import HTMLExporter
    from jinja2 import DictLoader
    exp = HTMLExporter(template_name='classic', template_file='fastff_docs.html.j2',
                       extra_loaders=[DictLoader({'fastff_docs.html.j2': CELL_TEMPLATE})],
                       exclude_input_prompt=True, exclude_output_prompt=True)
    from fastcore.nbio import nb2dict
    d = nb2dict(nb)
    for c in d['cells']:                            # keep only the metadata the template reads (nbformat validates it)
        c['metadata'] = {k: v for k, v in c.get('metadata', {}).items() if k in ('tags', 'docs_fold', 'docs_summary')}
        c.pop('attachments', None) if c['cell_type'] == 'code' else None
    body, _ = exp.from_notebook_node(nbformat.reads(json.dumps(d), as_version=4))
    return body

def process_notebook(job) -> dict:
    "Worker: nbdev docs processing + nbconvert for one notebook; never raises, returns {'error': ...} instead."
    src, root = Path(job['src']), Path(job['root'])
    res = dict(src=job['rel'], page=job['page'])
    t0 = time.time()
    try:
        os.chdir(src.parent)                        # notebooks run from their folder (as in Jupyter and nbdev-test)
        if str(root) not in sys.path: sys.path.insert(0, str(root))   # the project's package, installed or not
        from fastcore.nbio import read_nb
        from nbdev.processors import FilterDefaults
        from nbdev.config import get_config
        get_config.cache_clear() if hasattr(get_config, 'cache_clear') else None
        nb = read_nb(src)                           # as nbdev.serve_drv.exec_nb does for `proc_nbs`
        os.environ['IN_TEST'] = '1'                 # as nbdev.serve_drv sets it while processing
        shared = root.parent/'shared'/'data'        # same default as tests/conftest.py
        if 'FASTFF_DATA' not in os.environ and shared.exists(): os.environ['FASTFF_DATA'] = str(shared)
        import io, contextlib
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            FilterDefaults()(nb)                    # nbdev's docs processors (runs show_doc cells)
        fm = getattr(nb, 'frontmatter_', {}) or {}
        res['title'] = str(fm.get('title') or Path(job['rel']).stem)
        res['description'] = str(fm.get('description') or '')
        if job.get('keep_processed'):               # plain dict (as nbdev's write_nb saves it), for the README writer
            from fastcore.nbio import nb2dict
            res['processed'] = nb2dict(nb)
        nb = apply_quarto_options(nb)
        res['body'] = nb_to_html(nb)
    except (Exception, SystemExit) as e:
        where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
        res['error'] = f'{type(e).__name__}: {e}' + (f'\n  (raised at {where.filename}:{where.lineno})' if where else '')
    res['seconds'] = round(time.time() - t0, 2)
    return res

# ------------------------------------------------------------------------------------------------------------------
# Post-processing of the html (links, math) and the page shell
# ------------------------------------------------------------------------------------------------------------------
_re_href = re.compile(r'(\b(?:href|src)=")([^"]*)(")')
def fix_links(body: str, page: str, pages_by_nb: dict, doc_url: str) -> str:
    "Rewrite links to notebooks into their pages, and links into the hosted docs into relative ones."
    depth = page.count('/')
    up = '../' * depth
    def repl(m):
        url = html.unescape(m.group(2))
        if doc_url and url.startswith(doc_url):
            rest = url[len(doc_url):]
            url = up + (rest or 'index.html')
            if url.endswith('/'): url += 'index.html'
            if re.match(r'^(\.\./)*[^#]*\.html\.md(#|$)', url): url = url.replace('.html.md', '.html', 1)
        elif not re.match(r'^(\w+:|#|/)', url):
            path, frag = (url.split('#', 1) + [''])[:2]
            if path.endswith('.ipynb'):
                target = os.path.normpath(os.path.join(os.path.dirname(page), path)).replace(os.sep, '/')
                if target in pages_by_nb: 
                    url = os.path.relpath(pages_by_nb[target], os.path.dirname(page) or '.').replace(os.sep, '/')
                    if frag: url += '#' + frag
                else: url = path[:-len('.ipynb')] + '.html' + ('#' + frag if frag else '')
            elif path.endswith(('.qmd', '.md')) and not path.endswith('.html.md'):
                url = re.sub(r'\.(qmd|md)$', '.html', path) + ('#' + frag if frag else '')
        return m.group(1) + html.escape(url, quote=True) + m.group(3)
    return _re_href.sub(repl, body)

_re_protect = re.compile(r'(<pre\b.*?</pre>|<code\b.*?</code>|<script\b.*?</script>|<style\b.*?</style>|<math\b.*?</math>|<[^>]*>)', re.S)
_re_dmath = re.compile(r'\$\$(.+?)\$\$', re.S)
_re_imath = re.compile(r'(?<![\\$\w])\$(?=[^\s$])([^$\n]*?[^\s\\$])\$(?![\d$])|(?<![\\$\w])\$([^\s$\\])\$(?![\d$])')
def render_math(body: str) -> str:
    "TeX between $..$ / $$..$$ (outside code) -> MathML, which browsers render offline. No-op without latex2mathml."
    if '$' not in body: return body
    try: from latex2mathml.converter import convert
    except ImportError: return body
    def conv(tex, display):
        try: r = convert(html.unescape(tex).strip(), display='block' if display else 'inline')
        except Exception: return None
        return re.sub(r'(<mi>(?:log|exp|ln|sin|cos|tan|max|min|softmax|sign|argmax)</mi>)', r'\1<mspace width="0.17em"></mspace>', r)
    def dm(m):
        r = conv(m.group(1), True)
        return f'<div class="math display">{r}</div>' if r else m.group(0)
    def im(m):
        r = conv(m.group(1) if m.group(1) is not None else m.group(2), False)
        return f'<span class="math inline">{r}</span>' if r else m.group(0)
    parts = _re_protect.split(body)
    # text between tags: join consecutive text segments only inside one paragraph -> work per segment
    out = []
    for i, p in enumerate(parts):
        if i % 2 == 1 or '$' not in p: out.append(p); continue
        p = _re_dmath.sub(dm, p)
        out.append(_re_imath.sub(im, p))
    return ''.join(out)

def pandoc_id(text: str) -> str:
    "Pandoc's auto_identifiers (what Quarto gives headings, and what nbdev's doc links point to)."
    t = re.sub(r'[^\w\s_.-]', '', text.strip().lower())
    t = re.sub(r'\s+', '-', t)
    t = re.sub(r'^[^a-z_]*', '', t)   # pandoc drops leading non-letters; keep '_' so nbdev's _modidx links (#_name) resolve
    return t or 'section'

_re_hx = re.compile(r'<h([1-6])(?:\s+id="([^"]*)")?([^>]*)>(.*?)</h\1>', re.S)
def pandoc_heading_ids(body: str) -> str:
    seen = {}
    def repl(m):
        lvl, _, rest, inner = m.groups()
        text = re.sub(r'<a class="anchor-link".*?</a>', '', inner, flags=re.S)
        text = html.unescape(re.sub(r'<[^>]+>', '', text))
        hid = pandoc_id(text)
        n = seen.get(hid, 0); seen[hid] = n + 1
        if n: hid = f'{hid}-{n}'
        inner = re.sub(r'<a class="anchor-link" href="#[^"]*">', f'<a class="anchor-link" href="#{hid}">', inner)
        return f'<h{lvl} id="{hid}"{rest}>{inner}</h{lvl}>'
    return _re_hx.sub(repl, body)

_re_heading = re.compile(r'<h([23])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
def table_of_contents(body: str) -> str:
    items = []
    for lvl, hid, inner in _re_heading.findall(body):
        text = re.sub(r'<a class="anchor-link".*?</a>', '', inner, flags=re.S)
        text = html.unescape(re.sub(r'<[^>]+>', '', text)).strip()
        if text: items.append(f'<li class="toc-h{lvl}"><a href="#{hid}">{html.escape(text)}</a></li>')
    return '<ul>' + ''.join(items) + '</ul>' if len(items) > 1 else ''

def sidebar_html(tree, page: str, info: dict, extra: list[str]) -> str:
    "Navigation for `page`: `info` maps notebook rel path -> (page path, title)."
    def rel(p): return os.path.relpath(p, os.path.dirname(page) or '.').replace(os.sep, '/')
    def item(nb, text=None):
        if nb not in info: return ''
        pg, title = info[nb]
        cur = ' class="active" aria-current="page"' if pg == page else ''
        return f'<li><a href="{rel(pg)}"{cur}>{html.escape(text or title)}</a></li>'
    def walk(entries):
        out = []
        for e in entries:
            if e[0] == 'page': out.append(item(os.path.normpath(e[1]).replace(os.sep, '/'), e[2] if len(e) > 2 else None))
            elif e[0] == 'link': out.append(f'<li><a href="{html.escape(e[2])}">{html.escape(e[1])}</a></li>')
            elif e[0] == 'section':
                inner = walk(e[2])
                if inner.strip():
                    out.append(f'<li class="section"><details open><summary>{html.escape(e[1])}</summary><ul>{inner}</ul></details></li>')
        return ''.join(out)
    res = walk(tree)
    if extra:
        res += '<li class="section"><details open><summary>More</summary><ul>' + ''.join(item(nb) for nb in extra) + '</ul></details></li>'
    return f'<ul class="sidebar-nav">{res}</ul>'

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nbdev processors + nbconvert (tools/build_docs.py)">
<title>{title} – {site}</title>
<meta name="description" content="{description_attr}">
<link rel="stylesheet" href="{up}docs.css">
{extra_css}
</head>
<body>
<header class="navbar">
  <a class="brand" href="{up}index.html">{site}</a>
  <span class="navbar-spacer"></span>
  {repo_link}
</header>
<div class="layout">
<nav class="sidebar" aria-label="Pages">
{sidebar}
</nav>
<main class="content" id="quarto-document-content">
<header class="page-header">
<h1 class="title">{title}</h1>
{description}
</header>
{body}
<footer class="page-footer">Built from <code>{src}</code> with nbdev's processors and nbconvert (<code>tools/build_docs.py</code>).</footer>
</main>
<aside class="toc" aria-label="On this page">{toc}</aside>
</div>
</body>
</html>
"""

REDIRECT = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="refresh" content="0; url={target}"><link rel="canonical" href="{target}"></head>
<body><p>Moved to <a href="{target}">{target}</a>.</p></body></html>
"""

def pygments_css() -> str:
    from pygments.formatters import HtmlFormatter
    return HtmlFormatter(style='default').get_style_defs('.highlight')

# ------------------------------------------------------------------------------------------------------------------
# Build
# ------------------------------------------------------------------------------------------------------------------
def copy_assets(nbs: Path, out: Path, pages: dict[str, str]):
    "Copy the local files the pages link to (images next to the notebooks, data files) from nbs/ into the site."
    n = 0
    for page, body in pages.items():
        for _, url in re.findall(r'\b(href|src)="([^"]+)"', body):
            url = html.unescape(url)
            if re.match(r'^(\w+:|#|/)', url): continue
            rel = os.path.normpath(os.path.join(os.path.dirname(page), url.split('#')[0].split('?')[0]))
            src, dst = nbs/rel, out/rel
            if rel.startswith('..') or not src.is_file() or dst.exists() or src.suffix == '.ipynb': continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst); n += 1
    return n

def build(root: Path | None = None, out: Path | None = None, workers: int | None = None, only: list[str] | None = None,
          quiet=False) -> int:
    t0 = time.time()
    cfg = project_config(root)
    root = Path(cfg.config_path)
    nbs = Path(cfg.nbs_path)
    out = Path(out) if out else Path(cfg.doc_path)
    doc_url = str(cfg.get('doc_url', '') or '')
    site = str(cfg.get('title') or cfg.get('lib_name'))
    notebooks = list_notebooks(nbs)
    if only: notebooks = [n for n in notebooks if n.name in only or n.stem in only or str(n) in only]
    if not notebooks:
        print(f'build_docs: no notebooks found in {nbs}', file=sys.stderr); return 1
    tree = read_sidebar(nbs)
    jobs = [dict(src=str(nbs/n), rel=n.as_posix(), page=page_name(n), root=str(root)) for n in notebooks]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if workers == 1: results = [process_notebook(j) for j in jobs]
    else:
        if str(HERE) not in sys.path: sys.path.insert(0, str(HERE))
        import build_docs as _mod                  # workers (spawned: no fork of a process with threads) import this file by name
        with ProcessPoolExecutor(workers, mp_context=mp.get_context('spawn')) as ex: results = list(ex.map(_mod.process_notebook, jobs))
    failed = [r for r in results if 'error' in r]
    for r in failed:
        print(f'build_docs: ERROR: notebook nbs/{r["src"]} did not render:\n{r["error"]}', file=sys.stderr)
    ok = [r for r in results if 'error' not in r]

    # write the site
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    css = (THEME/'docs.css').read_text() if (THEME/'docs.css').exists() else ''
    (out/'docs.css').write_text(css + '\n/* pygments */\n' + pygments_css())
    if (nbs/'styles.css').exists(): shutil.copy2(nbs/'styles.css', out/'styles.css')   # the project's Quarto CSS
    info = {r['src']: (r['page'], r['title']) for r in ok}
    pages_by_nb = {r['src']: r['page'] for r in ok}
    in_sidebar = {os.path.normpath(p).replace(os.sep, '/') for p in sidebar_pages(tree)}
    extra = [r['src'] for r in ok if r['src'] not in in_sidebar and r['page'] != 'index.html']
    if 'index.ipynb' in info and 'index.ipynb' not in in_sidebar: tree = [('page', 'index.ipynb')] + tree
    repo = str(cfg.get('git_url', '') or '')
    repo_link = f'<a class="nav-link" href="{html.escape(repo)}">Source</a>' if repo else ''
    written = {}
    for r in ok:
        page = r['page']
        up = '../' * page.count('/')
        body = render_math(fix_links(pandoc_heading_ids(r['body']), page, pages_by_nb, doc_url))
        desc = f'<p class="description">{html.escape(r["description"])}</p>' if r['description'] else ''
        desc = render_math(desc)
        extra_css = f'<link rel="stylesheet" href="{up}styles.css">' if (nbs/'styles.css').exists() else ''
        doc = PAGE.format(title=html.escape(r['title']), site=html.escape(site), up=up, extra_css=extra_css,
                          description_attr=html.escape(r['description'], quote=True), description=desc,
                          repo_link=repo_link, sidebar=sidebar_html(tree, page, info, extra), body=body,
                          toc=('<h2>On this page</h2>' + t) if (t := table_of_contents(body)) else '',
                          src=html.escape('nbs/' + r['src']))
        (out/page).parent.mkdir(parents=True, exist_ok=True)
        (out/page).write_text(doc, encoding='utf-8')
        written[page] = body
        plain = Path(r['src']).with_suffix('.html').as_posix()       # 01_fff.html -> fff.html
        if plain != page and not (out/plain).exists():
            tgt = os.path.relpath(page, os.path.dirname(plain) or '.').replace(os.sep, '/')
            (out/plain).write_text(REDIRECT.format(title=html.escape(r['title']), target=tgt))
    copy_assets(nbs, out, written)
    manifest = dict(pages=[dict(notebook='nbs/' + r['src'], page=r['page'], title=r['title'], seconds=r['seconds']) for r in ok],
                    failed=[dict(notebook='nbs/' + r['src'], error=r['error'].splitlines()[0]) for r in failed],
                    sidebar_order=[p for p in sidebar_pages(tree)])
    (out/'docs_manifest.json').write_text(json.dumps(manifest, indent=1))
    if not (out/'index.html').exists() and ok:
        first = next((info[p][0] for p in sidebar_pages(tree) if p in info), ok[0]['page'])
        (out/'index.html').write_text(REDIRECT.format(title=site, target=first))
    if not quiet:
        print(f'build_docs: {len(ok)} pages -> {out} in {time.time() - t0:.1f}s ({workers} workers)'
              + (f'; {len(failed)} FAILED: ' + ', '.join('nbs/' + r['src'] for r in failed) if failed else ''))
    return 1 if failed else 0

def main(argv=None):
    ap = argparse.ArgumentParser(description='Build the documentation site offline into _docs/ (nbdev processors + nbconvert).')
    ap.add_argument('--out', help='output folder (default: the project doc_path, _docs/)')
    ap.add_argument('--workers', type=int, default=None, help='parallel notebook workers (default: CPU count)')
    ap.add_argument('--root', help='project root (default: found from the current folder, as nbdev does)')
    ap.add_argument('notebooks', nargs='*', help='only these notebooks (names or stems); default: all')
    a = ap.parse_args(argv)
    root = Path(a.root) if a.root else HERE.parent
    return build(root, a.out, a.workers, a.notebooks or None)

if __name__ == '__main__': sys.exit(main())
