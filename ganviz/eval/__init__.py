"""Evaluation metrics for generated samples. Pure NumPy / scikit-learn / SciPy maths that
knows nothing about images or models: feature extraction happens elsewhere.

- ``ganviz.eval.ndb``: NDB, the Number of statistically Different Bins, and JS divergence
  (Richardson & Weiss 2018, "On GANs and GMMs").
- ``ganviz.eval.ndb_plane``: NDB of 2-D point sets with the bins mapped onto a display grid.
- ``ganviz.eval.classes``: class histograms, KL divergence and missing / thin classes from a
  classifier's predicted labels.

Feature-space metrics: features (n, d) from any extractor in, numbers out.

- ``ganviz.eval.frechet``: ``gaussian_stats``, ``frechet_distance``, ``fid`` (Heusel et al.
  2017, pytorch-fid's arithmetic).
- ``ganviz.eval.kid``: ``kid``, the unbiased cubic-kernel MMD^2 over random subsets
  (Binkowski et al. 2018, torch-fidelity's subsets).
- ``ganviz.eval.classifier_score``: ``classifier_score``, the Inception Score from any
  classifier's probabilities (Salimans et al. 2016).
- ``ganviz.eval.prdc``: ``prdc`` precision / recall / density / coverage (Kynkaanniemi et al.
  2019, Naeem et al. 2020; equal to the authors' ``prdc`` package, computed in row blocks),
  ``realism`` per generated sample and ``nearest_neighbours`` (the memorisation check).
- ``ganviz.eval.bootstrap``: ``bootstrap_ci`` percentile intervals and ``split_baseline``,
  the real-vs-real value at the same n.
- ``ganviz.eval.metric_inputs``: the input checks they share.
"""
