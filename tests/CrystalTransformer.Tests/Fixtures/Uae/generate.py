"""Generates the PyTorch checkpoint fixtures for the ct-UAE import tests (run with Debian's python3-torch 1.13:
/usr/bin/python3 generate.py). The layout follows the authors' front-end checkpoints (model_best_*.pth.tar): a dict with
state_dict (atom_embed.weight [128, 100], atom_embed.bias [128], coords_embed.*, transformer_encoder.layers.N.*,
output_linear*), normalizer {mean, std}, epoch, best_mae_error, optimizer state and argparse args. The encoder is made
tiny (coordinate embedding 8 wide, one layer) so the file stays small; atom_embed has the real shapes."""
import argparse
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class TinyFrontEnd(nn.Module):
    def __init__(self):
        super().__init__()
        self.atom_embed = nn.Linear(100, 128)
        self.coords_embed = nn.Linear(3, 8)
        layer = nn.TransformerEncoderLayer(d_model=136, nhead=8, dim_feedforward=16)
        self.transformer_encoder = nn.TransformerEncoder(layer, num_layers=1)
        self.output_linear = nn.Linear(136, 16)
        self.output_linear2 = nn.Linear(16, 1)


class Exploit:
    """Pickles to a call of os.system: the reader must refuse it without running it."""
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def main():
    torch.manual_seed(7)
    model = TinyFrontEnd()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=1e-3)
    x = torch.randn(4, 100)
    model.atom_embed(x).sum().backward()  # one step so the optimizer holds momentum buffers
    optimizer.step()
    args = argparse.Namespace(task="regression", lr=1e-4, epochs=250, batch_size=128, data_path="data/perov5", cuda=False)
    checkpoint = {
        "epoch": 42,
        "state_dict": model.state_dict(),
        "best_mae_error": torch.tensor(0.123),
        "optimizer": optimizer.state_dict(),
        "normalizer": {"mean": torch.tensor(1.39), "std": torch.tensor(1.02)},
        "args": args,
    }
    torch.save(checkpoint, os.path.join(HERE, "authors_checkpoint.pth.tar"))
    # The pre-1.6 format, as torch.save(..., _use_new_zipfile_serialization=False) still writes it.
    legacy = {"epoch": 42, "state_dict": {k: v for k, v in model.state_dict().items() if k.startswith("atom_embed")},
              "normalizer": {"mean": torch.tensor(1.39), "std": torch.tensor(1.02)}, "args": args}
    torch.save(legacy, os.path.join(HERE, "authors_checkpoint_legacy.pth.tar"), _use_new_zipfile_serialization=False)
    torch.save({"state_dict": {"atom_embed.weight": torch.zeros(128, 100), "atom_embed.bias": torch.zeros(128)},
                "payload": Exploit()}, os.path.join(HERE, "malicious_checkpoint.pth.tar"))
    w = model.atom_embed.weight.detach()
    b = model.atom_embed.bias.detach()
    expected = {str(z): (w[:, z - 1] + b).tolist() for z in (1, 8, 26, 100)}
    with open(os.path.join(HERE, "expected_uae.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
