"Test-suite wiring: the `--flags` option for notebook cells, and the closing `N passed, N failed` line."
import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def pytest_addoption(parser):
    parser.addoption("--flags", default=os.environ.get("FASTFF_TEST_FLAGS", ""),
                     help='space-separated notebook cell flags to run as well, e.g. "slow gpu"')

def pytest_configure(config):
    # Tests read the offline datasets next to the checkout unless FASTFF_DATA says otherwise.
    shared = ROOT.parent / "shared" / "data"
    if "FASTFF_DATA" not in os.environ and shared.exists(): os.environ["FASTFF_DATA"] = str(shared)

def pytest_unconfigure(config):
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is None: return
    n = lambda k: len([r for r in tr.stats.get(k, []) if getattr(r, "when", "call") in ("call", "setup")])
    failed = n("failed") + n("error")
    skipped = n("skipped")
    print(f"\n{n('passed')} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
