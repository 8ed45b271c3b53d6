"""The GPU runs of `37_source_setups.ipynb` (issue 11 items 1, 2, 4, 5): CIFAR-10 and MNIST grids on one GPU, in parallel worker processes.

python 37_source_setups_gpu.py --out DIR [--data FOLDER] [--plan 1|2] [--device cuda|cpu] [--workers N] [--budget S] [--smoke --limit N]
--data: the folder holding `cifar10/cifar10_jpg.tgz` and `mnist/*-ubyte.gz` (or all five files side by side); default `$FASTFF_DATA`.
--plan 1: items 1 (seed 0), 2, 4, 5; --plan 2: item 1 with seeds 1 and 2, item 2 with the 4x longer schedule;
--plan 3: item 2's 1x4, 2x3, 2x6 master-leaf trees with 20 + 30 epochs and hardening weight 3 (ran on the CPU).
Workers stop taking runs `budget - 60` s after the start and cut runs short at `budget` s (such runs are saved with complete=False).
Plain training loop: AdamW as fastai's default Adam (betas (0.95->0.85 cycled, 0.99), eps 1e-5, decoupled wd 0.01),
torch OneCycleLR like fastai's fit_one_cycle (pct_start 0.25, div 25, final_div 1e5, cos, moms 0.95-0.85),
shuffled batches with drop_last (as fastai's training loader), the whole dataset on the device.
"""
import argparse, gzip, io, json, math, os, platform, struct, sys, tarfile, time, traceback
from pathlib import Path

DATA = None   # set by main() from --data

def _find(name, sub):
    for p in (DATA/sub/name, DATA/name):
        if p.exists(): return p
    if name == 'cifar10_jpg.tgz' and (DATA/sub/'cifar10_sample.tgz').exists(): return DATA/sub/'cifar10_sample.tgz'  # the package's sample
    raise FileNotFoundError(f"{name} not found in {DATA} or {DATA/sub}: pass --data (or set FASTFF_DATA)")
CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']
CIFAR_STATS = ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
MNIST_STATS = ((0.1307,), (0.3081,))

# ----------------------------------------------------------------------------------------------- data
def _dec(b):
    from PIL import Image
    import numpy as np
    return np.asarray(Image.open(io.BytesIO(b)).convert('RGB'), dtype=np.uint8)

