"""Keras's side of the GAN parity test: the DCGAN example's `train_step`, step by step.

Runs inside the reference worker (see reference.py), on Keras 3's JAX
backend.  The example's ``train_step`` uses TensorFlow's ``GradientTape``;
on JAX the same maths is ``jax.value_and_grad`` of the loss through
``stateless_call``, and the optimizers apply the gradients as the example's do.
The networks arrive as ``.keras`` files written by upsample (so their
architecture and initial weights are ours, read by Keras), and every random
draw arrives as an array, so both sides compute the same steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def keras_gan_steps(
    discriminator_path: str,
    generator_path: str,
    batches: list[np.ndarray],
    noises: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    label_noise: float,
) -> dict[str, Any]:
    """Train for one step per batch; ``noises[i]`` is ``(latents, label noise in [0, 1),
    generator latents)`` of step i.  Returns both losses of every step and the final weights."""
    import jax
    import keras
    from keras import ops

    keras.backend.clear_session()
    discriminator = keras.saving.load_model(discriminator_path, compile=False)
    generator = keras.saving.load_model(generator_path, compile=False)
    loss_fn = keras.losses.BinaryCrossentropy()
    # DCGAN's settings (Radford et al., 2016), as upsample's GAN compiles by default.
    d_optimizer = keras.optimizers.Adam(learning_rate=0.0002, beta_1=0.5)
    g_optimizer = keras.optimizers.Adam(learning_rate=0.0002, beta_1=0.5)
    d_losses, g_losses = [], []
    for real_images, (latents, uniform, generator_latents) in zip(batches, noises, strict=True):
        batch_size = len(real_images)
        generated_images = generator(latents, training=True)
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        labels += label_noise * uniform

        def d_loss_of(trainable: list[Any], images: Any = combined_images, y: Any = labels) -> Any:
            return loss_fn(y, _run(discriminator, trainable, images))

        d_loss, grads = jax.value_and_grad(d_loss_of)(
            [v.value for v in discriminator.trainable_variables]
        )
        d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables, strict=True))

        misleading_labels = ops.zeros((batch_size, 1))
        frozen = [v.value for v in discriminator.trainable_variables]

        def g_loss_of(
            trainable: list[Any],
            z: Any = generator_latents,
            y: Any = misleading_labels,
            frozen: list[Any] = frozen,
        ) -> Any:
            return loss_fn(y, _run(discriminator, frozen, _run(generator, trainable, z)))

        g_loss, grads = jax.value_and_grad(g_loss_of)(
            [v.value for v in generator.trainable_variables]
        )
        g_optimizer.apply_gradients(zip(grads, generator.trainable_variables, strict=True))
        d_losses.append(float(d_loss))
        g_losses.append(float(g_loss))
    return {
        "d_loss": d_losses,
        "g_loss": g_losses,
        "discriminator": [np.asarray(w) for w in discriminator.get_weights()],
        "generator": [np.asarray(w) for w in generator.get_weights()],
    }


def _run(model: Any, trainable: list[Any], inputs: Any) -> Any:
    """The model's outputs in training mode with these trainable values (differentiable)."""
    outputs, _ = model.stateless_call(
        trainable, [v.value for v in model.non_trainable_variables], inputs, training=True
    )
    return outputs
