#!/usr/bin/env python3
"""Rebuild the small real data samples shipped in `fastff/samples/` from full local copies of the datasets.

Usage: `python tools/make_samples.py DATA` where DATA holds `mnist/` (the four IDX .gz files), `cifar10/cifar10_jpg.tgz`
and `tinyshakespeare/input.txt` (the layout `FASTFF_DATA` uses). The output is deterministic (fixed gzip/tar
timestamps, sorted members), so rebuilding gives byte-identical files; their sha256 go into `fastff.data.SAMPLE_SHA256`.
"""
import gzip, hashlib, io, struct, sys, tarfile
from pathlib import Path

N_MNIST = {'train': 2000, 't10k': 500}   # the first images of each split (roughly class-balanced, as MNIST is ordered by writer)
N_CIFAR = {'train': 50, 'test': 10}      # per class: the first by file name
N_TEXT = 20_000                          # characters of Tiny Shakespeare, cut back to the end of a line
CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

def gz(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode='wb', mtime=0, filename='') as f: f.write(data)
    return buf.getvalue()

def idx_head(data: bytes, n: int) -> bytes:
    "The first `n` items of an unsigned-byte IDX file, with its header's count rewritten."
    ndim = data[3]
    dims = list(struct.unpack(f'>{ndim}I', data[4:4+4*ndim]))
    item = 1
    for d in dims[1:]: item *= d
    dims[0] = n
    return data[:4] + struct.pack(f'>{ndim}I', *dims) + data[4+4*ndim:4+4*ndim+n*item]

def main(src, out):
    src, out = Path(src), Path(out)
    (out/'mnist').mkdir(parents=True, exist_ok=True)
    for pre, n in N_MNIST.items():
        for kind in ('images-idx3', 'labels-idx1'):
            stem = f'{pre}-{kind}-ubyte'
            raw = gzip.decompress((src/'mnist'/(stem+'.gz')).read_bytes())
            (out/'mnist'/(stem+'.gz')).write_bytes(gz(idx_head(raw, n)))
    (out/'cifar10').mkdir(exist_ok=True)
    picked = {}
    with tarfile.open(src/'cifar10'/'cifar10_jpg.tgz') as tf:
        for m in tf:
            parts = Path(m.name).parts
            if m.isfile() and len(parts) >= 3 and parts[-3] in N_CIFAR and parts[-2] in CLASSES:
                picked.setdefault((parts[-3], parts[-2]), []).append((parts[-1], tf.extractfile(m).read()))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.USTAR_FORMAT) as tf:
        for split, n in N_CIFAR.items():
            for c in CLASSES:
                for name, data in sorted(picked[split, c])[:n]:
                    ti = tarfile.TarInfo(f'{split}/{c}/{name}'); ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
                    tf.addfile(ti, io.BytesIO(data))
    (out/'cifar10'/'cifar10_sample.tgz').write_bytes(gz(buf.getvalue()))
    (out/'tinyshakespeare').mkdir(exist_ok=True)
    text = (src/'tinyshakespeare'/'input.txt').read_text(encoding='utf-8')
    cut = text[:N_TEXT]
    (out/'tinyshakespeare'/'input.txt').write_text(cut[:cut.rindex('\n')+1], encoding='utf-8')
    for f in sorted(out.rglob('*')):
        if f.is_file() and f.name != 'README.md':
            print(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.stat().st_size:>8}  {f.relative_to(out)}")

if __name__ == '__main__':
    if len(sys.argv) != 2: sys.exit(__doc__)
    main(sys.argv[1], Path(__file__).resolve().parents[1]/'fastff'/'samples')