def decode_cifar(limit=None):
    import numpy as np, torch
    from multiprocessing import Pool
    items = {'train': [], 'test': []}
    with tarfile.open(_find('cifar10_jpg.tgz', 'cifar10')) as tf:
        for m in tf:
            if not m.isfile() or not m.name.endswith('.jpg'): continue
            parts = m.name.split('/')
            split, cls = parts[-3], parts[-2]
            if split not in items or cls not in CLASSES: continue
            items[split].append((m.name, CLASSES.index(cls), tf.extractfile(m).read()))
    out = {}
    with Pool(min(16, os.cpu_count())) as pool:
        for split, its in items.items():
            its.sort(key=lambda t: t[0])
            if limit: its = its[::max(1, len(its)//limit)][:limit]
            imgs = pool.map(_dec, [b for _, _, b in its], chunksize=500)
            x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).reshape(len(imgs), -1).contiguous()  # CHW flattened, as ToTensor+view
            out[split] = (x, torch.tensor([c for _, c, _ in its]))
    assert out['train'][0].shape[1] == 3072
    return out

def _idx(fn):
    data = gzip.open(fn).read()
    import torch
    zero, dt, nd = struct.unpack('>HBB', data[:4])
    dims = struct.unpack(f'>{nd}I', data[4:4+4*nd])
    return torch.frombuffer(bytearray(data[4+4*nd:]), dtype=torch.uint8).reshape(dims)

def decode_mnist(limit=None):
    out = {}
    for split, pre in (('train', 'train'), ('test', 't10k')):
        x = _idx(_find(f'{pre}-images-idx3-ubyte.gz', 'mnist')).reshape(-1, 784)
        y = _idx(_find(f'{pre}-labels-idx1-ubyte.gz', 'mnist')).long()
        if limit: x, y = x[:limit], y[:limit]
        out[split] = (x, y)
    return out

def to_device(d, stats, device):
    import torch
    mean, std = (torch.tensor(s, device=device) for s in stats)
    C = mean.numel()
    res = {}
    for split, (x, y) in d.items():
        xf = x.to(device).float().div_(255).reshape(x.shape[0], C, -1)
        xf = ((xf - mean[:, None]) / std[:, None]).reshape(x.shape[0], -1).contiguous()
        res[split] = (xf, y.to(device))
    return res

# ----------------------------------------------------------------------------------------------- models
def build(cfg, n_in):
    import torch.nn as nn
    kind = cfg['model']
    if kind == 'ff':
        return nn.Sequential(nn.Linear(n_in, cfg['width']), nn.ReLU(), nn.Linear(cfg['width'], 10))
    if kind == 'fff':
        from fastff.fff import FFF
        return FFF(n_in, cfg['leaf_width'], 10, cfg['depth'], smear=cfg.get('smear', False),
                   master_leaf=cfg.get('master_leaf') or None)
    if kind == 'matrix':
        from fastff.matrix import MatrixFFF
        return MatrixFFF(n_in, cfg['leaf_width'], 10, cfg['depth'], gate_activation=cfg['gate'])
    raise ValueError(kind)

def neurons(cfg):
    if cfg['model'] == 'ff': return cfg['width'], cfg['width']
    d, w, k = cfg['depth'], cfg['leaf_width'], cfg.get('master_leaf') or 0
    return d + w + k, (2**d - 1) + 2**d*w + k          # (inference, training)

def balance_loss(gate_probs, leaves):
    "alpha-free switch loss E * sum_i f_i P_i, as fastff.callbacks.switch_balance_loss (one_hot instead of bincount: no sync)."
    import torch.nn.functional as F
    E = gate_probs.shape[-1]
    f = F.one_hot(leaves.reshape(-1), E).to(gate_probs.dtype).mean(0)
    return E * (f * gate_probs.mean(0)).sum()

# ----------------------------------------------------------------------------------------------- one run
def evaluate(model, x, y, chunk=10000):
    import torch
    routed = hasattr(model, 'leaf_usage')   # a fastff routed layer (FFF, MatrixFFF), not the dense baseline
    model.eval()
    correct, leaves = 0, []
    with torch.no_grad():
        for i in range(0, x.shape[0], chunk):
            out = model(x[i:i+chunk])
            correct += (out.argmax(1) == y[i:i+chunk]).sum()
            if routed: leaves.append(model.last_leaves.reshape(-1))
        acc = float(correct) / x.shape[0]
        soft = None
        if routed:
            model.train(); sc = 0
            for i in range(0, x.shape[0], chunk): sc += (model(x[i:i+chunk]).argmax(1) == y[i:i+chunk]).sum()
            soft = float(sc) / x.shape[0]
            counts = torch.bincount(torch.cat(leaves), minlength=model.n_leaves).tolist()
        else: counts = None
    model.train()
    return acc, soft, counts

def run_job(job, data, device, hard_deadline):
    import torch, torch.nn.functional as F
    cfg = job['cfg']
    (xtr, ytr), (xte, yte) = data[job['data']]['train'], data[job['data']]['test']
    torch.manual_seed(job['seed'])
    model = build(cfg, xtr.shape[1]).to(device)
    bs, phases = job['bs'], job['phases']
    g = torch.Generator(device=device); g.manual_seed(job['seed'])
    n_batches = xtr.shape[0] // bs
    hist, t0, aborted = [], time.time(), False
    ep = 0
    for ph in phases:   # each phase: its own one-cycle schedule (fit_one_cycle called once per phase)
        opt = torch.optim.AdamW(model.parameters(), lr=ph['lr'], betas=(0.95, 0.99), eps=1e-5, weight_decay=0.01, fused=(device == 'cuda'))
        steps = ph['epochs'] * n_batches
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=ph['lr'], total_steps=steps, pct_start=0.25,
                    div_factor=25., final_div_factor=1e5, anneal_strategy='cos', cycle_momentum=True,
                    base_momentum=0.85, max_momentum=0.95)
        alpha, hard_w = ph.get('balance', 0.), ph.get('hardening', 0.)
        for e in range(ph['epochs']):
            model.train()
            perm = torch.randperm(xtr.shape[0], device=device, generator=g)
            tl = torch.zeros((), device=device)
            for b in range(n_batches):
                idx = perm[b*bs:(b+1)*bs]
                out = model(xtr[idx])
                loss = F.cross_entropy(out, ytr[idx])
                tl += loss.detach()
                if alpha: loss = loss + alpha * balance_loss(model.last_gate_probs, model.last_leaves)
                if hard_w: loss = loss + hard_w * model.hardening_loss
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step(); sched.step()
            acc, soft, counts = evaluate(model, xte, yte)
            hist.append(dict(epoch=ep, phase=ph.get('name', ''), train_loss=float(tl)/n_batches, valid_accuracy=acc,
                             soft_valid_accuracy=soft, leaf_counts=counts))
            ep += 1
            if time.time() > hard_deadline and (e + 1 < ph['epochs'] or ph is not phases[-1]):
                aborted = True; break
        if aborted: break
    inf, tr = neurons(cfg)
    last = hist[-1]
    rec = dict(job)
    rec.update(valid_accuracy=last['valid_accuracy'], soft_valid_accuracy=last['soft_valid_accuracy'],
               best_valid_accuracy=max(h['valid_accuracy'] for h in hist), epochs_run=len(hist),
               complete=not aborted, leaf_counts=last['leaf_counts'], history=hist, inference_neurons=inf,
               training_neurons=tr, time_s=round(time.time() - t0, 1))
    if cfg.get('master_leaf'): rec['master_gate_sigmoid'] = float(torch.sigmoid(model.master_gate.detach()))
    return rec

