"""Train zongjie from the Hydra config in conf/.

python train.py model=linear_svc features.ngram_range=[1,3]
python train.py -m model=logreg,complement_nb   # a sweep: one MLflow run per job, one parent
python train.py output.model_path=models/zongjie.model eval.reports_dir=reports   # make release

The model and its card go into the run's folder (outputs/<date>/<time>/), which git ignores,
unless output.model_path names a file: a training never changes a committed file by default.
"""

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from zongjie.tracking import prepare_hydra_job
from zongjie.training import MODEL_NAME, train


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    """Returns the objective (metric ``objective``, see eval.objective) for sweepers."""
    if cfg.output.model_path is None:
        cfg.output.model_path = str(Path(HydraConfig.get().runtime.output_dir) / MODEL_NAME)
    metrics = train(cfg, sweep=prepare_hydra_job(cfg))
    return metrics.get("objective")


if __name__ == "__main__":
    main()
