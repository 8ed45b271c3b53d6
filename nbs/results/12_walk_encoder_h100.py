# The walk-path figures of nbs/12_kernels_triton.ipynb beside results/12_walk_h100.py ('Few rows: every logit, then a walk'):
# run on a CUDA machine from nbs/:  python results/12_walk_encoder_h100.py rest tile128  (writes call2_rest.json into $OUT;
# saved here as 12_walk_encoder_h100.json). Variants: 'current' = the kernels before the walk path, 'cublas' / 'triton' =
# the walk path (in eager calls too) with its logits from cuBLAS / from _node_logits_kernel (the saved run: tile 128x32x128).
# 1. breakdown (bf16, 12 weight sets in turn, CUDA-graph replay, us per call): the logits alone (cuBLAS with fp32 or bf16
#    output, the Triton product) and each whole path; 2. FastFeedForward(768, 768, 11).eval() called eagerly (us per call
#    of 100 pipelined calls, counting on), each variant timed in turn with the dense layer; 3. the 12-layer encoder of
#    fastff bench at batch 1 (128 rows per FFN) in CUDA graphs, replayed in turn (us per forward).
import os, sys, time, json, traceback, warnings
warnings.filterwarnings('ignore')
import torch, triton
import fastff.kernels.triton_fff as tf
from fastff.bench import check_fastff, random_fastff, Encoder, encoder_variant
from fastff.fastfeedforward import FastFeedForward
OUT = os.environ.get('OUT', '/tmp'); T0 = time.time(); R = {}
PART = sys.argv[1]
def log(*a): print(f"[{time.time()-T0:5.0f}s]", *a, flush=True)
def save(): json.dump(R, open(f"{OUT}/call2_{PART}.json", 'w'), indent=1, default=str)
F, B, H = torch.float32, torch.bfloat16, torch.float16
dev = 'cuda'
def bincount(lv, n): return torch.bincount(lv.flatten(), minlength=n)
MM, MME, LOG = dict(tf.MM_ROWS), dict(tf.MM_EAGER), {k: v and dict(v) for k, v in tf.LOGITS_CONFIGS.items()}
if len(sys.argv) > 2: LOG[torch.bfloat16] = dict(BM=128, BN=32, BK=128, num_warps=4, num_stages=3)  # 'tile128': the saved run's tile
def variant(name, dt):
    tf.MM_ROWS.update(MM); tf.MM_EAGER.update({k: True for k in MME}); tf.LOGITS_CONFIGS.update({k: v and dict(v) for k, v in LOG.items()})
    if name == 'current': tf.MM_ROWS[dt] = 0
    elif name == 'cublas': tf.MM_ROWS[dt] = 1 << 30; tf.LOGITS_CONFIGS[dt] = None
    elif name == 'triton': tf.MM_ROWS[dt] = 1 << 30
    tf._PLANS.clear()
def ev(f):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); f(); e.record(); e.synchronize(); return s.elapsed_time(e) * 1e3
def med(v): v = sorted(v); return v[len(v)//2]
def graph(f):
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2): f()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g): f()
    torch.cuda.synchronize(); return g.replay
def inter(fns, reps=30, warm=3):
    for f in fns.values():
        for _ in range(warm): f()
    torch.cuda.synchronize(); ts = {k: [] for k in fns}
    for _ in range(reps):
        for k, f in fns.items(): ts[k].append(ev(f))
    return {k: round(med(v), 2) for k, v in ts.items()}
if PART == 'rest':
  variant('none', F)
  with torch.no_grad():                                    # breakdown, cold (12 weight sets)
    L = 12; ws = [random_fastff(1, 768, 768, 11, 1, dtype=B, device=dev)[1:] for _ in range(L)]
    counts = torch.zeros(2048, dtype=torch.int64, device=dev)
    for rows in (8, 128):
      xs = [torch.randn(rows, 768, device=dev, dtype=B) for _ in range(L)]
      z = torch.empty(rows, 4095, device=dev)
      cfg = dict(LOG[B]); cfg['BM'] = min(cfg['BM'], tf._p2(rows)); grid = -(-rows // cfg['BM']) * -(-4095 // cfg['BN'])
      fns = {'mm out fp32': graph(lambda: [torch.mm(xs[i], ws[i][0][0].t(), out_dtype=torch.float32) for i in range(L)]),
             'mm bf16': graph(lambda: [torch.mm(xs[i], ws[i][0][0].t()) for i in range(L)]),
             'triton logits': graph(lambda: [tf._node_logits_kernel[(grid,)](xs[i], ws[i][0], z, rows, IN=768, N_NODES=4095, UPCAST=False, **cfg) for i in range(L)])}
      for v in ('current', 'cublas', 'triton'):
        variant(v, B); fns[v] = graph(lambda: [tf.fastff_eval(xs[i], *ws[i], 'gelu', counts) for i in range(L)])
      t = {k: round(v / L, 2) for k, v in inter(fns).items()}
      R.setdefault('breakdown_bf16_cold', {})[rows] = t; log('breakdown', rows, t)
    del ws
  save()
  with torch.no_grad():                                    # the layer, eager: us per call of 100 pipelined calls
    for dt in (B, F):
      m = FastFeedForward(768, 768, 11).to(dev, dt).eval()
      d = torch.nn.Sequential(torch.nn.Linear(768, 3072), torch.nn.GELU(), torch.nn.Linear(3072, 768)).to(dev, dt)
      for rows in (1, 128):
        x = torch.randn(rows, 768, device=dev, dtype=dt)
        dense100 = lambda: [d(x) for _ in range(100)]
        layer100 = lambda: [m(x) for _ in range(100)]
        res = {}
        for v in ('current', 'cublas', 'triton') if dt != F else ('current', 'cublas'):
          variant(v, dt); m(x)
          t = inter({'dense': dense100, v: layer100}, reps=9, warm=1)
          res[v], res[f'dense ({v})'] = round(t[v] / 100, 1), round(t['dense'] / 100, 1)
        R.setdefault('eager_layer', {})[f"{str(dt)[6:]} {rows}"] = res; log('eager', dt, rows, res)
  save()
  with torch.no_grad():                                    # encoder batch 1 (128 rows per FFN), graph replay
    for dt in (B, F):
      encs = {}
      for v in ('dense', 'fastff', 'no_ffn'):
        torch.manual_seed(0); encs[v] = encoder_variant(Encoder(768, 12, 12), v, 11).to(dev, dt).eval()
      x = torch.randn(1, 128, 768, device=dev, dtype=dt)
      gs = {'dense': graph(lambda: encs['dense'](x)), 'no_ffn': graph(lambda: encs['no_ffn'](x))}
      for v in ('current', 'cublas', 'triton') if dt != F else ('current', 'cublas'):
        variant(v, dt); gs[f"fastff {v}"] = graph(lambda: encs['fastff'](x))
      t = inter(gs, reps=40, warm=5)
      R.setdefault('encoder_b1_graph', {})[str(dt)[6:]] = t; log('encoder', dt, t)
  variant('none', F); save(); log('done')
