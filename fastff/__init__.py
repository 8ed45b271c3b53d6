__version__ = "0.0.1"
from . import convert  # attaches FastFeedForward.from_ultrafastbert / FFF.from_fastfeedforward and their exports
