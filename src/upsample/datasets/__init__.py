"""Datasets with Keras's names: `upsample.datasets.mnist.load_data()`."""

from upsample.datasets import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
