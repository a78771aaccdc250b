"""Fine-tuning, baselines and experiments."""
