"""Evaluation metrics for generated samples. Pure NumPy / scikit-learn / SciPy maths that
knows nothing about images or models: feature extraction happens elsewhere.

- ``ganviz.eval.ndb``: NDB, the Number of statistically Different Bins, and JS divergence
  (Richardson & Weiss 2018, "On GANs and GMMs").
- ``ganviz.eval.ndb_plane``: NDB of 2-D point sets with the bins mapped onto a display grid.
- ``ganviz.eval.classes``: class histograms, KL divergence and missing / thin classes from a
  classifier's predicted labels.
"""
