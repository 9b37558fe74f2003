"""Plain data across the sandbox boundary.

The sandbox (the student's process) ``encode``s each returned value as JSON-able plain data; the
grader ``decode``s it strictly: numbers, strings, None, lists, string-keyed dicts and NumPy arrays
rebuilt from raw bytes with a dtype from a fixed list. Nothing is unpickled and no object of the
student's is ever rebuilt, so a hostile ``__eq__`` or ``__reduce__`` has nothing to run in.
"""
import base64
import math

import numpy as np

DTYPES = ("float64", "float32", "float16", "complex128", "complex64", "int64", "int32", "int16", "int8", "uint8", "bool")
MAX_ITEMS = 1_000_000
MAX_TEXT = 10_000


class Opaque:
    """Stands for a value the wire does not carry (an object of the student's own, say)."""

    def __init__(self, type_name):
        self.type_name = str(type_name)[:80]

    def __repr__(self):
        return f"<{self.type_name} object>"


class _TooLarge(Exception):
    pass


def encode(x):
    """A value -> JSON-able plain data (in the sandbox). A value of more than MAX_ITEMS numbers in
    all (nested lists included) is not carried: it is reported as too large, at once."""
    try:
        return _encode(x, 0, [MAX_ITEMS])
    except _TooLarge:
        return {"t": "opaque", "type": f"value of over {MAX_ITEMS:,} items"}


def _encode(x, depth, budget):
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge()
    if depth > 20:
        return {"t": "opaque", "type": "deeply nested value"}
    if x is None or isinstance(x, (bool, np.bool_)):
        return {"t": "none"} if x is None else {"t": "bool", "v": bool(x)}
    if isinstance(x, (int, np.integer)):
        return {"t": "int", "v": str(int(x))}
    if isinstance(x, (np.floating, np.complexfloating)) and x.dtype != np.float64:  # as a 0-d array: its
        x = np.asarray(x)  # precision is part of the answer
    if isinstance(x, np.ndarray) and x.dtype.name not in DTYPES and x.dtype in (np.longdouble, np.clongdouble):
        x = x.astype(np.float64 if x.dtype.kind == "f" else np.complex128)  # extended precision, carried as float64
    elif isinstance(x, (float, np.floating)):
        return {"t": "float", "v": repr(float(x))}
    if isinstance(x, str):
        return {"t": "str", "v": x[:MAX_TEXT]}
    if isinstance(x, np.ndarray) and x.dtype.name in DTYPES and x.size <= MAX_ITEMS:
        budget[0] -= x.size
        if budget[0] < 0:
            raise _TooLarge()
        arr = np.asarray(x, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
        return {"t": "array", "dtype": arr.dtype.name, "shape": list(arr.shape),
                "data": base64.b64encode(arr.tobytes()).decode("ascii")}
    if isinstance(x, (list, tuple)) and len(x) <= MAX_ITEMS:
        return {"t": type(x).__name__, "v": [_encode(v, depth + 1, budget) for v in x]}
    if isinstance(x, dict) and len(x) <= 10_000 and all(isinstance(k, str) for k in x):
        return {"t": "dict", "v": {k[:MAX_TEXT]: _encode(v, depth + 1, budget) for k, v in x.items()}}
    return {"t": "opaque", "type": type(x).__name__}


def decode(d, depth=0):
    """Plain data -> a value (in the grader). Anything malformed becomes an ``Opaque``."""
    try:
        t = d["t"]
        if depth > 20:
            return Opaque("deeply nested value")
        if t == "none":
            return None
        if t == "bool":
            return bool(d["v"]) if isinstance(d["v"], bool) else Opaque("bool")
        if t == "int":
            return int(str(d["v"])[:400])
        if t == "float":
            v = float(str(d["v"])[:100])
            return v if math.isfinite(v) or str(d["v"]).lstrip("-") in ("inf", "nan") else Opaque("float")
        if t == "str":
            return str(d["v"])[:MAX_TEXT]
        if t == "array":
            dtype = np.dtype(DTYPES[DTYPES.index(d["dtype"])])
            shape = tuple(int(n) for n in d["shape"])
            if any(n < 0 for n in shape) or math.prod(shape) > MAX_ITEMS:
                return Opaque("array")
            return np.frombuffer(base64.b64decode(d["data"], validate=True), dtype=dtype).reshape(shape).copy()
        if t in ("list", "tuple"):
            items = [decode(v, depth + 1) for v in d["v"][:MAX_ITEMS]]
            return items if t == "list" else tuple(items)
        if t == "dict":
            return {str(k)[:MAX_TEXT]: decode(v, depth + 1) for k, v in dict(d["v"]).items()}
        return Opaque(d.get("type", "value"))
    except Exception:
        return Opaque("malformed value")
