"""The classifier settings of the quality tests: 2 epochs, 8 and 16 filters, 32 features.

On 2,000 images of the bundled sample they train in about two seconds.
"""

from upsample.quality import ClassifierSettings

TINY = ClassifierSettings(
    seed=1, epochs=2, batch_size=16, learning_rate=0.002, filters=(8, 16), features=32
)
