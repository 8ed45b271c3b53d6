# The kernel-alone figures of nbs/12_kernels_triton.ipynb ('What was measured'); run on a CUDA machine from nbs/:
#   python results/12_kernels_triton_h100.py  (writes kernels_triton_h100.json into $OUT, default the current folder)
#: fastff_eval / fff_eval called directly
# beside the dense layer, eager (pipelined calls) and CUDA-graph replay; usage counting on/off; the tile configuration used.
import os, sys, json, subprocess, time
import torch, triton
import fastff.kernels.triton_fff as tff
from fastff.bench import random_fastff, random_fff, check_fastff
OUT = os.environ.get('OUT', '.')
def time_eager(f, calls=50, repeats=7):
    for i in range(3): f(i)
    ts = []
    for _ in range(repeats):
        torch.cuda.synchronize(); t0 = time.perf_counter()
        for i in range(calls): f(i)
        torch.cuda.synchronize(); ts.append((time.perf_counter() - t0) / calls * 1e6)
    return sorted(ts)[len(ts) // 2]
def time_graph(f, calls=12, repeats=15):
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for i in range(2): f(i)
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for i in range(calls): f(i)
    ts = []
    for _ in range(repeats):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record(); g.replay(); e1.record(); torch.cuda.synchronize()
        ts.append(e0.elapsed_time(e1) * 1000 / calls)
    return sorted(ts)[len(ts) // 2]
commit = os.environ.get('FASTFF_COMMIT') or subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip() or 'unknown'
K = {}
with torch.no_grad():
    for dt in [torch.bfloat16, torch.float32]:
        dense = torch.nn.Sequential(torch.nn.Linear(768, 3072), torch.nn.GELU(), torch.nn.Linear(3072, 768)).to('cuda', dt)
        _, nw, nb, ow, ob = random_fastff(1, 768, 768, 11, 1, dtype=dt, device='cuda')
        counts = torch.zeros(2048, dtype=torch.int64, device='cuda')
        for rows in [1, 32, 64, 128, 4096, 16384, 65536]:
            xs = [torch.randn(rows, 768, device='cuda', dtype=dt) for _ in range(4)]
            ff = lambda i: tff.fastff_eval(xs[i % 4], nw, nb, ow, ob, 'gelu', counts)
            de = lambda i: dense(xs[i % 4])
            K[f"{str(dt)[6:]}_{rows}"] = dict(dense_eager=time_eager(de), fastff_eager=time_eager(ff), dense_graph=time_graph(de), fastff_graph=time_graph(ff))
            print(dt, rows, {k: round(v, 1) for k, v in K[f"{str(dt)[6:]}_{rows}"].items()}, flush=True)
        a = random_fff(16384, 768, 32, 768, 7, dtype=dt, device='cuda')
        for rows in [1, 16384]:
            xs = [torch.randn(rows, 768, device='cuda', dtype=dt) for _ in range(4)]
            f = lambda i: tff.fff_eval(xs[i % 4], *a[1:], 'relu', torch.zeros(128, dtype=torch.int64, device='cuda'))
            K[f"fff_{str(dt)[6:]}_{rows}"] = dict(fff_eager=time_eager(f), fff_graph=time_graph(f))
    _, nw, nb, ow, ob = random_fastff(1, 768, 768, 11, 1, dtype=torch.bfloat16, device='cuda')
    xs = [torch.randn(16384, 768, device='cuda', dtype=torch.bfloat16) for _ in range(4)]
    counts = torch.zeros(2048, dtype=torch.int64, device='cuda'); none = torch.empty(0, dtype=torch.int64, device='cuda')
    K['count_on'] = time_graph(lambda i: tff.fastff_eval(xs[i % 4], nw, nb, ow, ob, 'gelu', counts))
    K['count_off'] = time_graph(lambda i: tff.fastff_eval(xs[i % 4], nw, nb, ow, ob, 'gelu', none))
cfgs = [dict(dtype=str(dt), rows=r, **{k: v for k, v in p['cfg'].items() if k in ('BM', 'BK', 'BN', 'num_warps', 'num_stages', 'SPLIT', 'ONE_ROW', 'FMA')}, WALK=p.get('walk', False), grid=p['grid'])
        for key, p in tff._PLANS.items() if p for dt, r in [(key[1], key[0][0])] if key[3] == (1, 4095, 768)]
res = dict(machine=f"{torch.cuda.get_device_name()}, torch {torch.__version__}, Triton {triton.__version__}; command: "
                   f"python results/12_kernels_triton_h100.py",
           version=f"kernels as of commit {commit}", kernel=K, configs=cfgs)
json.dump(res, open(f'{OUT}/kernels_triton_h100.json', 'w'), indent=1)
print('kernel json written', flush=True)
