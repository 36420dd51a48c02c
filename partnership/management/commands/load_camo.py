"""The former name of `load_dataset`, kept for scripts that still call it."""

from .load_dataset import Command as LoadDataset


class Command(LoadDataset):
    help = "Same as load_dataset (its former name)."
