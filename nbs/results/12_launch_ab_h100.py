# Host time of eager calls: FastFeedForward alone and inside the BERT-base-shaped encoder, one launch path per process (VER=old|new|walk).
import torch, time, statistics as st, json, sys, os
import fastff, fastff.kernels.triton_fff as tf
from fastff.fastfeedforward import FastFeedForward
from fastff.kernels.ops import fastff_eval_reference
from fastff.bench import Encoder, encoder_variant, time_interleaved, _dense
dev = 'cuda'; torch.set_grad_enabled(False)
if os.environ.get('VER') == 'walk':                      # the walk path in eager calls too (few rows, one tree)
    for d in tf.MM_EAGER: tf.MM_EAGER[d] = True
def host(f, n=200, reps=7):
    out = []
    for _ in range(reps):
        torch.cuda.synchronize(); t = time.perf_counter_ns()
        for _ in range(n): f()
        out.append((time.perf_counter_ns() - t) / n / 1e3); torch.cuda.synchronize()
    return round(st.median(out), 2)
res = dict(version=os.environ.get('VER'), layer={}, encoder={}, checks=[])
for dt in (torch.bfloat16, torch.float32):
    torch.manual_seed(0)
    ffn = FastFeedForward(768, 768, 11).to(dev, dt).eval()
    dense = _dense(768, 3072, torch.nn.GELU()).to(dev, dt).eval()
    ws = [ffn._parameters[n].double() for n in ('node_weights', 'node_biases', 'out_weights', 'out_bias')]
    for rows in (128, 4096, 16384):
        x = torch.randn(rows, 768, device=dev, dtype=dt)
        for _ in range(3): ffn(x); dense(x)
        y = ffn(x); yr, lr = fastff_eval_reference(x.double(), *ws, 'gelu')
        ok = (ffn.last_leaves.view(-1) == lr.view(-1)).float().mean().item()
        err = ((y.double() - yr).norm() / yr.norm()).item()
        fast = [p.get('fast') for k, p in tf._PLANS.items() if p and k[0] == x.shape and k[1] == dt]
        how = [None if f is None else 'k.run' if isinstance(f, tuple) else 'static' if 'launch' in f.__code__.co_freevars else 'triton' for f in fast]
        res['checks'].append(dict(dt=str(dt)[6:], rows=rows, leaves_agree=ok, rel_err=err, launch=how))
        res['layer'][f'{str(dt)[6:]} {rows}'] = dict(ffn=host(lambda: ffn(x)), dense=host(lambda: dense(x)))
    for b in (1, 32):
        mods = {}
        for v in ('dense', 'fastff', 'no_ffn'):
            torch.manual_seed(0); mods[v] = encoder_variant(Encoder(768, 12, 12), v, 11).to(dev, dt).eval()
        x = torch.randn(b, 128, 768, device=dev, dtype=dt)
        fns = {v: (lambda m=m: m(x)) for v, m in mods.items()}
        ts, _ = time_interleaved(fns, dev, 40, 5)
        res['encoder'][f'{str(dt)[6:]} b{b}'] = dict(events={k: round(st.median(v) * 1e3, 3) for k, v in ts.items()},
                                                   host={k: host(f, 10, 5) for k, f in fns.items()})
print('RESULT', json.dumps(res), flush=True)
json.dump(res, open(os.path.join(os.environ['OUT'], f"ab_{os.environ['VER']}_{os.environ['ROUND']}.json"), 'w'), indent=1)
