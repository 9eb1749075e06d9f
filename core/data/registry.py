"""The registry of built-in data sources: their category, parameters, doc and generator."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from core.catalog.params import Entry, Param, ParamError, Registry
from core.data import images, regression, tables, toy2d
from core.data.errors import DataError

CATEGORY_2D = "2-D classification"
CATEGORY_REGRESSION = "regression"
CATEGORY_TABLES = "tables"
CATEGORY_IMAGES = "images"
FILE_SOURCES = ("csv", "npz")
FOLDER_SOURCES = ("images",)


@dataclass(frozen=True)
class DatasetEntry(Entry):
    """A built-in data set. ``builder(params, shifted)`` returns its :class:`RawData`;
    ``default_targets`` are the targets it yields when ``data.target`` is empty (first = default);
    ``shift_doc`` says what its shifted (deployment) variant changes."""

    default_targets: tuple[str, ...] = ()
    shift_doc: str = ""

    def validate_params(self, params: Mapping[str, Any] | None, where: str = "data.params") -> dict[str, Any]:
        """Validated params with defaults filled in; a bad key or value raises :class:`DataError`."""
        if params is not None and not isinstance(params, Mapping):
            raise DataError(where, f"expected a mapping of parameter names to values, received {params!r}")
        try:
            return super().validate_params(params, where)
        except ParamError as e:
            if isinstance(e, DataError):
                raise
            raise DataError(e.where, e.reason) from None


class DatasetRegistry(Registry):
    """Name -> :class:`DatasetEntry`. Besides the catalog :class:`Registry` interface (iteration
    yields entries, ``get(name, where)``), it reads like a dict: ``DATASETS["spiral"]``,
    ``keys()``, ``values()``, ``items()``."""

    def __getitem__(self, name: str) -> DatasetEntry:
        if name not in self:
            raise KeyError(name)
        return self.get(name)  # type: ignore[return-value]

    def keys(self) -> list[str]:
        return self.names()

    def values(self) -> list[DatasetEntry]:
        return list(self)

    def items(self) -> Iterator[tuple[str, DatasetEntry]]:
        return ((e.name, e) for e in self)


def _samples(default: int, lo: int = 10, hi: int = 200_000) -> Param:
    return Param("samples", "int", default, min=lo, max=hi, help="How many samples to generate.")


def _noise(default: float = 0.1, help: str = "") -> Param:
    return Param("noise", "float", default, min=0.0, max=1.0, help=help)


SEED = Param("seed", "int", 0, min=0, max=2**31 - 1,
             help="Seed of the generator: the same seed draws the same data. (data.seed shuffles the split.)")
NOISE_2D = ("How much the classes mix: Gaussian jitter of standard deviation 2.5 x noise. 0.1 is "
            "easy, 0.5 hard.")
NOISE_REG = "Standard deviation of the noise added to the target (which spans about -1..1)."
SHIFT_2D = "Points rotated 25 degrees and moved by (+1.5, +0.5); only a third of class 0 kept."
SHIFT_REG = "Inputs moved partly outside the training range, where the model must extrapolate."


def _toy(name: str, doc: str, builder, extra_params: tuple[Param, ...] = ()) -> DatasetEntry:
    params = (_samples(500), _noise(0.1, NOISE_2D)) + extra_params + (SEED,)
    return DatasetEntry(name, CATEGORY_2D, params, doc, builder, default_targets=("label",), shift_doc=SHIFT_2D)


def _reg(name: str, doc: str, builder) -> DatasetEntry:
    params = (_samples(500), _noise(0.1, NOISE_REG), SEED)
    return DatasetEntry(name, CATEGORY_REGRESSION, params, doc, builder, default_targets=("y",), shift_doc=SHIFT_REG)


DATASETS = DatasetRegistry("data set", [
    _toy("circle", "A disc of class 1 inside a ring of class 0. No straight line separates them: a "
                   "network needs a hidden layer, or the features x1^2 and x2^2.", toy2d.circle),
    _toy("xor", "Class 1 where x1 and x2 have the same sign (the XOR pattern). The classic set a "
                "single linear layer cannot learn; two hidden units with a nonlinearity can.", toy2d.xor),
    _toy("gauss", "Two Gaussian blobs, one per class. Linearly separable: the easy baseline where even "
                  "logistic regression reaches a low loss.", toy2d.gauss),
    _toy("spiral", "Interleaved spiral arms, one per class. The hard one: it needs several hidden layers "
                   "or many units, and shows plateaus and sensitivity to the learning rate.", toy2d.spiral,
         (Param("classes", "int", 2, min=2, max=5, help="Number of spiral arms (classes)."),)),
    _toy("moons", "Two interleaving half moons. A gentle nonlinear boundary: good for watching "
                  "overfitting grow as noise rises and samples shrink.", toy2d.moons),
    _reg("sine", "y = sin(x) + noise over two periods. A 1-D curve for seeing how activations and "
                 "depth shape a regression fit, and how a model extrapolates.", regression.sine),
    _reg("plane", "y is a linear function of x1 and x2 plus noise. A linear model is exact here; a "
                  "big network only adds variance.", regression.plane),
    _reg("gauss_regression", "A bump up and a bump down on a 2-D plane. A smooth nonlinear surface "
                             "for MSE versus MAE and Huber losses.", regression.gauss_regression),
    DatasetEntry(
        "diagnosis", CATEGORY_TABLES,
        (_samples(2000, 50), SEED),
        "Synthetic patients: age, BMI, blood pressure, glucose, cholesterol, heart rate, smoking and "
        "exercise. Two targets from one hidden risk score: the diagnosis (healthy, at risk, ill; about "
        "50/30/20%) and a severity score 0..10. Made for a two-headed network with cross-entropy on "
        "one output and MSE on the other.",
        tables.diagnosis, default_targets=("diagnosis", "severity"),
        shift_doc="Patients 15 years older on average, so more of them are ill."),
    DatasetEntry(
        "fraud", CATEGORY_TABLES,
        (_samples(5000, 200, 500_000),
         Param("fraud_rate", "float", 0.03, min=0.005, max=0.5, help="Share of fraudulent transactions."),
         SEED),
        "Synthetic card transactions: amount, hour, merchant risk, distance from home, transactions in "
        "the last 24 hours, online or not. About 3% are fraud: an imbalanced set where accuracy and a "
        "low loss flatter a model that never flags anything.",
        tables.fraud, default_targets=("fraud",),
        shift_doc="Amounts 1.8 times larger and more online purchases; the fraud share rises."),
    DatasetEntry(
        "demand", CATEGORY_TABLES,
        (Param("days", "int", 1500, min=60, max=50_000, help="Length of the daily series."),
         Param("lags", "int", 14, min=1, max=90, help="How many previous days each sample sees."),
         _noise(0.1, "Day-to-day noise: standard deviation 5 x noise thousand units."), SEED),
        "A daily demand series in thousand units: trend, weekly and yearly seasonality and noise. Each "
        "sample holds the last `lags` days and predicts the next one. The split keeps time order: "
        "validation and test are the most recent days, never shuffled in.",
        tables.demand, default_targets=("demand",),
        shift_doc="The days after the original series, at a 35% higher demand level."),
    DatasetEntry(
        "digits", CATEGORY_IMAGES, (),
        "1,797 handwritten digits as grey 8x8 images (UCI Optical Recognition of Handwritten Digits, "
        "CC BY 4.0). Small enough to train in seconds on a laptop; big enough to show that a "
        "convolution beats a plain MLP, and what augmentation does for small data.",
        images.digits, default_targets=("digit",),
        shift_doc="Every image moved one pixel right and dimmed to 70%."),
])


def _no_builder(params: dict, shifted: bool = False):
    raise DataError("data.path", "an image folder source reads the folder in data.path; load it with "
                                 "core.data.load_dataset")


#: ``"source": "images"``: a folder of class subfolders (core.data.imagefolder). Not in DATASETS (it
#: generates nothing); its parameters are the decode settings.
IMAGE_FOLDER = DatasetEntry(
    "images", CATEGORY_IMAGES,
    (Param("size", "int", 32, min=4, max=512, help="Side in pixels of the square image the network sees."),
     Param("color", "choice", "rgb", choices=("rgb", "grey"), help="rgb: three channels; grey: one."),
     Param("fit", "choice", "resize", choices=("resize", "resize_crop", "resize_pad", "crop_or_pad"),
           help="resize stretches; resize_crop / resize_pad keep the aspect ratio (crop the centre / pad with "
                "black); crop_or_pad never scales."),
     Param("mean", "float_list", None, optional=True,
           help="Per-channel pixel mean (0..255), kept once loaded so exports match; empty: fitted."),
     Param("std", "float_list", None, optional=True,
           help="Per-channel pixel spread, kept with the mean; empty: fitted.")),
    "Your own pictures: one subfolder of images per class (PNG, JPEG, BMP, GIF, WebP), searched "
    "recursively. train/ and val/ subfolders, when present, are the split. Decoded images are cached on "
    "disk; unreadable files are skipped and listed.",
    _no_builder, default_targets=("class",))


def dataset_params(source: str) -> tuple[Param, ...]:
    """The parameters of a data source ("csv" and "npz" take none)."""
    if source in FILE_SOURCES:
        return ()
    if source in FOLDER_SOURCES:
        return IMAGE_FOLDER.params
    return entry_for(source).params


def params_entry(source: object) -> DatasetEntry | None:
    """The entry whose parameters ``source`` takes: a built-in set's, the image folder's; None for files."""
    if source in FOLDER_SOURCES:
        return IMAGE_FOLDER
    return DATASETS[source] if isinstance(source, str) and source in DATASETS else None


def entry_for(source: object) -> DatasetEntry:
    """The built-in entry called ``source``, or a :class:`DataError` at ``data.source`` listing them."""
    if isinstance(source, str) and source in DATASETS:
        return DATASETS[source]
    known = ", ".join(DATASETS.names() + list(FILE_SOURCES) + list(FOLDER_SOURCES))
    raise DataError("data.source", f"unknown data source {source!r}; choose one of: {known}")


SOURCES: tuple[str, ...] = tuple(DATASETS.names()) + FILE_SOURCES + FOLDER_SOURCES
