"""The runners of `bench_training.py`: one process per framework, training the seed models.

Not a test and not an entry point of its own.  Two ways to start it:

``python _train_workers.py RUNNER DATA_DIR THREADS``
    serve one runner (``ours``, ``torch_cl``, ``keras_tf``, ``keras_jax``) over the
    JSON-line protocol of `_common.serve`:

    * on start: ``{"ok": true, "versions": {...}, "details": {...}}``, or ``{"ok": false,
      "error": ...}`` when the library cannot be imported (then the worker exits);
    * ``{"cmd": "init", "model": KEY, "seed": s, "file": F}``: build the seed model
      with this framework's initializers and save its initial weights (Keras order
      and layouts) to ``DATA_DIR/F`` (.npz), so that every runner starts alike;
    * ``{"cmd": "setup", "model": KEY, "samples": n, "batch_size": b, "weights": F,
      "check_steps": k}``: build the model, load the weights, then the correctness
      check: ``k`` training steps, each a one-batch ``fit`` (batch ``i`` of the data),
      answering the ``k`` losses and times and saving the weights after them; then one
      warm-up epoch (JIT compilation, allocator) whose time is answered too, or only
      its first batches when the steps say a whole epoch takes over ``warmup_max`` s;
    * ``{"cmd": "epoch", "model": KEY}``: one timed epoch, answers ``seconds`` and
      ``loss``;
    * ``{"cmd": "quit"}``.

``python _train_workers.py --memory RUNNER MODEL THREADS SAMPLES BATCH``
    in a fresh process: load MNIST with `upsample.datasets.mnist.load`, build and
    compile the seed model, ``fit`` one epoch on the first SAMPLES training images,
    print one JSON line with the peak resident memory (``ru_maxrss``) before and
    after ``fit``.

The seed models are built by one function, `seed_model`, from the listings of
seeds 000 and 004 with the framework's ``layers`` and ``Sequential`` passed in: the
same code for upsample and for Keras.  PyTorch gets hand-written equivalents
(`torch_model`).  Only NumPy and `_common` are imported at module level.
"""

from __future__ import annotations

import gc
import json
import math
import os
import resource
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as common
from _peers import _versions as peer_versions

RUNNERS = ("ours", "torch_cl", "keras_tf", "keras_jax")
MODELS = ("ae_up", "ae_tr")
IMAGE_SHAPE = (28, 28, 1)
BCE_EPSILON = 1e-7  # keras.config.epsilon(): the clipping of binary cross-entropy
ADAM = {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}  # Keras's

# --------------------------------------------------------------------------- the seeds


def seed_model(key: str, layers: Any, sequential: Callable[[], Any]) -> Any:
    """The seed's model, compiled as in the seed; `layers` is keras.layers or upsample.layers.

    ``ae_up``: seed 000, the UpSampling2D autoencoder (1,393 parameters);
    ``ae_tr``: seed 004, the Conv2DTranspose autoencoder (12,785 parameters).
    """
    Conv2D, MaxPooling2D = layers.Conv2D, layers.MaxPooling2D
    UpSampling2D, Conv2DTranspose = layers.UpSampling2D, layers.Conv2DTranspose
    input_shape = IMAGE_SHAPE
    model = sequential()
    # fmt: off
    if key == "ae_up":  # seed 000, verbatim
        model.add(Conv2D(8, (2, 2), activation='relu', kernel_initializer='he_uniform', padding='same', input_shape=input_shape))  # noqa: E501
        model.add(MaxPooling2D((2, 2), padding='same'))
        model.add(Conv2D(8, (2, 2), activation='relu', kernel_initializer='he_uniform', padding='same'))  # noqa: E501
        model.add(MaxPooling2D((2, 2), padding='same'))
        model.add(Conv2D(8, (2, 2), strides=(2,2), activation='relu', kernel_initializer='he_uniform', padding='same'))  # noqa: E501
        model.add(Conv2D(8, (2, 2), activation='relu', kernel_initializer='he_uniform', padding='same'))  # noqa: E501
        model.add(UpSampling2D((2, 2), interpolation='bilinear'))
        model.add(Conv2D(8, (2, 2), activation='relu'))
        model.add(UpSampling2D((2, 2), interpolation='bilinear'))
        model.add(Conv2D(8, (2, 2), activation='relu', kernel_initializer='he_uniform', padding='same'))  # noqa: E501
        model.add(UpSampling2D((2, 2), interpolation='bilinear'))
        model.add(Conv2D(1, (2, 2), activation='sigmoid', padding='same'))
    elif key == "ae_tr":  # seed 004, verbatim
        model.add(Conv2D(32, kernel_size=(3, 3), activation='relu', kernel_initializer='he_normal', input_shape=input_shape))  # noqa: E501
        model.add(Conv2D(16, kernel_size=(3, 3), activation='relu', kernel_initializer='he_normal'))
        model.add(Conv2D(8, kernel_size=(3, 3), activation='relu', kernel_initializer='he_normal'))
        model.add(Conv2DTranspose(8, kernel_size=(3,3), activation='relu', kernel_initializer='he_normal'))  # noqa: E501
        model.add(Conv2DTranspose(16, kernel_size=(3,3), activation='relu', kernel_initializer='he_normal'))  # noqa: E501
        model.add(Conv2DTranspose(32, kernel_size=(3,3), activation='relu', kernel_initializer='he_normal'))  # noqa: E501
        model.add(Conv2D(1, kernel_size=(3, 3), activation='sigmoid', padding='same'))
    else:
        raise ValueError(f"unknown model {key!r}; choose from {MODELS}")
    model.compile(optimizer='adam', loss='binary_crossentropy')
    # fmt: on
    return model


