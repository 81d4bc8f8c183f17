"""Training and inference throughput of CGCNN in PyTorch as the official code (txie-93/cgcnn) computes it, on the
crystals the C# benchmark wrote: per crystal the features are precomputed once (atom_init rows, Gaussian-expanded
neighbour distances [n, M, 41], neighbour indices [n, M]) as CIFData caches them; each step concatenates a batch as
collate_pool does, then forward (embedding, 3 gated convolutions with batch norm on [N*M, 2F], mean pooling, softplus,
conv_to_fc, softplus, fc_out), MSE, backward and an SGD step (lr 0.01, momentum 0.9).

usage: /usr/bin/python3 cgcnn_throughput.py CRYSTALS_FILE THREADS ROUNDS [predict CIF_FOLDER COUNT]
CRYSTALS_FILE: int32 C, int32 M, int32 B (batch size), then per crystal int32 n, int32 z[n], int32 nbr[n*M] (local
indices), float32 dist[n*M], float32 y. Prints "train = <crystals/s>/s" and "predict = <crystals/s>/s" (graphs prebuilt),
each also per CPU-second ("train-cpu = ..."); with "predict", also "end-to-end = <crystals/s>/s": pymatgen reads COUNT
CIFs, builds the CGCNN graphs (8 A, 12 neighbours, official padding) and the model predicts them, as the official
predict.py does.
"""
import glob
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

RADIUS, MAX_NBR, STEP = 8.0, 12, 0.2
CENTERS = np.arange(0, RADIUS + STEP, STEP)


class ConvLayer(nn.Module):
    def __init__(self, f, nbr):
        super().__init__()
        self.f = f
        self.fc_full = nn.Linear(2 * f + nbr, 2 * f)
        self.bn1 = nn.BatchNorm1d(2 * f)
        self.bn2 = nn.BatchNorm1d(f)

    def forward(self, x, nbr_fea, nbr_idx):
        n, m = nbr_idx.shape
        total = torch.cat([x.unsqueeze(1).expand(n, m, self.f), x[nbr_idx, :], nbr_fea], dim=2)
        gated = self.bn1(self.fc_full(total).view(-1, 2 * self.f)).view(n, m, 2 * self.f)
        filt, core = gated.chunk(2, dim=2)
        summed = torch.sum(torch.sigmoid(filt) * nn.functional.softplus(core), dim=1)
        return nn.functional.softplus(x + self.bn2(summed))


class Cgcnn(nn.Module):
    def __init__(self, orig=92, nbr=41, f=64, h=128):
        super().__init__()
        self.embedding = nn.Linear(orig, f)
        self.convs = nn.ModuleList([ConvLayer(f, nbr) for _ in range(3)])
        self.conv_to_fc = nn.Linear(f, h)
        self.fc_out = nn.Linear(h, 1)

    def forward(self, atom_fea, nbr_fea, nbr_idx, crystal_atom_idx):
        x = self.embedding(atom_fea)
        for conv in self.convs:
            x = conv(x, nbr_fea, nbr_idx)
        crys = torch.cat([torch.mean(x[idx], dim=0, keepdim=True) for idx in crystal_atom_idx], dim=0)
        crys = nn.functional.softplus(self.conv_to_fc(nn.functional.softplus(crys)))
        return self.fc_out(crys)


def expand(dist):
    return np.exp(-(dist[..., np.newaxis] - CENTERS) ** 2 / STEP ** 2)


def read_crystals(path, table):
    crystals = []
    with open(path, "rb") as f:
        count, m, batch = struct.unpack("<iii", f.read(12))
        for _ in range(count):
            (n,) = struct.unpack("<i", f.read(4))
            z = np.frombuffer(f.read(4 * n), dtype="<i4")
            nbr = np.frombuffer(f.read(4 * n * m), dtype="<i4").reshape(n, m)
            dist = np.frombuffer(f.read(4 * n * m), dtype="<f4").reshape(n, m)
            (y,) = struct.unpack("<f", f.read(4))
            crystals.append((torch.tensor(table[z - 1], dtype=torch.float32),
                             torch.tensor(expand(dist), dtype=torch.float32),
                             torch.tensor(nbr, dtype=torch.long),
                             torch.tensor([y], dtype=torch.float32)))
    return crystals, batch


