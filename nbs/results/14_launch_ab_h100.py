# Eager training step: CUDA events and host time, one package per process (VER=old|new), beside the dense layer.
import torch, time, statistics as st, os, json
from fastff.fastfeedforward import FastFeedForward
from fastff.bench import _dense
dev = 'cuda'; out = {}
for dt in (torch.float32, torch.bfloat16):
    for rows in (4096, 16384):
        torch.manual_seed(0)
        mods = dict(fastff=FastFeedForward(768, 768, 11).to(dev, dt).train(), dense=_dense(768, 3072, torch.nn.GELU()).to(dev, dt).train())
        x = torch.randn(rows, 768, device=dev, dtype=dt, requires_grad=True)
        for name, m in mods.items():
            ps = list(m.parameters())
            def step():
                for p in ps: p.grad = None
                x.grad = None
                y = m(x); loss = y.float().pow(2).mean(); loss.backward()
            for _ in range(5): step()
            torch.cuda.synchronize(); ev, hs = [], []
            for _ in range(30):
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                s.record(); step(); e.record(); e.synchronize(); ev.append(s.elapsed_time(e) * 1e3)
            for _ in range(30):
                torch.cuda.synchronize(); t = time.perf_counter(); step(); hs.append((time.perf_counter() - t) * 1e6); torch.cuda.synchronize()
            out[f'{str(dt)[6:]} {rows} {name}'] = dict(events=round(st.median(ev), 1), host=round(st.median(hs), 1))
print('RESULT', os.environ['VER'], json.dumps(out), flush=True)
