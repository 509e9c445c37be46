"""Pure plotting: NumPy arrays in, ``plotly.graph_objects.Figure`` (or PIL images) out."""