def collate(crystals):
    atom, nbr_fea, nbr_idx, crys_idx, ys = [], [], [], [], []
    base = 0
    for a, nf, ni, y in crystals:
        n = a.shape[0]
        atom.append(a)
        nbr_fea.append(nf)
        nbr_idx.append(ni + base)
        crys_idx.append(torch.arange(n) + base)
        ys.append(y)
        base += n
    return torch.cat(atom), torch.cat(nbr_fea), torch.cat(nbr_idx), crys_idx, torch.stack(ys)


def graph_of(structure, table):
    """The official CIFData graph: neighbours within 8 A sorted by distance, 12 kept, padded with index 0 at 9 A."""
    nbrs = [sorted(n, key=lambda x: x[1]) for n in structure.get_all_neighbors(RADIUS, include_index=True)]
    idx, dist = [], []
    for n in nbrs:
        if len(n) < MAX_NBR:
            idx.append([x[2] for x in n] + [0] * (MAX_NBR - len(n)))
            dist.append([x[1] for x in n] + [RADIUS + 1.0] * (MAX_NBR - len(n)))
        else:
            idx.append([x[2] for x in n[:MAX_NBR]])
            dist.append([x[1] for x in n[:MAX_NBR]])
    z = np.array([site.specie.number for site in structure])
    return (torch.tensor(table[z - 1], dtype=torch.float32), torch.tensor(expand(np.array(dist)), dtype=torch.float32),
            torch.tensor(np.array(idx), dtype=torch.long), torch.zeros(1))


def main():
    path, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    table = np.random.default_rng(0).standard_normal((100, 92))
    crystals, batch = read_crystals(path, table)
    batches = [crystals[i:i + batch] for i in range(0, len(crystals), batch)]
    model = Cgcnn()
    optimizer = torch.optim.SGD(model.parameters(), 0.01, momentum=0.9)
    loss_fn = nn.MSELoss()

    def step(b):
        atom, nf, ni, ci, y = collate(b)
        loss = loss_fn(model(atom, nf, ni, ci), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    model.train()
    step(batches[0])  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for b in batches:
            step(b)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"PyTorch {torch.__version__} official-style CGCNN, {threads} threads: train = {rounds * len(crystals) / seconds:.1f}/s, "
          f"train-cpu = {rounds * len(crystals) / cpu:.1f}/s per CPU-second")

    model.eval()
    with torch.no_grad():
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(rounds):
            for b in batches:
                atom, nf, ni, ci, _ = collate(b)
                model(atom, nf, ni, ci)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"PyTorch official-style CGCNN inference, graphs prebuilt: predict = {rounds * len(crystals) / seconds:.1f}/s, "
          f"predict-cpu = {rounds * len(crystals) / cpu:.1f}/s per CPU-second")

    if len(sys.argv) > 5 and sys.argv[4] == "predict":
        from pymatgen.core.structure import Structure
        files = sorted(glob.glob(os.path.join(sys.argv[5], "*.cif")))[:int(sys.argv[6])]
        start, cpu = time.perf_counter(), time.process_time()
        graphs = [graph_of(Structure.from_file(f), table) for f in files]
        with torch.no_grad():
            for i in range(0, len(graphs), batch):
                atom, nf, ni, ci, _ = collate(graphs[i:i + batch])
                model(atom, nf, ni, ci)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"pymatgen + PyTorch, reading {len(files)} CIFs, graphs and prediction: end-to-end = {len(files) / seconds:.1f}/s, "
              f"end-to-end-cpu = {len(files) / cpu:.1f}/s per CPU-second")


if __name__ == "__main__":
    main()
