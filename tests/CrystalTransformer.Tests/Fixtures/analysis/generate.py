"""Reference values for tests/CrystalTransformer.Tests/Analysis (scikit-learn 1.2.1, scipy 1.10.1, numpy 1.24).

Run with the Debian python: /usr/bin/python3 generate.py  (writes reference.json next to this file).
The tests read reference.json only; they never run Python.
"""
import json
import os

import numpy as np
from scipy import stats
from scipy.optimize import curve_fit
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeCV
from sklearn.manifold import trustworthiness
from sklearn.metrics import mean_absolute_error, r2_score, silhouette_score
from sklearn.model_selection import PredefinedSplit, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(20240601)
out = {}

# PCA on correlated data
latent = rng.normal(size=(30, 3))
X = latent @ rng.normal(size=(3, 8)) + 0.3 * rng.normal(size=(30, 8)) + 5.0
pca = PCA(n_components=3).fit(X)
out["pca"] = dict(x=X.tolist(), scores=pca.transform(X).tolist(), components=pca.components_.tolist(),
                  explained_variance=pca.explained_variance_.tolist(),
                  explained_variance_ratio=pca.explained_variance_ratio_.tolist())

# k-means from fixed initial centres (Lloyd), on overlapping data so that several iterations are needed
Xk = rng.normal(size=(60, 5))
Xk[:20] += 1.5
Xk[20:40, 0] -= 1.5
init = Xk[[0, 25, 45, 59]].copy()
km = KMeans(n_clusters=4, init=init, n_init=1, algorithm="lloyd").fit(Xk)
out["kmeans_fixed_init"] = dict(x=Xk.tolist(), init=init.tolist(), labels=km.labels_.tolist(),
                                inertia=float(km.inertia_), centers=km.cluster_centers_.tolist())

# k-means++ with restarts on separated blobs: the optimum is unique, so the best inertia must agree
centres = np.array([[0, 0], [6, 1], [2, 7]])
Xb = np.vstack([c + rng.normal(scale=0.8, size=(25, 2)) for c in centres])
best = KMeans(n_clusters=3, n_init=10, random_state=0).fit(Xb)
out["kmeans_blobs"] = dict(x=Xb.tolist(), k=3, inertia=float(best.inertia_),
                           silhouette=float(silhouette_score(Xb, best.labels_)), labels=best.labels_.tolist())

# silhouette of given labels including a singleton cluster
Xs = rng.normal(size=(40, 4))
labels = rng.integers(0, 3, size=40)
labels[7] = 3
out["silhouette"] = dict(x=Xs.tolist(), labels=labels.tolist(), score=float(silhouette_score(Xs, labels)))

# trustworthiness of a PCA map and of a noisy map
Xt = rng.normal(size=(50, 10)) @ np.diag(np.linspace(3, 0.2, 10))
Y1 = PCA(n_components=2).fit_transform(Xt)
Y2 = Y1 + rng.normal(scale=1.0, size=Y1.shape)
out["trustworthiness"] = dict(x=Xt.tolist(), map_pca=Y1.tolist(), map_noisy=Y2.tolist(),
                              t_pca_5=float(trustworthiness(Xt, Y1, n_neighbors=5)),
                              t_noisy_5=float(trustworthiness(Xt, Y2, n_neighbors=5)),
                              t_noisy_3=float(trustworthiness(Xt, Y2, n_neighbors=3)))

# cross-validated ridge: predefined folds i mod 10, StandardScaler + RidgeCV (efficient LOO) per fold
alphas = 10.0 ** np.arange(-3, 5.01, 0.5)


def ridge_case(Xr, yr):
    folds = np.arange(len(yr)) % 10
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=alphas))
    pred = cross_val_predict(model, Xr, yr, cv=PredefinedSplit(folds))
    return dict(x=Xr.tolist(), y=yr.tolist(), predictions=pred.tolist(),
                r2=float(r2_score(yr, pred)), mae=float(mean_absolute_error(yr, pred)))


Xr1 = rng.normal(size=(57, 12)) * np.linspace(0.1, 10, 12)
Xr1[:, 3] = 2.0                        # constant column
Xr1[:, 4] = (Xr1[:, 5] > 0) * 1.0      # binary column
y1 = Xr1[:, 0] * 3 - Xr1[:, 7] * 0.2 + rng.normal(scale=0.5, size=57)
Xr2 = rng.normal(size=(45, 80))        # more features than samples (Gram mode)
Xr2[:, 10] = 0.0
Xr2[5, 10] = 1.0                       # one-hot-like column: constant in some training folds
y2 = Xr2[:, :5].sum(axis=1) + rng.normal(scale=1.0, size=45)
y3 = rng.normal(size=45)               # pure noise: R² near or below zero
out["ridge_tall"] = ridge_case(Xr1, y1)
out["ridge_wide"] = ridge_case(Xr2, y2)
out["ridge_noise"] = ridge_case(Xr2, y3)
out["ridge_alphas"] = alphas.tolist()


# UMAP's a, b curve fit
def curve(x, a, b):
    return 1.0 / (1.0 + a * x ** (2 * b))


ab = []
for spread, min_dist in [(1.0, 0.1), (1.0, 0.5), (2.0, 0.05), (1.0, 0.0)]:
    xv = np.linspace(0, spread * 3, 300)
    yv = np.zeros(xv.shape)
    yv[xv < min_dist] = 1.0
    yv[xv >= min_dist] = np.exp(-(xv[xv >= min_dist] - min_dist) / spread)
    params, _ = curve_fit(curve, xv, yv)
    ab.append(dict(spread=spread, min_dist=min_dist, a=float(params[0]), b=float(params[1])))
out["umap_ab"] = ab

# correlations with ties and missing values
u = np.round(rng.normal(size=30), 1)
v = np.round(u * 0.5 + rng.normal(size=30), 1)
out["correlation"] = dict(x=u.tolist(), y=v.tolist(), pearson=float(stats.pearsonr(u, v)[0]),
                          spearman=float(stats.spearmanr(u, v)[0]))

# exact t-SNE on a real table (megnet16, z-scored): its trustworthiness, to compare maps that are not bit-identical
import pandas as pd
from sklearn.manifold import TSNE
from sklearn.preprocessing import StandardScaler

here = os.path.dirname(os.path.abspath(__file__))
table = pd.read_csv(os.path.join(here, "..", "..", "..", "..", "data", "embeddings", "megnet16.csv.gz")).set_index("element")
xm = StandardScaler().fit_transform(table.to_numpy(dtype=float))
tsne = TSNE(n_components=2, method="exact", init="pca", perplexity=30, learning_rate="auto", random_state=0).fit(xm)
out["tsne_megnet16"] = dict(trustworthiness=float(trustworthiness(xm, tsne.embedding_, n_neighbors=5)),
                            kl_divergence=float(tsne.kl_divergence_))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json"), "w") as f:
    json.dump(out, f, indent=0)
