"""Benchmarks of the doubles (``make bench``): ratios against baselines measured in the same run."""
