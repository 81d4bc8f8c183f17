"""Side-by-side reference for `ct analyze`: the same numerics with scikit-learn on the 12 built-in tables.

Per table (columns z-scored over the table's elements): PCA (10 components) and trustworthiness of the PC1/PC2 map
(k = 5); k-means scan on the vectors (k = 2..10, seeds 0..4, k-means++ with 10 restarts) with mean silhouette; ridge
reverse prediction of every element property (StandardScaler + RidgeCV(alphas 1e-3..1e5) in 10 predefined folds
i mod 10, at least 20 elements). UMAP is not included (umap-learn is not installed here).
Prints CPU seconds and "= N/s" tables per CPU second. Usage: analyze_sklearn.py DATA_DIR
"""
import gzip
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeCV
from sklearn.manifold import trustworthiness
from sklearn.metrics import r2_score, silhouette_score
from sklearn.model_selection import PredefinedSplit, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

TABLES = ["cgcnn92", "megnet16", "mat2vec", "magpie", "magpie_sc", "oliynyk", "oliynyk_sc", "skipatom", "matscholar",
          "cgnf", "xenonpy", "random_200"]
data = sys.argv[1]
elements = pd.read_csv(f"{data}/elements/elements.csv").set_index("symbol")
props = [c for c in elements.columns if c not in ("name", "block", "atomic_volume")]
alphas = 10.0 ** np.arange(-3, 5.01, 0.5)

start = time.process_time()
for name in TABLES:
    table = pd.read_csv(f"{data}/embeddings/{name}.csv.gz").set_index("element")
    raw = table.to_numpy(dtype=float)
    x = StandardScaler().fit_transform(raw)
    pca = PCA(n_components=10).fit_transform(x)
    trustworthiness(x, pca[:, :2], n_neighbors=5)
    dist_sil = []
    for k in range(2, 11):
        for seed in range(5):
            labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x).labels_
            dist_sil.append(silhouette_score(x, labels))
    r2 = []
    for p in props:
        y = elements.loc[table.index, p].to_numpy(dtype=float)
        ok = ~np.isnan(y)
        if ok.sum() < 20:
            continue
        folds = np.arange(ok.sum()) % 10
        pred = cross_val_predict(make_pipeline(StandardScaler(), RidgeCV(alphas=alphas)), raw[ok], y[ok], cv=PredefinedSplit(folds))
        r2.append(r2_score(y[ok], pred))
    print(f"sklearn  {name:11s} mean R2 {np.mean(r2):.3f}")
cpu = time.process_time() - start
print(f"sklearn  {len(TABLES)} tables in {cpu:.2f} CPU s = {len(TABLES) / cpu:.3f}/s")
