# The authors' original code as the system irgan-authors-code (irgan/original/authors_code.py): fetch the
# pinned files, patch them, run cf_gan.py in a TensorFlow environment, write the run contract.
# Paths and targets: workflow/rules/common.smk (authors' code section).


rule fetch_authors_code:
    """One file of the authors' code at the pinned commit (or its IRGAN_CODE_MIRROR copy)."""
    output:
        f"{RESULTS}/authors-code/upstream/{{filename}}",
    params:
        url=lambda w: config["authors_code"]["base_url"] + w.filename,
        sha256=lambda w: config["authors_code"]["files"][w.filename],
    wildcard_constraints:
        filename="|".join(re.escape(name) for name in AUTHORS_CODE_FILES),
    log:
        f"{RESULTS}/logs/fetch_authors_code/{{filename}}.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/fetch_authors_code.py"


rule patch_authors_code:
    """The project's patch (every edit listed in docs/original-code.md) applied to the verified files."""
    input:
        **{name: f"{RESULTS}/authors-code/upstream/{name}" for name in AUTHORS_CODE_FILES},
    output:
        **{name: f"{RESULTS}/authors-code/patched/{name}" for name in AUTHORS_CODE_FILES},
        patch=f"{RESULTS}/authors-code/patched/patch.json",
    log:
        f"{RESULTS}/logs/patch_authors_code.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/patch_authors_code.py"


rule run_authors_code:
    """cf_gan.py as published (patched to run), one seed, the schedule of irgan.defaults."""
    input:
        code=PATCHED_AUTHORS_CODE,
        data=lambda w: [downloaded(w.dataset, name) for name in AUTHORS_CODE_DATA],
    output:
        log=f"{RESULTS}/{{dataset}}/authors-code/seed-{{seed}}/epochs.jsonl",
        generator=f"{RESULTS}/{{dataset}}/authors-code/seed-{{seed}}/gan_generator.pkl",
        record=f"{RESULTS}/{{dataset}}/authors-code/seed-{{seed}}/run.json",
    params:
        schedule=authors_code_schedule,
    log:
        f"{RESULTS}/logs/run_authors_code/{{dataset}}/seed-{{seed}}.log",
    threads: 1
    conda:
        "../envs/authors_code.yaml"
    script:
        "../scripts/run_authors_code.py"


rule authors_code_run:
    """The original's run in the contract every system writes (the paper protocol only)."""
    input:
        dataset=DATASET_ARTIFACT,
        log=rules.run_authors_code.output.log,
        generator=rules.run_authors_code.output.generator,
        record=rules.run_authors_code.output.record,
    output:
        **run_outputs(run_dir_pattern(RESULTS, selection=PAPER_SELECTION, system=AUTHORS_CODE_SYSTEM)),
    params:
        authors_code=authors_code_pin(),
    log:
        f"{RESULTS}/logs/authors_code_run/{{dataset}}/seed-{{seed}}.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/authors_code_run.py"


rule run_authors_dns:
    """cf_dns.py as published (patched to run), one seed: the authors' own DNS pre-training."""
    input:
        code=PATCHED_AUTHORS_CODE,
        data=lambda w: [downloaded(w.dataset, name) for name in AUTHORS_DNS_DATA],
    output:
        log=f"{RESULTS}/{{dataset}}/authors-code/dns-seed-{{seed}}/epochs.jsonl",
        model=f"{RESULTS}/{{dataset}}/authors-code/dns-seed-{{seed}}/model_dns.pkl",
        record=f"{RESULTS}/{{dataset}}/authors-code/dns-seed-{{seed}}/run.json",
    params:
        epochs=config["pretraining"]["dns"]["epochs"],
    log:
        f"{RESULTS}/logs/run_authors_dns/{{dataset}}/seed-{{seed}}.log",
    threads: 1
    conda:
        "../envs/authors_code.yaml"
    script:
        "../scripts/run_authors_dns.py"


rule authors_dns_run:
    """The original DNS's run in the contract every system writes (the paper protocol only)."""
    input:
        dataset=DATASET_ARTIFACT,
        log=rules.run_authors_dns.output.log,
        model=rules.run_authors_dns.output.model,
        record=rules.run_authors_dns.output.record,
    output:
        **run_outputs(run_dir_pattern(RESULTS, selection=PAPER_SELECTION, system=AUTHORS_DNS_SYSTEM)),
    params:
        authors_code=authors_code_pin(),
    log:
        f"{RESULTS}/logs/authors_dns_run/{{dataset}}/seed-{{seed}}.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/authors_dns_run.py"


rule authors_code:
    """Target: irgan-authors-code for every configured seed, on datasets that publish the start."""
    input:
        authors_code_run_targets(),
