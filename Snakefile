# irgan-repro: the study's entry point. Rules live in workflow/rules/*.smk,
# logic in the irgan and baselines packages.
from snakemake.utils import min_version

min_version("9.0")


# Beside this Snakefile, wherever Snakemake is started from (`snakemake -s <repo>/Snakefile`).
# The config is validated once, by irgan.config (workflow/rules/common.smk): one line naming
# the file and the full key path, instead of Snakemake's pages of jsonschema.
configfile: f"{workflow.basedir}/config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/audit.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        study_targets(),
