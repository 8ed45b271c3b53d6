# The H100 run behind results/14_sort_h100.json (run from the repository root with the package on PYTHONPATH): the
# training backward's counting sort alone under several launch configurations; prints the JSON saved there.
# _sort_kernel alone (16384 rows, depth 11, 1 tree): rows per program BR, histogram bins per step NB, zero-fill width ZB, warps.
import torch, json
from triton.testing import do_bench
from fastff.kernels import train as T
dev = 'cuda'; res = {}
torch.manual_seed(1); rows, depth = 16384, 11; nn_ = 2**(depth + 1) - 1
x = torch.randn(rows, 768, device=dev)
nw = ((torch.rand(1, nn_, 768, device=dev) * 2 - 1) / 768**.5); ow = (torch.rand(1, nn_, 768, device=dev) * 2 - 1)
nb = ((torch.rand(1, nn_, device=dev) * 2 - 1) / 768**.5)
hist = torch.zeros(2 * 2048, dtype=torch.int32, device=dev)
y, leaves, logits = T.triton_forward(x, nw, nb, ow, None, 'gelu', hist=hist)
n_dw = T.weight_grad_size(1, nn_, 768, 768)
dw = torch.empty(n_dw, device=dev); perm = torch.empty(2 * rows, dtype=torch.int32, device=dev); sleaf = perm[rows:]
ref = None
for BR, NB, ZB, w in [(64, 128, 1024, 4), (64, 256, 1024, 4), (32, 512, 1024, 4), (16, 1024, 1024, 4), (128, 128, 1024, 8),
                      (64, 512, 1024, 8), (32, 256, 2048, 4), (64, 128, 4096, 4), (16, 512, 1024, 2), (32, 1024, 2048, 8)]:
    def run():
        hist[2048:].zero_()
        T.launch(T._sort_kernel, (-(-rows // BR), 1), (hist, leaves, perm, sleaf, dw, n_dw, rows, 1, 2048), num_warps=w, BR=BR, NB=NB, ZB=ZB)
    run(); torch.cuda.synchronize()
    s = sleaf.clone(); ok = bool((s[1:] >= s[:-1]).all()) and bool((dw == 0).all()) and torch.equal(torch.sort(perm[:rows].long())[0], torch.arange(rows, device=dev))
    res[f'BR{BR} NB{NB} ZB{ZB} w{w}'] = (round(do_bench(run, return_mode='median') * 1e3, 1), ok)
res['zero_cursors_only'] = round(do_bench(lambda: hist[2048:].zero_(), return_mode='median') * 1e3, 1)
res['dw_zero_fill_torch'] = round(do_bench(lambda: dw.zero_(), return_mode='median') * 1e3, 1)
print(json.dumps(res))
