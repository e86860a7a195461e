"""The Displays (TrainingCurvesDisplay, FreezeDepthDisplay), plot_learning_curves, and
scikit-learn's displays on the estimators (tiny checkpoints, Agg)."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sklearn_zoo import (  # noqa: E402
    FreezeDepthDisplay,
    PretrainedImageClassifier,
    PretrainedTextClassifier,
    TrainingCurvesDisplay,
    plot_learning_curves,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _image_clf(checkpoint: str, **params) -> PretrainedImageClassifier:
    defaults = {
        "image_size": 32,
        "max_epochs": 3,
        "lr": 1e-2,
        "batch_size": 16,
        "random_state": 0,
        "strategy": "finetune",  # one stage: its epochs are the x axis as they are
    }
    return PretrainedImageClassifier(checkpoint, **{**defaults, **params})


def _labels(ax) -> list[str]:  # "_..." labels stay out of the legend, as in matplotlib
    return [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_learning_curves_train_and_valid_loss(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = _image_clf(
        tiny_image_checkpoint, strategy="finetune", early_stopping=True, validation_fraction=0.25
    )
    ax = plot_learning_curves(clf.fit(X, y))
    assert isinstance(ax, matplotlib.axes.Axes)
    assert _labels(ax) == ["train_loss", "valid_loss"]
    for line, key in zip(ax.get_lines(), ("train_loss", "valid_loss")):
        np.testing.assert_allclose(line.get_xdata(), [1, 2, 3])
        np.testing.assert_allclose(line.get_ydata(), [e[key] for e in clf.history_])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert clf.spec_.name in ax.get_title()
    assert len(ax.collections) == 1  # the best validation epoch is marked
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train_loss", "valid_loss"]
    assert len(ax.figure.axes) == 1  # no score axis without a score


def test_learning_curves_train_loss_only_into_given_axes(tiny_text_checkpoint, text_data):
    X, y = text_data
    clf = PretrainedTextClassifier(tiny_text_checkpoint, max_epochs=2, random_state=0).fit(X, y)
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_learning_curves(clf, ax=right) is right
    assert _labels(right) == ["train_loss"]
    assert [t.get_text() for t in right.texts] == ["contrastive", "probe"]  # few-shot text
    assert _labels(left) == [] and not left.texts


def test_learning_curves_lay_the_stages_end_to_end(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = _image_clf(
        tiny_image_checkpoint, strategy="lp-ft", early_stopping=True, validation_fraction=0.25
    ).fit(X, y)
    assert [row["stage"] for row in clf.history_] == ["probe"] * 3 + ["finetune"] * 3
    ax = plot_learning_curves(clf)
    train, valid = ax.get_lines()[:2]
    for line, key in ((train, "train_loss"), (valid, "valid_loss")):
        xs, ys = line.get_xdata(), line.get_ydata()
        # epochs 1-3 of the probe, a break, then epochs 1-3 of fine-tuning drawn as 4-6
        np.testing.assert_allclose(xs, [1, 2, 3, 3.5, 4, 5, 6])
        assert np.isnan(ys[3])
        np.testing.assert_allclose(np.delete(ys, 3), [row[key] for row in clf.history_])
    assert [t.get_text() for t in ax.texts] == ["probe", "finetune"]
    rules = [line for line in ax.get_lines() if line.get_label().startswith("_")]
    assert len(rules) == 1 and rules[0].get_xdata()[0] == 3.5
    assert len(ax.collections) == 2  # each stage's best validation epoch
    assert _labels(ax) == ["train_loss", "valid_loss"]


def test_learning_curves_score_on_a_twin_axis(tiny_image_checkpoint, image_data):
    """A per-epoch score from a skorch EpochScoring callback (the recipe of docs/guide/plots.md)."""
    from skorch.callbacks import EpochScoring

    def accuracy(net, X, y):
        return float((net.predict(X).argmax(axis=1) == y).mean())

    valid_acc = EpochScoring(
        accuracy,
        name="valid_acc",
        lower_is_better=False,
        target_extractor=lambda target: target["y"].numpy(),
    )
    X, y = image_data
    clf = _image_clf(
        tiny_image_checkpoint,
        early_stopping=True,
        validation_fraction=0.25,
        net_params={"callbacks": [("valid_acc", valid_acc)]},
    ).fit(X, y)
    assert all(0.0 <= epoch["valid_acc"] <= 1.0 for epoch in clf.history_)
    ax = plot_learning_curves(clf)
    assert len(ax.figure.axes) == 2
    twin = next(a for a in ax.figure.axes if a is not ax)
    assert _labels(twin) == ["valid_acc"]
    assert twin.get_ylabel() == "score"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["train_loss", "valid_loss", "valid_acc"]


def test_learning_curves_of_a_search_a_pipeline_and_a_history(tiny_image_checkpoint, image_data):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    X, y = image_data
    search = GridSearchCV(_image_clf(tiny_image_checkpoint), {"head_size": [(), (8,)]}, cv=2)
    search.fit(X, y)
    ax = plot_learning_curves(search)
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(), [e["train_loss"] for e in search.best_estimator_.history_]
    )
    pipe = make_pipeline(_image_clf(tiny_image_checkpoint, max_epochs=2)).fit(X, y)
    assert _labels(plot_learning_curves(pipe)) == ["train_loss"]
    history = [{"epoch": 1, "train_loss": 1.0, "valid_acc": 0.5}, {"epoch": 2, "train_loss": 0.5}]
    ax = plot_learning_curves(history)
    assert _labels(ax) == ["train_loss"]
    assert len(ax.figure.axes) == 2


def test_learning_curves_errors(tiny_image_checkpoint):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        plot_learning_curves(_image_clf(tiny_image_checkpoint))
    with pytest.raises(ValueError, match="empty"):
        plot_learning_curves([])
    with pytest.raises(TypeError, match="TrainingCurvesDisplay expects"):
        plot_learning_curves(42)


def test_confusion_matrix_display(tiny_image_checkpoint, image_data):
    from sklearn.metrics import ConfusionMatrixDisplay

    X, y = image_data
    clf = _image_clf(tiny_image_checkpoint).fit(X, y)
    display = ConfusionMatrixDisplay.from_estimator(clf, X, y)
    assert display.confusion_matrix.shape == (3, 3)
    assert display.confusion_matrix.sum() == len(y)
    np.testing.assert_array_equal(display.display_labels, clf.classes_)


def test_confusion_matrix_display_text_labels(tiny_text_checkpoint, text_data):
    from sklearn.metrics import ConfusionMatrixDisplay

    X, y = text_data
    clf = PretrainedTextClassifier(tiny_text_checkpoint, max_epochs=2, random_state=0).fit(X, y)
    display = ConfusionMatrixDisplay.from_estimator(clf, X, y)
    assert display.confusion_matrix.sum() == len(y)
    assert list(display.display_labels) == ["neg", "pos"]


def test_learning_curve_display(tiny_image_checkpoint, image_data):
    from sklearn.model_selection import LearningCurveDisplay

    X, y = image_data
    display = LearningCurveDisplay.from_estimator(
        _image_clf(tiny_image_checkpoint, max_epochs=2),
        X,
        y,
        cv=2,
        train_sizes=[0.5, 1.0],
        score_type="both",
    )
    np.testing.assert_array_equal(display.train_sizes, [15, 30])
    assert display.test_scores.shape == (2, 2)
    assert np.all((display.test_scores >= 0) & (display.test_scores <= 1))
    assert display.ax_ is not None


def test_learning_curve_display_text(tiny_text_checkpoint, text_data):
    from sklearn.model_selection import LearningCurveDisplay

    X, y = text_data
    clf = PretrainedTextClassifier(tiny_text_checkpoint, max_epochs=2, random_state=0)
    display = LearningCurveDisplay.from_estimator(clf, X, y, cv=2, train_sizes=[0.5, 1.0])
    assert display.test_scores.shape == (2, 2)


# -- the Display objects -------------------------------------------------------------------------


def test_training_curves_display_from_estimator(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = _image_clf(tiny_image_checkpoint, strategy="lp-ft").fit(X, y)
    history = [{k: v for k, v in row.items() if not k.startswith("valid")} for row in clf.history_]
    display = TrainingCurvesDisplay(history, estimator_name=clf.spec_.name).plot()
    guarded = TrainingCurvesDisplay.from_estimator(clf)  # LP-FT's guard: validation curves
    assert guarded.history == clf.history_ and guarded.estimator_name == clf.spec_.name
    assert set(guarded.lines_) == {"train_loss", "valid_loss", "valid_acc"}
    assert isinstance(display, TrainingCurvesDisplay)
    assert display.figure_ is display.ax_.figure and display.score_ax_ is None
    assert list(display.lines_) == ["train_loss"]
    np.testing.assert_allclose(
        np.delete(display.lines_["train_loss"].get_ydata(), 3),  # the NaN between stages
        [row["train_loss"] for row in clf.history_],
    )
    # plot draws the same display again on a given Axes, and returns it
    fig, (left, right) = plt.subplots(1, 2)
    assert display.plot(ax=right) is display
    assert display.ax_ is right and display.figure_ is fig
    assert _labels(right) == ["train_loss"] and _labels(left) == []
    assert [t.get_text() for t in right.texts] == ["probe", "finetune"]


def test_training_curves_display_draws_on_the_given_ax(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = _image_clf(tiny_image_checkpoint, early_stopping=True, validation_fraction=0.25)
    _, ax = plt.subplots()
    display = TrainingCurvesDisplay.from_estimator(clf.fit(X, y), ax=ax)
    assert display.ax_ is ax
    assert _labels(ax) == ["train_loss", "valid_loss"]
    # a bare history, through the constructor
    bare = TrainingCurvesDisplay([{"train_loss": 1.0}, {"train_loss": 0.5}]).plot()
    assert bare.estimator_name is None and bare.ax_.get_title() == "Learning curves"


@pytest.fixture
def freeze_depth_search(tiny_image_checkpoint, image_data):
    from sklearn.model_selection import GridSearchCV

    X, y = image_data
    grid = {"freeze_depth": ["all", -1], "head_size": [(), (8,)]}
    search = GridSearchCV(
        _image_clf(tiny_image_checkpoint, max_epochs=2), grid, cv=2, return_train_score=True
    )
    return search.fit(X, y)


def test_freeze_depth_display_from_a_search(freeze_depth_search):
    results = freeze_depth_search.cv_results_
    display = FreezeDepthDisplay.from_cv_results(freeze_depth_search)
    assert isinstance(display, FreezeDepthDisplay)
    assert display.freeze_depths == ["all", -1]
    for depth, height, bar in zip(["all", -1], display.mean_test_score, display.bars_):
        rows = [i for i, p in enumerate(results["params"]) if p["freeze_depth"] == depth]
        best = max(rows, key=lambda i: results["mean_test_score"][i])
        assert height == pytest.approx(results["mean_test_score"][best])
        assert bar.get_height() == pytest.approx(height)
        assert display.mean_train_score[["all", -1].index(depth)] == pytest.approx(
            results["mean_train_score"][best]
        )
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["all", "-1"]
    assert display.ax_.get_xlabel() == "freeze_depth"
    assert display.ax_.get_ylabel() == "cross-validated score"
    assert display.figure_ is display.ax_.figure


def test_freeze_depth_display_draws_on_the_given_ax(freeze_depth_search):
    fig, (left, right) = plt.subplots(1, 2)
    display = FreezeDepthDisplay.from_cv_results(
        freeze_depth_search.cv_results_, score_name="accuracy", ax=right
    )
    assert display.ax_ is right and len(right.patches) == 2 and not left.patches
    assert right.get_ylabel() == "cross-validated accuracy"
    assert display.plot(ax=left) is display and len(left.patches) == 2


def test_freeze_depth_display_errors():
    with pytest.raises(ValueError, match="needs a fitted search over 'freeze_depth'"):
        FreezeDepthDisplay.from_cv_results({"param_head_size": [()], "mean_test_score": [1.0]})
    with pytest.raises(ValueError, match="Got list instead"):
        FreezeDepthDisplay.from_cv_results([1, 2])
