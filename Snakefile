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
include: "workflow/rules/authors_code.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        study_targets(),


# One workflow per results root, across clones and working directories (irgan/lock.py): the
# lock is taken when jobs are about to run (not for dry runs) and released at the end.
from irgan.lock import ResultsLocked, acquire, release


onstart:
    try:
        acquire(RESULTS)
    except ResultsLocked as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1)


onsuccess:
    release(RESULTS)


onerror:
    release(RESULTS)
