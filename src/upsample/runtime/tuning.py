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

# A training step splits a batch into one piece per core (`upsample.models.pieces`) only
# when each piece holds at least this many bytes of activations: measured, seed 004's
# autoencoder at batch 1000 trains at 540 samples/s in pieces instead of 416, seed 000's
# at batch 25 drops from 1,725 to 1,268 (per-op Python work, under the GIL, dominates).
MIN_PIECE_BYTES = 16 << 20

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

# Plans kept per model (`upsample.models.plan`): a training batch, the last smaller
# one, and validation or prediction batches; a training step in pieces uses one per
# piece shape.
PLANS_KEPT = 4

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

# --------------------------------------------------------------------------- reductions

# Rows per BLAS product of `ops.reductions.column_sums`, whose blocks' sums are added in
# float64.  A product adds its rows one after another, so the error grows with the block:
# on a sum of one repeated value ((300000, 3) of 0.1, the worst case of such sums) 1.8e-7
# of the exact sum with 32 rows, 6.0e-7 with 128, 9.6e-7 with 256, 1.7e-4 as one product
# (XLA, i.e. Keras: 1.8e-7); on random gradients ((676000, 32) of N(0.02, 0.1)) 3.6e-8 with
# 128 rows, 8.2e-6 as one product, 2.4e-5 for NumPy's ``sum(axis=0)``, 9.3e-8 for XLA.
# Time with BLAS on one thread, (676000, 32): 13.8 ms with 32 rows, 7.9 with 64, 6.8 with
# 128 or 256, 5.0 as one product; (484000, 8): 0.98, 0.70, 0.61, 0.59 ms.
SUM_BLOCK_ROWS = 128
# Up to this many elements `column_sums` sums a float64 copy instead: exact to float32,
# where blocks would cost about as much (measured: (4900, 8) 0.03 ms either way; on
# (1225, 8) 3.2e-8 against 6.3e-8 with blocks, and 5.7e-8 for XLA).
SUM_FLOAT64_ELEMENTS = 1 << 16

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