# --------------------------------------------------------------------------- PyTorch


def keras_same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Keras's 'same' padding of one axis, (before, after): the extra pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def torch_model(key: str) -> Any:
    """A hand-written PyTorch equivalent of the seed model (an ``nn.Module``, NCHW logic).

    'same' padding as Keras: the total padding ``max((out - 1) * s + k - in, 0)`` split
    ``total // 2`` before and the rest after, i.e. the extra pixel at the bottom/right,
    by an explicit ``F.pad`` (torch's ``padding='same'`` refuses strides above 1, and
    the seed has a stride-2 'same' convolution).  Bilinear upsampling:
    ``F.interpolate(..., align_corners=False)``, the half-pixel centres of Keras.  The
    output layer returns probabilities (sigmoid), as Keras's, and the loss clips them
    (`torch_bce`).
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Conv(nn.Module):
        def __init__(self, cin: int, cout: int, k: int, *, stride: int = 1, padding: str = "valid",
                     activation: str = "relu", transpose: bool = False) -> None:  # fmt: skip
            super().__init__()
            cls = nn.ConvTranspose2d if transpose else nn.Conv2d
            self.conv = cls(cin, cout, k, stride=stride)
            self.k, self.stride, self.padding, self.activation = k, stride, padding, activation

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.padding == "same":
                top, bottom = keras_same_pads(x.shape[2], self.k, self.stride)
                left, right = keras_same_pads(x.shape[3], self.k, self.stride)
                if top or bottom or left or right:
                    x = F.pad(x, (left, right, top, bottom))
            y = self.conv(x)
            return torch.relu(y) if self.activation == "relu" else torch.sigmoid(y)

    class MaxPoolSame(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            top, bottom = keras_same_pads(x.shape[2], 2, 2)
            left, right = keras_same_pads(x.shape[3], 2, 2)
            if top or bottom or left or right:
                x = F.pad(x, (left, right, top, bottom), value=-math.inf)
            return F.max_pool2d(x, 2, 2)

    class Up(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)

    if key == "ae_up":
        layers: list[nn.Module] = [
            Conv(1, 8, 2, padding="same"),
            MaxPoolSame(),
            Conv(8, 8, 2, padding="same"),
            MaxPoolSame(),
            Conv(8, 8, 2, stride=2, padding="same"),
            Conv(8, 8, 2, padding="same"),
            Up(),
            Conv(8, 8, 2),
            Up(),
            Conv(8, 8, 2, padding="same"),
            Up(),
            Conv(8, 1, 2, padding="same", activation="sigmoid"),
        ]
    elif key == "ae_tr":
        layers = [
            Conv(1, 32, 3),
            Conv(32, 16, 3),
            Conv(16, 8, 3),
            Conv(8, 8, 3, transpose=True),
            Conv(8, 16, 3, transpose=True),
            Conv(16, 32, 3, transpose=True),
            Conv(32, 1, 3, padding="same", activation="sigmoid"),
        ]
    else:
        raise ValueError(f"unknown model {key!r}; choose from {MODELS}")
    return nn.Sequential(*layers)


def torch_bce(p: Any, y: Any) -> Any:
    """Keras's binary cross-entropy on probabilities: clip to [eps, 1 - eps], then the mean."""
    import torch

    p = torch.clamp(p, BCE_EPSILON, 1 - BCE_EPSILON)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


