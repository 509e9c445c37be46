"""ganviz: see, teach and diagnose how GANs train.

Importing ganviz is cheap: TensorFlow is imported only where it is needed.
"""

__version__ = "0.1.0"
