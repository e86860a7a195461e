"""Numpydoc sections shared by the estimators' docstrings, and where their documentation lives."""

# The documentation site (pyproject's Documentation URL, mkdocs.yml's site_url); the "?" of an
# estimator's HTML repr links to its page of the API reference (a page each, so that scikit-learn's
# per-parameter links, text fragments, land on the parameter).
DOCS_URL = "https://sklearn-zoo.github.io/sklearn-zoo/"
DOC_LINK_TEMPLATE = DOCS_URL + "reference/{estimator_name}/"

PARAMS_DOC = """
    Parameters
    ----------
    checkpoint : str or CheckpointSpec, default={default!r}
        A catalogue name (``sklearn-zoo list --modality {modality}``), a ``"source:NAME"`` name
        (``torchvision:``, ``timm:``, ``hf:``), a local directory, or ``"timm:NAME@weights.safetensors"``.
    strategy : {"auto", "probe", "finetune", "lp-ft"{contrastive}}, default="auto"
        How the network trains (see the "Training strategies" guide). ``"probe"`` trains the head
        on the frozen backbone (``freeze_depth`` is ignored); ``"finetune"`` trains the head and
        the blocks ``freeze_depth`` leaves trainable together; ``"lp-ft"`` first trains the head
        on the frozen backbone (on cached features, nearly free), then fine-tunes the head and those
        blocks from it at ``lr * backbone_lr_scale``, keeping BatchNorm statistics as pretrained.
{contrastive_doc}        ``"auto"`` is {auto}. ``strategy_`` records what ran; a
        strategy with nothing to fine-tune (``freeze_depth="all"``) runs as ``"probe"``.
    freeze_depth : "all" or int, default=0
        Blocks run from the input (stem first). ``0`` fine-tunes everything, ``k`` freezes the
        first ``k`` blocks, ``-k`` trains only the last ``k``, ``"all"`` freezes the backbone (a
        linear probe: the fastest fit, and what ``strategy="probe"`` does with any depth).
    head_size : tuple of int, default=()
        Hidden widths of the MLP head; ``()`` is a linear head.
    head_dropout : float, default=0.0
        Dropout rate before each layer of the head.
    head_norm : {"power"} or None, default=None
        ``"power"`` puts the signed square root of each feature, L2-normalized, in front of the
        head, scaled to a norm of 12; ``None`` feeds the features as the backbone
        gives them. Measured on EfficientNet-Lite0 it is mixed (+2 points for a probe on 5
        flowers a class, -1 on cats and dogs; see the "Training strategies" guide), a
        parameter for a grid search.
    adapter : {"lora", "dora"} or None, default=None
        Train low-rank adapters (``peft``; ``pip install "sklearn-zoo[peft]"``) in the blocks
        ``freeze_depth`` leaves trainable instead of their weights, with the head (see the
        "Adapters" guide). After fit they are merged into the weights they adapt: prediction costs
        what it costs without them; ``save`` writes the adapters and the head, not the backbone.
        Ignored when nothing of the backbone trains (``strategy="probe"``, ``freeze_depth="all"``).
    adapter_rank : int, default=8
        Rank of each adapter's update.
    adapter_alpha : float or None, default=None
        Scale of the update (``alpha / rank``); ``None`` is twice the rank.
    adapter_dropout : float, default=0.0
        Dropout on the adapters' input while training.
    adapter_targets : "auto" or list of str, default="auto"
        The layers that get adapters: ``"auto"`` is every Linear layer and every pointwise (1x1)
        convolution of the trainable blocks (a transformer's attention and MLP projections, a
        CNN's expansion and projection convolutions); a list names layers by name or name suffix,
        e.g. ``["query", "value"]``.
    lr : float, default=1e-3
        Learning rate of the head (AdamW), and of the probe stages.
    backbone_lr_scale : float, default={backbone_lr_scale}
        The trainable backbone blocks learn at ``lr * backbone_lr_scale``{scale_why}.
    max_epochs : int or None, default=None
        Epochs of each training stage. ``None`` sizes each stage from the data: about 500
        optimizer steps for a head on frozen features (10 to 500 epochs), about 300 for fine-tuning
        (3 to 30 epochs), about 100 for LP-FT's fine-tuning of an image backbone (3 to 10
        epochs). An int gives every stage that many epochs.
    time_budget : float, str or None, default=None
        The longest the fit may take, in seconds or as a string ("90s", "10min", "1.5h"). Each
        training stage is timed on its first steps and sized to end within the budget (its
        learning-rate schedule too); when time runs out a stage stops at the end of its epoch,
        keeping the best state seen on the validation rows (LP-FT's guard). The probe runs
        first, so a usable model exists early. ``stages_`` records each stage's seconds and
        whether the budget cut it. ``None``: no limit.
    batch_size : int, default=32
        Samples per optimizer step (and per inference batch).
    weight_decay : float, default=0.01
        AdamW's decoupled weight decay, on the trainable weights. A single-label classifier's
        probe that the fit returns (``strategy="probe"``, or the one LP-FT's guard gives back)
        has instead the L2 penalty of ``LogisticRegression(C=1)`` on its head's weights.
    warmup_fraction : float, default=0.1
        Share of the training steps with a linear learning-rate warm-up.
    schedule : {"cosine", "constant"}, default="cosine"
        Learning-rate decay after the warm-up.
    ema_decay : float or None, default=None
        Keep an exponential moving average of the weights the fine-tuning stages train
        (``torch.optim.swa_utils.AveragedModel``; each step moves it ``1 - ema_decay`` of the
        way, e.g. 0.99): validation scores it, and the stage ends with it. ``None``: off.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for classifiers), stop after
        ``n_iter_no_change`` epochs without a better validation loss and restore the best weights.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping, and for LP-FT's guard (at least one
        sample per class): every fine-tuning epoch is scored on it against the probe's state,
        and the one with the lowest validation loss is kept unless it is clearly less accurate
        than the probe (by more than one sample and one standard error) or, for a single-label
        classifier, not clearly better sample by sample (its per-sample Brier score, the
        probability of each sample's class capped at 0.99, lower by two standard errors of
        the paired gains); when none is kept,
        the fit returns the probe, its head refit on every row: the same fit as
        ``strategy="probe"`` (``best_stage_``). ``0`` holds nothing out: no guard, LP-FT trains on every row and
        ends with its last fine-tuning epoch (not with ``early_stopping=True``).
    n_iter_no_change : int, default=5
        Epochs without a better validation loss before early stopping ends a stage.
{task}{inputs}    pretrained : bool, default=True
        ``False`` trains the same architecture from random weights (a baseline).
    cache : bool, default=True
        Compute the frozen, deterministic first blocks once per fit instead of every epoch.
    warm_start : bool, default=False
        When fitted, ``fit`` trains on from the fitted weights (backbone and head) instead of
        the checkpoint's, as scikit-learn's estimators with ``warm_start`` do; the classes (or
        the regression target's scaling) stay those of the first fit. See also ``partial_fit``.
    device : str, default="auto"
        ``"auto"`` picks cuda, then mps, then cpu.
    precision : {"auto", "fp32", "bf16"}, default="auto"
        ``"auto"`` is bf16 mixed precision on a GPU that supports it, fp32 elsewhere.
    grad_accumulation_steps : int, default=1
        Batches whose gradients add up before each optimizer step (an effective batch of
        ``batch_size * grad_accumulation_steps``).
    accelerate : bool, default=False
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``; ``pip install
        "sklearn-zoo[accelerate]"``): the accelerator places the model, runs the mixed precision
        that ``precision`` asks for and the gradient accumulation, and trains data parallel on all
        GPUs when the script runs under ``accelerate launch``. The fitted estimator pickles as usual.
    compile : bool, default=False
        ``torch.compile`` the network for training (skorch's ``compile``; pass ``compile__*``
        options through ``net_params``). Pays off on a GPU for long fits; the first epoch is slower.
    num_workers : int or "auto", default="auto"
        DataLoader worker processes decoding images in parallel (training, ``predict`` and
        ``transform``). ``"auto"``: one per CPU less one (at most 8) for image files and PIL
        images, none for arrays and texts (fast tokenizers are quicker in the main process).
    random_state : int, RandomState or None, default=None
        Seeds weight init, shuffling and the validation split; the same seed gives the same model on CPU.
    verbose : int, default=0
        ``1`` prints a per-epoch table and progress bars (training, the frozen features a fit
        computes, ``predict``, ``predict_proba`` and ``transform``); ``0`` prints nothing.
    net_params : dict, default=None
        Other skorch ``NeuralNet`` settings, e.g. ``{"callbacks": [...]}`` (escape hatch; such
        callbacks run after the estimator's own learning-rate schedule and early stopping).
"""

