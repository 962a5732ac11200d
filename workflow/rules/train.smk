# Training: pre-training (DNS, MLE, D) and IRGAN pointwise variants over seeds, each a run of the
# contract in irgan/contract/runs.py with its checkpoint (model.pt) beside it; plus the speed benchmark.
# Paths (the contract's templates) and input functions: workflow/rules/common.smk.

rule pretrain:
    """DNS (the authors' cf_dns.py) or MLE pre-training; also the study's `dns` and `mle` rows."""
    input:
        dataset=DATASET_ARTIFACT,
    output:
        **run_outputs(run_dir_pattern(RESULTS, system="{method}"), model=True),
    wildcard_constraints:
        method="dns|mle",
    params:
        settings=lambda w: config["pretraining"][w.method],
        device=config["device"],
    log:
        f"{RESULTS}/logs/pretrain/{{dataset}}/{{selection}}/{{method}}/seed-{{seed}}.log",
    threads: 1
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/pretrain.py"


rule pretrain_discriminator:
    """D pre-trained on its own loss (positives vs uniform non-positives): Algorithm 1's D."""
    input:
        dataset=DATASET_ARTIFACT,
    output:
        **run_outputs(D_PRETRAINING_DIR, model=True),
    params:
        settings=config["pretraining"]["discriminator"],
        device=config["device"],
    log:
        f"{RESULTS}/logs/pretrain/{{dataset}}/{{selection}}/discriminator/seed-{{seed}}.log",
    threads: 1
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/pretrain_discriminator.py"


rule train_irgan:
    """One IRGAN variant, seed and selection rule; resumes from its last outer epoch if killed."""
    input:
        unpack(irgan_init_inputs),
    output:
        **run_outputs(run_dir_pattern(RESULTS, system="irgan-{variant}"), model=True),
        dynamics=f"{run_dir_pattern(RESULTS, system='irgan-{variant}')}/{DYNAMICS}",
    wildcard_constraints:
        variant="|".join(map(re.escape, variant_names(config["irgan"]))),
    params:
        settings=irgan_settings,
        device=config["device"],
        resume=irgan_resume_file,
    log:
        f"{RESULTS}/logs/train_irgan/{{dataset}}/{{selection}}/{{variant}}/seed-{{seed}}.log",
    threads: 1
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/train_irgan.py"


rule benchmark_authors_code:
    """Time the authors' own code on the benchmark's short schedule (in its TensorFlow env)."""
    input:
        code=PATCHED_AUTHORS_CODE,
        data=[downloaded("ml-100k-irgan", name) for name in AUTHORS_CODE_DATA],
    output:
        json=f"{RESULTS}/benchmarks/authors_code.json",
    params:
        schedule=BENCHMARK_SCHEDULE,
    log:
        f"{RESULTS}/logs/benchmark_authors_code.log",
    threads: 2
    conda:
        "../envs/authors_code.yaml"
    script:
        "../scripts/benchmark_authors_code.py"


rule benchmark_train:
    """The project's trainer and the authors' code on the same short schedule, side by side."""
    input:
        dataset=DATASET_ARTIFACT.format(dataset="ml-100k-irgan"),
        generator=downloaded("ml-100k-irgan", "model_dns_ori.pkl"),
        authors=rules.benchmark_authors_code.output.json,
    output:
        csv=report(
            f"{RESULTS}/benchmarks/train.csv",
            caption="../report/train_benchmark.rst",
            category="6. Runs, divergence and the statistics behind every table",
        ),
    params:
        settings=lambda w: resolve_variant(config["irgan"], "code"),
        device=config["device"],
    log:
        f"{RESULTS}/logs/benchmark_train.log",
    threads: 2
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/benchmark_train.py"


rule benchmark_scale:
    """Seconds per epoch and peak memory of every system at each size of scale.datasets."""
    input:
        datasets=expand(DATASET_ARTIFACT, dataset=config["scale"]["datasets"]),
    output:
        csv=report(
            f"{RESULTS}/benchmarks/scale.csv",
            caption="../report/scale_benchmark.rst",
            category="6. Runs, divergence and the statistics behind every table",
        ),
        plan=f"{RESULTS}/benchmarks/scale_plan.json",
    params:
        systems=config["scale"]["systems"],
        # which of the inputs the whole reference run is timed on (None: no such run)
        reference=lambda w, input: (
            input.datasets[config["scale"]["datasets"].index(config["scale"]["reference_run"])]
            if config["scale"].get("reference_run")
            else None
        ),
        # the plan's estimates of the default study at each size need the whole config
        study=config,
    log:
        f"{RESULTS}/logs/benchmark_scale.log",
    threads: config["scale"]["threads"]
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/benchmark_scale.py"


rule scale_report:
    """The scale benchmark's figure and the README's performance table (with the plan's check)."""
    input:
        csv=rules.benchmark_scale.output.csv,
        plan=rules.benchmark_scale.output.plan,
    output:
        png=report(
            f"{RESULTS}/benchmarks/scale.png",
            caption="../report/fig_scale.rst",
            category="6. Runs, divergence and the statistics behind every table",
        ),
        md=f"{RESULTS}/benchmarks/scale.md",
    log:
        f"{RESULTS}/logs/scale_report.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/scale_report.py"


rule scale:
    """Target: the scale benchmark (not part of the default study)."""
    input:
        rules.scale_report.output,
