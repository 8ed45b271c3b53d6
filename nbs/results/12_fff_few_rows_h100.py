# FFF(768, 32, 768, 7) inference at few rows on CUDA (nbs/12_kernels_triton.ipynb, "FFF at few rows"): checks of
# fff_eval's few-rows kernel (_fff_few_kernel) against float64, then timings beside the dense layer (Linear(768, 4096) -> ReLU
# -> Linear(4096, 768), same dtype) and the filing kernel used before it. Run on a CUDA machine with the package importable;
# FEW_QUICK=1: the default configuration and PREFETCH on only. Writes 12_fff_few_rows_h100.json into $OUT.
import os, sys, json, time, torch, triton
import fastff.kernels.triton_fff as tf
from fastff.bench import check_fff, random_fff
from fastff.fff import FFF
OUT = os.environ.get('OUT', '.')
COMMAND = os.environ.get('FEW_COMMAND', 'python few_rows.py')
QUICK = os.environ.get('FEW_QUICK') == '1'
dev = 'cuda'
T0 = time.time()
def log(*a): print(f"[{time.time() - T0:6.1f}s]", *a, flush=True)
DEF_ROWS, DEF_CFG = dict(tf.FEW_ROWS), {k: dict(v) for k, v in tf.FEW_CONFIGS.items()}
def route(dt, few=True, limit=None, **over):
    tf.FEW_ROWS.update(DEF_ROWS); tf.FEW_CONFIGS.update({k: dict(v) for k, v in DEF_CFG.items()})
    if not few: tf.FEW_ROWS[dt] = 0
    if limit: tf.FEW_ROWS[dt] = limit
    tf.FEW_CONFIGS[dt].update(over)
    tf._PLANS.clear()
def binc(l, n): return torch.bincount(l, minlength=n)
D = dict(machine=f"{torch.cuda.get_device_name()}, torch {torch.__version__}, Triton {triton.__version__}", command=COMMAND,
         commit=os.environ.get('FASTFF_COMMIT', 'unknown'), few_rows={str(k)[6:]: v for k, v in DEF_ROWS.items()},
         few_configs={str(k)[6:]: v for k, v in DEF_CFG.items()})
# ---------------------------------------------------------------- checks (fresh random inputs against float64)
checks = []
with torch.no_grad():
    for dt in (torch.float32, torch.bfloat16, torch.float16):
        for few in ((True,) if QUICK else (True, False)):
            route(dt, few)
            for (rows, d_in, width, d_out, depth, act) in [(1, 768, 32, 768, 7, 'relu'), (3, 768, 32, 768, 7, 'gelu'),
                    (17, 768, 32, 768, 7, 'relu'), (128, 768, 32, 768, 7, 'relu'), (256, 768, 32, 768, 7, 'silu'),
                    (100, 50, 100, 30, 12, 'relu'), (5, 64, 16, 64, 0, 'tanh'), (64, 200, 7, 70, 9, 'sigmoid')]:
                args = random_fff(rows, d_in, width, d_out, depth, dtype=dt, device=dev)
                counts = torch.zeros(2**depth, dtype=torch.int64, device=dev)
                y, leaf = tf.fff_eval(*args, act, counts)
                plan = list(tf._PLANS.values())[-1]
                assert bool(plan and plan.get('few')) == few, (dt, few, rows)
                r = check_fff(*args, act, y, leaf)
                assert torch.equal(counts, binc(leaf, 2**depth))
                checks.append(dict(dtype=str(dt)[6:], few=few, rows=rows, shape=[d_in, width, d_out, depth], act=act,
                                   rel_err=float(r['rel_err'])))
        route(dt)
        args = list(random_fff(9, 768, 32, 768, 7, dtype=dt, device=dev)); args[0][4] = float('nan')
        y, leaf = tf.fff_eval(*args, 'relu', torch.empty(0, dtype=torch.int64, device=dev))
        assert y[4].isnan().all() and torch.isfinite(y[[0, 1, 2, 3, 5, 6, 7, 8]]).all()
        for rows in (1, 128):                               # CUDA graph with counting: 3 replays add 3 bincounts
            args = random_fff(rows, 768, 32, 768, 7, dtype=dt, device=dev)
            counts = torch.zeros(128, dtype=torch.int64, device=dev)
            s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(s): tf.fff_eval(*args, 'relu', counts)
            torch.cuda.current_stream().wait_stream(s)
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g): y, leaf = tf.fff_eval(*args, 'relu', counts)
            assert list(tf._PLANS.values())[-1].get('few')
            counts.zero_(); args[0].copy_(torch.randn_like(args[0]))
            for _ in range(3): g.replay()
            torch.cuda.synchronize()
            check_fff(*args, 'relu', y, leaf)
            assert torch.equal(counts, 3 * binc(leaf, 128)), (dt, rows)
    torch.backends.cuda.matmul.allow_tf32 = True            # fp32 stays full fp32 (no products at all)
    route(torch.float32)
    args = random_fff(64, 768, 32, 768, 7, device=dev)
    r = check_fff(*args, 'relu', *tf.fff_eval(*args, 'relu'))
    torch.backends.cuda.matmul.allow_tf32 = False
    checks.append(dict(dtype='float32', few=True, rows=64, allow_tf32=True, rel_err=float(r['rel_err'])))
