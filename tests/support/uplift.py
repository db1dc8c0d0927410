"""A demo warehouse whose planted campaign is large enough to learn an uplift model from, and
private copies of it with everything beside it (models, prediction log, demo state)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.warehouses import copy_warehouse
from warehouse.commands.model_registry import models_dir
from warehouse.demo_shop import demo_dir
from warehouse.prediction_log import predictions_dir

# The demo's win-back campaign at this scale: about 930 treated and 230 control customers.
UPLIFT_DEMO_SCALE = 0.2
DEMO_CAMPAIGN_ID = "demo-winback-2015-08"


def copy_demo_warehouse(source: Path, folder: Path) -> Path:
    """``copy_warehouse`` plus the model artifacts, the prediction log and the demo state."""
    target = copy_warehouse(source, folder)
    for beside in (models_dir, predictions_dir, demo_dir):
        if beside(source).is_dir():
            shutil.copytree(beside(source), beside(target))
    return target
