"""The statistics of a study, torch-free: the tests as pure functions, their application to a
dataset's runs, the fidelity of the re-implementation to the original, and ``StudyView``, the one
reader of the statistics CSVs."""
