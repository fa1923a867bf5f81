"""The runners of `bench_gan.py`: one process per framework, training the 28x28 GANs.

Not a test and not an entry point of its own.  ``python _gan_workers.py RUNNER
DATA_DIR THREADS`` serves one runner (``ours``, ``torch_cl``, ``keras_tf``) over
the JSON-line protocol of `_common.serve`, with the commands of
`_train_workers.py` (so that `bench_training.py`'s phases drive it unchanged):

* on start: ``{"ok": true, "versions": {...}, "details": {...}}``, or ``{"ok": false,
  "error": ...}`` when the library cannot be imported (then the worker exits);
* ``{"cmd": "init", "model": KEY, "seed": s, "file": F}``: build both networks with
  this framework's initializers and save their weights to ``DATA_DIR/F`` (.npz),
  the discriminator's then the generator's, in Keras order and layouts;
* ``{"cmd": "setup", "model": KEY, "samples": n, "batch_size": b, "weights": F,
  "check_steps": k}``: build the GAN twice from those weights.  The check GAN (the
  discriminator's Dropout at rate 0: the frameworks would draw different masks)
  takes ``k`` steps on the real images, latents and label noise of
  ``DATA_DIR/check.npz`` (one batch of each a step); the answer holds its losses (``d_loss, g_loss``
  of step 1, then of step 2, ...), and the weights after them go to a file.  The
  timed GAN (Dropout 0.2, its own random draws) then trains one warm-up epoch;
* ``{"cmd": "epoch", "model": KEY}``: one timed epoch (``fit``, or torch's loop) of
  the timed GAN, answers ``seconds``, ``loss`` (the mean d_loss) and ``g_loss``;
* ``{"cmd": "quit"}``.

The step everywhere is Keras's DCGAN example's ``train_step`` (keras.io/examples/
generative/dcgan_overriding_train_step) as `upsample.models.GAN` computes it:
generate ``G(z)``; train D on ``[G(z); real]`` against labels ``[1; 0] + 0.05 U[0,
1)``; train G on ``D(G(z'))`` against 0 through the frozen D; both networks in
training mode; DCGAN's Adam (2e-4, beta_1 0.5) for each.  The models:

* ``gan_up``: the zoo's ``generator-upsampling-28`` (Dense 6272 -> 7x7x128 ->
  UpSampling2D + Conv2D 128 -> UpSampling2D + Conv2D 1, ReLU, sigmoid last);
* ``gan_tr``: ``generator-transpose-28`` (the same with stride-2 Conv2DTranspose);

each against ``discriminator_28`` (Conv2D 64 and 128, 3x3 stride 2 'same', each
with LeakyReLU 0.2, Flatten, Dropout 0.2, Dense 1 sigmoid).  upsample builds them
from its zoo, Keras from the listing in `keras_networks`, PyTorch from
`torch_networks`.  Only NumPy and the benchmark modules are imported at module level.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as common
from _peers import same_crop
from _train_workers import (
    keras_same_pads,
    runner_start,
    seed_everything,
    torch_bce,
    torch_optimizer,
    torch_params_from_keras,
    torch_params_to_keras,
    warmup_batches,
)

RUNNERS = ("ours", "torch_cl", "keras_tf")
GENERATORS = {"gan_up": "generator-upsampling-28", "gan_tr": "generator-transpose-28"}
LATENT_DIM = 100  # the zoo generators' latent size
BASE_SHAPE = (7, 7, 128)
LABEL_NOISE = 0.05  # the example's, and `upsample.models.GAN`'s default
DROPOUT = 0.2  # discriminator_28's
DCGAN_ADAM = {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999, "epsilon": 1e-7}


@dataclass
class GanTrainer:
    """A GAN in one framework: epochs of its own steps, checked steps, its weights."""

    fit: Callable[[np.ndarray, int], tuple[float, float]]  # (images, batch) -> mean losses
    # (real, latents, label noise in [0, 1), generator latents) -> (d_loss, g_loss)
    step: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[float, float]]
    get_weights: Callable[[], list[np.ndarray]]  # discriminator's, then generator's
    set_weights: Callable[[list[np.ndarray]], None]


def _split(weights: list[np.ndarray], discriminator_count: int) -> tuple[list, list]:
    return list(weights[:discriminator_count]), list(weights[discriminator_count:])


# --------------------------------------------------------------------------- upsample


def _ours(key: str, dropout: float) -> GanTrainer:
    from upsample import zoo
    from upsample.models import GAN
    from upsample.models.gan import StepNoise
    from upsample.zoo.discriminators import discriminator_28

    gan = GAN(discriminator_28(dropout=dropout), zoo.get(GENERATORS[key]).build(), LATENT_DIM)
    gan.compile()  # DCGAN's Adam for both, BinaryCrossentropy, label noise 0.05
    count = len(gan.discriminator.get_weights())

    def fit(images: np.ndarray, batch: int) -> tuple[float, float]:
        history = gan.fit(images, batch_size=batch, epochs=1, verbose=0, shuffle=False).history
        return float(history["d_loss"][-1]), float(history["g_loss"][-1])

    def step(real: np.ndarray, *noise: np.ndarray) -> tuple[float, float]:
        losses = gan.train_step(real, StepNoise(*noise))
        return losses["d_loss"], losses["g_loss"]

    def set_weights(weights: list[np.ndarray]) -> None:
        d, g = _split(weights, count)
        gan.discriminator.set_weights(d)
        gan.generator.set_weights(g)

    return GanTrainer(
        fit,
        step,
        lambda: gan.discriminator.get_weights() + gan.generator.get_weights(),
        set_weights,
    )


# --------------------------------------------------------------------------- Keras


def keras_networks(key: str, dropout: float) -> tuple[Any, Any]:
    """The zoo's discriminator_28 and 28x28 generator, written with keras.layers."""
    import keras
    from keras import layers

    discriminator = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Flatten(),
            layers.Dropout(dropout),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    steps: list[Any] = []
    for filters, activation in ((128, "relu"), (1, "sigmoid")):
        if key == "gan_up":
            steps += [
                layers.UpSampling2D(interpolation="nearest"),
                layers.Conv2D(filters, (3, 3), padding="same", activation=activation),
            ]
        else:
            steps.append(
                layers.Conv2DTranspose(
                    filters, (3, 3), strides=(2, 2), padding="same", activation=activation
                )
            )
    generator = keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            layers.Dense(int(np.prod(BASE_SHAPE)), activation="relu"),
            layers.Reshape(BASE_SHAPE),
            *steps,
        ]
    )
    return discriminator, generator