def worker(wid, jobs, results, device, start_deadline, hard_deadline, datafile, threads):
    import torch
    torch.set_num_threads(threads)
    try:
        raw = torch.load(datafile)
        data = {'cifar10': to_device(raw['cifar10'], CIFAR_STATS, device), 'mnist': to_device(raw['mnist'], MNIST_STATS, device)}
        import fastff.fff, fastff.matrix  # noqa
    except Exception:
        results.put(dict(worker=wid, error=traceback.format_exc())); return
    while True:
        job = jobs.get()
        if job is None: break
        if time.time() > start_deadline:
            results.put(dict(id=job['id'], skipped=True)); continue
        try: rec = run_job(job, data, device, hard_deadline)
        except Exception: rec = dict(id=job['id'], error=traceback.format_exc())
        rec['worker'] = wid
        results.put(rec)
    results.put(dict(worker=wid, done=True))

# ----------------------------------------------------------------------------------------------- the grid
def make_jobs(smoke=False, plan=1):
    jobs = []
    def add(item, name, data, cfg, seed, phases, bs):
        if smoke: phases, bs = [dict(p, epochs=1) for p in phases], 32
        jobs.append(dict(id=len(jobs), item=item, name=name, data=data, cfg=cfg, seed=seed, phases=phases, bs=bs))
    # item 1: SMEAR table (ssslakter): 25 epochs, bs 128, lr 8e-4, leaf width {8,16,32} x depth 1-4, FFF vs FFF+SMEAR
    def item1(seed):
        for w in (8, 16, 32):
            for d in (4, 3, 2, 1):
                for sm in (False, True):
                    add('smear', f"FFF d{d} w{w}" + (" SMEAR" if sm else ""), 'cifar10',
                        dict(model='fff', depth=d, leaf_width=w, smear=sm), seed, [dict(epochs=25, lr=8e-4)], 128)
    # item 2: MNIST master leaf + load balancing (Charalampopoulos et al.): balancing phase, then hardening phase
    def item2(seed, item='master', balancing=10, hardening=5, h=1.0, configs=((1, 4), (2, 3), (4, 2), (8, 1), (2, 6), (4, 5), (8, 4)),
              variants=(True, False)):
        for w, d in configs:
            for ml in variants:
                add(item, f"FFF {w}x{d}" + (" LB+ML" if ml else " LB"), 'mnist',
                    dict(model='fff', depth=d, leaf_width=w, master_leaf=w if ml else 0), seed,
                    [dict(name='balancing', epochs=balancing, lr=3e-3, balance=0.1),
                     dict(name='hardening', epochs=hardening, lr=1e-3, balance=0.1, hardening=h)], 256)
    if plan == 3:   # third call (CPU): the narrow-leaf master-leaf trees with a longer, 3x stronger hardening phase (20 + 30 epochs)
        for seed in (0, 1): item2(seed, 'master_hard', 20, 30, 3.0, ((1, 4), (2, 3), (2, 6)), (True,))
        return jobs
    if plan == 2:   # second call: item 2 with a 4x longer schedule (40 + 10 epochs); item 1 with seeds 1 and 2
        for seed in (0, 1): item2(seed, 'master_long', 40, 10)
        for seed in (1, 2): item1(seed)
        return jobs
    item1(0)
    # item 5: CIFAR-10 after 5 epochs (p-i-: FF ~52%, FFF ~48%)
    c5 = {'FF w128': dict(model='ff', width=128)}
    for d, w in ((4, 8), (3, 16), (2, 32), (1, 64)): c5[f'FFF d{d} w{w}'] = dict(model='fff', depth=d, leaf_width=w)
    c5.update({'FFF d4 w8 SMEAR': dict(model='fff', depth=4, leaf_width=8, smear=True),
               'FFF d4 w8 master 8': dict(model='fff', depth=4, leaf_width=8, master_leaf=8),
               'FFF d2 w32 SMEAR': dict(model='fff', depth=2, leaf_width=32, smear=True),
               'FFF d4 w32': dict(model='fff', depth=4, leaf_width=32),
               'FFF d4 w32 SMEAR': dict(model='fff', depth=4, leaf_width=32, smear=True)})
    def item5(seed):
        for n, c in c5.items(): add('cifar5', n, 'cifar10', c, seed, [dict(epochs=5, lr=3e-3)], 128)
        for n in ('FF w128', 'FFF d4 w8'):
            for lr in (8e-4, 1e-2): add('cifar5', n, 'cifar10', c5[n], seed, [dict(epochs=5, lr=lr)], 128)
        for n, extra, ph in (('FFF d4 w8 +balance 0.1', {}, dict(balance=0.1)),
                             ('FFF d4 w8 +hardening 0.1', {}, dict(hardening=0.1)),
                             ('FFF d4 w8 master 8 +balance 0.1', dict(master_leaf=8), dict(balance=0.1))):
            add('cifar5', n, 'cifar10', dict(model='fff', depth=4, leaf_width=8, **extra), seed, [dict(epochs=5, lr=3e-3, **ph)], 128)
    # item 4: gate activations (ssslakter): MatrixFFF, leaf width 8, depth 2-4, 8 epochs, bs 128, lr 8e-4
    def item4(seed):
        for d in (2, 3, 4):
            for gate in ('linear', 'relu', 'softplus'):
                add('gates', f"matrix d{d} {gate}", 'cifar10', dict(model='matrix', depth=d, leaf_width=8, gate=gate),
                    seed, [dict(epochs=8, lr=8e-4)], 128)
    for seed in (0, 1, 2):   # every item gets seed 0 before any gets seed 1 (a run cut short still covers all items)
        item4(seed)
        if seed < 2: item5(seed); item2(seed)
    return jobs

