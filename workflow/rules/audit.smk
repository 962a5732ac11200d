# The authors' released checkpoints, evaluated under the paper protocol.


rule audit_checkpoints:
    input:
        dataset=f"{RESULTS}/{{dataset}}/data/dataset.npz",
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
        "../scripts/audit.py"


rule audit:
    """Target: the released-checkpoint audit of the authors' MovieLens-100k split."""
    input:
        expand(
            f"{RESULTS}/ml-100k-irgan/audit/released_checkpoints.{{ext}}",
            ext=["csv", "md"],
        ),