ATTRS_DOC = """
    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network (backbone + head), trimmed for prediction.
    spec_ : CheckpointSpec
        The checkpoint card that was loaded.
    history_ : list of dict
        Per-epoch training history (stage, train_loss, valid_loss, dur ...), stage after stage.
    strategy_ : str
        The training strategy that ran (what ``strategy="auto"`` chose).
    best_stage_ : str
        The stage whose state the model is: ``"finetune"``, or ``"probe"`` when LP-FT's guard
        found no fine-tuning epoch better than the probe on its validation rows.
    stages_ : list of dict
        One record per stage: ``stage``, ``frozen_blocks``, ``epochs``, ``seconds``,
        ``interrupted`` (by Ctrl-C), ``budget_cut`` (by ``time_budget``).
    n_blocks_, n_frozen_blocks_, n_trainable_params_ : int
        The backbone's blocks; those frozen in the last stage (all of them after a contrastive
        stage, which trains the encoder before the head); the parameters some stage trained,
        head included (with an adapter: the adapters' and the head's).
    adapter_modules_ : list of str or None
        The layers that got adapters (merged into them after fit); None without an adapter.
    adapter_base_sha256_ : str or None
        SHA-256 of the base weights the adapters were trained on (``load`` checks it); None
        without an adapter, or with ``pretrained=False``.
"""


