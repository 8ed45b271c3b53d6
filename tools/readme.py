"""README.md from nbs/index.ipynb: nbdev's processing (into `_proc/`), then nbconvert's markdown, the cell options read
as for the pages (docs/conf.py), links pointing at the hosted docs.
`nbdev-readme` does the same with Quarto.  Usage: python tools/readme.py [OUT]   (default README.md)"""
import re, sys
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.config import nbpath2html
from nbdev.serve import proc_nbs
sys.path.insert(0, str(Path(__file__).parents[1]/'docs'))
import conf

out = Path(sys.argv[1] if len(sys.argv) > 1 else 'README.md')
proc_nbs(file_glob=conf.cfg.readme_nb, n_workers=0)   # serial: no worker reimports this script
src = [(conf.cfg.config_path/'_proc'/conf.cfg.readme_nb).read_text()]
conf.quarto_to_myst(None, 'README', src)
tags = TagRemovePreprocessor(remove_cell_tags={'remove-cell'}, remove_input_tags={'remove-input'},
                             remove_all_outputs_tags={'remove-output'})
md, res = MarkdownExporter(preprocessors=[tags]).from_notebook_node(nbformat.reads(src[0], as_version=4),
                                                                   resources=dict(output_files_dir='index_files'))
md = re.sub(r'\]\(([\w-]+\.ipynb)', lambda m: '](' + conf.cfg.doc_url + nbpath2html(Path(m[1])).as_posix(), md)
out.write_text(re.sub(r'\n{3,}', '\n\n', md).strip() + '\n')
for name, data in res['outputs'].items(): (out.parent/name).parent.mkdir(exist_ok=True); (out.parent/name).write_bytes(data)
