"""The workflow's jobs that combine the rooms below: the wrapper every rule script runs in, one
training run written in the contract, and the equal-budget tuning search."""
