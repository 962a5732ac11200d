# Baselines (baselines/): each system is tuned on the validation split once per seed, then fitted
# under every selection rule; one job writes the tuning record and one run per selection rule in
# the contract of irgan/contract/runs.py. The `mle` and `dns` rows come from the pre-training rules.
BASELINE_SYSTEMS = chosen_baseline_systems()  # narrowed by study.baselines
BASELINE_SELECTIONS = baseline_selections()


rule baseline:
    """Tune one baseline on validation for one seed, then fit it under each selection rule."""
    input:
        dataset=DATASET_ARTIFACT,
    output:
        tuning=f"{RESULTS}/{{dataset}}/tuning/{{system}}/seed-{{seed}}.json",
        records=baseline_run_files("record.json"),
        per_user=baseline_run_files("per_user.csv"),
        top_items=baseline_run_files("top_items.csv"),
        curves=baseline_run_files("curve.csv"),
    wildcard_constraints:
        system="|".join(baseline_rule_systems()) or "(?!)",
    params:
        config=baseline_config,
        selections=BASELINE_SELECTIONS,
        results=lambda w, output: results_root(output.records[0]),
    log:
        f"{RESULTS}/logs/baselines/{{dataset}}/{{system}}/seed-{{seed}}.log",
    threads: 1
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/baseline.py"


rule baselines_summary:
    """Mean and spread over seeds of every baseline's test metrics, beside the paper's Table 3."""
    input:
        records=lambda w: baseline_run_targets(w.dataset),
    output:
        csv=report(
            f"{RESULTS}/{{dataset}}/baselines/summary.csv",
            caption="../report/baselines.rst",
            category="2. Does IRGAN beat its baselines?",
            subcategory="{dataset}",
        ),
        markdown=f"{RESULTS}/{{dataset}}/baselines/summary.md",
    params:
        results=lambda w, input: results_root(input.records[0]),
        systems=BASELINE_SYSTEMS,
        selections=BASELINE_SELECTIONS,
        seeds=config["study"]["seeds"],
    log:
        f"{RESULTS}/logs/baselines/{{dataset}}/summary.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/baselines_summary.py"


rule baselines:
    """Target: every baseline run and the baseline summary of every study dataset."""
    input:
        baseline_targets(),
