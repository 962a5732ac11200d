"""The authors' original code as a system of the study: fetch, pin, patch and run it, write its
runs in the study's contract, audit their released checkpoints and match their released start."""