IMAGE_PARAMS_DOC = """    image_size : int, default=None
        Side of the square input; ``None`` uses the checkpoint's own (224 for most).
    augment : bool, {"light", "strong"} or callable, default=False
        Random changes of the training images in the stages that train backbone blocks (the
        probe trains on the clean images' cached features). ``"light"`` (or ``True``): random
        resized crops (50-100% of the area) and horizontal flips; ``"strong"``: those, then
        TrivialAugmentWide and RandomErasing. A torchvision v2 transform is applied as given.
    tta : bool, default=False
        Test-time augmentation: predictions average the outputs of each image and of its mirror
        image (twice the inference time).
    max_image_pixels : int or None, default=40_000_000
        Image files with more pixels than this (read from the header, before decoding) are a
        ``ValueError``, except JPEGs that decode at 1/2, 1/4 or 1/8 scale under the limit without
        going below the resize: memory per batch stays bounded by the batch. ``None``: no limit.
"""

TEXT_PARAMS_DOC = """    max_length : int, default=None
        Longer texts are truncated to this many tokens; ``None`` uses the checkpoint's own.
    pooling : {"mean", "cls", "max", "last", "pooler"}, default=None
        How token states become one vector: their mean, the first ([CLS]) token, their
        element-wise maximum, the last token, or the model's pooler layer. ``None`` uses the
        checkpoint's own: its card's, or the one its sentence-transformers configuration names.
"""


CONTRASTIVE_DOC = """        ``"contrastive"`` (SetFit) first trains those blocks so that the cosine similarity of two
        sentences' embeddings is 1 for the same class and 0 for different ones
        (``contrastive_pairs`` pairs, one pass), then trains the head on the frozen result.
"""


# The measured default of ``backbone_lr_scale`` per modality (docs/guide/strategy.md): the image
# estimators' blocks learn at the head's rate, the text encoders' ten times slower.
BACKBONE_LR_SCALE = {"image": 1.0, "text": 0.1}
SCALE_WHY = {
    "image": " (the head's rate: on\n        EfficientNet-Lite0 this beat 0.3 and 0.1 at every label budget measured)",
    "text": "",
}


CLASS_WEIGHT_DOC = """    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn.
    label_smoothing : float, default=0.0
        Cross-entropy's label smoothing: the target puts ``1 - label_smoothing`` on the class and
        spreads the rest over all classes (single-label targets; multi-label ones ignore it).
"""

CONTRASTIVE_PAIRS_DOC = """    contrastive_pairs : int or None, default=None
        Sentence pairs of the contrastive stage; ``None`` is 40 per training sample (SetFit's 20
        iterations), at most 2,000.
"""


def see_also(*entries: tuple[str, str]) -> str:
    """A numpydoc See Also section."""
    lines = "".join(f"    {name} : {what}\n" for name, what in entries)
    return f"\n    See Also\n    --------\n{lines}"


def params_doc(
    default: str, modality: str, contrastive: bool = False, classifier: bool = False
) -> str:
    inputs = IMAGE_PARAMS_DOC if modality == "image" else TEXT_PARAMS_DOC
    auto = (
        '``"contrastive"`` with at most 128 labelled samples per\n        class on average, ``"finetune"`` when every class has at least 400 or the LP-FT guard\n        would hold out fewer than 5 of the rarest, ``"lp-ft"`` between'
        if contrastive
        else '``"lp-ft"``'
    )
    if classifier and modality == "image":
        auto += (
            ' (``"probe"`` when its guard would hold out fewer than 5 validation\n'
            "        images: too few to choose between the probe and fine-tuning)"
        )
    return (
        PARAMS_DOC.replace("{contrastive}", ', "contrastive"' if contrastive else "")
        .replace("{contrastive_doc}", CONTRASTIVE_DOC if contrastive else "")
        .replace("{auto}", auto)
        .replace("{default!r}", repr(default))
        .replace("{modality}", modality)
        .replace("{inputs}", inputs)
        .replace(
            "{task}",
            (CLASS_WEIGHT_DOC if classifier else "")
            + (CONTRASTIVE_PAIRS_DOC if contrastive else ""),
        )
        .replace("{backbone_lr_scale}", repr(BACKBONE_LR_SCALE[modality]))
        .replace("{scale_why}", SCALE_WHY[modality])
    )
