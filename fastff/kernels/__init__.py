"fastff's conditional-execution kernels: importing this package defines the `torch.ops.fastff` operators and registers every device kernel available here."
from . import ops                       # the operators, with the PyTorch reference as their default on every device
from . import cpu                       # compiled CPU kernels (the reference serves CPU inputs if they cannot be built)
try: from . import triton_fff           # Triton CUDA kernels
except ImportError: triton_fff = None   # no Triton here: CUDA inputs run the reference
try: from . import train                # `torch.ops.fastff.fastff_train`: sparse hard-path training (FastFeedForward)
except ImportError: train = None
