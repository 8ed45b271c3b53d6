# Saved as nbs/results/12_stages_h100.json (timings) by the lead on the lent H100; run from the repository root with fastff importable.
# (The saved timings were made with this script's capture written out in place; it now calls fastff.bench.graph_fn, the same steps.)
# Two-launch path: correctness against float64 (fresh inputs), CUDA-graph capture, and timings old (one persistent
# launch) vs new, eager and graph, beside dense; one process, interleaved, medians.
import torch, triton, json, os, sys, time, statistics as st
import fastff.kernels.triton_fff as tf
from fastff.bench import random_fastff, graph_fn, check_fastff
OUT = os.environ.get('OUT', '/tmp'); dev = 'cuda'
import triton as _t
res = dict(machine=f"{torch.cuda.get_device_name()}, torch {torch.__version__}, Triton {_t.__version__}", check=[], time=[])
# --- correctness
for dt in (torch.bfloat16, torch.float32, torch.float16):
    for rows, trees, depth, d_in, d_out in [(1024, 1, 11, 768, 768), (3000, 2, 9, 200, 130), (16384, 1, 11, 768, 768), (9000, 3, 12, 64, 96), (65536, 1, 11, 768, 768), (16384, 1, 7, 768, 768), (20000, 2, 15, 64, 48), (16384, 1, 13, 128, 96)]:
        for cap in (False, True):
            x, nw, nb, ow, ob = random_fastff(rows, d_in, d_out, depth, trees, dtype=dt, device=dev)
            c = torch.zeros(trees << depth, dtype=torch.int64, device=dev)
            if cap:
                s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(s): tf.fastff_eval(x, nw, nb, ow, ob, 'gelu', c)
                torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize(); c.zero_()
                g = torch.cuda.CUDAGraph()
                with torch.cuda.graph(g): y, lv = tf.fastff_eval(x, nw, nb, ow, ob, 'gelu', c)
                x.copy_(torch.randn_like(x)); y.fill_(float('nan')); g.replay(); g.replay(); torch.cuda.synchronize()
                cnt_ok = bool((c == 2 * torch.stack([torch.bincount(lv[:, t], minlength=1 << depth) for t in range(trees)]).flatten()).all())
            else:
                y, lv = tf.fastff_eval(x, nw, nb, ow, ob, 'gelu', c); torch.cuda.synchronize()
                cnt_ok = bool((c == torch.stack([torch.bincount(lv[:, t], minlength=1 << depth) for t in range(trees)]).flatten()).all())
            key = [k for k in tf._PLANS if k[0] == x.shape and k[1] == dt and k[3] == nw.shape]
            stages = any(tf._PLANS[k] and tf._PLANS[k].get('stages') for k in key)
            try: v = check_fastff(x, nw, nb, ow, ob, 'gelu', y, lv); ok = 'ok'
            except AssertionError as e: v, ok = None, f'FAIL {e}'
            r = dict(dt=str(dt), rows=rows, trees=trees, depth=depth, graph=cap, stages=stages, counts_ok=cnt_ok, ok=ok, v=str(v)[:120])
            res['check'].append(r); print(r, flush=True)
json.dump(res, open(f'{OUT}/val.json', 'w'), indent=1)
# --- timings: old vs new vs dense
def gtime(f, reps=150):
    "us per call: 10 calls of `f` captured in one CUDA graph (fastff.bench.graph_fn), median of do_bench over replays."
    replay, why = graph_fn(lambda: [f() for _ in range(10)], 'cuda', warmup=3)
    if replay is None: raise RuntimeError(why)
    return triton.testing.do_bench(replay, warmup=25, rep=reps, return_mode='median') * 1e3 / 10
def etime(f, n=30):
    torch.cuda.synchronize(); t = time.perf_counter()
    for _ in range(n): f()
    torch.cuda.synchronize(); return (time.perf_counter() - t) / n * 1e6
NEW = tf.STAGES_ROWS
PLANS = ({}, {})
for dt in (torch.bfloat16, torch.float32):
    for rows in (4096, 8192, 16384, 32768, 65536):
        x, nw, nb, ow, ob = random_fastff(rows, 768, 768, 11, 1, dtype=dt, device=dev, seed=2)
        c = torch.zeros(2048, dtype=torch.int64, device=dev)
        dense = torch.nn.Sequential(torch.nn.Linear(768, 3072), torch.nn.GELU(), torch.nn.Linear(3072, 768)).to(dev, dt)
        fs = dict(old=lambda: tf.fastff_eval(x, nw, nb, ow, ob, 'gelu', c), new=lambda: tf.fastff_eval(x, nw, nb, ow, ob, 'gelu', c), dense=lambda: dense(x))
        def setv(v):
            tf.STAGES_ROWS = {d: 1 << 40 for d in tf.DTYPES} if v == 'old' else NEW
            tf._PLANS = PLANS[v == 'old']
        out = {}
        with torch.no_grad():
            for mode, tm in (('graph', gtime), ('eager', etime)):
                vals = {v: [] for v in fs}
                for _ in range(5):
                    for v, f in fs.items(): setv(v); vals[v].append(tm(f))
                setv('new')
                out[mode] = {v: round(st.median(a), 1) for v, a in vals.items()}
        r = dict(dt=str(dt), rows=rows, **out); res['time'].append(r); print(r, flush=True)
json.dump(res, open(f'{OUT}/val.json', 'w'), indent=1)
