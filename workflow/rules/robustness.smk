# Robustness over splits (irgan/study/robustness.py): the re-split datasets <dataset>-resplit-<seed> run
# through the ordinary rules (prepare_dataset, pretrain, train_irgan, baseline, statistics) as
# extra datasets; this rule sets every split side by side. Its input functions: common.smk.
Q_ROBUSTNESS = "9. Do the rankings hold across splits?"


rule robustness_statistics:
    """Split-to-split against seed-to-seed variation, ranks per split, Kendall's W, pairs kept."""
    input:
        runs=robustness_run_files,
        summaries=robustness_summaries,
    output:
        systems=f"{ROBUSTNESS_DIR}/statistics/systems.csv",
        concordance=f"{ROBUSTNESS_DIR}/statistics/concordance.csv",
        pairs=f"{ROBUSTNESS_DIR}/statistics/pairs.csv",
        split_means=f"{ROBUSTNESS_DIR}/statistics/split_means.csv",
        sentence=f"{ROBUSTNESS_DIR}/robustness.json",
        csv=f"{ROBUSTNESS_DIR}/tables/robustness.csv",
        md=f"{ROBUSTNESS_DIR}/tables/robustness.md",
        tex=f"{ROBUSTNESS_DIR}/tables/robustness.tex",
        html=report(
            f"{ROBUSTNESS_DIR}/tables/robustness.html",
            caption="../report/robustness.rst",
            category=Q_ROBUSTNESS,
            subcategory="{dataset}",
        ),
        png=report(
            f"{ROBUSTNESS_DIR}/figures/robustness.png",
            caption="../report/fig_robustness.rst",
            category=Q_ROBUSTNESS,
            subcategory="{dataset}",
        ),
        pdf=f"{ROBUSTNESS_DIR}/figures/robustness.pdf",
    params:
        robustness=robustness.section(config),
        resplits=lambda w: robustness_split_datasets(w)[1:],
        base_spec=lambda w: DATASETS[w.dataset],
        reference=config.get("statistics", {}).get("reference", "irgan-code"),
        alpha=config.get("statistics", {}).get("alpha", 0.05),
    log:
        f"{RESULTS}/logs/robustness/{{dataset}}.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/robustness_statistics.py"


rule robustness:
    """Target: every re-split's runs and statistics, and the robustness table, figure and sentence."""
    input:
        robustness_targets(),
