"""Every tuning threshold of the kernels and the runtime, with the measurement behind it.

These numbers were measured on the machines the benchmarks ran on (two cores,
OpenBLAS, glibc); they trade speed, never results: every kernel computes the
same numbers whichever side of a threshold a problem falls on, up to float
rounding where sums are regrouped (the tests check both sides).  Kernels read
them here when they plan a call, so a test that shrinks one (with pytest's
``monkeypatch.setattr(tuning, ...)``) exercises chunking or threading on small
arrays; routes are never steered through them (every kernel has ``route=``).
"""

from __future__ import annotations

# --------------------------------------------------------------------------- threads

# Below about this many bytes of data an op touches, handing chunks to the worker
# threads costs more than it saves (measured: bilinear x2 of a (25, 14, 14, 8) batch
# took 1.05 ms on two threads, 0.48 ms on one).
PARALLEL_BYTES = 4 << 20

# --------------------------------------------------------------------------- memory

# Outputs of at least this many bytes come from the pool of dead outputs: glibc maps
# arrays this large afresh (its largest mmap threshold), and the page faults of fresh
# memory cost about as much as writing it.
POOL_MIN_BYTES = 1 << 25
# At most this much memory of dead outputs is kept for reuse (the oldest goes first);
# `upsample.config.set_buffer_pool_limit` changes it.
POOL_LIMIT_BYTES = 1 << 28
# Scratch buffers kept per thread (patches, windows, passes of resampling), least
# recently used dropped first: a training step of the seeds' models uses about 20.
SCRATCH_ENTRIES = 32
# glibc malloc settings of `upsample.config.tune_allocator`: the mmap threshold at its
# maximum on 64-bit systems, and freed memory kept up to this much.  Measured on the
# first layer of seed 000's autoencoder (batch 25): its backward pass took 1.36 ms with
# glibc's defaults and 0.39 ms with these.
MMAP_THRESHOLD_BYTES = 1 << 25
TRIM_THRESHOLD_BYTES = 1 << 28

# --------------------------------------------------------------------------- convolution

# Rows of im2col patches per chunk, sized so that a chunk's patches (and the matmul
# operands) stay in the per-core L2 cache.
CONV_CHUNK_BYTES = 1 << 20
# At most this many bytes of padded input (or gradient) per map take the flat-shift
# route: above, the chunked im2col is faster, because it runs on every core (the
# flat-shift route was measured 1.3-2x faster per map on the seeds' autoencoders at
# batch 25).
FLAT_SHIFT_MAX_BYTES = 1 << 20
# Input bytes per chunk of the one-channel route: the chunk and its tap rows stay in
# the per-core cache.
ONE_CHANNEL_CHUNK_BYTES = 1 << 21

# --------------------------------------------------------------------------- resampling

# Bytes of the wide side (output forward, gradient backward) per chunk of the segments
# route: small enough that a chunk's intermediates stay in the per-core L2 cache.
RESAMPLE_CHUNK_BYTES = 1 << 19
# Phases interleaved in contiguous blocks of at most this many elements are summed in
# contiguous scratch (NumPy's arithmetic runs one short inner loop per block, several
# times slower than a strided copy); a block of 1 is a plain strided axis.
RESAMPLE_STAGE_MAX = 32
# Bytes of the wide side per chunk of the linear x2 route.  Measured on
# (32, 64, 64, 32) -> x2 with two workers: 0.5 MiB 27-30 ms forward, 1 MiB 21 ms,
# whole items 26-31 ms.
LINEAR_X2_CHUNK_BYTES = 1 << 20
# Pixels at most this many elements wide are moved by opaque copies (`ops._pixels`)
# in the linear x2 route, and its bands of rows are for wider pixels only.
LINEAR_X2_NARROW_PIXEL = 32

# --------------------------------------------------------------------------- other kernels

# Batch items per pooling chunk are chosen so that a chunk's input is about this
# size: its temporaries then stay in the per-core cache.
POOLING_CHUNK_BYTES = 1 << 20
# Elements per chunk of the ReLU gradient's selection: its mask and operands stay in
# the L2 cache (measured on (500, 28, 28, 32): 22 ms instead of 29 for whole arrays).
SELECT_CHUNK = 1 << 16
# Up to this many elements, whole-array temporaries cost less than the chunks' calls.
SELECT_WHOLE = 1 << 20
# A bias over rows shorter than this many elements is tiled along the next axis first:
# NumPy's broadcasting runs one short inner loop per pixel otherwise (measured: 0.15 ms
# for a (25, 28, 28, 8) batch, 0.04 ms tiled).
SHORT_ROW = 64
