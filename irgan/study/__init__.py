"""What a study is, before anything runs: the config and its validation, the IRGAN variants, the
ablation families, the re-split datasets, the tuned systems, the plan and its cost estimate, and
the results root's lock. Torch-free (the config check runs in every rule)."""
