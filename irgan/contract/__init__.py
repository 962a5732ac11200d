"""The files between the rooms: a run's directory and ``record.json`` schema, the file names of a
dataset's statistics, tables and figures, the provenance every result file records, and the atomic
writer that makes a file appear whole or not at all. Torch-free: the statistics environment reads it.
"""
