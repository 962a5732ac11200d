"""The one way this project reads a pickle it did not write: numpy arrays and nothing else.

A pickle can run arbitrary code when loaded. The authors' released ``.pkl`` files
are Python 2 pickles of a list of numpy arrays, so the unpickler below resolves
exactly the globals that numpy's array reconstruction needs (plus
``codecs.encode``, with which Python 3 stores raw bytes in old protocols) and
refuses everything else. Torch-free, so that the authors' patched code
(irgan/original/authors_code.py), which runs in a TensorFlow environment, reads its
start through it too.
"""

from __future__ import annotations

import codecs
import io
import os
import pickle

import numpy as np

from irgan.errors import UnsafePickleError

_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(1))[0]  # numpy's _reconstruct, wherever it lives
_FROMBUFFER = np.zeros(1).__reduce_ex__(5)[0]  # protocol-5 array reconstruction
_ALLOWED = {
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy._core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    # Python 3 pickles (protocols 0-2) store an array's raw bytes through
    # codecs.encode(str, "latin1"): a pure function, safe to admit.
    ("_codecs", "encode"): codecs.encode,
}



class NumpyOnlyUnpickler(pickle.Unpickler):
    """An unpickler that can build numpy arrays and plain containers, nothing else."""

    def __init__(self, file, source: str) -> None:
        super().__init__(file, encoding="latin1")
        self._source = source

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"{self._source}: refusing to load {module}.{name}; "
                "only numpy arrays are allowed in checkpoint pickles"
            ) from None


def load_numpy_pickle(path: str | os.PathLike) -> object:
    """Unpickle a file that may contain only numpy arrays (in lists, tuples, dicts)."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return NumpyOnlyUnpickler(io.BytesIO(data), str(path)).load()
    except UnsafePickleError:
        raise
    except Exception as exc:  # truncated or corrupt file
        raise UnsafePickleError(f"{path}: not a readable checkpoint pickle ({exc})") from exc
