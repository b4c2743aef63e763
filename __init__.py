from . import models, report, wizards
from .hooks import post_init_hook
