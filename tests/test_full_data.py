"""Checks on the complete datasets: run when `FASTFF_DATA` points at them (CI sets it where `../shared/data` lies beside
the checkout, see conftest.py); skipped, with the reason in pytest's summary, otherwise. The notebooks test the loaders
on the samples shipped in the package, which need no data folder."""
import os
import pytest

pytestmark = pytest.mark.skipif(not os.environ.get('FASTFF_DATA'),
                                reason='FASTFF_DATA is not set: no complete datasets to check (set it to a folder holding '
                                       'mnist/, cifar10/ and tinyshakespeare/ to run these)')

def test_mnist_full(tmp_path, monkeypatch):
    "All of MNIST, decoded afresh (private cache): the published label counts and pixel statistics of both splits."
    import torch
    from fastff.data import mnist_tensors
    monkeypatch.setenv('FASTFF_CACHE', str(tmp_path))
    d = mnist_tensors()
    assert torch.bincount(d['y_train']).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert torch.bincount(d['y_valid']).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    px = d['x_train'].double() / 255
    assert abs(px.mean().item() - 0.1307) < 1e-4 and abs(px.std().item() - 0.3081) < 1e-4
    assert list(tmp_path.glob('mnist-*.pt')), 'the decoded tensors were not cached'
    again = mnist_tensors()  # from the cache now
    assert torch.equal(again['x_valid'], d['x_valid'])

def test_shakespeare_full():
    "Tiny Shakespeare: its length, alphabet and nanoGPT's 90/10 split."
    from fastff.data import shakespeare, split_text
    text = shakespeare()
    assert len(text) == 1_115_394 and len(set(text)) == 65
    assert [len(t) for t in split_text(text)] == [1_003_854, 111_540]
