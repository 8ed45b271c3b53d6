"The exported library is exactly what the notebooks export, and the notebooks are clean."
import shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def _copy(tmp):
    for d in ["nbs", "fastff"]: shutil.copytree(ROOT / d, tmp / d, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp)
    return tmp

def _files(root, sub, pat): return {p.relative_to(root): p.read_bytes() for p in (root / sub).rglob(pat)}

def test_export_in_sync(tmp_path):
    tmp = _copy(tmp_path)
    subprocess.run([sys.executable, "-c", "from nbdev.doclinks import nbdev_export; nbdev_export.__wrapped__()"],
                   cwd=tmp, check=True)
    fresh, ours = _files(tmp, "fastff", "*.py"), _files(ROOT, "fastff", "*.py")
    stale = sorted(str(k) for k in fresh.keys() | ours.keys() if fresh.get(k) != ours.get(k))
    assert not stale, f"nbdev-export changes these files; run nbdev-export and commit: {stale}"

def test_notebooks_clean(tmp_path):
    tmp = _copy(tmp_path)
    subprocess.run([sys.executable, "-c", "from nbdev.clean import nbdev_clean; nbdev_clean.__wrapped__()"],
                   cwd=tmp, check=True)
    fresh, ours = _files(tmp, "nbs", "*.ipynb"), _files(ROOT, "nbs", "*.ipynb")
    dirty = sorted(str(k) for k in ours if fresh.get(k) != ours[k])
    assert not dirty, f"nbdev-clean changes these notebooks; run nbdev-clean and commit: {dirty}"
