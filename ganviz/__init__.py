"""ganviz: see, teach and diagnose how GANs train.

Importing ganviz is cheap: TensorFlow is imported only where it is needed.
"""

import os as _os

# TensorFlow's C++ start-up chatter (CUDA probing, XLA notices) is not for our users.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
