"""The SLURM check's comparison of two results trees (tests/slurm/compare_results.py)."""

import importlib.util
import json
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "compare_results", Path(__file__).parent / "slurm" / "compare_results.py")
compare_results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_results)


def write_run(root: Path, results_spelling: str, p5: float, created: str) -> None:
    run = root / "synthetic" / "runs" / "test" / "bpr" / "seed-1"
    run.mkdir(parents=True)
    model = f"{results_spelling}/synthetic/runs/test/dns/seed-1/model.pt"
    record = {"status": "ok", "test_metrics": {"P@5": p5},
              "provenance": {"created": created,
                             "config": {"model": model, "note": "results of the study"}}}
    (run / "record.json").write_text(json.dumps(record))


def test_roots_spelled_relative_or_absolute_and_timestamps_do_not_count(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reference, other = tmp_path / "results", tmp_path / "elsewhere" / "slurm"
    write_run(reference, "results", 0.25, "2026-01-01")  # the default `results: results`
    write_run(other, str(other), 0.25, "2026-02-02")      # a run with an absolute results root
    assert compare_results.main([str(reference), str(other)]) == 0


def test_a_different_number_is_reported(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    reference, other = tmp_path / "results", tmp_path / "slurm"
    write_run(reference, "results", 0.25, "2026-01-01")
    write_run(other, str(other), 0.26, "2026-01-01")
    assert compare_results.main([str(reference), str(other)]) == 1
    assert "P@5" in capsys.readouterr().out


def test_a_subset_run_is_compared_file_by_file_with_a_larger_reference(tmp_path, monkeypatch,
                                                                       capsys):
    """CI's SLURM check runs a few targets of the demo: the demo's other files do not count,
    but a file the subset wrote that the reference lacks, or that differs, does."""
    monkeypatch.chdir(tmp_path)
    reference, other = tmp_path / "results", tmp_path / "slurm"
    write_run(reference, "results", 0.25, "2026-01-01")
    write_run(other, str(other), 0.25, "2026-01-01")
    extra = reference / "synthetic" / "statistics" / "summary.csv"
    extra.parent.mkdir(parents=True)
    extra.write_text("system,P@5\nbpr,0.25\n")
    assert compare_results.main([str(reference), str(other)]) == 1  # the whole trees differ
    assert compare_results.main([str(reference), str(other), "--reference-may-hold-more"]) == 0
    lone = other / "synthetic" / "runs" / "test" / "pop" / "seed-1" / "record.json"
    lone.parent.mkdir(parents=True)
    lone.write_text("{}")
    capsys.readouterr()
    assert compare_results.main([str(reference), str(other), "--reference-may-hold-more"]) == 1
    assert "only in" in capsys.readouterr().out
