# The encoder tile comparison of nbs/12_kernels_triton.ipynb ('What was measured'); run on a CUDA machine from nbs/:
#   python results/12_encoder_tiles_h100.py  (writes 12_encoder_tiles_h100.json into $OUT, default the current folder)
# fastff bench's 12-layer encoder (hidden 768, 12 heads, sequence 128, batch 1: 128 rows per FFN, every layer's weights
# cold in L2) captured in a CUDA graph once per tile variant of the kernel that serves 128 rows, the graphs replayed in
# turn (40 rounds, median), beside the dense and no-FFN encoders.
import os, time, json, torch, triton, warnings
warnings.filterwarnings('ignore')
import fastff.kernels.triton_fff as tf
from fastff.bench import Encoder, encoder_variant
OUT = os.environ.get('OUT', '.'); R = {}
def ev(f):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); f(); e.record(); e.synchronize(); return s.elapsed_time(e) * 1e3
def graph(f):
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3): f()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g): f()
    torch.cuda.synchronize(); return g.replay
B, F = torch.bfloat16, torch.float32
SW = {B: ('FEW_CONFIGS', [{}, dict(BK=64), dict(BK=256), dict(num_warps=8), dict(BK=256, num_warps=8)]),
      F: ('MEDIUM_CONFIGS', [{}, dict(BK=128), dict(BM=32), dict(BK=32), dict(num_warps=8)])}
with torch.no_grad():
  for dt in (B, F):
    encs = {}
    for v in ('dense', 'fastff', 'no_ffn'):
        torch.manual_seed(0); encs[v] = encoder_variant(Encoder(768, 12, 12), v, 11).to('cuda', dt).eval()
    x = torch.randn(1, 128, 768, device='cuda', dtype=dt)
    gs = {'dense': graph(lambda: encs['dense'](x)), 'no_ffn': graph(lambda: encs['no_ffn'](x))}
    ref, diffs = encs['fastff'](x).float(), {}
    table, variants = SW[dt]
    for i, v in enumerate(variants):
        cfg = getattr(tf, table)[dt]; old = dict(cfg); cfg.update(v); tf._PLANS.clear()
        try:
            y = encs['fastff'](x).float(); d = ((y - ref).norm() / ref.norm()).item()
            gs[f"fastff {v or 'in use'}"] = graph(lambda: encs['fastff'](x)); diffs[f"fastff {v or 'in use'}"] = d
        except Exception as e: print('variant failed', v, e)
        cfg.clear(); cfg.update(old); tf._PLANS.clear()
    for f in gs.values():
        for _ in range(5): f()
    ts = {k: [] for k in gs}
    for _ in range(40):
        for k, f in gs.items(): ts[k].append(ev(f))
    med = {k: round(sorted(v)[len(v)//2], 1) for k, v in ts.items()}
    R[str(dt)[6:]] = dict(table=table, rows=[dict(encoder=k.split(' ')[0], variant=k[7:] if k.startswith('fastff') else None,
                                                 us=t, rel_diff=diffs.get(k)) for k, t in med.items()])
    print(str(dt)[6:], table, 'encoder batch 1, graph, us per forward:', med, flush=True)
commit = os.environ.get('FASTFF_COMMIT', 'unknown')
json.dump(dict(machine=f"{torch.cuda.get_device_name()}, torch {torch.__version__}, Triton {triton.__version__}; command: "
                       f"python results/12_encoder_tiles_h100.py", version=f"kernels as of commit {commit}",
               note="us per forward; rel_diff: relative difference of the encoder's output from the configuration in use",
               results=R), open(f"{OUT}/12_encoder_tiles_h100.json", 'w'), indent=1)
