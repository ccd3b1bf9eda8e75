"""Train zongjie from the Hydra config in conf/.

python train.py model=linear_svc features.ngram_range=[1,3]
"""

import hydra
from omegaconf import DictConfig

from zongjie.training import train


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float:
    return train(cfg)["isolated_macro_f1"]


if __name__ == "__main__":
    main()
