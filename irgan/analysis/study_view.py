"""One view over a dataset's statistics: the questions the tables, figures and paper ask of them.

:mod:`irgan.analysis.statistics` writes ``summary.csv`` (a system's seed mean per metric and selection
rule), ``comparisons.csv`` (the paired tests) and ``optimism_summary.csv``. Everything that
publishes them reads through a :class:`StudyView` instead of filtering those frames itself, so
that "the reference's P@5 under the paper protocol" or "the strongest paper baseline" is looked
up one way everywhere:

- :meth:`StudyView.mean` / :meth:`StudyView.row`: a system's summary row;
- :meth:`StudyView.comparison`: the paired comparison of two systems;
- :meth:`StudyView.best_of`: the system with the highest seed mean among some;
- :meth:`StudyView.versus_reference`: every system against the reference, as ``system - reference``;
- :meth:`StudyView.oriented`: the paired comparison of two systems as ``system - against``,
  whichever order it was tested in;
- :meth:`StudyView.optimism`: a system's selection optimism.

Rows come back as pandas Series (``row["mean"]``), or None where the study has none. Every
comparison row has the columns of the multiplicity design (``family``, ``correction``,
``p_adjusted``, ``detectable_effect``, ...): comparisons written before the design existed are
read as what they were, every test of a rule in one Holm family (:func:`with_design_columns`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from irgan.analysis.stat_tests import seed_interval
from irgan.published import METRICS

DEFAULT_REFERENCE = "irgan-code"


def _field(row, name: str, default=None):
    """A column of a row given as a Series, a dict or a named tuple."""
    getter = getattr(row, "get", None)
    return getter(name, default) if callable(getter) else getattr(row, name, default)


def is_deterministic(row) -> bool:
    """A summary row of a system that gives the same value for every seed (by its record or its values)."""
    flag = _field(row, "deterministic")
    if flag is not None and not (isinstance(flag, float) and math.isnan(flag)):
        if str(flag).lower() in ("true", "1"):
            return True
    values = str(_field(row, "seed_values", "") or "").split()
    return len(values) > 1 and len(set(values)) == 1


def checked_interval(row) -> tuple[float, float]:
    """The interval a published figure is checked against: t interval, 2 seeds' range, or value."""
    if math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"]):
        return row["ci_low"], row["ci_high"]
    if is_deterministic(row):
        return row["mean"], row["mean"]
    low, high = _field(row, "seed_min", math.nan), _field(row, "seed_max", math.nan)
    if int(row["n_seeds"]) >= 2 and math.isfinite(low) and math.isfinite(high):
        return low, high
    return math.nan, math.nan


def drawn_interval(row) -> tuple[float, float, str]:
    """The bar a figure draws for a summary row: ``(low, high, kind)``, kind as in
    :func:`irgan.analysis.stat_tests.seed_interval`.

    Reads the summary's ``interval`` column; summaries written before it existed are read from
    their per-seed values, so old results draw the same way (never as a t interval).
    """
    values = [float(v) for v in str(_field(row, "seed_values", "") or "").split()]
    if is_deterministic(row):
        return row["mean"], row["mean"], "deterministic"
    kind = _field(row, "interval")
    if isinstance(kind, str) and kind:
        if kind == "t":
            return row["ci_low"], row["ci_high"], kind
        if kind == "range":
            return row["seed_min"], row["seed_max"], kind
        return row["mean"], row["mean"], kind
    _, low, high, kind = seed_interval(values)
    return low, high, kind


def _of_dataset(frame: pd.DataFrame | None, dataset: str | None) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    if dataset is None or frame.empty or "dataset" not in frame.columns:
        return frame
    return frame[frame["dataset"] == dataset]


def with_design_columns(comparisons: pd.DataFrame) -> pd.DataFrame:
    """``comparisons`` with the design's columns; a frame from before the design (``p_holm`` only)
    gets its Holm family as the family, exploratory, no detectable effect."""
    if comparisons.empty or "p_adjusted" in comparisons.columns or "p_holm" not in comparisons.columns:
        return comparisons
    return comparisons.assign(
        family=comparisons.get("holm_family", ""), confirmatory=False, correction="holm",
        p_adjusted=comparisons["p_holm"], family_size=comparisons.get("holm_family_size", np.nan),
        detectable_effect=np.nan)


