"""Products of a batch of streams by a network's kernel in which a row's numbers do not depend,
to the last bit, on the other rows of the batch nor on how many there are.

The engine steps whichever streams are due together, so one stream is stepped alone, beside one
other or beside a thousand as the load comes and goes; the same seed gives the same notes only
if its logits and state are the same in every case, since a draw near the edge of the nucleus
turns on the last bit. OpenBLAS does not promise that on its own (measured here, one BLAS thread,
docs/performance.md "The same notes whatever the batch"):
- numpy hands a single row to the vector routine (gemv), which rounds its sums differently from
  the matrix routine: a row alone is multiplied as two;
- below about a million multiply-adds the matrix routine takes a small-matrix path whose last
  columns, past a multiple of 16, round differently from the large path's (a 145-column kernel
  differed for batches under 54): the kernel carries zero columns up to a multiple of 16.
`tests/generation/test_lstm.py` (a melody network of the shipped sizes) and
`test_progression_writer.py` (the shipped progression network) hold the products to it.

A kernel may be multiplied transposed, (kernel.T @ rows.T).T, for some batch sizes: for the
LSTM's gate kernels (1,024 columns) that gives the same numbers to the bit and a quarter less time
at 4 to 16 rows, the batches of a burst of openings, where the plain product spends most of its
time packing the kernel.
"""

from __future__ import annotations

import numpy as np

COLUMN_BLOCK = 16


class RowKernel:
    """A (k, n) float32 kernel that multiplies batches of rows, row by row the same numbers."""

    def __init__(self, kernel: np.ndarray, transposed_rows: range = range(0)) -> None:
        self.width = kernel.shape[1]
        self.transposed_rows = transposed_rows
        columns = -(-self.width // COLUMN_BLOCK) * COLUMN_BLOCK
        padded = np.zeros((kernel.shape[0], columns), dtype=np.float32)
        padded[:, : self.width] = kernel
        self.padded = padded
        self.padded_t = np.ascontiguousarray(padded.T) if len(transposed_rows) else padded

    def times(self, rows: np.ndarray) -> np.ndarray:
        """rows (batch, k) @ kernel: a new C-contiguous (batch, n) array."""
        if len(rows) == 1:
            return self.times(np.concatenate((rows, rows)))[:1]
        if len(rows) in self.transposed_rows:
            return np.ascontiguousarray((self.padded_t @ rows.T).T[:, : self.width])
        product: np.ndarray = rows @ self.padded
        if self.padded.shape[1] == self.width:
            return product
        return np.ascontiguousarray(product[:, : self.width])
