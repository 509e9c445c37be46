"""ganviz: see, teach and diagnose how GANs train.

Importing ganviz is cheap: TensorFlow is imported only where it is needed.
"""

import os as _os

# TensorFlow's C++ start-up chatter (CUDA probing, XLA notices) is not for our users.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# XLA's CPU backend: the toy engine's fused loop runs thousands of tiny kernels per call, and
# the older whole-program runtime (one compiled function, no per-kernel dispatch) runs it
# ~20% faster than the default thunk runtime on this machine (benchmarks/toy_throughput.py
# --xla-runtime both). Only set when the user has not chosen: an explicit flag wins.
if "xla_cpu_use_thunk_runtime" not in _os.environ.get("XLA_FLAGS", ""):
    _os.environ["XLA_FLAGS"] = (_os.environ.get("XLA_FLAGS", "") + " --xla_cpu_use_thunk_runtime=false").strip()

__version__ = "0.1.0"
