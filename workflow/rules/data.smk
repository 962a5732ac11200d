# Datasets: checksummed downloads (or the IRGAN_MIRROR copy), then one canonical artifact each.


rule download:
    output:
        f"{RESULTS}/downloads/{{dataset}}/{{filename}}",
    params:
        url=lambda w: dataset_spec(w.dataset)["base_url"] + w.filename,
        sha256=lambda w: dataset_spec(w.dataset)["files"][w.filename],
    log:
        f"{RESULTS}/logs/download/{{dataset}}/{{filename}}.log",
    # no `retries:` here: irgan.data.download retries network errors itself, never a checksum mismatch
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/download.py"


rule prepare_dataset:
    input:
        unpack(dataset_files),
    output:
        artifact=DATASET_ARTIFACT,
        summary=report(
            f"{RESULTS}/{{dataset}}/data/summary.json",
            caption="../report/dataset_summary.rst",
            category="Data",
            subcategory="{dataset}",
        ),
    params:
        spec=lambda w: dataset_spec(w.dataset),
        validation=config["validation"],
    log:
        f"{RESULTS}/logs/prepare_dataset/{{dataset}}.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/prepare_dataset.py"
