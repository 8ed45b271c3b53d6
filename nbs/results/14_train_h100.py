# The H100 run behind results/14_train_h100.json (run from the repository root, OUT= the output folder, CODE= the commit;
# SWEEP= the configurations to time as JSON, PROBE=1 to try capturing the soft layers' step): float64 checks (+ repeat determinism), step host/graph times, kernel profile, small sweeps,
# capture probe -> $OUT/14_train_h100.json
import os, sys, json, time, statistics, traceback
import torch, triton
T0 = time.time()
OUT = os.environ.get('OUT', '/tmp')
R = dict(device=torch.cuda.get_device_name(), torch=torch.__version__, triton=triton.__version__, code=os.environ.get('CODE', '?'),
         shape='16384 rows x 768 -> 768, depth 11, 1 tree, gelu')
def save(): json.dump(R, open(f'{OUT}/14_train_h100.json', 'w'), indent=1, default=str)
from fastff.kernels import train as T
from fastff.fastfeedforward import FastFeedForward
R['config'] = dict(T.TRITON_CONFIG)
dev = 'cuda'
def ref_on_path(x, nw, nb, ow, ob, leaves, act, dy):
    "float64 forward/backward along the kernel's paths."
    f = lambda t: None if t is None else t.detach().double()
    x, nw, nb, ow, ob, dy = map(f, (x, nw, nb, ow, ob, dy))
    rows, trees, depth = x.shape[0], nw.shape[0], T.tree_depth(nw)
    logits = torch.empty(rows, trees, depth + 1, dtype=torch.float64, device=x.device)
    y = torch.zeros(rows, ow.shape[2], dtype=torch.float64, device=x.device)
    A = T.ACTIVATIONS[act]
    for t in range(trees):
        for l in range(depth + 1):
            node = T.path_node(leaves[:, t], depth, l)
            z = torch.einsum('ri,ri->r', x, nw[t][node]) + (nb[t][node] if nb is not None else 0)
            logits[:, t, l] = z
            y += A(z)[:, None] * ow[t][node]
    if ob is not None: y += ob
    dx, dnw, dnb, dow = T.train_backward_reference(dy, x, nw, ow, leaves, logits, act)
    return y, logits, dict(dx=dx, dnw=dnw, dnb=dnb, dow=dow, dob=dy.sum(0))