D['checks'] = checks
log('checks passed', max(c['rel_err'] for c in checks if c['dtype'] == 'float32'), max(c['rel_err'] for c in checks if c['dtype'] != 'float32'))
# ---------------------------------------------------------------- timing helpers
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
VARIANTS = {'few (default)': {}, 'few STEP=3': dict(STEP=3), 'few BN=64': dict(BN=64), 'few BN=256': dict(BN=256),
            'few 8 warps': dict(num_warps=8), 'few no prefetch': dict(PREFETCH=False)}
if QUICK: VARIANTS = {'few (default)': {}, 'few prefetch': dict(PREFETCH=True)}
L = 12
graph_rows, n_regs = [], {}
with torch.no_grad():
    for dt in (torch.float32, torch.bfloat16):
        ws = [random_fff(1, 768, 32, 768, 7, dtype=dt, device=dev)[1:] for _ in range(L)]
        dense = [torch.nn.Sequential(torch.nn.Linear(768, 4096), torch.nn.ReLU(), torch.nn.Linear(4096, 768)).to(dev, dt) for _ in range(L)]
        counts = torch.zeros(128, dtype=torch.int64, device=dev)
        for rows in [1, 16, 32, 64, 128, 256, 384, 512, 4096]:
            xs = [torch.randn(rows, 768, device=dev, dtype=dt) for _ in range(L)]
            fns = {}
            for cold in ((False, True) if rows in (1, 64, 128, 256, 384) else (False,)):
                w = (lambda i: ws[i]) if cold else (lambda i: ws[0])
                d = (lambda i: dense[i]) if cold else (lambda i: dense[0])
                tag = 'cold' if cold else 'warm'
                fns[f"dense|{tag}"] = graph(lambda: [d(i)(xs[i]) for i in range(L)])
                route(dt, few=False)
                fns[f"before|{tag}"] = graph(lambda: [tf.fff_eval(xs[i], *w(i), 'relu', counts) for i in range(L)])
                for name, over in (VARIANTS.items() if rows <= 512 else []):
                    if cold and name != 'few (default)': continue
                    route(dt, limit=1 << 30 if rows > DEF_ROWS[dt] else None, **over)   # past FEW_ROWS: forced
                    fns[f"{name}|{tag}"] = graph(lambda: [tf.fff_eval(xs[i], *w(i), 'relu', counts) for i in range(L)])
                    if not cold:
                        y, leaf = tf.fff_eval(xs[0], *ws[0], 'relu', counts)
                        check_fff(xs[0], *ws[0], 'relu', y, leaf)
                        fast = list(tf._PLANS.values())[-1].get('fast')
                        if fast: n_regs[f"{str(dt)[6:]} {rows} {name}"] = [fast[0].n_regs, getattr(fast[0], 'n_spills', None), fast[2]]
            t = interleaved(fns)
            for k, us in t.items():
                name, tag = k.split('|')
                graph_rows.append(dict(dtype=str(dt)[6:], rows=rows, variant=name, weights=tag, us=us))
            log(str(dt)[6:], rows, t)
            route(dt)
        del ws, dense; torch.cuda.empty_cache()
D['graph'] = graph_rows
D['n_regs'] = n_regs
# ---------------------------------------------------------------- eager: the layer, interleaved with dense
def time_eager(f, calls=50):
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for i in range(calls): f(i)
    torch.cuda.synchronize(); return (time.perf_counter() - t0) / calls * 1e6
eager_rows = []
with torch.no_grad():
    for dt in (torch.float32, torch.bfloat16):
        m = FFF(768, 32, 768, 7).to(dev, dt).eval()
        dense = torch.nn.Sequential(torch.nn.Linear(768, 4096), torch.nn.ReLU(), torch.nn.Linear(4096, 768)).to(dev, dt)
        for rows in (1, 128):
            xs = [torch.randn(rows, 768, device=dev, dtype=dt) for _ in range(4)]
            plans = {}
            for few in (True, False):
                route(dt, few)
                for i in range(3): m(xs[i % 4])
                plans[few] = dict(tf._PLANS)
            def fff(few):
                def f(i): m(xs[i % 4])
                def g(i): tf._PLANS.clear(); tf._PLANS.update(plans[few]); f(0)
                return f, g
            fns = {'dense': (lambda i: dense(xs[i % 4]), None), 'FFF layer, few': fff(True), 'FFF layer, before': fff(False)}
            ts = {k: [] for k in fns}
            for rnd in range(9):
                for k, (f, setup) in fns.items():
                    if setup: setup(0)
                    for i in range(3): f(i)
                    ts[k].append(time_eager(f))
            for k, v in ts.items():
                eager_rows.append(dict(dtype=str(dt)[6:], rows=rows, variant=k, us=round(sorted(v)[len(v) // 2], 1)))
            log('eager', str(dt)[6:], rows, {k: round(sorted(v)[len(v) // 2], 1) for k, v in ts.items()})
            route(dt)
D['eager'] = eager_rows
json.dump(D, open(f"{OUT}/12_fff_few_rows_h100.json", 'w'), indent=1)
log('written')
