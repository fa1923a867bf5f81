"""The zoo: the seeds' models by name, exactly as the seeds build them."""

from __future__ import annotations

import numpy as np
import pytest

from upsample import zoo
from upsample.initializers import ICNR
from upsample.layers import Conv2D, Conv2DTranspose, ResizeConv2D, SubPixelConv2D, UpSampling2D
from upsample.ops import conv, upsample
from upsample.optimizers import Adam

# Parameter counts printed by the seeds' model.summary() (and for the 28x28
# pair, 100*6272+6272 + 3*3*128*128+128 + 3*3*128+1; the sub-pixel one has
# 3*3*32*4+4 for its last step).
PARAMETERS = {
    "ae-upsampling": 1_393,
    "ae-transpose": 12_785,
    # Seed 000's encoder (832) and decoders: 2*2*8*32+32 per 8-filter sub-pixel layer,
    # the seed's 8 -> 7 convolution and 2*2*8*4+4 for the output; the resize-
    # convolution autoencoder has the seed's own weights.
    "ae-sub-pixel": 832 + 1_056 + 264 + 1_056 + 132,
    "ae-resize-conv": 1_393,
    "generator-upsampling": 324_353,
    "generator-transpose": 324_353,
    "generator-upsampling-28": 782_209,
    "generator-transpose-28": 782_209,
    "generator-sub-pixel-28": 100 * 6272 + 6272 + 3 * 3 * 128 * 128 + 128 + 3 * 3 * 32 * 4 + 4,
}
OUTPUT_SHAPES = {
    "ae-upsampling": (None, 28, 28, 1),
    "ae-transpose": (None, 28, 28, 1),
    "ae-sub-pixel": (None, 28, 28, 1),
    "ae-resize-conv": (None, 28, 28, 1),
    "generator-upsampling": (None, 10, 10, 1),
    "generator-transpose": (None, 10, 10, 1),
    "generator-upsampling-28": (None, 28, 28, 1),
    "generator-transpose-28": (None, 28, 28, 1),
    "generator-sub-pixel-28": (None, 28, 28, 1),
}


def test_names_are_the_registry() -> None:
    assert zoo.names() == list(PARAMETERS)
    assert zoo.names("autoencoder") == [
        "ae-upsampling",
        "ae-transpose",
        "ae-sub-pixel",
        "ae-resize-conv",
    ]
    assert len(zoo.names("generator")) == 5


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_parameter_counts_and_output_shapes(name: str) -> None:
    model = zoo.get(name).build()
    assert model.count_params() == PARAMETERS[name]
    assert model.output_shapes == [OUTPUT_SHAPES[name]]


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_every_builder_documents_its_seed(name: str) -> None:
    entry = zoo.get(name)
    assert entry.builder.__doc__ is not None
    assert f"Seed {entry.seed}" in entry.builder.__doc__


def test_seed_training_settings() -> None:
    upsampling, transpose = zoo.get("ae-upsampling"), zoo.get("ae-transpose")
    assert (upsampling.batch_size, transpose.batch_size) == (25, 1000)
    assert upsampling.epochs == transpose.epochs == 25
    assert upsampling.loss == transpose.loss == "binary_crossentropy"
    assert upsampling.validation_split == 0.2
    assert upsampling.optimizer["class_name"] == "Adam"


def test_compiled_uses_the_seed_loss_and_a_fresh_optimizer() -> None:
    entry = zoo.get("ae-upsampling")
    first, second = entry.compiled(), entry.compiled(learning_rate=0.01)
    assert first.loss == "binary_crossentropy"
    assert isinstance(first.optimizer, Adam)
    assert first.optimizer is not second.optimizer
    assert first.optimizer.get_config()["learning_rate"] == pytest.approx(0.001)
    assert second.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)


def test_generators_use_dcgan_adam() -> None:
    config = zoo.get("generator-transpose-28").optimizer_instance().get_config()
    assert config["learning_rate"] == pytest.approx(0.0002)
    assert config["beta_1"] == pytest.approx(0.5)


def test_ae_upsampling_is_seed_000_layer_for_layer() -> None:
    model = zoo.get("ae-upsampling").build()
    convs = [layer for layer in model.layers if isinstance(layer, Conv2D)]
    upsamplings = [layer for layer in model.layers if isinstance(layer, UpSampling2D)]
    assert [c.get_config()["padding"] for c in convs] == ["same"] * 4 + ["valid", "same", "same"]
    assert tuple(convs[2].get_config()["strides"]) == (2, 2)
    # The seed gives no initializer to the 8x8 -> 7x7 convolution and the output.
    initializers = [c.get_config()["kernel_initializer"]["class_name"] for c in convs]
    assert initializers == ["HeUniform"] * 4 + ["GlorotUniform", "HeUniform", "GlorotUniform"]
    assert {u.interpolation for u in upsamplings} == {"bilinear"}
    assert convs[-1].get_config()["activation"] == "sigmoid"


