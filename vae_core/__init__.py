"""vae_core: the tested implementation behind the book's equations (1)-(11).

The modules form one stack; each imports only from the layers below it (tests/test_architecture.py
enforces this table):

    0  _validate             argument checks with messages that teach
    1  config                VAEConfig, TrainConfig
    2  kernels               one unchecked tensor formula per equation
    3  fused                 the training step's loss terms with their gradients written out
    4  model                 Encoder, Decoder, VAE (Eqs. 4 and 9)
    5  likelihoods           pixel likelihoods log p(x|z)
    6  objective             ELBO (Eq. 8), KL (Eqs. 10-11), log-weights (Eq. 7)
    7  estimators, linear_gaussian, grid, rate_distortion, aggregate
                             log p(x) (Eqs. 1, 5, 6), exact reference models; rate, distortion,
                             per-dimension KL and active units over a data set; the aggregate
                             posterior q(z) against the prior, lerp and slerp
    8  data, history         MNIST as tensors; the record of a training run
       inference_gaps        approximation and amortization gaps; per-image fits of q
    9  checkpoint            safetensors files, atomic and verified
    10 train                 the fit loop
    11 pretrained            shipped, hash-verified models
    12 family                the shipped beta family (D + beta R), trained one epoch at a time
    13 plotting, claims, widgets, exercises  what the chapters draw and check

`EQUATIONS` maps each equation number to the one function that implements it.
"""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .config import IMAGE_SHAPE, PIXELS, TrainConfig, VAEConfig
from .estimators import (
    iwae_bound,
    log_mean_exp,
    naive_log_px,
    reparameterized_gradient,
    score_function_gradient,
)
from .grid import (
    GridPosterior,
    kl_to_posterior,
    posterior_on_grid,
    posteriors_on_grid,
    vae_log_joint,
)
from .likelihoods import (
    continuous_bernoulli_log_likelihood,
    continuous_bernoulli_log_norm,
    continuous_bernoulli_mean,
    log_likelihood,
)
from .linear_gaussian import LinearGaussianModel
from .model import VAE, Decoder, Encoder, VAEOutput, reparameterize
from .objective import (
    ELBOTerms,
    bernoulli_log_likelihood,
    elbo,
    gaussian_log_density,
    kl_closed_form,
    kl_monte_carlo,
    log_weights,
    standard_normal_log_density,
)
from .plotting import plot_digits
from .rate_distortion import (
    RateDistortion,
    active_units,
    beta_objective,
    kl_per_dimension,
    rate_distortion,
    unit_activity,
)

__version__ = "0.2.0"

# Equation number -> the function that implements it (its docstring starts "Eq. (N)").
EQUATIONS = {
    1: naive_log_px,  # p(x) = int p(x|z) p(z) dz, by sampling the prior
    2: posterior_on_grid,  # p(z|x) = p(x|z) p(z) / p(x), on a 2-D grid
    3: kl_to_posterior,  # q(z|x) ~ p(z|x), measured as KL(q || p(z|x))
    4: VAE.encode,  # q(z|x) = N(mu(x), diag sigma^2(x))
    5: naive_log_px,  # log p(x) = log int p(x|z) p(z) dz: Eq. (1) in logs
    6: iwae_bound,  # log p(x) = log E_q[p(x, z) / q(z|x)], with K samples
    7: log_weights,  # log w = log p(x, z) - log q(z|x); E_q[log w] <= log p(x)
    8: elbo,  # E_q[log p(x|z)] - KL(q(z|x) || p(z))
    9: reparameterize,  # z = mu + sigma * eps
    10: kl_closed_form,  # 1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1)
    11: kl_closed_form,  # -1/2 sum(1 + log sigma^2 - mu^2 - sigma^2): Eq. (10) rearranged
}

__all__ = [
    "IMAGE_SHAPE",
    "PIXELS",
    "VAEConfig",
    "TrainConfig",
    "VAE",
    "Encoder",
    "Decoder",
    "VAEOutput",
    "reparameterize",
    "ELBOTerms",
    "elbo",
    "kl_closed_form",
    "kl_monte_carlo",
    "bernoulli_log_likelihood",
    "gaussian_log_density",
    "standard_normal_log_density",
    "log_weights",
    "log_mean_exp",
    "naive_log_px",
    "iwae_bound",
    "reparameterized_gradient",
    "score_function_gradient",
    "LinearGaussianModel",
    "GridPosterior",
    "posterior_on_grid",
    "posteriors_on_grid",
    "kl_to_posterior",
    "vae_log_joint",
    "continuous_bernoulli_log_likelihood",
    "continuous_bernoulli_log_norm",
    "continuous_bernoulli_mean",
    "log_likelihood",
    "plot_digits",
    "RateDistortion",
    "rate_distortion",
    "kl_per_dimension",
    "unit_activity",
    "active_units",
    "beta_objective",
    "save_checkpoint",
    "load_checkpoint",
    "CheckpointError",
    "EQUATIONS",
]