class KerasAdam:
    """Adam with Keras's epsilon placement, on torch tensors (``torch._foreach_*``, no_grad).

    Keras: ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)``,
    ``w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``: epsilon is added to
    the square root of the *uncorrected* v.  ``torch.optim.Adam`` adds it to the
    square root of the bias-corrected v instead.
    """

    def __init__(self, params: Sequence[Any], settings: dict[str, float] = ADAM) -> None:
        import torch

        self.settings = settings
        self.params = [p for p in params if p.requires_grad]
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        import torch

        self.t += 1
        b1, b2 = self.settings["beta_1"], self.settings["beta_2"]
        alpha = self.settings["learning_rate"] * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        grads = [p.grad for p in self.params]
        with torch.no_grad():
            torch._foreach_lerp_(self.m, grads, 1 - b1)
            torch._foreach_mul_(self.v, b2)
            torch._foreach_addcmul_(self.v, grads, grads, value=1 - b2)
            denom = torch._foreach_sqrt(self.v)
            torch._foreach_add_(denom, self.settings["epsilon"])
            torch._foreach_addcdiv_(self.params, self.m, denom, value=-alpha)


def torch_optimizer(params: Sequence[Any], settings: dict[str, float] = ADAM) -> Any:
    """Adam with Keras's `settings`: `KerasAdam`, or ``torch.optim.Adam`` when the
    environment says ``BENCH_TORCH_ADAM=torch`` (its own epsilon placement)."""
    import torch

    if os.environ.get("BENCH_TORCH_ADAM", "keras") == "torch":
        return torch.optim.Adam(
            params,
            lr=settings["learning_rate"],
            betas=(settings["beta_1"], settings["beta_2"]),
            eps=settings["epsilon"],
        )
    return KerasAdam(list(params), settings)


def torch_params_from_keras(model: Any, weights: Sequence[np.ndarray]) -> None:
    """Copy Keras-ordered, Keras-layout weights into the torch model (channels_last).

    Conv2D kernels ``(kh, kw, in, out)`` -> torch ``(out, in, kh, kw)``; Conv2DTranspose
    kernels ``(kh, kw, out, in)`` -> torch ``(in, out, kh, kw)``: the same permutation.
    Dense kernels ``(in, out)`` -> ``nn.Linear``'s ``(out, in)``.
    """
    import torch

    params = list(model.parameters())
    if len(params) != len(weights):
        raise ValueError(f"{len(weights)} weights for {len(params)} torch parameters")
    with torch.no_grad():
        for p, w in zip(params, weights):
            t = torch.from_numpy(np.ascontiguousarray(w))
            if t.ndim == 4:
                t = t.permute(3, 2, 0, 1)
            elif t.ndim == 2:
                t = t.T
            if tuple(t.shape) != tuple(p.shape):
                raise ValueError(f"weight shape {tuple(t.shape)} != parameter {tuple(p.shape)}")
            p.copy_(t)


def torch_params_to_keras(model: Any) -> list[np.ndarray]:
    out = []
    for p in model.parameters():
        a = p.detach().numpy()
        out.append(np.ascontiguousarray(a.transpose(2, 3, 1, 0) if a.ndim == 4 else a.T))
    return out


# --------------------------------------------------------------------------- runners


@dataclass
class Trainer:
    """One seed model in one framework: fit an epoch, read and write its weights."""

    fit: Callable[[int, int, int], float]  # (start, stop, batch_size) -> epoch loss
    get_weights: Callable[[], list[np.ndarray]]
    set_weights: Callable[[list[np.ndarray]], None]
    info: Callable[[], dict[str, str]] = dict  # settings to report, read after a fit


def _quiet_warnings() -> None:
    # Keras warns that `input_shape=` on a first layer is deprecated: it is the seed's code.
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)


