"""Red team: image files are untrusted input. A pixel bomb (a 13000 x 13000 PNG of 164 KB, 169M
pixels, under PIL's own 179M refusal) must not be decoded: in a child process whose memory is capped
a few hundred MB above what it already holds, ``transform`` on ten of them is a clean ValueError.
The child writes a marker file if the bomb went off (decoded, or a MemoryError)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import resource, sys
from sklearn_zoo import ImageEmbedder

checkpoint, bomb, marker, limit = sys.argv[1:5]
limit = None if limit == "None" else int(limit)
emb = ImageEmbedder(checkpoint, image_size=32, cache=False, max_image_pixels=limit).fit()
with open("/proc/self/status") as f:
    held = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
cap = held + 400 * 2**20  # one decoded bomb alone needs 169 MB (gray), 507 MB as RGB
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
try:
    emb.transform([bomb] * 10)
except ValueError as exc:
    print("refused:", exc)
except MemoryError:
    open(marker, "w").write("the bomb was decoded until memory ran out")
else:
    open(marker, "w").write("the bomb was decoded")
"""


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> str:
    from PIL import Image

    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    Image.new("L", (13_000, 13_000)).save(path, compress_level=9)
    assert path.stat().st_size < 200_000
    return str(path)


def _attack(checkpoint: str, bomb: str, marker: Path, limit: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", CHILD, checkpoint, bomb, str(marker), limit],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_a_pixel_bomb_is_refused_before_decoding(tiny_image_checkpoint, bomb, tmp_path):
    marker = tmp_path / "bomb-went-off"
    proc = _attack(tiny_image_checkpoint, bomb, marker, "40000000")  # the default limit
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists(), marker.read_text()
    assert "bomb.png' (index 0) has 13000 x 13000 = 169,000,000 pixels" in proc.stdout


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_without_the_limit_the_same_bomb_goes_off(tiny_image_checkpoint, bomb, tmp_path):
    """The control: max_image_pixels=None decodes it, and the capped memory does not suffice. So
    the test above cannot pass for want of a real bomb."""
    marker = tmp_path / "bomb-went-off"
    proc = _attack(tiny_image_checkpoint, bomb, marker, "None")
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text() == "the bomb was decoded until memory ran out"
