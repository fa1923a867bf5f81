"""`GAN`: a generator trained against a discriminator with `fit`, as Keras's DCGAN example.

Keras's example ("GAN overriding `Model.train_step`", keras.io/examples/
generative/dcgan_overriding_train_step) subclasses `Model`, holds both
networks and overrides `train_step`; `fit` then brings batching, callbacks, the
progress bar and `History`.  One step, exactly as the example computes it:

1. draw latents ``z ~ N(0, 1)`` of shape ``(batch, latent_dim)`` and generate
   fakes ``G(z)``;
2. train the discriminator on ``concat([G(z), real])`` with labels
   ``concat([ones, zeros]) + label_noise * U[0, 1)``: generated is 1, real is 0,
   and the noise ("an important trick", the example says) softens both;
3. draw fresh latents ``z'`` and train the generator on ``D(G(z'))`` with the
   misleading label 0 ("real"), the discriminator frozen.

"Frozen" needs no flag here: the generator step asks the discriminator's
`backward` for its input gradient only, and only the generator's optimizer
applies anything (a layer never updates itself).  Every random draw (shuffling,
latents, label noise) comes from the GAN's own `numpy.random.Generator`, in
the order above, so a seeded run repeats exactly; `sample_noise` exposes one
step's draws so that the same step can be replayed elsewhere (in Keras).

Both networks run in training mode (dropout active), as TensorFlow's DCGAN
tutorial calls them; the Keras example leaves `training` unset, which turns
its discriminator's Dropout off.  The defaults are DCGAN's (Radford et al.,
2016, arXiv:1511.06434): Adam with learning rate 2e-4 and beta_1 = 0.5 for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from upsample import losses, random, runtime
from upsample.callbacks.terminate_on_divergence import TerminateOnDivergence
from upsample.metrics import Mean
from upsample.models import data as data_utils
from upsample.models.functional import Functional
from upsample.models.model import Model
from upsample.models.plan import plan_for
from upsample.models.saving_hook import saving
from upsample.models.sequential import Sequential
from upsample.models.trainer import _check_epochs, _verbosity, apply_gradients
from upsample.optimizers import Adam

if TYPE_CHECKING:
    from upsample.callbacks import History
    from upsample.callbacks.terminate_on_divergence import Divergence

Array = np.ndarray

DEFAULT_LABEL_NOISE = 0.05


@dataclass(frozen=True)
class StepNoise:
    """The random draws of one training step, in the order they are drawn.

    latents: ``(batch, latent_dim)``, the fakes the discriminator learns from.
    label_noise: ``(2 * batch, 1)`` in [0, 1), scaled by the GAN's `label_noise`
        and added to the labels ``[1] * batch + [0] * batch``.
    generator_latents: ``(batch, latent_dim)``, the fakes the generator learns from.
    """

    latents: Array
    label_noise: Array
    generator_latents: Array


def dcgan_adam() -> Any:
    """Adam as DCGAN trains both networks: learning rate 2e-4, beta_1 = 0.5."""

    return Adam(learning_rate=0.0002, beta_1=0.5)


class GAN(Model):
    """A generator and a discriminator, trained in turn by `fit` (see the module docstring).

    Args:
        discriminator: A built model from images to one probability per image,
            ``(batch, 1)``: the probability that the image was generated.
        generator: A built model from ``(batch, latent_dim)`` latents to images
            of the discriminator's input shape.
        latent_dim: The size of the latent vectors.
        seed: Seeds the GAN's random draws; None draws the seed from the global
            generator (`upsample.utils.set_random_seed` makes it repeatable).

    Attributes:
        completed_epochs: Epochs trained to the end (a resumed `fit` passes it as
            ``initial_epoch``).
        steps: Training steps taken.
        last_step: The last step's ``{"d_loss", "g_loss"}``, not averaged.
        divergence: What stopped the last `fit`, if it diverged (see
            `upsample.callbacks.TerminateOnDivergence`), else None.
    """

    def __init__(
        self,
        discriminator: Model,
        generator: Model,
        latent_dim: int,
        *,
        seed: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        _check_networks(discriminator, generator, latent_dim)
        # Checked above: both are graph models, with input and output shapes.
        self.discriminator = cast(Functional | Sequential, discriminator)
        self.generator = cast(Functional | Sequential, generator)
        self.latent_dim = int(latent_dim)
        self.built = True
        self.rng = random.generator(seed) if seed is not None else random.spawn()
        self.label_noise = DEFAULT_LABEL_NOISE
        self.completed_epochs = 0
        self.steps = 0
        self.last_step: dict[str, float] = {}
        self.divergence: Divergence | None = None
        self._loss: Any = None

    @property
    def layers(self) -> list[Any]:
        return [self.discriminator, self.generator]

    def _sublayers(self) -> list[Any]:
        return self.layers

    # ----------------------------------------------------------------------- compile

    def compile(  # type: ignore[override]
        self,
        d_optimizer: Any = None,
        g_optimizer: Any = None,
        loss_fn: Any = None,
        label_noise: float = DEFAULT_LABEL_NOISE,
    ) -> None:
        """Choose the two optimizers (DCGAN's Adam by default), the loss and the label noise.

        `loss_fn` (default ``BinaryCrossentropy()``, on probabilities) scores
        the discriminator's outputs against the labels in both steps.  Each
        network is compiled with its own optimizer, so that saving a network
        (`save_checkpoint`) saves its optimizer's state with it.
        """

        if isinstance(label_noise, bool) or not isinstance(label_noise, int | float):
            raise ValueError(
                f"`label_noise` must be a number. Received: label_noise={label_noise!r}"
            )
        if not 0.0 <= label_noise < 1.0:
            raise ValueError(
                f"`label_noise` must be in [0, 1). Received: label_noise={label_noise}"
            )
        loss_fn = losses.BinaryCrossentropy() if loss_fn is None else loss_fn
        loss = losses.compile_loss(loss_fn, output_shape=self.discriminator.output_shapes[0])
        for network, optimizer in (
            (self.discriminator, d_optimizer if d_optimizer is not None else dcgan_adam()),
            (self.generator, g_optimizer if g_optimizer is not None else dcgan_adam()),
        ):
            network.compile(optimizer=optimizer, loss=loss_fn)
            if not network.optimizer.built:
                network.optimizer.build(network.trainable_weights)
        self._loss = loss
        self.label_noise = float(label_noise)
        self.compiled = True

    @property
    def d_optimizer(self) -> Any:
        return self.discriminator.optimizer

    @property
    def g_optimizer(self) -> Any:
        return self.generator.optimizer

    @property
    def loss_fn(self) -> Any:
        return self._loss

    @property
    def metrics_names(self) -> list[str]:
        return ["d_loss", "g_loss"]

    # ----------------------------------------------------------------------- one step

    def sample_noise(self, batch_size: int) -> StepNoise:
        """Draw one step's latents and label noise from the GAN's generator, in step order."""
        latents = self.rng.standard_normal((batch_size, self.latent_dim), dtype=np.float32)
        label_noise = self.rng.random((2 * batch_size, 1), dtype=np.float32)
        generator_latents = self.rng.standard_normal(
            (batch_size, self.latent_dim), dtype=np.float32
        )
        return StepNoise(latents, label_noise, generator_latents)

    @runtime.single_threaded_blas()  # the kernels want it so; switched once per step
    def train_step(self, real_images: Array, noise: StepNoise | None = None) -> dict[str, float]:
        """One discriminator step, then one generator step; returns this step's two losses.

        `real_images` is one batch, already checked (see `fit`); `noise` replays
        given draws instead of drawing new ones.
        """
        self._require_gan_compiled("train_step")
        batch = len(real_images)
        noise = self.sample_noise(batch) if noise is None else noise
        d, g, loss = self.discriminator, self.generator, self._loss

        _, fake, _ = _run(g, noise.latents)
        labels = np.concatenate([np.ones((batch, 1), np.float32), np.zeros((batch, 1), np.float32)])
        labels += np.float32(self.label_noise) * noise.label_noise
        d_runner, predictions, cache = _run(d, np.concatenate([fake, real_images]))
        d_loss, grad = loss.value_and_grad(labels, predictions)
        d_loss += apply_gradients(
            d, d_runner.backward(cache, grad, weights=True, inputs=False).weights
        )

        g_runner, fake, g_cache = _run(g, noise.generator_latents)
        d_runner, predictions, d_cache = _run(d, fake)
        g_loss, grad = loss.value_and_grad(np.zeros((batch, 1), np.float32), predictions)
        fake_grad = d_runner.backward(d_cache, grad, weights=False, inputs=True).inputs
        g_grads = g_runner.backward(g_cache, fake_grad, weights=True, inputs=False).weights
        g_loss += apply_gradients(g, g_grads)

        self.steps += 1
        self.last_step = {"d_loss": float(d_loss), "g_loss": float(g_loss)}
        return dict(self.last_step)

    # ----------------------------------------------------------------------- fit

    def fit(  # type: ignore[override]
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Any = None,
        shuffle: bool = True,
        initial_epoch: int = 0,
    ) -> History:
        """Train on the images `x` for epochs ``initial_epoch .. epochs - 1``; returns `History`.

        The logs hold ``d_loss`` and ``g_loss``, each the mean of the epoch's step
        losses (as the example's `Mean` metrics).  A `TerminateOnDivergence`
        with its defaults is added unless `callbacks` holds one.  Ctrl-C
        (KeyboardInterrupt) rolls the GAN back to the start of the interrupted
        epoch and re-raises: save it then (`save_checkpoint`), and a later
        ``fit(..., initial_epoch=gan.completed_epochs)`` repeats that epoch
        exactly as an uninterrupted run would have.
        """

        self._require_gan_compiled("fit")
        if y is not None:
            raise ValueError(
                "A GAN trains on images alone: pass them as `x` and leave `y` unset. "
                f"Received y of type {type(y).__name__}."
            )
        batch_size = data_utils.check_batch_size(batch_size)
        _check_epochs(epochs, initial_epoch)
        _verbosity(verbose)
        images = self._checked_images(x)
        given = (
            [callbacks]
            if callbacks is not None and not isinstance(callbacks, list | tuple)
            else list(callbacks or [])
        )
        if not any(isinstance(c, TerminateOnDivergence) for c in given):
            given.append(TerminateOnDivergence())
        count = len(images)
        callback_list = self._callback_list(
            given, verbose, epochs, -(-count // batch_size), add_history=True
        )
        means = {name: Mean(name=name) for name in self.metrics_names}
        self.stop_training = False
        self.divergence = None
        callback_list.on_train_begin()
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            start = self._snapshot()
            try:
                logs = self._run_epoch(images, batch_size, shuffle, epoch, means, callback_list)
            except KeyboardInterrupt:
                self._restore(start)
                raise
            if self.stop_training:
                break
        callback_list.on_train_end(logs)
        return self.history

    def _run_epoch(
        self,
        images: Array,
        batch_size: int,
        shuffle: bool,
        epoch: int,
        means: dict[str, Any],
        callback_list: Any,
    ) -> dict[str, float]:
        for mean in means.values():
            mean.reset_state()
        callback_list.on_epoch_begin(epoch)
        order = self.rng.permutation(len(images)) if shuffle else None
        for step, index in enumerate(data_utils.batch_slices(len(images), batch_size, order)):
            callback_list.on_train_batch_begin(step)
            for name, value in self.train_step(images[index]).items():
                means[name].update_state(value)
            callback_list.on_train_batch_end(step, _results(means))
            if self.stop_training:
                break
        logs = _results(means)
        self.completed_epochs = epoch + 1
        callback_list.on_epoch_end(epoch, logs)
        return logs

    def _checked_images(self, x: Any) -> Array:
        arrays = data_utils.as_array_list(x, "x")
        if arrays is None or len(arrays) != 1:
            raise ValueError("`GAN.fit` needs one array of images as `x`.")
        images = arrays[0]
        data_utils.check_lengths(("x", arrays))
        expected = tuple(self.discriminator.input_shape[1:])
        if tuple(images.shape[1:]) != expected:
            raise ValueError(
                f"The images must have shape (count, {', '.join(map(str, expected))}), the "
                f"discriminator's input. Received: x.shape={images.shape}"
            )
        if not np.issubdtype(images.dtype, np.floating):
            raise ValueError(
                "The images must be floats scaled as the generator's outputs (e.g. "
                f"x / 255 for a sigmoid output). Received: x.dtype={images.dtype}"
            )
        data_utils.check_finite(arrays, "x")
        return np.ascontiguousarray(images, dtype=np.float32)

    def _require_gan_compiled(self, method: str) -> None:
        if self._loss is None:
            raise ValueError(f"You must call `compile()` before using the GAN ({method}).")

    # ----------------------------------------------------------------------- other Model methods

    def train_on_batch(  # type: ignore[override]
        self, x: Any, y: Any = None, return_dict: bool = False
    ) -> Any:
        """One GAN step on one batch of real images; returns ``[d_loss, g_loss]`` (or a dict)."""
        self._require_gan_compiled("train_on_batch")
        if y is not None:
            raise ValueError("A GAN trains on images alone: leave `y` unset.")
        logs = self.train_step(self._checked_images(x))
        return logs if return_dict else [logs[name] for name in self.metrics_names]

    def predict(  # type: ignore[override]
        self, x: Any, batch_size: int | None = None, verbose: Any = "auto", **kwargs: Any
    ) -> Any:
        """The generator's images for latent vectors `x` (``generator.predict``)."""
        return self.generator.predict(x, batch_size=batch_size, verbose=verbose, **kwargs)

    def evaluate(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "A GAN has no loss to evaluate on data; score its samples instead "
            "(`upsample.quality`) or evaluate `gan.discriminator` on labelled images."
        )

    test_on_batch = evaluate

    def save_checkpoint(self, folder: str | Path) -> None:
        """Write both networks, their optimizers, the counters and the random state to `folder`."""
        saving().save_gan(self, folder)

    # ----------------------------------------------------------------------- state

    def _random_state(self) -> dict[str, Any]:
        """The GAN's generator state and every random layer's (Dropout), as plain data."""
        return {
            "gan": self.rng.bit_generator.state,
            **{
                role: [rng.bit_generator.state for rng in _layer_generators(network)]
                for role, network in (
                    ("discriminator", self.discriminator),
                    ("generator", self.generator),
                )
            },
        }

    def _set_random_state(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["gan"]
        for role, network in (("discriminator", self.discriminator), ("generator", self.generator)):
            generators = _layer_generators(network)
            if len(generators) != len(state[role]):
                raise ValueError(
                    f"The saved random state has {len(state[role])} random layer(s) for the "
                    f"{role}, which has {len(generators)}."
                )
            for rng, saved in zip(generators, state[role], strict=True):
                rng.bit_generator.state = saved

    def _snapshot(self) -> dict[str, Any]:
        """Everything a training step changes, copied (for the rollback on Ctrl-C)."""
        return {
            "weights": [network.get_weights() for network in self.layers],
            "optimizers": [[v.numpy() for v in n.optimizer.variables] for n in self.layers],
            "random": self._random_state(),
            "counters": (self.completed_epochs, self.steps),
        }

    def _restore(self, snapshot: dict[str, Any]) -> None:
        for network, weights, values in zip(
            self.layers, snapshot["weights"], snapshot["optimizers"], strict=True
        ):
            network.set_weights(weights)
            for variable, value in zip(network.optimizer.variables, values, strict=True):
                variable.assign(value)
        self._set_random_state(snapshot["random"])
        self.completed_epochs, self.steps = snapshot["counters"]


def _run(network: Model, inputs: Array) -> tuple[Any, Any, Any]:
    """A training forward pass through the network's plan for these inputs (`Model.plan`):
    the runner, whose `backward` takes the cache, the outputs and the cache."""
    runner = plan_for(network, [inputs.shape])
    outputs, cache = runner.forward(inputs, training=True)
    return runner, outputs, cache


def _results(means: dict[str, Any]) -> dict[str, float]:
    return {name: mean.result() for name, mean in means.items()}


def _layer_generators(model: Model) -> list[np.random.Generator]:
    """The random streams of a model's layers (a Dropout that drops anything owns one)."""
    found = []
    for layer in model._all_sublayers():
        rng = getattr(layer, "_rng", None)
        if isinstance(rng, np.random.Generator):
            found.append(rng)
    return found


def _check_networks(discriminator: Any, generator: Any, latent_dim: Any) -> None:
    """The two networks must fit together, before any work."""
    for role, network in (("discriminator", discriminator), ("generator", generator)):
        if not isinstance(network, Functional | Sequential):
            raise TypeError(
                f"`{role}` must be a Sequential or functional model. Received: {role}={network!r}"
            )
        if not network.output_shapes:
            raise ValueError(
                f"The `{role}` must be built (give its first layer an input shape). "
                f"Received: {network.name!r}, not built."
            )
    if (
        isinstance(latent_dim, bool)
        or not isinstance(latent_dim, int | np.integer)
        or latent_dim < 1
    ):
        raise ValueError(
            f"`latent_dim` must be a positive int. Received: latent_dim={latent_dim!r}"
        )
    if tuple(generator.input_shape[1:]) != (latent_dim,):
        raise ValueError(
            f"The generator takes inputs of shape {generator.input_shape}, not latent vectors "
            f"of latent_dim={latent_dim}."
        )
    if tuple(generator.output_shape[1:]) != tuple(discriminator.input_shape[1:]):
        raise ValueError(
            f"The generator makes images of shape {generator.output_shape} but the "
            f"discriminator takes {discriminator.input_shape}."
        )
    if tuple(discriminator.output_shape[1:]) != (1,):
        raise ValueError(
            "The discriminator must output one probability per image, shape (None, 1). "
            f"Received: {discriminator.output_shape}."
        )
