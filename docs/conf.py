"""Sphinx + myst-nb configuration of the offline docs in `_docs/`, made from nbdev's processed notebooks in `_proc/`
(the README's Documentation commands: `proc_nbs` is `nbdev-proc-nbs` without its Quarto install):
    python -c "from nbdev.serve import proc_nbs; proc_nbs()" && sphinx-build -q -W -j auto -c docs _proc _docs
Quarto users keep `nbdev-docs` with nbs/_quarto.yml and nbs/sidebar.yml.
Sphinx reads the same sidebar.yml; `quarto_to_myst` turns what nbdev leaves for Quarto into what myst-nb reads."""
import json, re, sys, yaml
from pathlib import Path
from nbdev.config import get_config, nbpath2html

cfg = get_config()
project, author, copyright = cfg.title, cfg.author, cfg.author
extensions = ['myst_nb']
html_theme, html_title = 'sphinx_book_theme', project
html_context = dict(default_mode='light')
html_theme_options = dict(repository_url=cfg.git_url, use_repository_button=True, show_toc_level=2)
exclude_patterns = ['_*', '**/.ipynb_checkpoints',      # and the parts of MathJax the pages do not use:
                    'unpacked/*', 'test/*', 'localization/*', 'config/*-full.js', 'jax/output/[!C]*', 'fonts/*/*/[!w]*']
nb_execution_mode = 'off'                         # saved outputs are the docs; the tests execute the notebooks
nb_render_markdown_format = 'myst'                # show_doc's markdown: tables, {target=...} attributes
myst_enable_extensions = ['dollarmath', 'amsmath', 'attrs_inline', 'colon_fence']
myst_heading_anchors = 4                          # `[x](01_fff.ipynb#fff.forward)` is checked: a missing page or id warns
sys.path.insert(0, str(Path(__file__).parent))
myst_heading_slug_func = 'conf.pandoc_id'         # the heading ids Quarto gives, which nbdev's links point to
html_static_path = ['/usr/share/javascript/mathjax', 'fastff.css']   # Debian's libjs-mathjax (MathJax 2), served with the pages
html_css_files = ['fastff.css']
mathjax_path = 'MathJax.js?config=TeX-AMS_CHTML'
mathjax2_config = {'tex2jax': {'processClass': 'math|output_area'}}   # myst-nb marks the rest of a page mathjax_ignore
myst_update_mathjax, myst_dmath_double_inline = False, True
import myst_nb.sphinx_ext; myst_nb.sphinx_ext.OUTPUT_FOLDER = '_proc/_jupyter_execute'   # its scratch folder, else ./jupyter_execute
suppress_warnings = ['myst.header']           # show_doc's H3 right after a page's H1 is fine

def pandoc_id(text):
    "Pandoc's heading id: lower case; letters, digits, `_-.` kept; spaces to `-`; leading non-letters dropped."
    return re.sub(r'^[^a-z_]+', '', re.sub(r'\s+', '-', re.sub(r'[^\w\s.-]', '', text.strip().lower())))

nbs = Path(cfg.nbs_path)
pages = {nbpath2html(p.relative_to(nbs)).as_posix(): p.relative_to(nbs).as_posix() for p in nbs.glob('[!_]*.ipynb')}
sidebar = yaml.safe_load((nbs/'sidebar.yml').read_text())['website']['sidebar']['contents']
toc = [(s['section'], s['contents']) for s in sidebar if isinstance(s, dict)]
toc += [('More', sorted(set(pages.values()) - {p for _, ps in toc for p in ps} - {'index.ipynb'}))]   # not in sidebar.yml
toctree = '\n'.join(f'```{{toctree}}\n:caption: {c}\n:hidden:\n' + '\n'.join(ps) + '\n```' for c, ps in toc if ps)
# nbdev's links to the hosted docs (fff.html#fff.forward) and Quarto page names -> notebooks; private `#_x` are not documented
doc_link = re.compile(r'\]\((?:' + re.escape(cfg.doc_url) + r')?([\w-]+\.html)(#[^_)][^)]*)?[^)]*\)')
def md_cell(id, src): return dict(cell_type='markdown', id=id, metadata={}, source=src)

def quarto_to_myst(app, docname, source):
    if not source[0].lstrip().startswith('{'): return
    nb = json.loads(doc_link.sub(lambda m: f'](' + pages[m[1]] + (m[2] or '') + ')' if m[1] in pages else m[0], source[0]))
    nb['metadata']['language_info'] = dict(name='python', pygments_lexer='ipython3')
    if nb['cells'] and nb['cells'][0]['cell_type'] == 'raw':      # nbdev's frontmatter -> title and description
        fm = yaml.safe_load(''.join(nb['cells'].pop(0)['source']).strip('-\n')) or {}
        nb['cells'].insert(0, md_cell('title', f"# {fm.get('title', docname)}\n\n{fm.get('description', '')}"))
    for c in nb['cells']:
        src = ''.join(c['source'])
        opts = dict(re.findall(r'^#\|\s*([\w-]+):\s*(\w+)\s*$', src, re.M))
        c['metadata']['tags'] = [t for k, t in [('echo', 'remove-input'), ('output', 'remove-output'),
                                               ('include', 'remove-cell')] if opts.get(k) == 'false']
        if c['cell_type'] == 'code': c['source'] = re.sub(r'^#\|.*\n?', '', src, flags=re.M)
        for o in c.get('outputs', []):                              # show_doc's leading `---` rule
            if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = ''.join(o['data']['text/markdown']).removeprefix('---\n')
    if docname == 'index': nb['cells'].append(md_cell('toctree', toctree))
    source[0] = json.dumps(nb)

def setup(app): app.connect('source-read', quarto_to_myst)
