"""Datasets: the registry that finds them and one loader per public format."""

from tradewar.data.registry import REGISTRY, DatasetInfo, data_dir, load_dataset

__all__ = ["REGISTRY", "DatasetInfo", "data_dir", "load_dataset"]
