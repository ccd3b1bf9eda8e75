"""Register the best MLflow run's model as `zongjie` (the registered model name in the config).

python scripts/register.py [mlflow.tracking_uri=… mlflow.experiment=…]

The best run is the one with the highest metric ``objective`` among the finished runs that logged
a model and were trained on the same data as the latest of them. Registering a run that is
already a version, or whose model file is byte for byte the latest version's, does nothing. Then
`models:/zongjie/latest` serves it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

from zongjie.tracking import register_best

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=argv)
    try:
        version = register_best(
            cfg.mlflow.tracking_uri, cfg.mlflow.experiment, cfg.mlflow.registered_model
        )
    except LookupError as error:
        raise SystemExit(f"register: {error}") from None
    print(f"models:/{version.name}/latest is version {version.version} (run {version.run_id})")


if __name__ == "__main__":
    main(sys.argv[1:])
