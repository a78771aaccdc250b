"""Inference: tag new articles sentence by sentence."""
