# Saved as nbs/results/12_stages_sweep_h100.json by the lead on the lent H100 (run from the repository root, fastff importable).
# (The saved timings were made with this script's capture written out in place; it now calls fastff.bench.graph_fn, the same steps.)
# Two-launch variants: levels split 6+6 vs 7+5, stage A and B tiles, register caps (each row of the table: one A, one B).
import torch, triton, json, os, sys
import fastff.kernels.triton_fff as tf
from fastff.bench import random_fastff, graph_fn
K = tf._fastff_kernel; dev = torch.device('cuda'); OUT = os.environ.get('OUT', '/tmp')
dt = {'bf16': torch.bfloat16, 'fp32': torch.float32}[sys.argv[1]]; rows = int(sys.argv[2])
def gtime(f, reps=150):
    "us per call: 10 calls of `f` captured in one CUDA graph (fastff.bench.graph_fn), median of do_bench over replays."
    replay, why = graph_fn(lambda: [f() for _ in range(10)], 'cuda', warmup=3)
    if replay is None: raise RuntimeError(why)
    return triton.testing.do_bench(replay, warmup=25, rep=reps, return_mode='median') * 1e3 / 10
x, nw, nb, ow, ob = random_fastff(rows, 768, 768, 11, 1, dtype=dt, device='cuda', seed=1)
c = torch.zeros(2048, dtype=torch.int64, device='cuda')
ref = tf.fastff_eval(x, nw, nb, ow, ob, 'gelu', c)[0].float()
print('current plan', round(gtime(lambda: tf.fastff_eval(x, nw, nb, ow, ob, 'gelu', c)), 1), flush=True)
def mk(top):
    nb_ = 1 << top; bottom = 12 - top
    y = torch.empty(rows, 768, dtype=dt, device=dev); leaves = torch.empty(rows, 1, dtype=torch.int64, device=dev)
    counts = torch.zeros(2048, dtype=torch.int64, device=dev); perm = torch.empty(nb_, rows, dtype=torch.int32, device=dev)
    pact = torch.empty(1, rows, top, dtype=torch.float32, device=dev); counter = torch.zeros(2 * nb_ * tf.COUNTER_STRIDE, dtype=torch.int32, device=dev)
    base = dict(IN=768, OUT=768, N_TREES=1, TOP=top, BOTTOM=bottom, TOP_COLS=tf._p2(nb_ - 1), SUB_COLS=tf._p2((1 << bottom) - 1),
                COUNTERS_P2=tf._p2(nb_, 2), HAS_NB=True, HAS_OB=True, COUNT=True, ACT=2, SYNC=False, ANC_PRODUCT=True, SAVE_Z=False,
                PREC='tf32x3' if dt == torch.float32 else 'ieee', UPCAST=False, ONE_ROW=False, FMA=False, SPLIT=1)
    sync = torch.zeros(2, dtype=torch.int32, device=dev)
    args = [x, nw, nb, ow, ob, y, y, leaves, counts, pact, perm, counter, sync, y, rows, rows, 0]   # (z: unused)
    return y, counter, sync, base, args, nb_
if dt == torch.bfloat16:
    As = [dict(BM=64, BK=64, BN=128, num_warps=4, num_stages=3), dict(BM=64, BK=64, BN=128, num_warps=4, num_stages=3, maxnreg=168),
          dict(BM=128, BK=64, BN=128, num_warps=8, num_stages=3), dict(BM=32, BK=64, BN=128, num_warps=4, num_stages=3)]
    Bs = [dict(BM=64, BK=64, BN=64, num_warps=4, num_stages=3, maxnreg=168), dict(BM=64, BK=64, BN=128, num_warps=4, num_stages=3, maxnreg=168),
          dict(BM=64, BK=64, BN=64, num_warps=4, num_stages=3), dict(BM=128, BK=64, BN=64, num_warps=8, num_stages=3, maxnreg=128),
          dict(BM=64, BK=64, BN=64, num_warps=4, num_stages=2, maxnreg=128), dict(BM=32, BK=64, BN=128, num_warps=4, num_stages=3, maxnreg=128)]
else:
    As = [dict(BM=32, BK=32, BN=64, num_warps=4, num_stages=3), dict(BM=32, BK=32, BN=64, num_warps=4, num_stages=3, maxnreg=168),
          dict(BM=64, BK=32, BN=64, num_warps=8, num_stages=3), dict(BM=64, BK=32, BN=64, num_warps=4, num_stages=4),
          dict(BM=64, BK=32, BN=64, num_warps=4, num_stages=3)]
    Bs = [dict(BM=32, BK=32, BN=64, num_warps=4, num_stages=3, maxnreg=168), dict(BM=32, BK=32, BN=32, num_warps=4, num_stages=3, maxnreg=168),
          dict(BM=16, BK=64, BN=64, num_warps=4, num_stages=3, maxnreg=168), dict(BM=32, BK=32, BN=64, num_warps=4, num_stages=3)]
res = []
for top in (6, 7):
    y, counter, sync, base, args, nb_ = mk(top)
    for ai, a in enumerate(As):
        A = dict(base, **a, STAGE_A=True, STAGE_B=False); gA = -(-rows // A['BM'])
        def fA(): counter.zero_(); sync.zero_(); K[(gA,)](*args, **A)
        try: fA(); torch.cuda.synchronize(); usA = gtime(fA)
        except Exception as e: print('A fail', top, a, type(e).__name__, str(e)[:100]); continue
        for bi, b in enumerate(Bs):
            if ai and bi: continue
            B = dict(base, **b, STAGE_A=False, STAGE_B=True); gB = -(-rows // B['BM']) + nb_
            filed = [None]
            def fB(): counter.copy_(filed[0]); K[(gB,)](*args, **B)   # stage B clears the counters: restore stage A's
            try:
                y.fill_(float('nan')); fA(); filed[0] = counter.clone(); fB(); torch.cuda.synchronize()
                err = ((y.float() - ref).norm() / ref.norm()).item()
                usB = gtime(fB); us = gtime(lambda: (fA(), fB()))
                r = dict(top=top, A=a, B=b, us=round(us, 1), usA=round(usA, 1), usB=round(usB, 1), err=f'{err:.1e}')
            except Exception as e: r = dict(top=top, A=a, B=b, err=f'{type(e).__name__}: {str(e)[:100]}')
            res.append(r); print(r, flush=True)
json.dump(res, open(f'{OUT}/sweep3_{sys.argv[1]}.json', 'w'), indent=1)
