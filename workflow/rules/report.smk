# Statistics, tables, figures and the paper draft: every number a reader sees is computed here
# from the runs of the training and baseline rules. Report categories follow the study's questions.
# Their directories (STATISTICS_DIR, TABLES_DIR, FIGURES_DIR) and input functions: common.smk.
PAPER_DATASET = config["study"]["datasets"][0]

from irgan.protocol import CUTOFFS

Q_CLAIMS = "0. Which of the paper's claims hold?"
Q_TABLE3 = "1. Does Table 3 reproduce?"
Q_BASELINES = "2. Does IRGAN beat its baselines?"
Q_ABLATIONS = "3. Where does the gain come from?"
Q_WHAT_MOVED = "3a. What does the adversarial phase change in the recommendations?"
Q_SELECTION = "4. How much does choosing the epoch on test add?"
Q_SIMPLE = "5. Do simple baselines beat it all?"
Q_HEALTH = "6. Runs, divergence and the statistics behind every table"
Q_FIDELITY = "7. Is the re-implementation faithful to the original code?"
Q_PAPER = "8. Paper draft"


rule statistics:
    """Seed means with intervals, paired per-user tests with Holm, seed-level tests, selection optimism."""
    input:
        runs=report_run_files,
        tuning=lambda w: tuning_best_files(w.dataset),
    output:
        runs=f"{STATISTICS_DIR}/runs.csv",
        divergence=f"{STATISTICS_DIR}/divergence.csv",
        seed_metrics=f"{STATISTICS_DIR}/seed_metrics.csv",
        summary=report(
            f"{STATISTICS_DIR}/summary.csv",
            caption="../report/statistics_summary.rst",
            category=Q_HEALTH,
            subcategory="{dataset}",
        ),
        per_user_means=f"{STATISTICS_DIR}/per_user_means.csv",
        comparisons=report(
            f"{STATISTICS_DIR}/comparisons.csv",
            caption="../report/statistics_comparisons.rst",
            category=Q_HEALTH,
            subcategory="{dataset}",
        ),
        optimism=f"{STATISTICS_DIR}/optimism.csv",
        optimism_summary=f"{STATISTICS_DIR}/optimism_summary.csv",
        curves=f"{STATISTICS_DIR}/curves.csv",
        fidelity=f"{STATISTICS_DIR}/fidelity.csv",
        fidelity_curves=f"{STATISTICS_DIR}/fidelity_curves.csv",
        tuning=f"{STATISTICS_DIR}/tuning.csv",
        methods=report(
            f"{STATISTICS_DIR}/statistics.json",
            caption="../report/statistics_methods.rst",
            category=Q_HEALTH,
            subcategory="{dataset}",
        ),
    params:
        statistics=config.get("statistics", {}),
    log:
        f"{RESULTS}/logs/statistics/{{dataset}}.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/statistics.py"


rule claims:
    """The claims ledger: each claim of the paper and of this study, its effect under both protocols, its verdict."""
    input:
        summary=f"{STATISTICS_DIR}/summary.csv",
        comparisons=f"{STATISTICS_DIR}/comparisons.csv",
        what_moved=f"{STATISTICS_DIR}/what_moved.csv",
        what_moved_groups=f"{STATISTICS_DIR}/what_moved_groups.csv",
    output:
        csv=f"{TABLES_DIR}/claims.csv",
        md=f"{TABLES_DIR}/claims.md",
        tex=f"{TABLES_DIR}/claims.tex",
        html=report(
            f"{TABLES_DIR}/claims.html",
            caption="../report/claims.rst",
            category=Q_CLAIMS,
            subcategory="{dataset}",
        ),
        png=report(
            f"{FIGURES_DIR}/claims.png",
            caption="../report/fig_claims.rst",
            category=Q_CLAIMS,
            subcategory="{dataset}",
        ),
        pdf=f"{FIGURES_DIR}/claims.pdf",
    params:
        statistics=config.get("statistics", {}),
    log:
        f"{RESULTS}/logs/claims/{{dataset}}.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/claims.py"


