"""What the study publishes: the renderers, the tables, the figures, each ablation family's
generated answer, the robustness over re-splits, the paper draft and the README's findings."""
