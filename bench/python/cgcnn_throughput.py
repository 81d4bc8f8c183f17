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

The model and data code. The network below follows the official cgcnn/model.py of txie-93/cgcnn as released with the
paper step by step (the padded [N, M] layout: ConvLayer and CrystalGraphConvNet with the same module names, layer order,
batch-norm views, softplus/sigmoid gating and per-crystal mean pooling); the official files are not redistributed with
this project. With CGCNN_OFFICIAL=<a checkout of txie-93/cgcnn> the script imports cgcnn.model.CrystalGraphConvNet from the
checkout instead, loads this rewrite's weights into it, checks that both give the same outputs on the first batch, and
times the official class (the later edge-list model.py, which needs torch_scatter, is supported too). Where the timed
loop differs from the official main.py/data.py, each difference removes work from PyTorch's side, never adds any:
- features (atom_init rows, Gaussian-expanded distances, neighbour indices) are built once before timing; CIFData's
  lru_cache gives the same from the second epoch on;
- batches are concatenated as collate_pool does, without a DataLoader, its sampler, or the cif-id lists;
- no Normalizer of the target and no per-batch MAE/AverageMeter bookkeeping;
- the end-to-end part builds graphs as CIFData.__getitem__ (get_all_neighbors, sort, 12 kept, padding with index 0 at
  radius + 1) for the CIF files of a folder, as predict.py does, without its id_prop.csv and output CSV.
The script prints the BLAS library PyTorch calls (bench/python/blas_report.py).
"""
import glob
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from blas_report import blas_in_use

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


class EdgeListAdapter(nn.Module):
    """Calls the later official model.py (edge list: self_fea_idx, nbr_fea_idx, crystal index per atom) with a padded batch."""

    def __init__(self, official):
        super().__init__()
        self.official = official

    def forward(self, atom, nbr_fea, nbr_idx, crys_idx):
        n, m = nbr_idx.shape
        self_idx = torch.arange(n).repeat_interleave(m)
        crystal = torch.cat([torch.full((len(idx),), i, dtype=torch.long) for i, idx in enumerate(crys_idx)])
        return self.official(atom, nbr_fea.reshape(n * m, -1), self_idx, nbr_idx.reshape(-1), crystal)


def official_model(rewrite, first_batch):
    """The official CrystalGraphConvNet from the checkout in CGCNN_OFFICIAL, with the rewrite's weights, checked against it."""
    import inspect
    sys.path.insert(0, os.environ["CGCNN_OFFICIAL"])
    from cgcnn.model import CrystalGraphConvNet
    official = CrystalGraphConvNet(92, len(CENTERS), atom_fea_len=64, n_conv=3, h_fea_len=128, n_h=1)
    official.load_state_dict(rewrite.state_dict())
    edge_list = len(inspect.signature(official.forward).parameters) == 5
    model = EdgeListAdapter(official) if edge_list else official
    atom, nf, ni, ci, _ = collate(first_batch)
    model.eval(); rewrite.eval()
    with torch.no_grad():
        difference = (model(atom, nf, ni, ci) - rewrite(atom, nf, ni, ci)).abs().max().item()
    model.train()
    if difference > 1e-4:
        raise SystemExit(f"the official model and the rewrite disagree on the first batch: max |difference| = {difference:g}")
    print(f"official cgcnn/model.py from {os.environ['CGCNN_OFFICIAL']} ({'edge-list' if edge_list else 'padded'} layout); "
          f"same outputs as the rewrite on the first batch (max |difference| {difference:.1e})")
    return model


def main():
    path, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    print(f"BLAS: {blas_in_use()}")
    table = np.random.default_rng(0).standard_normal((100, 92))
    crystals, batch = read_crystals(path, table)
    batches = [crystals[i:i + batch] for i in range(0, len(crystals), batch)]
    model = official_model(Cgcnn(), batches[0]) if os.environ.get("CGCNN_OFFICIAL") else Cgcnn()
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
    which = "official" if os.environ.get("CGCNN_OFFICIAL") else "rewrite of the official"
    print(f"PyTorch {torch.__version__} {which} CGCNN, {threads} threads: train = {rounds * len(crystals) / seconds:.1f}/s, "
          f"train-cpu = {rounds * len(crystals) / cpu:.1f}/s per CPU-second")

    model.eval()
    with torch.no_grad():
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(rounds):
            for b in batches:
                atom, nf, ni, ci, _ = collate(b)
                model(atom, nf, ni, ci)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"PyTorch CGCNN inference, graphs prebuilt: predict = {rounds * len(crystals) / seconds:.1f}/s, "
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
