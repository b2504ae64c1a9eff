"""Real image bytes for upload tests."""
from __future__ import annotations

import struct
import zlib
from random import Random


def random_png(size: int = 160, seed: int = 1) -> bytes:
    """A real PNG of random pixels (large enough to pass the app's 64 KiB body limit)."""
    noise = Random(seed)
    raw = b"".join(b"\x00" + bytes(noise.getrandbits(8) for _ in range(size * 3)) for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