def test_ae_transpose_is_seed_004_layer_for_layer() -> None:
    model = zoo.get("ae-transpose").build()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Conv2D"] * 3 + ["Conv2DTranspose"] * 3 + ["Conv2D"]
    assert [layer.get_config()["filters"] for layer in model.layers] == [32, 16, 8, 8, 16, 32, 1]
    transposes = [layer for layer in model.layers if isinstance(layer, Conv2DTranspose)]
    assert {t.get_config()["kernel_initializer"]["class_name"] for t in transposes} == {"HeNormal"}


def test_hyperparameters_are_keyword_overrides() -> None:
    model = zoo.get("ae-upsampling").build(interpolation="nearest")
    assert {layer.interpolation for layer in model.layers if isinstance(layer, UpSampling2D)} == {
        "nearest"
    }
    assert zoo.get("generator-transpose").build(latent_dim=10).input_shape == (None, 10)


def test_generators_map_latent_vectors_to_images(rng: np.random.Generator) -> None:
    z = rng.standard_normal((2, 100)).astype("float32")
    for name in ("generator-upsampling-28", "generator-transpose-28", "generator-sub-pixel-28"):
        images = zoo.get(name).build().predict(z, verbose=0)
        assert images.shape == (2, 28, 28, 1)
        assert ((images >= 0) & (images <= 1)).all()  # the sigmoid, for [0, 1] MNIST


def test_unknown_name_lists_the_zoo() -> None:
    with pytest.raises(KeyError, match="ae-upsampling, ae-transpose"):
        zoo.get("ae-nope")


ENCODER = ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Conv2D"]


def test_new_decoders_keep_seed_000s_encoder() -> None:
    seed = zoo.get("ae-upsampling").build()
    for name in ("ae-sub-pixel", "ae-resize-conv"):
        model = zoo.get(name).build()
        kinds = [type(layer).__name__ for layer in model.layers]
        assert kinds[:6] == ENCODER
        for ours, theirs in zip(model.layers[:6], seed.layers[:6], strict=True):
            config, expected = ours.get_config(), theirs.get_config()
            del config["name"], expected["name"]
            assert config == expected
    sub_pixel = zoo.get("ae-sub-pixel").build()
    assert [type(layer).__name__ for layer in sub_pixel.layers[6:]] == [
        "SubPixelConv2D",
        "Conv2D",
        "SubPixelConv2D",
        "SubPixelConv2D",
    ]
    initializers = [layer.kernel_initializer for layer in sub_pixel.layers[6:]]
    assert all(isinstance(i, ICNR) for i in initializers[:1] + initializers[2:])
    resize = zoo.get("ae-resize-conv").build()
    assert {layer.interpolation for layer in resize.layers[6:]} == {"nearest"}


def test_resize_conv_with_bilinear_is_seed_000(rng: np.random.Generator) -> None:
    seed = zoo.get("ae-upsampling").build()
    fused = zoo.get("ae-resize-conv").build(interpolation="bilinear")
    assert all(isinstance(layer, ResizeConv2D) for layer in fused.layers[6:])
    fused.set_weights(seed.get_weights())
    x = rng.random((3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_array_equal(fused.predict(x, verbose=0), seed.predict(x, verbose=0))


def test_sub_pixel_decoder_starts_as_convolutions_and_nearest_upsampling(
    rng: np.random.Generator,
) -> None:
    model = zoo.get("ae-sub-pixel").build()
    layer = model.layers[6]
    assert isinstance(layer, SubPixelConv2D)
    x = rng.random((2, 4, 4, 8)).astype(np.float32)
    kernel = layer.kernel.value[..., : layer.filters]  # DCR: phase 0 is the first filters
    expected = upsample(np.maximum(conv(x, kernel, padding="same"), 0), size=2)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-6, atol=1e-7)


def test_sub_pixel_generator_starts_as_convolutions_and_nearest_upsampling(
    rng: np.random.Generator,
) -> None:
    model = zoo.get("generator-sub-pixel-28").build()
    first, last = model.layers[2:]
    assert isinstance(first, SubPixelConv2D) and isinstance(last, SubPixelConv2D)
    assert isinstance(first.kernel_initializer, ICNR)
    assert first.kernel.value.shape == (3, 3, 128, 128)  # the other generators' kernel
    x = rng.random((2, 14, 14, 32)).astype(np.float32)
    kernel = last.kernel.value[..., :1]  # DCR: phase 0 is the first output channel
    expected = 1 / (1 + np.exp(-upsample(conv(x, kernel, padding="same"), size=2)))
    np.testing.assert_allclose(last(x), expected, rtol=1e-5, atol=1e-6)
