# The 12-layer encoder (bench.Encoder, BERT-base shape), eager, every FFN a FastFeedForward(768, 768, 11): calls through
# the bound replay (as committed) against the same layers calling the kernel function each time (the path before
# replays), with the dense and no-FFN encoders, all in one process, timed in turn (CUDA events per forward, median).
import torch, json, os, sys, time, statistics as st, subprocess, types
from fastff.bench import Encoder, encoder_variant
from fastff.kernels import ops
dev = torch.device('cuda', 0); torch.set_grad_enabled(False)
def direct_call(self, op, rows, *args):            # the eager path before replays: the device kernel, every call
    return op.kernel(rows.device.type)(rows, *args), None
def timed(f):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize(); s.record(); f(); e.record(); torch.cuda.synchronize(); return s.elapsed_time(e)
res = []
for dt in (torch.float32, torch.bfloat16):
    for b in (1, 32, 128):
        x = torch.randn(b, 128, 768, device=dev, dtype=dt)
        ms = {}
        for v in ('dense', 'fastff', 'fastff_no_replay', 'no_ffn'):
            torch.manual_seed(0)
            m = encoder_variant(Encoder(768, 12, 12), 'fastff' if v.startswith('fastff') else v, 11).to(dev, dt).eval()
            if v == 'fastff_no_replay':
                for bl in m.blocks: bl.ffn._kernel_call = types.MethodType(direct_call, bl.ffn)
            ms[v] = m
        same = torch.equal(ms['fastff'](x), ms['fastff_no_replay'](x))
        T = {k: [] for k in ms}
        for r in range(5): [m(x) for m in ms.values()]
        for r in range(40):
            for k, m in ms.items(): T[k].append(timed(lambda: m(x)))
        row = dict(dtype=str(dt)[6:], batch=b, rows=128 * b, same_output=same, ms={k: round(st.median(v), 4) for k, v in T.items()},
                   ms_min={k: round(min(v), 4) for k, v in T.items()})
        row['x_vs_dense'] = {k: round(row['ms']['dense'] / v, 3) for k, v in row['ms'].items()}
        res.append(row); print(row, flush=True)
p = torch.cuda.get_device_properties(0)
out = dict(machine=f"{p.name}, torch {torch.__version__}, Triton {__import__('triton').__version__}",
           version=open('.devdata/new/COMMIT').read().strip(),
           command="python nbs/results/12_replay_encoder_h100.py (on the lent H100): bench.Encoder(768, 12 layers, 12 heads), sequence 128, eval, no_grad, eager; variants dense / fastff (replays, as committed) / fastff_no_replay (the same layers calling the device kernel function every call, as before replays) / no_ffn, built from one seed, one forward of each in turn per round, 40 rounds after 5 warm-up rounds, CUDA events per forward, median (and min) ms",
           results=res)
json.dump(out, open(os.path.join(os.environ.get('OUT', '.'), '12_replay_encoder_h100.json'), 'w'), indent=1)
