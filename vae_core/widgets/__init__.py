"""Latent-space widgets (anywidget); see the latent-space chapter."""