def _keras_gan(discriminator: Any, generator: Any) -> Any:
    """A `keras.Model` whose `train_step` is the DCGAN example's, both networks in training
    mode (as upsample's GAN; the example leaves `training` unset, turning Dropout off)."""
    import keras
    import tensorflow as tf
    from keras import ops

    class KerasGAN(keras.Model):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.discriminator, self.generator = discriminator, generator
            self.seed_generator = keras.random.SeedGenerator(1337)
            self.d_optimizer = keras.optimizers.Adam(**DCGAN_ADAM)
            self.g_optimizer = keras.optimizers.Adam(**DCGAN_ADAM)
            self.loss_fn = keras.losses.BinaryCrossentropy()
            self.d_loss_metric = keras.metrics.Mean(name="d_loss")
            self.g_loss_metric = keras.metrics.Mean(name="g_loss")

        @property
        def metrics(self) -> list[Any]:
            return [self.d_loss_metric, self.g_loss_metric]

        def step(self, real: Any, latents: Any, uniform: Any, generator_latents: Any) -> Any:
            batch = ops.shape(real)[0]
            generated = self.generator(latents, training=True)
            combined = ops.concatenate([generated, real], axis=0)
            labels = ops.concatenate([ops.ones((batch, 1)), ops.zeros((batch, 1))], axis=0)
            labels += LABEL_NOISE * uniform
            with tf.GradientTape() as tape:
                d_loss = self.loss_fn(labels, self.discriminator(combined, training=True))
            d_weights = self.discriminator.trainable_weights
            self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))
            with tf.GradientTape() as tape:
                fake = self.generator(generator_latents, training=True)
                predictions = self.discriminator(fake, training=True)
                g_loss = self.loss_fn(ops.zeros((batch, 1)), predictions)
            g_weights = self.generator.trainable_weights
            self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))
            return d_loss, g_loss

        def train_step(self, data: Any) -> dict[str, Any]:
            real = data[0] if isinstance(data, tuple) else data
            batch = ops.shape(real)[0]
            latents = keras.random.normal((batch, LATENT_DIM), seed=self.seed_generator)
            uniform = keras.random.uniform((2 * batch, 1), seed=self.seed_generator)
            again = keras.random.normal((batch, LATENT_DIM), seed=self.seed_generator)
            d_loss, g_loss = self.step(real, latents, uniform, again)
            self.d_loss_metric.update_state(d_loss)
            self.g_loss_metric.update_state(g_loss)
            return {m.name: m.result() for m in self.metrics}

    gan = KerasGAN()
    gan.compile()
    return gan


