# The H100 runs behind results/14_ab_h100.json: one version of fastff against another. Run once per version, each in its
# own process, alternating (old, new, old, new), e.g. `PYTHONPATH=<old package> python 14_ab_h100.py old`; each run prints
# one JSON line and appends it to $OUT/ab.jsonl: graph-replay microseconds of FastFeedForward / FFF in eval() and of a
# training step, with the relative error against float64. 14_ab_h100.json gathers two such pairs of runs (old and new
# commits named there): cb84120 vs 3c0bc79 (relaxed atomics) and f8ebabf vs 2041790 (the bf16 training forward through
# the inference kernels).
import torch, json, sys, statistics as st
import fastff
from fastff.fastfeedforward import FastFeedForward
from fastff.fff import FFF
from fastff.bench import check_fastff, random_fastff, verify_layer
dev = 'cuda'
def replay_us(f, n=50, reps=7):
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3): f()
    torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g, capture_error_mode='thread_local'): f()
    out = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(n): g.replay()
        b.record(); b.synchronize(); out.append(a.elapsed_time(b) * 1e3 / n)
    return round(st.median(out), 1)
res = {'pkg': sys.argv[1]}
torch.ones(2, 2, device=dev) @ torch.ones(2, 2, device=dev)   # cuBLAS initialised outside the captures
torch.set_grad_enabled(False)
for dt in (torch.bfloat16, torch.float32):
    for rows in (128, 4096, 16384, 65536):
        torch.manual_seed(rows)
        m = FastFeedForward(768, 768, 11).to(dev, dt).eval(); x = torch.randn(rows, 768, device=dev, dtype=dt)
        y = m(x); v = check_fastff(x, m.node_weights, m.node_biases, m.out_weights, m.out_bias, 'gelu', y, m.last_leaves)
        res[f'eval fastff {str(dt)[6:]} {rows}'] = (replay_us(lambda: m(x)), f"{v['rel_err']:.1e}")
    for rows in (4096, 16384):
        torch.manual_seed(rows)
        f = FFF(768, 32, 768, 7).to(dev, dt).eval(); x = torch.randn(rows, 768, device=dev, dtype=dt)
        res[f'eval fff {str(dt)[6:]} {rows}'] = replay_us(lambda: f(x))
torch.set_grad_enabled(True)
for dt in (torch.float32, torch.bfloat16):
    for rows in (4096, 16384):
        torch.manual_seed(rows)
        m = FastFeedForward(768, 768, 11).to(dev, dt).train(); x = torch.randn(rows, 768, device=dev, dtype=dt, requires_grad=True)
        ps = list(m.parameters())
        def step():
            for p in ps: p.grad = None
            x.grad = None
            m(x).float().pow(2).mean().backward()
        step()
        # gradients against float64 (same leaves: the reference follows the kernel's path decisions via gather on the same weights)
        g = [x.grad.double()] + [p.grad.double() for p in ps]
        md = FastFeedForward(768, 768, 11).to(dev, torch.float64).train(); md.load_state_dict(m.state_dict())
        xd = x.detach().double().requires_grad_()
        from fastff.kernels.ops import fastff_eval_reference
        yd, _ = fastff_eval_reference(xd, md.node_weights, md.node_biases, md.out_weights, md.out_bias, 'gelu')
        yd.pow(2).mean().backward()
        gr = [xd.grad] + [p.grad for p in md.parameters()]
        err = max(((a - b).norm() / b.norm()).item() for a, b in zip(g, gr))
        m.release_graph()
        res[f'train fastff {str(dt)[6:]} {rows}'] = (replay_us(step, n=20), f'{err:.1e}')
print(json.dumps(res)); open(__import__("os").environ["OUT"] + "/ab.jsonl", "a").write(json.dumps(res) + "\n")