rule what_moved:
    """Beyond-accuracy metrics of every run; what the adversarial phase and each ablation change; for whom; G and D over training."""
    input:
        runs=report_run_files,
        dynamics=lambda w: irgan_dynamics_files(w.dataset),
        item_table=f"{RESULTS}/{{dataset}}/data/items.csv",
        user_table=f"{RESULTS}/{{dataset}}/data/users.csv",
    output:
        beyond_accuracy=f"{STATISTICS_DIR}/beyond_accuracy.csv",
        beyond_summary=f"{STATISTICS_DIR}/beyond_summary.csv",
        what_moved=f"{STATISTICS_DIR}/what_moved.csv",
        what_moved_groups=f"{STATISTICS_DIR}/what_moved_groups.csv",
        dynamics=f"{STATISTICS_DIR}/dynamics.csv",
        csv=f"{TABLES_DIR}/what_moved.csv",
        md=f"{TABLES_DIR}/what_moved.md",
        tex=f"{TABLES_DIR}/what_moved.tex",
        html=report(
            f"{TABLES_DIR}/what_moved.html",
            caption="../report/what_moved.rst",
            category=Q_WHAT_MOVED,
            subcategory="{dataset}",
        ),
        gain_by_group=report(
            f"{FIGURES_DIR}/gain_by_group.png",
            caption="../report/fig_gain_by_group.rst",
            category=Q_WHAT_MOVED,
            subcategory="{dataset}",
        ),
        popularity_shift=report(
            f"{FIGURES_DIR}/popularity_shift.png",
            caption="../report/fig_popularity_shift.rst",
            category=Q_WHAT_MOVED,
            subcategory="{dataset}",
        ),
        training_dynamics=report(
            f"{FIGURES_DIR}/training_dynamics.png",
            caption="../report/fig_training_dynamics.rst",
            category=Q_WHAT_MOVED,
            subcategory="{dataset}",
        ),
        pdf=[f"{FIGURES_DIR}/{name}.pdf" for name in WHAT_MOVED_FIGURES],
    params:
        statistics=config.get("statistics", {}),
    log:
        f"{RESULTS}/logs/what_moved/{{dataset}}.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/what_moved.py"


rule tables:
    """Table 3 beside the paper, every system per protocol, ablations, model selection, tests, divergence."""
    input:
        unpack(statistics_inputs),
        unpack(audit_input),
    output:
        csv=table_files("{dataset}", "csv"),
        md=table_files("{dataset}", "md"),
        tex=table_files("{dataset}", "tex"),
        table3=report(
            f"{TABLES_DIR}/table3.html",
            caption="../report/table3.rst",
            category=Q_TABLE3,
            subcategory="{dataset}",
        ),
        systems_test=report(
            f"{TABLES_DIR}/systems_test.html",
            caption="../report/systems_test.rst",
            category=Q_BASELINES,
            subcategory="{dataset}",
        ),
        comparisons=report(
            f"{TABLES_DIR}/comparisons.html",
            caption="../report/comparisons.rst",
            category=Q_BASELINES,
            subcategory="{dataset}",
        ),
        ablations=report(
            f"{TABLES_DIR}/ablations.html",
            caption="../report/ablations.rst",
            category=Q_ABLATIONS,
            subcategory="{dataset}",
        ),
        ablation_answers=report(
            f"{TABLES_DIR}/ablation_answers.html",
            caption="../report/ablation_answers.rst",
            category=Q_ABLATIONS,
            subcategory="{dataset}",
        ),
        model_selection=report(
            f"{TABLES_DIR}/model_selection.html",
            caption="../report/model_selection.rst",
            category=Q_SELECTION,
            subcategory="{dataset}",
        ),
        systems_validation=report(
            f"{TABLES_DIR}/systems_validation.html",
            caption="../report/systems_validation.rst",
            category=Q_SIMPLE,
            subcategory="{dataset}",
        ),
        divergence=report(
            f"{TABLES_DIR}/divergence.html",
            caption="../report/divergence.rst",
            category=Q_HEALTH,
            subcategory="{dataset}",
        ),
        fidelity=report(
            f"{TABLES_DIR}/fidelity.html",
            caption="../report/fidelity.rst",
            category=Q_FIDELITY,
            subcategory="{dataset}",
        ),
        equal_budget=report(
            f"{TABLES_DIR}/equal_budget.html",
            caption="../report/equal_budget.rst",
            category=Q_BASELINES,
            subcategory="{dataset}",
        ),
    params:
        statistics=config.get("statistics", {}),
    log:
        f"{RESULTS}/logs/tables/{{dataset}}.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/tables.py"