def _keras(key: str, dropout: float) -> GanTrainer:
    import keras

    keras.config.set_image_data_format("channels_last")
    discriminator, generator = keras_networks(key, dropout)
    gan = _keras_gan(discriminator, generator)
    count = len(discriminator.get_weights())

    def fit(images: np.ndarray, batch: int) -> tuple[float, float]:
        history = gan.fit(images, batch_size=batch, epochs=1, verbose=0, shuffle=False).history
        return float(history["d_loss"][-1]), float(history["g_loss"][-1])

    def step(real: np.ndarray, *noise: np.ndarray) -> tuple[float, float]:
        d_loss, g_loss = gan.step(real, *noise)  # eager: a few check steps
        return float(d_loss), float(g_loss)

    def set_weights(weights: list[np.ndarray]) -> None:
        d, g = _split(weights, count)
        discriminator.set_weights(d)
        generator.set_weights(g)

    return GanTrainer(
        fit, step, lambda: discriminator.get_weights() + generator.get_weights(), set_weights
    )


# --------------------------------------------------------------------------- PyTorch


def torch_networks(key: str, dropout: float) -> tuple[Any, Any]:
    """Hand-written PyTorch twins of the networks (``nn.Module``, NCHW logic, channels_last).

    Keras's conventions: 'same' stride-2 convolutions pad the extra pixel at the
    bottom/right (`keras_same_pads`, by ``F.pad``); a 'same' stride-2 transposed
    convolution keeps the first ``2 H`` rows and columns of the full output
    (`same_crop`; torch's ``padding=1, output_padding=1`` would keep rows 1..2H);
    Dense -> Reshape reads the vector as (h, w, c) and Flatten writes it so.
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Discriminator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 64, 3, stride=2)
            self.conv2 = nn.Conv2d(64, 128, 3, stride=2)
            self.dense = nn.Linear(int(np.prod(BASE_SHAPE)), 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for conv in (self.conv1, self.conv2):
                top, bottom = keras_same_pads(x.shape[2], 3, 2)
                left, right = keras_same_pads(x.shape[3], 3, 2)
                x = F.leaky_relu(conv(F.pad(x, (left, right, top, bottom))), 0.2)
            x = x.permute(0, 2, 3, 1).flatten(1)  # Keras's Flatten order (h, w, c)
            x = F.dropout(x, dropout, training=True) if dropout else x
            return torch.sigmoid(self.dense(x))

    class Generator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dense = nn.Linear(LATENT_DIM, int(np.prod(BASE_SHAPE)))
            if key == "gan_up":
                self.conv1: nn.Module = nn.Conv2d(128, 128, 3, padding=1)
                self.conv2: nn.Module = nn.Conv2d(128, 1, 3, padding=1)
            else:
                self.conv1 = nn.ConvTranspose2d(128, 128, 3, stride=2)
                self.conv2 = nn.ConvTranspose2d(128, 1, 3, stride=2)
            self.crop = same_crop(3, 2)[0]

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            # (h, w, c) bytes viewed as NCHW: channels_last without a copy.
            x = torch.relu(self.dense(z)).view(-1, *BASE_SHAPE).permute(0, 3, 1, 2)
            for conv, activation in ((self.conv1, torch.relu), (self.conv2, torch.sigmoid)):
                size = 2 * x.shape[-1]
                if key == "gan_up":
                    x = conv(F.interpolate(x, scale_factor=2, mode="nearest"))
                else:
                    x = conv(x)[:, :, self.crop : self.crop + size, self.crop : self.crop + size]
                x = activation(x)
            return x

    fmt = torch.channels_last
    return Discriminator().to(memory_format=fmt), Generator().to(memory_format=fmt)


def _torch(key: str, dropout: float) -> GanTrainer:
    import torch

    discriminator, generator = torch_networks(key, dropout)
    count = len(list(discriminator.parameters()))
    state: dict[str, Any] = {}

    def new_optimizers() -> None:
        state["d"] = torch_optimizer(list(discriminator.parameters()), DCGAN_ADAM)
        state["g"] = torch_optimizer(list(generator.parameters()), DCGAN_ADAM)

    new_optimizers()

    def step(real: Any, latents: Any, uniform: Any, generator_latents: Any) -> tuple[Any, Any]:
        batch = real.shape[0]
        with torch.no_grad():  # the example generates outside the discriminator's tape
            generated = generator(latents)
        labels = torch.cat([torch.ones(batch, 1), torch.zeros(batch, 1)]) + LABEL_NOISE * uniform
        d_loss = torch_bce(discriminator(torch.cat([generated, real])), labels)
        state["d"].zero_grad(set_to_none=True)
        d_loss.backward()
        state["d"].step()
        g_loss = torch_bce(discriminator(generator(generator_latents)), torch.zeros(batch, 1))
        state["g"].zero_grad(set_to_none=True)
        # Gradients of the generator's weights only: the discriminator is frozen.
        g_loss.backward(inputs=list(generator.parameters()))
        state["g"].step()
        return d_loss.detach(), g_loss.detach()

    def fit(images: np.ndarray, batch: int) -> tuple[float, float]:
        """One epoch in order, drawing its noise as the example does (fit(shuffle=False))."""
        data = torch.from_numpy(images).permute(0, 3, 1, 2)  # NHWC bytes: channels_last
        totals = torch.zeros(2, dtype=torch.float64)
        steps = 0
        for i in range(0, len(data), batch):
            real = data[i : i + batch]
            n = real.shape[0]
            losses = step(
                real, torch.randn(n, LATENT_DIM), torch.rand(2 * n, 1), torch.randn(n, LATENT_DIM)
            )
            totals += torch.stack(losses)
            steps += 1
        return float(totals[0]) / steps, float(totals[1]) / steps

    def checked_step(real: np.ndarray, *noise: np.ndarray) -> tuple[float, float]:
        arrays = [torch.from_numpy(np.ascontiguousarray(a)) for a in noise]
        d_loss, g_loss = step(torch.from_numpy(real).permute(0, 3, 1, 2), *arrays)
        return float(d_loss), float(g_loss)

    def set_weights(weights: list[np.ndarray]) -> None:
        d, g = _split(weights, count)
        for network, values in ((discriminator, d), (generator, g)):
            torch_params_from_keras(network, values)
            network.to(memory_format=torch.channels_last)
        new_optimizers()

    return GanTrainer(
        fit,
        checked_step,
        lambda: torch_params_to_keras(discriminator) + torch_params_to_keras(generator),
        set_weights,
    )


def build_trainer(runner: str, key: str, dropout: float = DROPOUT) -> GanTrainer:
    if key not in GENERATORS:
        raise ValueError(f"unknown model {key!r}; choose from {tuple(GENERATORS)}")
    builders = {"ours": _ours, "torch_cl": _torch, "keras_tf": _keras}
    return builders[runner](key, dropout)


# --------------------------------------------------------------------------- serving


def serve(runner: str, data: Path, threads: int) -> None:
    """Answer the parent's commands (see the module docstring)."""
    channel = common.protocol_channel()
    timed: dict[str, tuple[GanTrainer, int, int]] = {}  # model -> (trainer, samples, batch)
    state: dict[str, Any] = {}

    def images() -> np.ndarray:
        if "x" not in state:
            state["x"] = np.load(data / "x.npy")
        return state["x"]

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        cmd = request["cmd"]
        if cmd == "init":
            seed_everything(runner, int(request["seed"]))
            weights = build_trainer(runner, request["model"]).get_weights()
            np.savez(data / request["file"], *weights)
            return {"count": int(sum(w.size for w in weights))}
        if cmd == "setup":
            return setup(request)
        if cmd == "epoch":
            trainer, n, b = timed[request["model"]]
            gc.collect()
            start = time.perf_counter()
            d_loss, g_loss = trainer.fit(images()[:n], b)
            return {"seconds": time.perf_counter() - start, "loss": d_loss, "g_loss": g_loss}
        raise ValueError(f"unknown command {cmd!r}")

    def setup(request: dict[str, Any]) -> dict[str, Any]:
        key, n, b = request["model"], int(request["samples"]), int(request["batch_size"])
        x = images()
        with np.load(data / request["weights"]) as npz:
            initial = [npz[f"arr_{i}"] for i in range(len(npz.files))]
        check = build_trainer(runner, key, dropout=0.0)
        check.set_weights(initial)
        losses: list[float] = []
        step_times = []
        with np.load(data / "check.npz") as given:
            for i in range(int(request["check_steps"])):
                draws = [given[name][i] for name in ("real", "latents", "label_noise", "again")]
                start = time.perf_counter()
                losses += check.step(*draws)
                step_times.append(time.perf_counter() - start)
        after = f"{runner}-{key}-after.npz"
        np.savez(data / after, *check.get_weights())
        del check
        trainer = build_trainer(runner, key)
        trainer.set_weights(initial)
        timed[key] = (trainer, n, b)
        batches = warmup_batches(n // b, step_times, request)
        gc.collect()
        start = time.perf_counter()
        warm_loss, _ = trainer.fit(x[: batches * b], b)
        return {
            "losses": losses,
            "step_times": step_times,
            "weights": after,
            "warmup": time.perf_counter() - start,
            "warmup_samples": batches * b,
            "warmup_loss": warm_loss,
        }

    common.serve(channel, lambda: runner_start(runner, threads), handle)


def main(argv: Sequence[str]) -> None:
    runner, data, threads = argv[0], Path(argv[1]), int(argv[2])
    if runner not in RUNNERS:
        raise SystemExit(f"unknown runner {runner!r}; choose from {RUNNERS}")
    serve(runner, data, threads)


if __name__ == "__main__":
    main(sys.argv[1:])
