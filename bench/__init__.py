"""Load benchmarks of the authentication classes: ``python -m bench``."""
