"""Training throughput of the CrystalTransformer front-end in PyTorch, as the authors' code builds it
(nn.TransformerEncoder, d_model 256, 8 heads, FF 512, dropout 0.1, post-LN, sequence-first, key-padding mask,
first-atom readout, Linear(256->128)->Linear(128->1), SGD momentum 0.9, MSE), on the batches the C# benchmark wrote.

usage: /usr/bin/python3 transformer_training_throughput.py BATCHES_FILE THREADS ROUNDS [noaug]
noaug: skip the per-sample coordinate augmentation (the network and optimiser alone).
BATCHES_FILE: int32 count, then per batch int32 B, int32 N, int64 z[B*N] (Z-1, -1 = padding), float32 xyz[B*N*3],
float32 y[B]. Prints "= <crystals per second>/s" (the C# side reads it)."""
import math
import struct
import sys
import time

import torch
import torch.nn as nn

from blas_report import blas_in_use


class FrontEnd(nn.Module):
    def __init__(self):
        super().__init__()
        self.atom_embed = nn.Linear(100, 128)
        self.coords_embed = nn.Linear(3, 128)
        layer = nn.TransformerEncoderLayer(d_model=256, nhead=8, dim_feedforward=512, dropout=0.1)
        self.transformer_encoder = nn.TransformerEncoder(layer, num_layers=8)
        self.output_linear = nn.Linear(256, 128)
        self.output_linear2 = nn.Linear(128, 1)

    def forward(self, one_hot, xyz, padding):
        x = torch.cat([self.atom_embed(one_hot), self.coords_embed(xyz)], dim=-1)  # [B, N, 256]
        x = self.transformer_encoder(x.transpose(0, 1), src_key_padding_mask=padding)  # [N, B, 256]
        return self.output_linear2(self.output_linear(x[0]))


def random_rotation(gen):
    q = torch.randn(4, generator=gen, dtype=torch.float64)
    w, x, y, z = (q / q.norm()).tolist()
    return torch.tensor([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                         [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                         [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]], dtype=torch.float32)


def augment(xyz, gen):
    """Per sample, each with p = 0.5: translation +-5 A, rotation, reflection, noise 0.001 (as the C# collate does)."""
    out = xyz.clone()
    for i in range(out.shape[0]):
        if torch.rand(1, generator=gen).item() < 0.5:
            out[i] += (torch.rand(3, generator=gen) * 10 - 5)
        if torch.rand(1, generator=gen).item() < 0.5:
            out[i] = out[i] @ random_rotation(gen).T
        if torch.rand(1, generator=gen).item() < 0.5:
            n = torch.randn(3, generator=gen)
            n = n / n.norm()
            out[i] = out[i] @ (torch.eye(3) - 2 * torch.outer(n, n)).T
        if torch.rand(1, generator=gen).item() < 0.5:
            out[i] += 0.001 * torch.randn(out[i].shape, generator=gen)
    return out


def read_batches(path):
    batches = []
    with open(path, "rb") as f:
        (count,) = struct.unpack("<i", f.read(4))
        for _ in range(count):
            b, n = struct.unpack("<ii", f.read(8))
            z = torch.frombuffer(bytearray(f.read(8 * b * n)), dtype=torch.int64).reshape(b, n)
            xyz = torch.frombuffer(bytearray(f.read(4 * b * n * 3)), dtype=torch.float32).reshape(b, n, 3)
            y = torch.frombuffer(bytearray(f.read(4 * b)), dtype=torch.float32).reshape(b, 1)
            batches.append((z, xyz, y))
    return batches


def main():
    path, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    augmented = not (len(sys.argv) > 4 and sys.argv[4] == "noaug")
    torch.set_num_threads(threads)
    print(f"BLAS: {blas_in_use()}")
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    batches = read_batches(path)
    model = FrontEnd()
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=1e-3)

    def step(z, xyz, y):
        padding = z < 0
        one_hot = torch.nn.functional.one_hot(z.clamp(min=0), 100).float() * (~padding).unsqueeze(-1)
        noisy = torch.rand(z.shape[0], generator=gen) < 0.5
        one_hot = one_hot + 0.001 * torch.randn(one_hot.shape, generator=gen) * noisy.view(-1, 1, 1)
        pred = model(one_hot, augment(xyz, gen) if augmented else xyz, padding)
        loss = nn.functional.mse_loss(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    for z, xyz, y in batches[:2]:  # warm-up
        step(z, xyz, y)
    crystals = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for z, xyz, y in batches:
            step(z, xyz, y)
            crystals += z.shape[0]
    elapsed = time.perf_counter() - start
    print(f"pytorch {torch.__version__}{'' if augmented else ' without augmentation'}, {threads} threads: {crystals} crystals in {elapsed:.2f} s = {crystals / elapsed:.1f}/s")


if __name__ == "__main__":
    main()
