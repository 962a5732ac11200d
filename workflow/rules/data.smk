# Datasets: checksummed downloads (or the offline mirror's copy: IRGAN_MIRROR, or the variable a
# dataset's mirror_env names), then one canonical artifact each.


rule download:
    output:
        f"{RESULTS}/downloads/{{dataset}}/{{filename}}",
    params:
        url=lambda w: dataset_spec(w.dataset)["base_url"] + w.filename,
        sha256=lambda w: dataset_spec(w.dataset)["files"][w.filename],
        # the entry's mirror keys only (irgan.data.download.dataset_mirror), so that no other key of
        # the entry makes a finished download stale
        mirror=lambda w: {key: value for key, value in dataset_spec(w.dataset).items()
                          if key in ("mirror_env", "mirror_default")},
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
        item_table=f"{RESULTS}/{{dataset}}/data/items.csv",
        user_table=f"{RESULTS}/{{dataset}}/data/users.csv",
    params:
        spec=lambda w: dataset_spec(w.dataset),
        validation=config["validation"],
    log:
        f"{RESULTS}/logs/prepare_dataset/{{dataset}}.log",
    conda:
        "../envs/core.yaml"
    script:
        "../scripts/prepare_dataset.py"
