"""Export a training run to the checkpoint folder the server loads without TensorFlow:
`python -m training.export [--run runs/melody] [--out checkpoints/melody]
[--plot docs/images/loss.png]`.
"""

from __future__ import annotations

import argparse
import csv
import math
import shutil
from pathlib import Path

from server.generation.lstm import LstmNetwork
from training.network import BEST_WEIGHTS_FILE, load_run, network_to_arrays
from training.train import HISTORY_FILE


def export_run(run: Path, out: Path, weights_file: str = BEST_WEIGHTS_FILE) -> Path:
    """Write weights.npz, config.json and vocabulary.json into `out` (replaced atomically)."""
    network, config, vocabulary = load_run(run, weights_file)
    runtime = LstmNetwork(config, network_to_arrays(network, config))
    runtime.vocabulary = vocabulary
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    runtime.save(partial)
    kept = out / "metrics.json"  # evaluation results survive a re-export until re-measured
    if kept.exists():
        shutil.copy(kept, partial / kept.name)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    return out


def plot_history(run: Path, image: Path) -> None:
    """Loss curves (bits per event, pitch + duration) of a run's history.csv as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    with (run / HISTORY_FILE).open() as lines:
        rows = list(csv.DictReader(lines))
    epochs = [int(row["epoch"]) + 1 for row in rows]
    figure, (total, parts) = plt.subplots(1, 2, figsize=(10, 3.5), dpi=100)
    curves = {
        total: (("loss", "train"), ("val_loss", "validation")),
        parts: (
            ("val_pitch_loss", "validation pitch"),
            ("val_duration_loss", "validation duration"),
        ),
    }
    for axes, keys in curves.items():
        for key, label in keys:
            bits = [float(row[key]) / math.log(2) for row in rows]  # Keras logs nats per event
            axes.plot(epochs, bits, marker="o", label=label)
        axes.set_xlabel("epoch")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.set_ylabel("bits per event")
        axes.grid(alpha=0.3)
        axes.legend()
    total.set_title("pitch + duration")
    parts.set_title("each head (validation)")
    figure.tight_layout()
    image.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(image)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.export", description=__doc__)
    parser.add_argument("--run", type=Path, default=Path("runs/melody"), help="training run")
    parser.add_argument("--out", type=Path, default=Path("checkpoints/melody"))
    parser.add_argument("--weights", default=BEST_WEIGHTS_FILE, help="weights file in the run")
    parser.add_argument("--plot", type=Path, help="also draw the loss curves to this PNG")
    args = parser.parse_args(argv)
    if not (args.run / args.weights).exists():
        parser.error(f"{args.run / args.weights} does not exist; train first")
    out = export_run(args.run, args.out, args.weights)
    size = sum(path.stat().st_size for path in out.iterdir()) / 1e6
    print(f"exported {args.run / args.weights} to {out} ({size:.1f} MB)")
    if args.plot:
        plot_history(args.run, args.plot)
        print(f"loss curves in {args.plot}")


if __name__ == "__main__":
    main()
