# The authors' released checkpoints, evaluated under the paper protocol.


rule audit_checkpoints:
    input:
        dataset=DATASET_ARTIFACT,
        checkpoints=lambda w: [
            downloaded(w.dataset, name)
            for name in dataset_spec(w.dataset).get("released_checkpoints", [])
        ],
    output:
        csv=report(
            f"{RESULTS}/{{dataset}}/audit/released_checkpoints.csv",
            caption="../report/audit.rst",
            category="Released checkpoints",
        ),
        markdown=f"{RESULTS}/{{dataset}}/audit/released_checkpoints.md",
        record=f"{RESULTS}/{{dataset}}/audit/released_checkpoints.provenance.json",
    log:
        f"{RESULTS}/logs/audit/{{dataset}}.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/audit_checkpoints.py"


rule audit:
    """Target: the released-checkpoint audit of the authors' MovieLens-100k split."""
    input:
        expand(
            f"{RESULTS}/ml-100k-irgan/audit/released_checkpoints.{{ext}}",
            ext=["csv", "md"],
        ),


rule released_start:
    """The authors' released DNS start evaluated as the run `dns-released` (paper protocol only)."""
    input:
        dataset=DATASET_ARTIFACT,
        checkpoint=lambda w: downloaded(w.dataset, config["irgan"]["defaults"]["released_checkpoint"]),
    output:
        **run_outputs(run_dir_pattern(RESULTS, selection=PAPER_SELECTION, system=RELEASED_START_SYSTEM)),
    log:
        f"{RESULTS}/logs/released_start/{{dataset}}/seed-{{seed}}.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/released_start.py"


rule match_released_start:
    """Our DNS pre-training against the authors' released start: P@5, scale and perplexity."""
    input:
        dataset=DATASET_ARTIFACT,
        checkpoint=lambda w: downloaded(w.dataset, config["irgan"]["defaults"]["released_checkpoint"]),
    output:
        csv=f"{RESULTS}/{{dataset}}/audit/start_match.csv",
        verdict=f"{RESULTS}/{{dataset}}/audit/start_match.json",
        markdown=report(
            f"{RESULTS}/{{dataset}}/audit/start_match.md",
            caption="../report/start_match.rst",
            category="Released checkpoints",
        ),
    params:
        grid=config["start_match"]["grid"],
        grid_seeds=config["start_match"]["grid_seeds"],
        seeds=config["study"]["seeds"],
    log:
        f"{RESULTS}/logs/start_match/{{dataset}}.log",
    threads: 1
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/match_released_start.py"


rule match_authors_dns:
    """The authors' own cf_dns.py (dns-authors-code) against their released start: P@5, scale, perplexity."""
    input:
        dataset=DATASET_ARTIFACT,
        checkpoint=lambda w: downloaded(w.dataset, config["irgan"]["defaults"]["released_checkpoint"]),
        models=lambda w: [
            f"{RESULTS}/{w.dataset}/authors-code/dns-seed-{seed}/model_dns.pkl"
            for seed in config["authors_code"]["dns_seeds"]
        ],
    output:
        csv=f"{RESULTS}/{{dataset}}/audit/authors_dns_start.csv",
        verdict=f"{RESULTS}/{{dataset}}/audit/authors_dns_start.json",
        markdown=report(
            f"{RESULTS}/{{dataset}}/audit/authors_dns_start.md",
            caption="../report/authors_dns_start.rst",
            category="Released checkpoints",
        ),
    params:
        seeds=lambda w: config["authors_code"]["dns_seeds"],
    log:
        f"{RESULTS}/logs/match_authors_dns/{{dataset}}.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/match_authors_dns.py"


rule start_match:
    """Target: our DNS pre-training against the released start, on every dataset that has one."""
    input:
        start_match_targets(),