def cpu_name():
    "The CPU's model name and logical CPU count (for the results' metadata)."
    try: model = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): model = platform.processor() or platform.machine()
    return f"{model} CPU ({os.cpu_count()} logical CPUs)"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True); ap.add_argument('--device', default='cuda')
    ap.add_argument('--workers', type=int, default=14); ap.add_argument('--smoke', action='store_true')
    ap.add_argument('--budget', type=float, default=480.); ap.add_argument('--only', default='')
    ap.add_argument('--limit', type=int, default=0); ap.add_argument('--skip', default=''); ap.add_argument('--plan', type=int, default=1)
    ap.add_argument('--data', default=os.environ.get('FASTFF_DATA', ''))
    a = ap.parse_args()
    global DATA
    if not a.data: ap.error('--data: the data folder (or set FASTFF_DATA)')
    DATA = Path(a.data)
    t_start = time.time()
    import torch, torch.multiprocessing as mp
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    log = open(out/'log.txt', 'a')
    def say(*s):
        msg = f"[{time.time()-t_start:6.1f}s] " + ' '.join(map(str, s)); print(msg, flush=True); log.write(msg+'\n'); log.flush()
    say('python', platform.python_version(), 'torch', torch.__version__, 'cuda', torch.cuda.is_available(),
        torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')
    datafile = str(out/'_data.pt')
    raw = {'cifar10': decode_cifar(a.limit or None), 'mnist': decode_mnist(a.limit or None)}
    torch.save(raw, datafile)
    say('decoded', {k: {s: tuple(v[0].shape) for s, v in d.items()} for k, d in raw.items()})
    jobs = make_jobs(a.smoke, a.plan)
    if a.only: jobs = [j for j in jobs if j['item'] in a.only.split(',')]
    if a.skip:   # runs already in an earlier results file (same item, name, seed, lr) are not run again
        prev = json.loads(Path(a.skip).read_text())['runs']
        have = {(r['item'], r['name'], r['seed'], r['phases'][0]['lr']) for r in prev if r.get('complete')}
        jobs = [j for j in jobs if (j['item'], j['name'], j['seed'], j['phases'][0]['lr']) not in have]
    if a.smoke: jobs = [j for j in jobs if j['cfg'].get('depth', 0) in (0, 2) or j['item'] == 'master'][:12]
    say(len(jobs), 'jobs')
    ctx = mp.get_context('spawn')
    q, r = ctx.Queue(), ctx.Queue()
    for j in jobs: q.put(j)
    for _ in range(a.workers): q.put(None)
    start_deadline, hard_deadline = t_start + a.budget - 60, t_start + a.budget
    threads = max(1, (os.cpu_count() or 2) // a.workers)
    procs = [ctx.Process(target=worker, args=(i, q, r, a.device, start_deadline, hard_deadline, datafile, threads)) for i in range(a.workers)]
    for p in procs: p.start()
    meta = dict(device=torch.cuda.get_device_name(0) if a.device == 'cuda' else cpu_name(),
                torch=torch.__version__, python=platform.python_version(), workers=a.workers,
                time_utc=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    recs, done, errors = [], 0, []
    while done < a.workers:
        m = r.get()
        if m.get('done'): done += 1; continue
        if 'error' in m:
            errors.append(m); say('ERROR', m.get('id'), m.get('worker'), m['error'][-1500:])
            if 'id' not in m: done += 1
            continue
        if m.get('skipped'): say('skipped', m['id']); continue
        recs.append(m)
        say(f"{m['item']:7s} {m['name']:36s} seed {m['seed']} lr {m['phases'][0]['lr']:.0e}: acc {m['valid_accuracy']:.4f} "
            f"soft {m['soft_valid_accuracy']} best {m['best_valid_accuracy']:.4f} {m['time_s']}s w{m['worker']}"
            + ('' if m['complete'] else ' INCOMPLETE'))
        (out/'results.json').write_text(json.dumps(dict(meta=meta, runs=recs, errors=errors)))
    for p in procs: p.join()
    os.unlink(datafile)
    meta['wall_s'] = round(time.time() - t_start, 1)
    (out/'results.json').write_text(json.dumps(dict(meta=meta, runs=recs, errors=errors)))
    say('finished', len(recs), 'runs,', len(errors), 'errors, wall', meta['wall_s'])

if __name__ == '__main__':
    main()
