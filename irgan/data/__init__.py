"""From a rating file to the ``Dataset`` artifact every model reads: checksummed downloads, the
ratings parser, the seeded hold-outs, the dataset registry (one kind per way of getting ratings) and
the generated or user-supplied datasets (synthetic, Netflix)."""
