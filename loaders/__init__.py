"""Per-request dataloaders: one per access path, one SQL statement per batch."""

from loaders.contact import Loaders

__all__ = ["Loaders"]
