# The few-row comparison of nbs/12_kernels_triton.ipynb ('Few rows: every logit, then a walk'); run on a CUDA machine
# from nbs/:  python results/12_walk_h100.py  (writes 12_walk_h100.json into $OUT, default the current folder)
# FastFeedForward(768, 768, 11) inference kernels alone, one tree, CUDA-graph replay of 12 calls per graph (us per call,
# median of 30 rounds, every variant's graph replayed in turn in each round): 'warm' = one weight set (12 input sets),
# 'cold' = 12 weight sets, one per call, as in a 12-layer encoder (together larger than L2). Variants: the dense
# layer (768-3072-768 GELU), the kernels used before the walk path ('two products'), and the walk path with the
# logits from cuBLAS or from the Triton product in each tile configuration; err: relative error against float64.
import os, json, subprocess, torch, triton
import fastff.kernels.triton_fff as tf
from fastff.bench import check_fastff, random_fastff
OUT = os.environ.get('OUT', '.')
MM, LOGITS = dict(tf.MM_ROWS), {k: v and dict(v) for k, v in tf.LOGITS_CONFIGS.items()}
def use(dt, walk, logits=None):
    "Route `dt` to the walk path (logits: None = cuBLAS, else a Triton tile config) or to the kernels before it."
    tf.MM_ROWS[dt] = 1 << 30 if walk else 0
    tf.LOGITS_CONFIGS[dt] = logits
    tf._PLANS.clear()
def restore():
    tf.MM_ROWS.update(MM); tf.LOGITS_CONFIGS.update(LOGITS); tf._PLANS.clear()
def graph(f):
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s): f()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g): f()
    torch.cuda.synchronize(); return g.replay
def interleaved(fns, rounds=30, calls=12):
    "Median us per call of each graph (of `calls` calls), the graphs replayed in turn in every round."
    for f in fns.values(): f(); f()
    ts = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record(); f(); e1.record(); e1.synchronize(); ts[k].append(e0.elapsed_time(e1) * 1000 / calls)
    return {k: round(sorted(v)[len(v) // 2], 2) for k, v in ts.items()}
TRITON_TILES = [dict(BM=128, BN=32, BK=128, num_warps=4, num_stages=3), dict(BM=64, BN=64, BK=128, num_warps=4, num_stages=3),
                dict(BM=128, BN=16, BK=128, num_warps=4, num_stages=3), dict(BM=128, BN=32, BK=64, num_warps=4, num_stages=4)]
L, R = 12, []
with torch.no_grad():
    for dt in (torch.bfloat16, torch.float32):
        ws = [random_fastff(1, 768, 768, 11, 1, dtype=dt, device='cuda')[1:] for _ in range(L)]
        dense = [torch.nn.Sequential(torch.nn.Linear(768, 3072), torch.nn.GELU(), torch.nn.Linear(3072, 768)).to('cuda', dt) for _ in range(L)]
        counts = torch.zeros(2048, dtype=torch.int64, device='cuda')
        variants = {'two products': (False, None), 'walk, cuBLAS logits': (True, None)}
        if dt != torch.float32:
            variants.update({f"walk, Triton logits {c['BM']}x{c['BN']}x{c['BK']} s{c['num_stages']}": (True, c) for c in TRITON_TILES})
        for rows in [1, 8, 32, 64, 128, 192, 256]:
            xs = [torch.randn(rows, 768, device='cuda', dtype=dt) for _ in range(L)]
            fns, err = {}, {}
            for cold in (False, True):
                w = (lambda i: ws[i]) if cold else (lambda i: ws[0])
                d = (lambda i: dense[i]) if cold else (lambda i: dense[0])
                tag = 'cold' if cold else 'warm'
                fns[f"dense|{tag}"] = graph(lambda: [d(i)(xs[i]) for i in range(L)])
                for name, (walk, logits) in variants.items():
                    use(dt, walk, logits)
                    fns[f"{name}|{tag}"] = graph(lambda: [tf.fastff_eval(xs[i], *w(i), 'gelu', counts) for i in range(L)])
                    if not cold:
                        y, lv = tf.fastff_eval(xs[0], *ws[0], 'gelu', counts)
                        err[name] = check_fastff(xs[0], *ws[0], 'gelu', y, lv)['rel_err']
            t = interleaved(fns)
            for k, us in t.items():
                name, tag = k.split('|')
                R.append(dict(dtype=str(dt)[6:], rows=rows, variant=name, weights=tag, us=us, err=err.get(name)))
            print(str(dt)[6:], rows, t, flush=True)
            restore()
        del ws, dense; torch.cuda.empty_cache()
commit = os.environ.get('FASTFF_COMMIT') or subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip() or 'unknown'
json.dump(dict(machine=f"{torch.cuda.get_device_name()}, torch {torch.__version__}, Triton {triton.__version__}; command: "
                       f"python results/12_walk_h100.py", version=f"kernels as of commit {commit}",
               note="kernel alone, CUDA-graph replay of 12 calls, us per call; warm: one weight set, cold: 12 (one per call)",
               results=R), open(f"{OUT}/12_walk_h100.json", 'w'), indent=1)
print('written', flush=True)
