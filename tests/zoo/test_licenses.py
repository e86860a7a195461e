"""Licenses as data: SPDX identifiers on the catalogue, the ``license=`` filter, the opt-in policy."""

from __future__ import annotations

import re

import pytest

from sklearn_zoo import LicenseNotAllowedError, get_checkpoint, list_checkpoints
from sklearn_zoo.zoo.catalogue import CATALOGUE
from sklearn_zoo.zoo.licenses import ENV, check_license, licenses_of, spdx

# the SPDX license list's identifiers the catalogue uses (https://spdx.org/licenses/)
SPDX_IDS = {"Apache-2.0", "MIT", "BSD-3-Clause", "NOASSERTION"}


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: s.name)
def test_every_entry_has_spdx_licenses_and_their_source(spec):
    assert set(licenses_of(spec)) <= SPDX_IDS, spec.license
    assert re.fullmatch(r"https://\S+", spec.license_source), spec.license_source
    if spec.license == "NOASSERTION":  # no stated license: the notes say why
        assert spec.license_notes


def test_weights_and_code_licenses_are_apart_where_they_differ():
    resnet = get_checkpoint("resnet18")
    assert licenses_of(resnet) == ("NOASSERTION", "BSD-3-Clause")
    assert "ImageNet" in resnet.license_notes and "non-commercial" in resnet.license_notes
    assert licenses_of(get_checkpoint("roberta-base")) == ("MIT",)
    # weights pre-trained on ImageNet-21k: Apache-2.0 as stated, the data's terms in the notes
    assert "non-commercial" in get_checkpoint("vit-base-patch16-224-in21k").license_notes


def test_spdx_spelling():
    assert spdx("apache-2.0") == "Apache-2.0" and spdx(" mit ") == "MIT"
    assert spdx("unknown") == spdx("") == spdx(None) == "NOASSERTION"
    assert spdx("LicenseRef-team") == "LicenseRef-team"


def test_list_checkpoints_filters_on_the_weights_license():
    mit = list_checkpoints(license="MIT")
    assert {s.name for s in mit} == {s.name for s in CATALOGUE if s.license == "MIT"}
    assert "roberta-base" in {s.name for s in mit} and "bert-base-uncased" not in {
        s.name for s in mit
    }
    both = list_checkpoints(license="mit, APACHE-2.0")
    assert {s.license for s in both} == {"MIT", "Apache-2.0"}
    assert both == list_checkpoints(license=["MIT", "Apache-2.0"])
    unstated = list_checkpoints(license="NOASSERTION", modality="image")
    assert unstated and {s.source for s in unstated} == {"torchvision"}
    with pytest.raises(TypeError, match="SPDX identifier"):
        list_checkpoints(license=3)


def test_no_policy_refuses_nothing(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    for spec in CATALOGUE:
        check_license(spec)


def test_the_policy_refuses_a_checkpoint_outside_it_naming_the_license(monkeypatch):
    monkeypatch.setenv(ENV, "Apache-2.0, mit")
    check_license(get_checkpoint("roberta-base"))
    check_license(get_checkpoint("all-MiniLM-L6-v2"))
    with pytest.raises(LicenseNotAllowedError, match="weights license is 'NOASSERTION'"):
        check_license(get_checkpoint("resnet18"))
    # from-scratch weights: only the code's license applies
    monkeypatch.setenv(ENV, "BSD-3-Clause")
    check_license(get_checkpoint("resnet18"), pretrained=False)
    with pytest.raises(ValueError, match=f"'MIT'.*{ENV}"):
        check_license(get_checkpoint("roberta-base"))


def test_importing_under_a_policy_refuses_nothing():
    import os
    import subprocess
    import sys

    code = "import sklearn_zoo, sklearn_zoo.estimators; print(len(sklearn_zoo.list_checkpoints()))"
    env = {**os.environ, ENV: "LicenseRef-nothing-has-it", "SKLEARN_ZOO_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == len(CATALOGUE)


def test_the_policy_is_read_at_fit_time_and_leaves_the_estimator_unfitted(monkeypatch):
    from sklearn.exceptions import NotFittedError

    from sklearn_zoo import TextEmbedder

    monkeypatch.setenv(ENV, "MIT")
    embedder = TextEmbedder("all-MiniLM-L6-v2")
    with pytest.raises(LicenseNotAllowedError, match="'Apache-2.0'"):
        embedder.fit()
    with pytest.raises(NotFittedError):
        embedder.transform(["a text"])


def test_names_outside_the_catalogue_state_spdx_licenses():
    tv = get_checkpoint("torchvision:resnet18")
    assert licenses_of(tv) == ("NOASSERTION", "BSD-3-Clause") and tv.license_notes
    assert get_checkpoint("timm:resnet18.a1_in1k").license == "Apache-2.0"  # timm's lower case
    hub = get_checkpoint("torchhub:an-owner/a-repo:an_entry")
    assert hub.license == "NOASSERTION" and "own terms" in hub.license_notes
