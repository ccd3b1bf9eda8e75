"""Train zongjie from the Hydra config in conf/.

python train.py model=linear_svc features.ngram_range=[1,3]
python train.py -m model=logreg,complement_nb   # a sweep: one MLflow run per job, one parent
"""

import hydra
from omegaconf import DictConfig

from zongjie.tracking import prepare_hydra_job
from zongjie.training import train


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    """Returns the objective (metric ``objective``, see eval.objective) for sweepers."""
    metrics = train(cfg, sweep=prepare_hydra_job(cfg))
    return metrics.get("objective")


if __name__ == "__main__":
    main()
