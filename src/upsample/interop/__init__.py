"""Keras 3 interoperability: upsample's own layers as Keras classes, and Keras as a training engine.

`upsample.interop.keras` holds a Keras 3 twin of every layer and initializer
that upsample adds beyond Keras (`DepthToSpace`, `SubPixelConv2D`, `ICNR`, …),
registered under upsample's names, so that a ``.keras`` file written by
upsample loads and runs in Keras once that module is imported.
`upsample.interop.engine` trains an upsample model with Keras's `fit` on every
device Keras sees (``keras.distribution.DataParallel``) and brings the result
back.  Both need the optional extra: ``pip install "upsample[keras]"``.

Only the command line's ``--engine keras`` uses this package inside upsample, and
it imports Keras only when one of those two modules is used.
"""
