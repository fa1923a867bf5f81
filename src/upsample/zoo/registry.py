"""The zoo's models by name, with the training settings of the seed each comes from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from upsample.models import GAN, Model
from upsample.optimizers import Optimizer
from upsample.optimizers import get as get_optimizer
from upsample.zoo import autoencoders, discriminators, generators

Task = Literal["autoencoder", "generator"]


@dataclass(frozen=True)
class ZooModel:
    """A named model: its builder and the settings its seed trains it with.

    `optimizer` is a Keras optimizer dictionary (``{"class_name": "Adam",
    "config": {...}}``) rather than an object, because an optimizer holds state:
    `optimizer_instance` makes a fresh one for every model.
    """

    name: str
    builder: Callable[..., Model]
    task: Task
    seed: str
    upsampling: str  # the upsampling layer it compares, e.g. "UpSampling2D" or "Conv2DTranspose"
    description: str
    batch_size: int
    epochs: int | None  # None: the seed does not train it
    loss: str
    optimizer: Mapping[str, Any]
    validation_split: float = 0.2
    discriminator: Callable[..., Model] | None = None  # a generator's opponent in its GAN

    def build(self, **hyperparameters: Any) -> Model:
        """A new, uncompiled model; keyword arguments override the seed's hyperparameters."""
        return self.builder(**hyperparameters)

    def optimizer_instance(self, learning_rate: float | None = None) -> Optimizer:
        """A new optimizer with the seed's settings (and `learning_rate`, if given)."""
        config = dict(self.optimizer["config"])
        if learning_rate is not None:
            config["learning_rate"] = learning_rate
        optimizer = get_optimizer({"class_name": self.optimizer["class_name"], "config": config})
        assert optimizer is not None
        return optimizer

    def compiled(self, learning_rate: float | None = None, **hyperparameters: Any) -> Model:
        """A new model compiled with the seed's loss and optimizer."""
        model = self.build(**hyperparameters)
        model.compile(optimizer=self.optimizer_instance(learning_rate), loss=self.loss)
        return model

    def gan(
        self, *, seed: int | None = None, learning_rate: float | None = None, **hyperparameters: Any
    ) -> GAN:
        """A new GAN of this generator and its discriminator, compiled with the seed's
        optimizer (one each) and loss; keyword arguments go to the generator's builder."""
        if self.discriminator is None:
            raise ValueError(f"{self.name!r} is not a GAN generator (its task is {self.task!r}).")
        # The discriminator first: after the same `set_random_seed`, every generator
        # then meets the same initial discriminator (weights and dropout stream).
        discriminator = self.discriminator()
        generator = self.build(**hyperparameters)
        latent_dim = int(generator.input_shape[-1])  # type: ignore[attr-defined]
        gan = GAN(discriminator, generator, latent_dim, seed=seed)
        gan.compile(
            d_optimizer=self.optimizer_instance(learning_rate),
            g_optimizer=self.optimizer_instance(learning_rate),
            loss_fn=self.loss,
        )
        return gan


_ADAM = MappingProxyType({"class_name": "Adam", "config": MappingProxyType({})})
# Seed 001 shows the generators but never trains them (a GAN trains a generator
# through its discriminator): these are DCGAN's settings (Radford et al., 2016).
_DCGAN_ADAM = MappingProxyType(
    {"class_name": "Adam", "config": MappingProxyType({"learning_rate": 0.0002, "beta_1": 0.5})}
)
# Keras's MNIST DCGAN example's batch size (DCGAN's is 128): twice the steps per epoch.
# Measured on the bundled sample (376 steps at 64 against 188 at 128, same seed): the
# Conv2DTranspose generator is still one grey blob after 188 steps at 128 (FD 190 to
# 218 over three seeds) but draws 6 kinds of digit after 376 at 64 (FD 57).
GAN_BATCH_SIZE = 64


def _autoencoder(
    name: str, builder: Callable[..., Model], seed: str, upsampling: str, batch_size: int
) -> ZooModel:
    """An autoencoder as its seed trains it: Adam, binary crossentropy, 25 epochs."""
    return ZooModel(
        name=name,
        builder=builder,
        task="autoencoder",
        seed=seed,
        upsampling=upsampling,
        description=f"MNIST autoencoder, {upsampling} decoder",
        batch_size=batch_size,
        epochs=25,
        loss="binary_crossentropy",
        optimizer=_ADAM,
    )


def _generator(name: str, builder: Callable[..., Model], upsampling: str, size: str) -> ZooModel:
    discriminator = (
        discriminators.discriminator_28 if size == "28x28" else discriminators.discriminator_10
    )
    return ZooModel(
        name=name,
        builder=builder,
        task="generator",
        seed="001",
        upsampling=upsampling,
        description=f"GAN generator, 100-d latent vector -> {size} image, {upsampling}",
        batch_size=GAN_BATCH_SIZE,
        epochs=None,
        loss="binary_crossentropy",
        optimizer=_DCGAN_ADAM,
        discriminator=discriminator,
    )


_MODELS = (
    _autoencoder("ae-upsampling", autoencoders.ae_upsampling, "000", "UpSampling2D", 25),
    _autoencoder("ae-transpose", autoencoders.ae_transpose, "004", "Conv2DTranspose", 1000),
    _autoencoder("ae-sub-pixel", autoencoders.ae_sub_pixel, "000", "SubPixelConv2D", 25),
    _autoencoder("ae-resize-conv", autoencoders.ae_resize_conv, "000", "ResizeConv2D", 25),
    _generator("generator-upsampling", generators.generator_upsampling, "UpSampling2D", "10x10"),
    _generator("generator-transpose", generators.generator_transpose, "Conv2DTranspose", "10x10"),
    _generator(
        "generator-upsampling-28", generators.generator_upsampling_28, "UpSampling2D", "28x28"
    ),
    _generator(
        "generator-transpose-28", generators.generator_transpose_28, "Conv2DTranspose", "28x28"
    ),
    _generator(
        "generator-sub-pixel-28", generators.generator_sub_pixel_28, "SubPixelConv2D", "28x28"
    ),
)
_BY_NAME = {model.name: model for model in _MODELS}


def names(task: Task | None = None) -> list[str]:
    """The zoo's model names (those of one `task`, if given), in a fixed order."""
    return [model.name for model in _MODELS if task is None or model.task == task]


def get(name: str) -> ZooModel:
    """The zoo entry called `name`; a `KeyError` lists the names there are."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"Unknown model {name!r}. The zoo has: {', '.join(names())}.") from None
