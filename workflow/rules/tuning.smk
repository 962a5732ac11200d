# Equal-budget tuning (irgan/jobs/tune.py): every system of `tuning.systems`, IRGAN included, gets the
# same number of configurations (`tuning.trials`) from a TPE sampler seeded with `tuning.seed`, each
# fitted on training minus the validation carve and scored by validation P@5 (rule tune); the best
# is trained on every study seed under the honest rule as <system>-tuned (rule train_tuned), in the
# run contract of irgan/contract/runs.py. Input functions and paths: workflow/rules/common.smk.
TUNED_SYSTEMS = tuned_systems()


rule tune:
    """One system's search on one dataset: every trial (parameters, score, status, seconds) and the best."""
    input:
        unpack(tuning_inputs),
    output:
        **{name: f"{TUNING_DIR}/{file}" for name, file in TUNING_FILES.items()},
    wildcard_constraints:
        system="|".join(TUNED_SYSTEMS) or "(?!)",
    params:
        tuning=lambda w: tuning_slice(w.system),
        base=lambda w: tuning_base(w.dataset, w.system),
        device=config["device"],
    log:
        f"{RESULTS}/logs/tune/{{dataset}}/{{system}}.log",
    threads: 1
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/tune.py"


rule train_tuned:
    """<system>-tuned: the best configuration of the search, on one study seed, under the honest rule."""
    input:
        unpack(train_tuned_inputs),
    output:
        **run_outputs(run_dir_pattern(RESULTS, system="{system}-tuned")),
    wildcard_constraints:
        system="|".join(TUNED_SYSTEMS) or "(?!)",
        selection=TUNING_SELECTION,
    params:
        device=config["device"],
    log:
        f"{RESULTS}/logs/train_tuned/{{dataset}}/{{selection}}/{{system}}/seed-{{seed}}.log",
    threads: 1
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/train_tuned.py"


rule tuned:
    """Target: every search and every <system>-tuned run of the study."""
    input:
        tuned_targets(),
