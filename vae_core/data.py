"""Data: real MNIST and Fashion-MNIST through torchvision, verified, held as one tensor.

Where the files come from, in order: the `root` argument, the environment variable
`VAE_CORE_DATA`, else `~/.cache/vae_core/data`, downloading there through torchvision when the
files are absent. Each raw file is checked against its known SHA-256 before use.

The whole split lives as one float tensor (N, D) on the model's device; batches are slices of a
random permutation, and dynamic binarization draws fresh Bernoulli pixels for every batch
(Salakhutdinov & Murray, 2008), seeded by the caller's generator.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from ._validate import check_device, check_generator, check_positive_int, check_tensor

ENV_VAR = "VAE_CORE_DATA"
DEFAULT_ROOT = Path.home() / ".cache" / "vae_core" / "data"

# SHA-256 of the uncompressed raw files that torchvision reads (<root>/<Folder>/raw/<file>).
CHECKSUMS: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}


class DataError(RuntimeError):
    """The data set is missing or corrupt; the message says what to do."""


def _dataset_class(name: str):
    from torchvision import datasets

    classes = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}
    if name not in classes:
        raise ValueError(f"dataset must be one of {sorted(classes)}, got {name!r}")
    return classes[name]


def resolve_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: the argument, else $VAE_CORE_DATA, else ~/.cache/vae_core/data."""
    if root is None:
        root = os.environ.get(ENV_VAR) or DEFAULT_ROOT
    return Path(root).expanduser()


def sha256_file(path: Path) -> str:
    """The file's SHA-256, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _raw_folder(root: Path, name: str) -> Path:
    return root / _dataset_class(name).__name__ / "raw"


def verify_files(root: Path, name: str, split: str) -> None:
    """Check the split's raw files against CHECKSUMS; raise DataError naming a bad file."""
    prefix = "train" if split == "train" else "t10k"
    folder = _raw_folder(root, name)
    for filename, expected in CHECKSUMS[name].items():
        if not filename.startswith(prefix):
            continue
        path = folder / filename
        if not path.is_file():
            raise DataError(f"{path} is missing")
        if sha256_file(path) != expected:
            raise DataError(
                f"{path} is corrupt: its SHA-256 does not match the published file. "
                f"Delete it and run again to download it afresh, or copy an intact file there."
            )


def _download(root: Path, name: str) -> None:
    cls = _dataset_class(name)
    try:
        cls(str(root), train=True, download=True)
        cls(str(root), train=False, download=True)
    except Exception as error:  # no network, mirror down, disk full ...
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        files = ", ".join(CHECKSUMS[name])
        raise DataError(
            f"{name} is not under {root} and downloading it failed ({reason}). To fix it, "
            f"either connect to the internet and run again, or copy the four raw files "
            f"({files}) into {_raw_folder(root, name)}, or point the {ENV_VAR} environment "
            f"variable (or the root= argument) at a folder that already holds "
            f"{_raw_folder(Path('.'), name)}."
        ) from error


# Pixels gathered (and binarized) at once by `ImageSet.batches`: about 25 MB of float32.
CHUNK_PIXELS = 1 << 23


@dataclass
class ImageSet:
    """One split as tensors: images (N, D) in [0, 1] and labels (N,), on one device."""

    images: Tensor  # (N, D) float32 grey levels in [0, 1]
    labels: Tensor  # (N,) int64 class labels

    def __post_init__(self) -> None:
        check_tensor("images", self.images, ndim=2, finite=False, nonempty=False)
        check_tensor("labels", self.labels, ndim=1, floating=False, finite=False, nonempty=False)
        if len(self.labels) != len(self.images):
            raise ValueError(
                f"labels must have one entry per image ({len(self.images)}), got {len(self.labels)}"
            )

    def __len__(self) -> int:
        return self.images.shape[0]

    def to(self, device: torch.device | str) -> ImageSet:
        """The same images and labels on `device`."""
        device = check_device("device", device)
        return ImageSet(self.images.to(device), self.labels.to(device))

    def subset(self, n: int) -> ImageSet:
        """The first n examples (a fixed, reproducible subset)."""
        check_positive_int("n", n)
        if n > len(self):
            raise ValueError(f"n must be at most the set's size {len(self)}, got {n}")
        return ImageSet(self.images[:n], self.labels[:n])

    def binarized(self, seed: int = 0) -> Tensor:
        """A fixed Bernoulli binarization of all images, (N, D), reproducible from `seed`."""
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise TypeError(f"seed must be an int >= 0, got {seed!r}")
        generator = torch.Generator(device=self.images.device).manual_seed(seed)
        return torch.bernoulli(self.images, generator=generator)

    def batches(
        self,
        batch_size: int,
        generator: torch.Generator,
        binarize: bool = True,
        drop_last: bool = False,
    ) -> Iterator[Tensor]:
        """Yield (B, D) batches over a random permutation; fresh binary pixels if `binarize`."""
        check_positive_int("batch_size", batch_size)
        if not isinstance(generator, torch.Generator):
            check_generator("generator", generator)
            raise TypeError("generator must be a torch.Generator (it orders the batches), got None")
        n = len(self)
        order = torch.randperm(n, generator=generator, device=generator.device).to(
            self.images.device
        )
        stop = n - n % batch_size if drop_last else n
        # Rows are gathered (and binarized) a chunk of batches at a time, one call each instead
        # of one per batch; each batch is a view of the chunk.
        chunk = batch_size * max(1, CHUNK_PIXELS // (batch_size * self.images.shape[1]))
        for first in range(0, stop, chunk):
            rows = self.images[order[first : min(first + chunk, stop)]]  # (C, D)
            if binarize:
                rows = torch.bernoulli(rows, generator=generator)
            for start in range(0, rows.shape[0], batch_size):
                yield rows[start : start + batch_size]  # (B, D)


def load(
    split: str = "train",
    dataset: str = "mnist",
    root: str | os.PathLike | None = None,
    device: torch.device | str = "cpu",
    download: bool = True,
) -> ImageSet:
    """Load a split of MNIST or Fashion-MNIST as an ImageSet on `device`, verified by SHA-256."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    cls = _dataset_class(dataset)
    root = resolve_root(root)
    try:
        verify_files(root, dataset, split)
    except DataError as missing:
        if "corrupt" in str(missing) or not download:
            raise DataError(
                f"{missing}. Set {ENV_VAR} or pass root= to use another copy."
            ) from None
        _download(root, dataset)
        verify_files(root, dataset, split)
    raw = cls(str(root), train=split == "train", download=False)
    images = raw.data.reshape(len(raw.data), -1).to(torch.float32) / 255.0  # (N, D)
    return ImageSet(images.to(device), raw.targets.to(torch.int64).to(device))
