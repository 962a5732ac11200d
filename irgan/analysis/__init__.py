"""The statistics of a study, torch-free: the tests as pure functions, their application to a
dataset's runs (with the claims and the multiplicity design), the fidelity of the re-implementation
to the original, ``StudyView``, the one reader of the statistics CSVs, and the claims ledger."""