def check(rows, d_in, d_out, depth, trees, dt, act, wdt=None, eager=True, seed=0):
    g = torch.Generator(device=dev).manual_seed(seed)
    nn_ = 2**(depth + 1) - 1
    wdt = wdt or dt
    rnd = lambda *s, b=1.0: ((torch.rand(*s, device=dev, generator=g) * 2 - 1) * b)
    x = torch.randn(rows, d_in, device=dev, generator=g).to(dt).requires_grad_()
    nw = rnd(trees, nn_, d_in, b=d_in**-.5).to(wdt).requires_grad_(); ow = rnd(trees, nn_, d_out).to(wdt).requires_grad_()
    nb = rnd(trees, nn_, b=d_in**-.5).to(wdt).requires_grad_(); ob = rnd(d_out).to(wdt).requires_grad_()
    old = T.EAGER_DIRECT; T.EAGER_DIRECT = eager
    try:
        y, leaves = T.fastff_train(x, nw, nb, ow, ob, act)
        dy = torch.randn(y.shape, device=dev, generator=g).to(y.dtype)
        (y * dy).sum().backward()
    finally: T.EAGER_DIRECT = old
    yr, zr, gr = ref_on_path(x, nw, nb, ow, ob, leaves, act, dy)
    _, lr, _ = T.train_forward_reference(x.detach().double(), nw.detach().double(), nb.detach().double(), ow.detach().double(), ob.detach().double(), act)
    out = dict(rows=rows, d_in=d_in, d_out=d_out, depth=depth, trees=trees, dtype=str(dt).split('.')[-1], wdtype=str(wdt).split('.')[-1],
               act=act, eager=eager, rows_off_float64_path=int((lr != leaves).any(1).sum()))
    rel = lambda a, b: ((a.double() - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()
    out['y'] = rel(y.detach(), yr)
    for n, t in zip(('dx', 'dnw', 'dnb', 'dow', 'dob'), (x, nw, nb, ow, ob)): out[n] = rel(t.grad, gr[n])
    return out

def nb_checks():
    "The notebook's own check_grads (per-row float64 recursion, per-element rounding bounds) on CUDA tensors."
    import json as _j
    nb = _j.load(open('nbs/14_kernels_train.ipynb'))
    g = dict(T.__dict__)
    for c in nb['cells']:
        if c.get('id') in ('d14a0051', 'd14a0052'): exec(''.join(c['source']), g)
    out = []
    torch.manual_seed(3)
    for depth, trees, d_in, d_out, dt, act in [(11, 1, 768, 768, torch.float32, 'gelu'), (11, 1, 768, 768, torch.bfloat16, 'gelu'),
                                                (12, 4, 37, 29, torch.float16, 'relu'), (0, 3, 65, 33, torch.float32, 'silu'),
                                                (9, 2, 200, 100, torch.float32, 'tanh'), (11, 1, 768, 768, torch.float32, 'sigmoid')]:
        for rep in range(1):
            try: out.append(dict(case=f'{depth},{trees},{d_in},{d_out},{dt},{act}', near_zero_rows=g['check_grads'](*g['random_case'](depth, trees, d_in, d_out, 48, dt, device='cuda'), activation=act)))
            except AssertionError as e: out.append(dict(case=f'{depth},{trees},{d_in},{d_out},{dt},{act}', failed=repr(e)[:300]))
    return out
def repeat(rows, d_in, d_out, depth, trees, dt, act, seed=5):
    g = torch.Generator(device=dev).manual_seed(seed); nn_ = 2**(depth + 1) - 1
    x = torch.randn(rows, d_in, device=dev, generator=g).to(dt).requires_grad_()
    ps = [(torch.randn(*s, device=dev, generator=g) * sc).to(dt).requires_grad_() for s, sc in
          (((trees, nn_, d_in), d_in**-.5), ((trees, nn_), d_in**-.5), ((trees, nn_, d_out), 1.), ((d_out,), 1.))]
    dy = torch.randn(rows, d_out, device=dev, generator=g).to(dt); out = []
    for _ in range(2):
        for t in [x] + ps: t.grad = None
        y, _ = T.fastff_train(x, ps[0], ps[1], ps[2], ps[3], act); y.backward(dy)
        out.append([x.grad.clone()] + [p.grad.clone() for p in ps])
    a, b = out
    return dict(dx_repeat_bitwise=bool(torch.equal(a[0], b[0])), dw_repeat_bitwise=all(torch.equal(u, v) for u, v in zip(a[1:], b[1:])),
                dw_repeat_max_rel=max(((u.double() - v.double()).abs().max() / u.double().abs().max()).item() for u, v in zip(a[1:], b[1:])))
R['checks'] = []
for c in [(16384, 768, 768, 11, 1, torch.float32, 'gelu'), (16384, 768, 768, 11, 1, torch.bfloat16, 'gelu'),
          (4096, 768, 768, 11, 2, torch.bfloat16, 'gelu'), (1000, 37, 29, 12, 4, torch.float16, 'relu'),
          (3000, 65, 33, 0, 3, torch.float32, 'silu'), (777, 100, 300, 7, 2, torch.bfloat16, 'tanh'),
          (5, 768, 768, 11, 1, torch.float32, 'sigmoid'), (2048, 768, 768, 11, 1, torch.float32, 'identity')]:
    for eager in ((True, False) if c[4] > 1 or c[0] == 16384 else (True,)):
        try: r = check(*c, eager=eager)
        except Exception: r = dict(case=str(c), error=traceback.format_exc()[-1500:])
        if eager and 'error' not in r:
            try: r.update(repeat(*c))
            except Exception: r['repeat_error'] = traceback.format_exc()[-800:]
        R['checks'].append(r); print({k: (f'{v:.1e}' if isinstance(v, float) else v) for k, v in r.items()}, flush=True)
R['nb_checks'] = nb_checks()
print('notebook check_grads on cuda:', R['nb_checks'], flush=True)
R['kernel_errors'] = {k: repr(v) for k, v in T.KERNEL_ERRORS.items()}
save(); print('checks done', time.time() - T0, flush=True)

from triton.testing import do_bench
def host_ms(f, n=40):
    ts = []
    for _ in range(n):
        torch.cuda.synchronize(); t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    torch.cuda.synchronize()
    return statistics.median(ts) * 1e3
def synced_ms(f, n=40):
    ts = []
    for _ in range(n):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize(); s.record(); f(); e.record(); e.synchronize(); ts.append(s.elapsed_time(e))
    return statistics.median(ts)
def steps(dt, rows=16384):
    torch.manual_seed(0)
    m = FastFeedForward(768, 768, 11).to(dev, dt).train()
    m2 = FastFeedForward(768, 768, 11).to(dev, dt).train()
    empty = torch.empty(0, dtype=torch.long, device=dev)
    m2._hard_forward = lambda rows, ws, act, counts: T._fastff_train(rows, *ws, act, counts if counts is not None else empty)
    dense = torch.nn.Sequential(torch.nn.Linear(768, 3072), torch.nn.GELU(), torch.nn.Linear(3072, 768)).to(dev, dt).train()
    x = torch.randn(rows, 768, device=dev).to(dt).requires_grad_()
    def mk(mod):
        ps = list(mod.parameters())
        def step():
            for p in ps: p.grad = None
            x.grad = None
            mod(x).float().square().mean().backward()
        return step
    return dict(fastff=mk(m), fastff_no_dispatch=mk(m2), dense=mk(dense), identity=mk(torch.nn.Identity()))
R['steps'], R['kernels_us'] = {}, {}
for dt in (torch.float32, torch.bfloat16):
    name = str(dt).split('.')[-1]
    S = steps(dt)
    for f in S.values(): f(); f()
    h = {}
    for k, f in S.items():
        h[k + '_host_ms'] = host_ms(f); h[k + '_synced_ms'] = synced_ms(f)
        g = torch.cuda.CUDAGraph(); s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s): f(); f()
        torch.cuda.current_stream().wait_stream(s)
        with torch.cuda.graph(g): f()
        h[k + '_graph_ms'] = do_bench(g.replay, return_mode='median')
        del g
    R['steps'][name] = h; print(name, {k: round(v, 3) for k, v in h.items()}, flush=True)
    try:
        from torch.profiler import profile, ProfilerActivity
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(10): S['fastff']()
            torch.cuda.synchronize()
        R['kernels_us'][name] = {e.key: e.device_time_total / 10 for e in prof.key_averages() if e.device_time_total > 0}
    except Exception: print(traceback.format_exc())
    save()
print('steps done', time.time() - T0, flush=True)
SW = json.loads(os.environ.get('SWEEP', '{}'))
R['sweep'] = {}
def op_data(dt, rows=16384, depth=11):
    torch.manual_seed(1)
    nn_ = 2**(depth + 1) - 1
    x = torch.randn(rows, 768, device=dev).to(dt)
    nw = ((torch.rand(1, nn_, 768, device=dev) * 2 - 1) / 768**.5).to(dt); ow = (torch.rand(1, nn_, 768, device=dev) * 2 - 1).to(dt)
    nb = ((torch.rand(1, nn_, device=dev) * 2 - 1) / 768**.5).to(dt)
    return x, nw, nb, ow
for dt in (torch.float32, torch.bfloat16):
    name = str(dt).split('.')[-1]
    x, nw, nb, ow = op_data(dt)
    hist = torch.zeros(2 * 2048, dtype=torch.int32, device=dev)
    y, leaves, logits = T.triton_forward(x, nw, nb, ow, None, 'gelu', hist=hist)
    dy = torch.randn_like(y)
    def bwd(cfg):
        hist[2048:].zero_()                                  # the sort's cursors
        return T.triton_backward(dy, x, nw, ow, leaves, logits, 'gelu', config=cfg, hist=hist)
    res = {}
    for what, cfgs in SW.items():
        for cfg in cfgs:
            if time.time() - T0 > float(os.environ.get('BUDGET', '200')): res['stopped'] = 'time'; break
            try:
                f = (lambda: T.triton_forward(x, nw, nb, ow, None, 'gelu', config=cfg)) if what == 'forward' else (lambda: bwd(cfg))
                res[what + ' ' + json.dumps(cfg)] = do_bench(f, return_mode='median')
            except Exception as e: res[what + ' ' + json.dumps(cfg)] = repr(e)[:200]
    res['zero_cursors_only'] = do_bench(lambda: hist[2048:].zero_(), return_mode='median')
    R['sweep'][name] = res; print(name, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in res.items()}, flush=True); save()
print('sweep done', time.time() - T0, flush=True)
if os.environ.get('PROBE'):
    R['capture_probe'] = {}
    try:
        from fastff.bench import build_layer, graph_fn
        for n in ('fastff_soft', 'fff'):
            m = build_layer(n, 768, 11, 32, 7).to(dev, torch.float32).train()
            x = torch.randn(4096, 768, device=dev).requires_grad_()
            def step():
                for p in m.parameters(): p.grad = None
                m(x).float().square().mean().backward()
            step(); torch.cuda.synchronize()
            torch.cuda.set_sync_debug_mode('error')
            try: step(); msg = 'no sync op in a step'
            except Exception: msg = traceback.format_exc()[-2500:]
            finally: torch.cuda.set_sync_debug_mode(0)
            f, note = graph_fn(step, dev, 2)
            R['capture_probe'][n] = dict(sync_debug=msg, graph=note); print(n, msg[-1500:], note, flush=True)
    except Exception: R['capture_probe']['error'] = traceback.format_exc()[-2000:]
    save()
