"fastff's conditional-execution kernels: importing this package defines the `torch.ops.fastff` operators and registers every device kernel available here."
from . import ops
from . import cpu
try: from . import triton_fff
except ImportError: triton_fff = None   # no Triton here: CUDA inputs run the reference
try: from . import train                # `torch.ops.fastff.fastff_train`: sparse hard-path training (FastFeedForward)
except ImportError: train = None

def _register_legacy(mod, device:str):
    "Until `mod` registers its kernels itself, wrap its older `fastff_eval`/`fff_eval`/`leaf_mlp_eval` functions."
    if mod is None or ops.has_kernel(device) or not hasattr(mod, 'supports'): return
    @ops.fastff_eval.register_kernel(device)
    def _(x, node_weights, node_biases, out_weights, out_bias, activation, counts):
        if not mod.supports(x, activation): return ops.fastff_eval_reference(x, node_weights, node_biases, out_weights, out_bias, activation, counts)
        y, leaves = mod.fastff_eval(x, node_weights, node_biases, out_weights, out_bias, activation)
        ops.count_(counts, leaves + torch.arange(leaves.shape[1], device=x.device) * (counts.numel() // max(leaves.shape[1], 1)))
        return y, leaves
    @ops.fff_eval.register_kernel(device)
    def _(x, node_weights, node_biases, w1s, b1s, w2s, b2s, activation, counts):
        if not mod.supports(x, activation): return ops.fff_eval_reference(x, node_weights, node_biases, w1s, b1s, w2s, b2s, activation, counts)
        y, leaf = mod.fff_eval(x, node_weights, node_biases, w1s, b1s, w2s, b2s, activation)
        ops.count_(counts, leaf)
        return y, leaf
    @ops.leaf_mlp_eval.register_kernel(device)
    def _(x, leaf, w1s, b1s, w2s, b2s, activation):
        if not mod.supports(x, activation): return ops.leaf_mlp_eval_reference(x, leaf, w1s, b1s, w2s, b2s, activation)
        return mod.leaf_mlp_eval(x, leaf, w1s, b1s, w2s, b2s, activation)

import torch
_register_legacy(cpu, 'cpu')
_register_legacy(triton_fff, 'cuda')