def build_trainer(runner: str, key: str, x: np.ndarray) -> Trainer:
    """The seed model `key` in `runner`'s framework, training on (slices of) `x`."""
    if runner == "torch_cl":
        return _torch_trainer(key, x)
    import importlib

    package = "upsample" if runner == "ours" else "keras"
    layers = importlib.import_module(f"{package}.layers")
    models = importlib.import_module(f"{package}.models")
    if package == "keras":
        import keras

        keras.config.set_image_data_format("channels_last")
    model = seed_model(key, layers, models.Sequential)

    def fit(start: int, stop: int, batch_size: int) -> float:
        xs = x[start:stop]
        history = model.fit(xs, xs, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
        return float(history.history["loss"][-1])

    def info() -> dict[str, str]:
        if runner == "ours":
            return {}
        return {"jit_compile": str(model.jit_compile), "params": str(model.count_params())}

    return Trainer(fit, model.get_weights, model.set_weights, info)


def _torch_trainer(key: str, x: np.ndarray) -> Trainer:
    import torch

    model = torch_model(key).to(memory_format=torch.channels_last)
    # NHWC bytes viewed as NCHW: a channels_last tensor without a copy.
    data = torch.from_numpy(x).permute(0, 3, 1, 2)
    state: dict[str, Any] = {}

    def new_optimizer() -> None:
        state["opt"] = torch_optimizer(list(model.parameters()))

    new_optimizer()

    def fit(start: int, stop: int, batch_size: int) -> float:
        """One epoch over data[start:stop] in order, as Keras's fit(shuffle=False)."""
        opt = state["opt"]
        model.train()
        total = torch.zeros((), dtype=torch.float64)
        for i in range(start, stop, batch_size):
            xb = data[i : min(i + batch_size, stop)]
            opt.zero_grad(set_to_none=True)
            loss = torch_bce(model(xb), xb)
            loss.backward()
            opt.step()
            total += loss.detach() * xb.shape[0]
        return float(total) / (stop - start)

    def set_weights(weights: list[np.ndarray]) -> None:
        torch_params_from_keras(model, weights)
        model.to(memory_format=torch.channels_last)
        new_optimizer()

    return Trainer(fit, lambda: torch_params_to_keras(model), set_weights)


def runner_start(runner: str, threads: int) -> dict[str, Any]:
    """Import the runner's libraries, set their threads; versions and settings."""
    details: dict[str, str] = {}
    if runner == "ours":
        import upsample
        from upsample import config

        config.tune_allocator()  # as the `upsample` command does
        config.set_num_threads(threads)
        versions = {"upsample": upsample.__version__, "numpy": np.__version__}
        details["threads"] = f"{config.num_threads()} kernel workers"
        return {"versions": versions, "details": details}
    _quiet_warnings()
    versions = peer_versions(runner, threads)
    if runner == "torch_cl":
        import torch

        details["threads"] = f"torch.set_num_threads({torch.get_num_threads()})"
        details["adam"] = os.environ.get("BENCH_TORCH_ADAM", "keras")
    elif runner == "keras_tf":
        import tensorflow as tf

        details["threads"] = (
            f"TF intra-op {tf.config.threading.get_intra_op_parallelism_threads()}, "
            f"inter-op {tf.config.threading.get_inter_op_parallelism_threads() or 'default'}"
        )
    elif runner == "keras_jax":
        import jax

        details["threads"] = f"XLA default, devices {jax.devices()}"
    return {"versions": versions, "details": details}


def serve(runner: str, data: Path, threads: int) -> None:
    """Answer the parent's commands (see the module docstring)."""
    channel = common.protocol_channel()
    trainers: dict[str, tuple[Trainer, int, int]] = {}  # model -> (trainer, samples, batch)
    state: dict[str, Any] = {}

    def images() -> np.ndarray:
        if "x" not in state:
            state["x"] = np.load(data / "x.npy")
        return state["x"]

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        cmd = request["cmd"]
        if cmd == "init":
            seed_everything(runner, int(request["seed"]))
            trainer = build_trainer(runner, request["model"], images())
            weights = trainer.get_weights()
            np.savez(data / request["file"], *weights)
            return {"count": int(sum(w.size for w in weights))}
        if cmd == "setup":
            key, n, b = request["model"], int(request["samples"]), int(request["batch_size"])
            x = images()
            trainer = build_trainer(runner, key, x)
            with np.load(data / request["weights"]) as npz:
                trainer.set_weights([npz[f"arr_{i}"] for i in range(len(npz.files))])
            losses, step_times = [], []
            for i in range(int(request["check_steps"])):
                start = time.perf_counter()
                losses.append(trainer.fit(i * b, (i + 1) * b, b))
                step_times.append(time.perf_counter() - start)
            after = f"{runner}-{key}-after.npz"
            np.savez(data / after, *trainer.get_weights())
            trainers[key] = (trainer, n, b)
            batches = warmup_batches(n // b, step_times, request)
            gc.collect()
            start = time.perf_counter()
            warm_loss = trainer.fit(0, batches * b, b)
            warm = time.perf_counter() - start
            return {
                "losses": losses,
                "step_times": step_times,
                "weights": after,
                "warmup": warm,
                "warmup_samples": batches * b,
                "warmup_loss": warm_loss,
                "info": trainer.info(),
            }
        if cmd == "epoch":
            trainer, n, b = trainers[request["model"]]
            gc.collect()
            start = time.perf_counter()
            loss = trainer.fit(0, n, b)
            return {"seconds": time.perf_counter() - start, "loss": loss}
        raise ValueError(f"unknown command {cmd!r}")

    common.serve(channel, lambda: runner_start(runner, threads), handle)


def warmup_batches(batches: int, step_times: Sequence[float], request: dict[str, Any]) -> int:
    """How many batches the warm-up epoch runs: all of them, unless the check steps (the
    first one compiled everything) say they take over the request's ``warmup_max`` s."""
    step = step_times[-1] if step_times else 0.0
    if step * batches > float(request.get("warmup_max", math.inf)):
        return max(1, int(float(request["warmup_max"]) // step))
    return batches


def seed_everything(runner: str, seed: int) -> None:
    if runner == "ours":
        from upsample.random import set_random_seed

        set_random_seed(seed)
    elif runner == "torch_cl":
        import torch

        torch.manual_seed(seed)
    else:
        import keras

        keras.utils.set_random_seed(seed)


# --------------------------------------------------------------------------- memory


def _rss_mib() -> float:
    """The current resident set size in MiB (Linux /proc; 0 where unknown)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _maxrss_mib() -> float:
    """The peak resident set size of this process so far, in MiB (ru_maxrss is KiB on Linux)."""
    scale = 1 if sys.platform != "darwin" else 1 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1024


def measure_memory(runner: str, key: str, threads: int, samples: int, batch: int) -> None:
    """Print one JSON line: peak RSS before and after ``fit`` of one epoch on MNIST."""
    channel = common.protocol_channel()
    result: dict[str, Any] = {"ok": True, "runner": runner, "model": key}
    try:
        result["after_start_mib"] = _maxrss_mib()
        start = runner_start(runner, threads)
        result["versions"] = start["versions"]
        result["after_import_mib"] = _maxrss_mib()
        from upsample.datasets import mnist

        (x_train, _), _ = mnist.load(quiet=True)[0]
        if samples > len(x_train):
            result["note"] = f"only {len(x_train):,} training images available"
        x = x_train[:samples].reshape(-1, *IMAGE_SHAPE).astype(np.float32)
        x /= 255  # in place: no second float32 copy in the peak
        del x_train
        result["samples"] = len(x)
        trainer = build_trainer(runner, key, x)
        gc.collect()
        result["before_fit_rss_mib"] = _rss_mib()
        result["before_fit_peak_mib"] = _maxrss_mib()
        begin = time.perf_counter()
        loss = trainer.fit(0, len(x), batch)
        result["fit_seconds"] = time.perf_counter() - begin
        result["loss"] = loss
        result["peak_mib"] = _maxrss_mib()
        result["data_mib"] = x.nbytes / 2**20
    except Exception as error:
        import traceback

        traceback.print_exc()
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    channel.write(json.dumps(result) + "\n")
    channel.flush()


def main(argv: Sequence[str]) -> None:
    if argv and argv[0] == "--memory":
        name, key, count, samples, batch = argv[1:6]
        measure_memory(name, key, int(count), int(samples), int(batch))
        return
    runner, data, threads = argv[0], Path(argv[1]), int(argv[2])
    if runner not in RUNNERS:
        raise SystemExit(f"unknown runner {runner!r}; choose from {RUNNERS}")
    serve(runner, data, threads)


if __name__ == "__main__":
    main(sys.argv[1:])