rule figures:
    """Learning curves, metrics per system, paper vs reproduced, per-user differences, selection optimism."""
    input:
        unpack(statistics_inputs),
        unpack(audit_input),
    output:
        pdf=figure_files("{dataset}", "pdf"),
        paper_vs_reproduced=report(
            f"{FIGURES_DIR}/paper_vs_reproduced.png",
            caption="../report/fig_paper_vs_reproduced.rst",
            category=Q_TABLE3,
            subcategory="{dataset}",
        ),
        metric_points=report(
            f"{FIGURES_DIR}/metric_points.png",
            caption="../report/fig_metric_points.rst",
            category=Q_BASELINES,
            subcategory="{dataset}",
        ),
        headline_differences=report(
            f"{FIGURES_DIR}/headline_differences.png",
            caption="../report/fig_headline_differences.rst",
            category=Q_BASELINES,
            subcategory="{dataset}",
        ),
        learning_curves=report(
            f"{FIGURES_DIR}/learning_curves.png",
            caption="../report/fig_learning_curves.rst",
            category=Q_ABLATIONS,
            subcategory="{dataset}",
        ),
        selection_optimism=report(
            f"{FIGURES_DIR}/selection_optimism.png",
            caption="../report/fig_selection_optimism.rst",
            category=Q_SELECTION,
            subcategory="{dataset}",
        ),
        fidelity_curves=report(
            f"{FIGURES_DIR}/fidelity_curves.png",
            caption="../report/fig_fidelity_curves.rst",
            category=Q_FIDELITY,
            subcategory="{dataset}",
        ),
    params:
        statistics=config.get("statistics", {}),
    log:
        f"{RESULTS}/logs/figures/{{dataset}}.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/figures.py"


rule paper:
    """The manuscript template filled from the results of the study's first dataset."""
    input:
        unpack(lambda w: statistics_files(PAPER_DATASET)),
        unpack(lambda w: audit_files(PAPER_DATASET)),
        unpack(lambda w: start_match_files(PAPER_DATASET)),
        unpack(lambda w: paper_robustness_inputs(PAPER_DATASET)),
        # does it transfer to other datasets (rule transfer, `snakemake datasets`), once it has run
        unpack(lambda w: transfer_paper_inputs()),
        # the robustness statistics the draft condenses into one row per protocol and metric
        unpack(
            lambda w: {
                f"robustness_{name}": f"{ROBUSTNESS_DIR.format(dataset=PAPER_DATASET)}/statistics/{name}.csv"
                for name in ("concordance", "systems")
            }
            if paper_robustness_inputs(PAPER_DATASET)
            else {}
        ),
        # the claims ledger and its figure: the draft's first page, the README's findings
        claims=f"{TABLES_DIR.format(dataset=PAPER_DATASET)}/claims.csv",
        claims_md=f"{TABLES_DIR.format(dataset=PAPER_DATASET)}/claims.md",
        claims_figure=f"{FIGURES_DIR.format(dataset=PAPER_DATASET)}/claims.png",
        claims_figure_pdf=f"{FIGURES_DIR.format(dataset=PAPER_DATASET)}/claims.pdf",
        # what the gain is made of (rule what_moved): its answers are regenerated from these tables
        what_moved=f"{STATISTICS_DIR.format(dataset=PAPER_DATASET)}/what_moved.csv",
        what_moved_groups=f"{STATISTICS_DIR.format(dataset=PAPER_DATASET)}/what_moved_groups.csv",
        what_moved_dynamics=f"{STATISTICS_DIR.format(dataset=PAPER_DATASET)}/dynamics.csv",
        what_moved_md=f"{TABLES_DIR.format(dataset=PAPER_DATASET)}/what_moved.md",
        what_moved_figures=[f"{FIGURES_DIR.format(dataset=PAPER_DATASET)}/{name}.png" for name in WHAT_MOVED_FIGURES],
        what_moved_figures_pdf=[
            f"{FIGURES_DIR.format(dataset=PAPER_DATASET)}/{name}.pdf" for name in WHAT_MOVED_FIGURES
        ],
        template=str(REPO / "paper" / "manuscript.md"),
        findings_template=str(REPO / "paper" / "findings.md"),
        dataset_summary=f"{RESULTS}/{PAPER_DATASET}/data/summary.json",
        tables_md=table_files(PAPER_DATASET, "md"),
        tables_csv=table_files(PAPER_DATASET, "csv"),
        figures=figure_files(PAPER_DATASET, "png"),
        figures_pdf=figure_files(PAPER_DATASET, "pdf"),
    output:
        paper=report(
            f"{RESULTS}/paper/paper.md",
            caption="../report/paper.rst",
            category=Q_PAPER,
        ),
        findings=f"{RESULTS}/paper/findings.md",
    params:
        dataset=PAPER_DATASET,
        statistics=config.get("statistics", {}),
        study={
            "cutoffs": list(CUTOFFS),  # the paper's k of P@k and NDCG@k (irgan.protocol)
            "validation": config["validation"],
            "description": DATASETS[PAPER_DATASET].get("description", ""),
            "kind": DATASETS[PAPER_DATASET].get("kind", ""),
            "simple_baselines": config.get("statistics", {}).get("simple_baselines", []),
        },
    log:
        f"{RESULTS}/logs/paper/paper.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/paper.py"


rule report_targets:
    """Target: statistics, tables, figures and claims ledger of every study dataset with runs, and the paper draft."""
    input:
        lambda w: report_targets(),
