"""vae_core: the tested implementation behind the book's equations (1)-(11).

Math (imports neither data nor training): config, model, objective, estimators,
linear_gaussian, grid. Around it: data (MNIST through torchvision), train, checkpoint,
pretrained.
"""
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .config import IMAGE_SHAPE, PIXELS, VAEConfig
from .estimators import (iwae_bound, log_mean_exp, naive_log_px, reparameterized_gradient,
                         score_function_gradient)
from .grid import GridPosterior, posterior_on_grid, vae_log_joint
from .linear_gaussian import LinearGaussianModel
from .model import VAE, Decoder, Encoder, VAEOutput, reparameterize
from .objective import (ELBOTerms, bernoulli_log_likelihood, elbo, gaussian_log_density,
                        kl_closed_form, kl_monte_carlo, log_weights, standard_normal_log_density)

__version__ = "0.1.0"

__all__ = [
    "IMAGE_SHAPE", "PIXELS", "VAEConfig", "VAE", "Encoder", "Decoder", "VAEOutput",
    "reparameterize", "ELBOTerms", "elbo", "kl_closed_form", "kl_monte_carlo",
    "bernoulli_log_likelihood", "gaussian_log_density", "standard_normal_log_density",
    "log_weights", "log_mean_exp", "naive_log_px", "iwae_bound", "reparameterized_gradient",
    "score_function_gradient", "LinearGaussianModel", "GridPosterior", "posterior_on_grid",
    "vae_log_joint", "save_checkpoint", "load_checkpoint", "CheckpointError",
]