def flipped(rows: pd.DataFrame) -> pd.DataFrame:
    """Comparison rows read the other way round: ``reference - system``, every signed figure
    negated and each interval mirrored (p-values, families and detectable effects stay)."""
    out = rows.assign(system=rows["reference"], reference=rows["system"], mean_diff=-rows["mean_diff"],
                      boot_low=-rows["boot_high"], boot_high=-rows["boot_low"])
    for column in ("d_z", "t", "seed_mean_diff", "seed_t"):
        if column in rows.columns:
            out[column] = -rows[column]
    if {"mean_system", "mean_reference"} <= set(rows.columns):
        out["mean_system"], out["mean_reference"] = rows["mean_reference"], rows["mean_system"]
    if {"n_seeds_system", "n_seeds_reference"} <= set(rows.columns):
        out["n_seeds_system"], out["n_seeds_reference"] = rows["n_seeds_reference"], rows["n_seeds_system"]
    return out


def _matching(frame: pd.DataFrame, **columns) -> pd.DataFrame:
    """Rows of ``frame`` whose columns equal the given values (None: any value)."""
    mask = pd.Series(True, index=frame.index)
    for column, value in columns.items():
        if value is not None:
            mask &= frame[column] == value
    return frame[mask]


class StudyView:
    """The statistics of one dataset (``summary``, ``comparisons``, ``optimism_summary``, beside
    them ``divergence`` and ``fidelity``), asked the questions the published outputs need.

    ``dataset`` keeps the rows of one dataset (None: the frames hold one already); ``reference``
    is the system the others are set against (``statistics.reference`` of the config).
    """

    def __init__(
        self,
        summary: pd.DataFrame | None,
        comparisons: pd.DataFrame | None = None,
        optimism_summary: pd.DataFrame | None = None,
        reference: str = DEFAULT_REFERENCE,
        dataset: str | None = None,
        divergence: pd.DataFrame | None = None,
        fidelity: pd.DataFrame | None = None,
    ) -> None:
        self.summary = _of_dataset(summary, dataset)
        self.comparisons = with_design_columns(_of_dataset(comparisons, dataset))
        self.optimism_summary = _of_dataset(optimism_summary, dataset)
        #: runs and diverged runs per selection rule and system (``divergence.csv``)
        self.divergence = _of_dataset(divergence, dataset)
        #: the original code against the re-implementation (``fidelity.csv``)
        self.fidelity = _of_dataset(fidelity, dataset)
        self.reference = reference
        self.dataset = dataset
        self._rows: dict[tuple[str, str, str], pd.Series] = {}
        for label, selection, system, metric in zip(
            self.summary.index, *(self.summary.get(c, ()) for c in ("selection", "system", "metric")),
            strict=True,
        ):
            self._rows.setdefault((selection, system, metric), self.summary.loc[label])

    @classmethod
    def from_statistics(
        cls,
        statistics: Mapping[str, pd.DataFrame],
        reference: str = DEFAULT_REFERENCE,
        dataset: str | None = None,
    ) -> StudyView:
        """The view of the statistics tables by name (:data:`irgan.contract.outputs.STATISTICS_FILES`)."""
        return cls(statistics["summary"], statistics.get("comparisons"), statistics.get("optimism_summary"),
                   reference, dataset, statistics.get("divergence"), statistics.get("fidelity"))

    # ----------------------------------------------------------------------- seed means

    def row(self, system: str, metric: str, selection: str) -> pd.Series | None:
        """The summary row of ``system`` (None when it did not run; NaN figures when every run diverged)."""
        return self._rows.get((selection, system, metric))

    def mean(self, system: str, metric: str, selection: str) -> pd.Series | None:
        """The summary row of a system with a seed mean (None when it did not run or every run diverged)."""
        row = self.row(system, metric, selection)
        return row if row is not None and math.isfinite(row["mean"]) else None

    def summary_rows(
        self, selection: str | None = None, metric: str | None = None, converged: bool = False
    ) -> pd.DataFrame:
        """Summary rows of a selection rule and metric (None: all); with ``converged``, only rows
        with a seed mean."""
        rows = _matching(self.summary, selection=selection, metric=metric)
        return rows.dropna(subset=["mean"]) if converged else rows

    def metrics(self) -> list[str]:
        """The metrics of the summary, in the paper's order (others after them)."""
        present = list(dict.fromkeys(self.summary["metric"]))
        return [m for m in METRICS if m in present] + [m for m in present if m not in METRICS]

    def selections(self) -> list[str]:
        """The selection rules of the summary, sorted."""
        return sorted({selection for selection, _, _ in self._rows})

    def systems(self, selection: str | None = None) -> list[str]:
        """Systems of the summary (under ``selection``), sorted by name."""
        return sorted({system for sel, system, _ in self._rows if selection is None or sel == selection})

    def ordered_systems(self, selection: str, metric: str) -> list[str]:
        """Systems of a selection, best first on ``metric`` (all-diverged systems last)."""
        rows = self.summary_rows(selection, metric)
        rows = rows.assign(order=rows["mean"].fillna(-np.inf)).sort_values(
            ["order", "system"], ascending=[False, True]
        )
        return list(rows["system"])

    def best_of(self, systems: Iterable[str], metric: str, selection: str) -> str | None:
        """The system among ``systems`` with the highest seed mean (the first such row on a tie)."""
        rows = self.summary_rows(selection, metric, converged=True)
        rows = rows[rows["system"].isin(list(systems))]
        return None if rows.empty else rows.loc[rows["mean"].idxmax(), "system"]

    # ----------------------------------------------------------------------- paired comparisons

    def comparisons_of(
        self,
        kind: str | None = None,
        selection: str | None = None,
        metric: str | None = None,
        system: str | None = None,
        against: str | None = None,
    ) -> pd.DataFrame:
        """Comparison rows matching every given field (None: any)."""
        if self.comparisons.empty:
            return self.comparisons
        return _matching(self.comparisons, kind=kind, selection=selection, metric=metric, system=system,
                         reference=against)

    def comparison(
        self, system: str, against: str, metric: str, selection: str, kind: str | None = None
    ) -> pd.Series | None:
        """The paired comparison ``system - against`` (first such row), or None when it was not made."""
        rows = self.comparisons_of(kind, selection, metric, system, against)
        return rows.iloc[0] if len(rows) else None

    def ablation_comparison(self, system: str, metric: str, selection: str) -> pd.Series | None:
        """An ablation's paired comparison with its comparator (the reference, or what its family's
        ``against`` names: the ``reference`` column), or None when it was not made."""
        rows = self.comparisons_of("ablation", selection, metric, system)
        return rows.iloc[0] if len(rows) else None

    def versus_reference(
        self, selection: str, reference: str | None = None
    ) -> dict[tuple[str, str], pd.Series]:
        """Every system against the reference as ``system - reference``, by ``(system, metric)``:
        the ablations as they are, the reference's comparisons with each baseline flipped."""
        reference = self.reference if reference is None else reference
        rows = self.comparisons_of(selection=selection)
        if rows.empty:
            return {}
        ablation = rows[(rows["kind"] == "ablation") & (rows["reference"] == reference)]
        baselines = flipped(rows[(rows["kind"] == "irgan-vs-baseline") & (rows["system"] == reference)])
        both = pd.concat([ablation, baselines], ignore_index=True)
        out: dict[tuple[str, str], pd.Series] = {}
        for i, key in enumerate(zip(both["system"], both["metric"], strict=True)):
            out.setdefault(key, both.iloc[i])
        return out

    def oriented(self, system: str, against: str, metric: str, selection: str,
                 kinds: Iterable[str] | None = None) -> pd.Series | None:
        """The paired comparison of ``system`` and ``against`` as ``system - against`` (first such
        row among ``kinds``, None: any kind): as tested, or the reverse test :func:`flipped`."""
        rows = self.comparisons_of(selection=selection, metric=metric)
        if rows.empty:
            return None
        if kinds is not None:
            rows = rows[rows["kind"].isin(list(kinds))]
        direct = rows[(rows["system"] == system) & (rows["reference"] == against)]
        if len(direct):
            return direct.iloc[0]
        reverse = rows[(rows["system"] == against) & (rows["reference"] == system)]
        return flipped(reverse).iloc[0] if len(reverse) else None

    # ----------------------------------------------------------------------- selection optimism

    def optimism_rows(self, selection: str | None = None) -> pd.DataFrame:
        """Rows of the optimism summary under ``selection`` (None: all)."""
        if self.optimism_summary.empty:
            return self.optimism_summary
        return _matching(self.optimism_summary, selection=selection)

    def optimism(self, system: str, selection: str) -> pd.Series | None:
        """A system's optimism summary under ``selection`` (first such row), or None."""
        rows = self.optimism_rows(selection)
        rows = rows[rows["system"] == system] if len(rows) else rows
        return rows.iloc[0] if len(rows) else None
