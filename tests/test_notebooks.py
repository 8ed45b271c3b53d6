"Every notebook in nbs/ runs top to bottom (cells flagged `slow`/`gpu` only with `--flags`), each in its own process."
import subprocess, sys
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1] / "nbs"
NOTEBOOKS = sorted(p.name for p in NBS.glob("*.ipynb") if not p.name.startswith("_"))

RUN = """
import sys
from nbdev.test import test_nb
from nbdev.config import get_config
cfg = get_config()
skip = cfg.tst_flags.split() if isinstance(cfg.tst_flags, str) else list(cfg.tst_flags)
ok, secs = test_nb(sys.argv[1], skip_flags=skip, force_flags=sys.argv[2].split(), basepath=str(cfg.config_path))
print(f"{sys.argv[1]}: {'ok' if ok else 'FAILED'} in {secs:.1f}s")
sys.exit(0 if ok else 1)
"""

@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_notebook(nb, request):
    r = subprocess.run([sys.executable, "-c", RUN, str(NBS / nb), request.config.getoption("--flags")],
                       cwd=NBS, capture_output=True, text=True)
    assert r.returncode == 0, f"{nb} failed:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
