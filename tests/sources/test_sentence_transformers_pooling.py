"""A sentence-transformers checkpoint outside the catalogue pools as it was trained to: its
``modules.json`` and pooling ``config.json`` are read (as data), and the embeddings equal
sentence-transformers' own, on a tiny BERT saved with those files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from sklearn_zoo import TextEmbedder, get_checkpoint
from sklearn_zoo.backbones.hf_text import pool

TEXTS = ["the cat sat on the mat", "a dog", "it was not very good", "the film"]


def _sentence_transformers():
    st = pytest.importorskip("sentence_transformers")
    try:
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Pooling, Transformer
    return st.SentenceTransformer, Transformer, Pooling


@pytest.fixture
def tiny_bert(tmp_path, tiny):
    return tiny.save_hf_text(tmp_path / "bert", "bert")


def _write_legacy(folder, **modes):
    """The pooling files as sentence-transformers 2.x wrote them (one boolean per mode)."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    config = {"word_embedding_dimension": 32, "pooling_mode_mean_tokens": False, **modes}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize(
    ("mode", "pooling"), [("cls", "cls"), ("mean", "mean"), ("max", "max"), ("lasttoken", "last")]
)
def test_embeddings_equal_sentence_transformers(tiny_bert, tmp_path, mode, pooling):
    SentenceTransformer, Transformer, Pooling = _sentence_transformers()
    folder = tmp_path / mode
    model = SentenceTransformer(modules=[Transformer(str(tiny_bert)), Pooling(32, mode)])
    model.save(str(folder))
    assert get_checkpoint(str(folder)).text.pooling == pooling
    ours = TextEmbedder(str(folder), device="cpu", cache=False).fit().transform(TEXTS)
    theirs = SentenceTransformer(str(folder), device="cpu").encode(TEXTS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    # the estimator's own parameter still decides when given
    other = "mean" if pooling != "mean" else "cls"
    changed = TextEmbedder(str(folder), pooling=other, cache=False).fit().transform(TEXTS)
    assert not np.allclose(changed, theirs, atol=1e-4)


@pytest.mark.parametrize(
    ("modes", "pooling"),
    [
        ({"pooling_mode_cls_token": True}, "cls"),
        ({"pooling_mode_mean_tokens": True}, "mean"),
        ({"pooling_mode_max_tokens": True}, "max"),
        ({"pooling_mode_lasttoken": True}, "last"),
    ],
)
def test_the_legacy_format_is_read(tiny_bert, tmp_path, modes, pooling):
    import shutil

    folder = shutil.copytree(tiny_bert, tmp_path / "legacy")
    _write_legacy(folder, **modes)
    assert get_checkpoint(str(folder)).text.pooling == pooling


def test_a_plain_transformers_directory_mean_pools(tiny_bert):
    assert get_checkpoint(str(tiny_bert)).text.pooling == "mean"


def test_unsupported_modes_warn_and_mean_pool(tiny_bert, tmp_path):
    import shutil

    folder = shutil.copytree(tiny_bert, tmp_path / "two")
    _write_legacy(folder, pooling_mode_cls_token=True, pooling_mode_max_tokens=True)
    with pytest.warns(UserWarning, match=r"pooling \['cls', 'max'\].*pooling='mean', 'cls'"):
        assert get_checkpoint(str(folder)).text.pooling == "mean"


def test_a_pooling_path_outside_the_checkpoint_is_not_followed(tiny_bert, tmp_path):
    import shutil

    folder = shutil.copytree(tiny_bert, tmp_path / "inside")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "config.json").write_text(json.dumps({"pooling_mode": "cls"}))
    for path in ("../outside", str(outside)):
        modules = [{"path": path, "type": "sentence_transformers.models.Pooling"}]
        (folder / "modules.json").write_text(json.dumps(modules))
        assert get_checkpoint(str(folder)).text.pooling == "mean", path


def test_pooling_skips_padding_on_either_side():
    hidden = torch.arange(2 * 5 * 1, dtype=torch.float32).reshape(2, 5, 1)
    left = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])  # the first text padded on the left
    right = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    assert pool(hidden, left, "cls").ravel().tolist() == [2.0, 5.0]
    assert pool(hidden, left, "last").ravel().tolist() == [4.0, 9.0]
    assert pool(hidden, right, "cls").ravel().tolist() == [0.0, 5.0]
    assert pool(hidden, right, "last").ravel().tolist() == [2.0, 9.0]
    assert pool(hidden, right, "max").ravel().tolist() == [2.0, 9.0]
    assert pool(hidden, right, "mean").ravel().tolist() == [1.0, 7.0]
