"""Snakemake conventions: the default workflow profile, the catalog file, config/README.md."""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO


def test_the_default_workflow_profile_lies_where_snakemake_looks_for_it():
    """Snakemake searches profiles/default/ in the working directory and beside the Snakefile:
    beside workflow/Snakefile, it is found from any directory (`snakemake -s`)."""
    assert (REPO / "workflow" / "Snakefile").is_file()
    profile = yaml.safe_load((REPO / "workflow" / "profiles" / "default" / "config.yaml").read_text())
    assert profile["cores"] == "all" and profile["rerun-incomplete"] is True
    assert not (REPO / "profiles").exists()


def test_the_config_has_one_schema_validated_in_one_place():
    """workflow/schemas/config.schema.yaml is the schema (irgan.study.config reads it), and the workflow
    validates once: irgan.study.config.planning_check in common.smk, not Snakemake's validate() too."""
    from irgan.study.config import SCHEMA_PATH

    assert SCHEMA_PATH == REPO / "workflow" / "schemas" / "config.schema.yaml" and SCHEMA_PATH.is_file()
    assert [p.name for p in REPO.rglob("*.schema.yaml") if ".venv" not in p.parts] == ["config.schema.yaml"]
    workflow = [REPO / "workflow" / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")]
    calls = [(path.name, line.strip()) for path in workflow for line in path.read_text().splitlines()
             if "planning_check(" in line or "validate(" in line]
    assert calls == [("common.smk", "planning_check(config, workflow)")], calls


def test_snakemake_picks_the_profile_up_without_being_asked(dry_run):
    dry = dry_run("--configfile", "config/demo.yaml")  # the demo's plan tests/test_train_workflow.py counts
    assert dry.returncode == 0, dry.stderr
    assert "Using workflow specific profile workflow/profiles/default" in dry.stdout + dry.stderr


def test_the_catalog_file_states_the_usage():
    catalog = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())
    usage = catalog["usage"]
    assert usage["software-stack-deployment"]["conda"] is True and usage["report"] is True
    assert "config/demo.yaml" in usage["mandatory-flags"]["flags"]


def test_config_readme_documents_every_top_level_key_and_the_subset_spelling():
    text = (REPO / "config" / "README.md").read_text()
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for key in config:
        assert f"`{key}" in text, key
    for spelling in ("--config 'study={variants: [code, frozen-d]}'",
                     "--config 'study={baselines: [pop, ease, dns]}'",
                     "--report results/demo/report.html", "python -m irgan.study.plan"):
        assert spelling in text, spelling


def test_the_readme_and_docs_spell_conda_deployment_the_current_way():
    readme = (REPO / "README.md").read_text()
    pages = [readme, *(page.read_text() for page in sorted((REPO / "docs").glob("*.md")))]
    commands = [line for text in pages for line in text.splitlines() if line.startswith("snakemake ")]
    assert any("--sdm conda" in line for line in readme.splitlines() if line.startswith("snakemake "))
    assert any("--sdm conda" in line for line in commands)
    assert not any("--use-conda" in line for line in commands)
    assert re.search(r"`--use-conda`", readme)  # mentioned as the older spelling
    assert "snakemake --configfile config/demo.yaml --report results/demo/report.html" in readme
