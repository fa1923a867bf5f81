"""The generators' discriminators, and each generator's GAN from the zoo."""

from __future__ import annotations

import numpy as np
import pytest

from upsample import zoo
from upsample.layers import Conv2D, Dense, Dropout, Flatten, LeakyReLU
from upsample.models import GAN
from upsample.utils import set_random_seed
from upsample.zoo.discriminators import dcgan_discriminator, discriminator_10, discriminator_28

# Conv2D 3*3*1*64 + 64, Conv2D 3*3*64*128 + 128, Dense 7*7*128 + 1.
PARAMETERS_28 = 640 + 73_856 + 6_273
# Conv2D 3*3*1*64 + 64, Dense 5*5*64 + 1.
PARAMETERS_10 = 640 + 1_601


def test_the_28x28_discriminator_is_the_keras_examples_recipe() -> None:
    model = discriminator_28()
    assert model.count_params() == PARAMETERS_28
    assert [type(layer) for layer in model.layers] == [
        Conv2D,
        LeakyReLU,
        Conv2D,
        LeakyReLU,
        Flatten,
        Dropout,
        Dense,
    ]
    convs = [layer for layer in model.layers if isinstance(layer, Conv2D)]
    assert [c.get_config()["strides"] for c in convs] == [(2, 2), (2, 2)]
    assert {c.get_config()["padding"] for c in convs} == {"same"}
    assert all(
        layer.negative_slope == 0.2 for layer in model.layers if isinstance(layer, LeakyReLU)
    )
    assert model.layers[5].rate == 0.2
    assert model.layers[-1].get_config()["activation"] == "sigmoid"
    assert model.output_shapes == [(None, 1)]


def test_the_10x10_discriminator() -> None:
    model = discriminator_10()
    assert model.count_params() == PARAMETERS_10
    assert model.input_shape == (None, 10, 10, 1) and model.output_shapes == [(None, 1)]


def test_outputs_are_probabilities(rng: np.random.Generator) -> None:
    model = dcgan_discriminator(input_shape=(8, 8, 1), filters=(2, 3))
    outputs = model.predict(rng.random((5, 8, 8, 1), dtype=np.float32), verbose=0)
    assert outputs.shape == (5, 1) and ((outputs > 0) & (outputs < 1)).all()


@pytest.mark.parametrize(
    ("name", "parameters"),
    [
        ("generator-upsampling", PARAMETERS_10),
        ("generator-transpose", PARAMETERS_10),
        ("generator-upsampling-28", PARAMETERS_28),
        ("generator-transpose-28", PARAMETERS_28),
        ("generator-sub-pixel-28", PARAMETERS_28),
    ],
)
def test_every_generator_has_a_compiled_gan(name: str, parameters: int) -> None:
    gan = zoo.get(name).gan(seed=0)
    assert isinstance(gan, GAN)
    assert gan.discriminator.count_params() == parameters
    assert gan.latent_dim == 100
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert optimizer.get_config()["learning_rate"] == pytest.approx(0.0002)
        assert optimizer.get_config()["beta_1"] == pytest.approx(0.5)
    assert gan.d_optimizer is not gan.g_optimizer


def test_generator_hyperparameters_and_learning_rate_reach_the_gan() -> None:
    gan = zoo.get("generator-transpose-28").gan(seed=0, learning_rate=0.001, latent_dim=16)
    assert gan.latent_dim == 16
    assert gan.g_optimizer.get_config()["learning_rate"] == pytest.approx(0.001)


def test_an_autoencoder_has_no_gan() -> None:
    with pytest.raises(
        ValueError, match="'ae-transpose' is not a GAN generator \\(its task is 'autoencoder'\\)"
    ):
        zoo.get("ae-transpose").gan()


def test_every_28x28_generator_meets_the_same_initial_discriminator() -> None:
    """After the same seed, whatever the generator: what `compare --task generator` relies on."""
    names = [name for name in zoo.names("generator") if name.endswith("-28")]
    states = []
    for name in names:
        set_random_seed(3)
        gan = zoo.get(name).gan(seed=0)
        (dropout,) = [layer for layer in gan.discriminator.layers if isinstance(layer, Dropout)]
        states.append((gan.discriminator.get_weights(), dropout._rng.bit_generator.state))
    first_weights, first_stream = states[0]
    for weights, stream in states[1:]:
        for ours, theirs in zip(weights, first_weights, strict=True):
            np.testing.assert_array_equal(ours, theirs)
        assert stream == first_stream
