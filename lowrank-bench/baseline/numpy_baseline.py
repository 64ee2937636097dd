"""Developer cross-check, not part of the product, the build or the tests.

A numpy re-implementation of the default algorithms of TensorLy (parafac: ALS, SVD init, tol 1e-8,
100 iterations; partial_tucker: HOSVD and HOOI with tol 1e-4; tensor_train: TT-SVD; truncated SVD via
numpy.linalg.svd; scipy pivoted QR), written from their published descriptions because TensorLy
cannot be installed offline. It times the same inputs as lowrank's benchmark:

    ./bench decompositions --write-cases /tmp/cases --methods tt3,svd --ranks 8 --repeats 1
    python3 lowrank-bench/baseline/numpy_baseline.py /tmp/cases 3

and prints case, method, rank, median wall ms, median CPU ms, relative error (OpenBLAS 1 thread).
"""
import os
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
import json, sys, time, glob
import numpy as np
try:
    import scipy.linalg as sla
except ImportError:
    sla = None


def unfold(t, mode):
    return np.moveaxis(t, mode, 0).reshape(t.shape[mode], -1)


def fold(m, mode, shape):
    full = [shape[mode]] + [s for i, s in enumerate(shape) if i != mode]
    return np.moveaxis(m.reshape(full), 0, mode)


def mode_dot(t, m, mode):
    shape = list(t.shape)
    shape[mode] = m.shape[0]
    return fold(m @ unfold(t, mode), mode, shape)


def truncated_svd(a, k):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return u[:, :k], s[:k], vt[:k]


def khatri_rao(mats):
    r = mats[0].shape[1]
    res = mats[0]
    for e in mats[1:]:
        res = (res.reshape(-1, 1, r) * e.reshape(1, -1, r)).reshape(-1, r)
    return res


def partial_tucker(x, modes, ranks, hooi, n_iter_max=100, tol=1e-4):
    factors = [truncated_svd(unfold(x, m), r)[0] for m, r in zip(modes, ranks)]
    def project(skip=None):
        y = x
        for i, (m, u) in enumerate(zip(modes, factors)):
            if i != skip:
                y = mode_dot(y, u.T, m)
        return y
    core = project()
    if hooi:
        nx = np.linalg.norm(x)
        errs = []
        for it in range(n_iter_max):
            for i, (m, r) in enumerate(zip(modes, ranks)):
                factors[i] = truncated_svd(unfold(project(skip=i), m), r)[0]
            core = project()
            errs.append(np.sqrt(abs(nx ** 2 - np.linalg.norm(core) ** 2)) / nx)
            if it > 0 and abs(errs[-2] - errs[-1]) < tol:
                break
    def rec():
        y = core
        for m, u in zip(modes, factors):
            y = mode_dot(y, u, m)
        return y
    return rec


def parafac(x, rank, n_iter_max=100, tol=1e-8, seed=0):
    rng = np.random.RandomState(seed)
    factors = []
    for mode in range(x.ndim):
        u = truncated_svd(unfold(x, mode), rank)[0]
        if x.shape[mode] < rank:
            u = np.concatenate([u, rng.random_sample((u.shape[0], rank - x.shape[mode]))], axis=1)
        factors.append(u)
    nx = np.linalg.norm(x)
    errs = []
    for it in range(n_iter_max):
        for mode in range(x.ndim):
            v = np.ones((rank, rank))
            for i, f in enumerate(factors):
                if i != mode:
                    v *= f.T @ f
            others = [f for i, f in enumerate(factors) if i != mode]
            mttkrp = unfold(x, mode) @ khatri_rao(others)
            factors[mode] = np.linalg.solve(v.T, mttkrp.T).T
        v = np.ones((rank, rank))
        for f in factors:
            v *= f.T @ f
        err = np.sqrt(abs(nx ** 2 - 2 * np.sum(mttkrp * factors[-1]) + np.sum(v))) / nx
        errs.append(err)
        if it > 0 and abs(errs[-2] - errs[-1]) < tol:
            break
    # reconstruct: the unfolding convention of khatri_rao(others) is row-major over the other modes
    return lambda: (factors[0] @ khatri_rao(factors[1:]).T).reshape(x.shape)


def tensor_train(x, ranks):
    d = x.ndim
    ranks = [1] + list(ranks) + [1]
    cores = []
    c = x.reshape(ranks[0] * x.shape[0], -1)
    for k in range(d - 1):
        c = c.reshape(ranks[k] * x.shape[k], -1)
        r = min(c.shape[0], c.shape[1], ranks[k + 1])
        u, s, vt = truncated_svd(c, r)
        ranks[k + 1] = r
        cores.append(u.reshape(ranks[k], x.shape[k], r))
        c = s[:, None] * vt
    cores.append(c.reshape(ranks[d - 1], x.shape[d - 1], 1))
    def rec():
        y = cores[0].reshape(x.shape[0], -1)
        for k in range(1, d):
            y = (y @ cores[k].reshape(cores[k].shape[0], -1)).reshape(-1, cores[k].shape[2])
        return y.reshape(x.shape)
    return rec


def three_way(w):
    cout, cin = w.shape[:2]
    return np.moveaxis(w, 1, -1).reshape(cout, -1, cin)


def balanced(n, d):
    primes, rest, p = [], n, 2
    while p * p <= rest:
        while rest % p == 0:
            primes.append(p); rest //= p
        p += 1
    if rest > 1:
        primes.append(rest)
    f = [1] * d
    for p in sorted(primes, reverse=True):
        f[int(np.argmin(f))] *= p
    return sorted(f, reverse=True)


def tt_matrix(w, rank, d=3):
    m, n = balanced(w.shape[0], d), balanced(w.shape[1], d)
    t = w.reshape(m + n).transpose([i for k in range(d) for i in (k, d + k)]).reshape([a * b for a, b in zip(m, n)])
    rec = tensor_train(t, [rank] * (d - 1))
    inv = np.argsort([i for k in range(d) for i in (k, d + k)])
    return lambda: rec().reshape([v for k in range(d) for v in (m[k], n[k])]).transpose(inv).reshape(w.shape)


def pivoted_qr(w, r):
    q, rr, p = sla.qr(w, pivoting=True, mode="economic")
    b = np.empty((r, w.shape[1]))
    b[:, p] = rr[:r]
    a = q[:, :r].copy()
    return lambda: a @ b


def svd_rec(w, r):
    u, s, vt = truncated_svd(w, r)
    a = u * s
    return lambda: a @ vt


def main():
    cases_dir = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    ranks = [8, 16, 32, 64, 128]
    print(f"{'case':16s} {'method':14s} {'rank':>5s} {'median_ms':>11s} {'cpu_ms':>11s} {'rel_err':>10s}")
    for header in sorted(glob.glob(os.path.join(cases_dir, "*.json")), key=lambda p: (len(open(p).read()), p)):
        meta = json.load(open(header))
        w = np.fromfile(header[:-5] + ".bin", dtype="<f4").astype(np.float64).reshape(meta["shape"])
        name = os.path.basename(header)[:-5]
        if w.ndim == 4:
            t3 = three_way(w)
            methods = {
                "tucker2-hosvd": (lambda r: partial_tucker(w, [0, 1], [r, r], False), lambda r: r <= min(w.shape[:2]), w),
                "tucker2-hooi": (lambda r: partial_tucker(w, [0, 1], [r, r], True), lambda r: r <= min(w.shape[:2]), w),
                "cp3": (lambda r: parafac(t3, r), lambda r: True, t3),
                "tt3": (lambda r: tensor_train(t3, [r, r]), lambda r: r <= min(w.shape[0], w.shape[1]), t3),
            }
        else:
            methods = {
                "svd": (lambda r: svd_rec(w, r), lambda r: r <= min(w.shape), w),
                "qr": (lambda r: pivoted_qr(w, r), lambda r: sla is not None and r <= min(w.shape), w),
                "ttm": (lambda r: tt_matrix(w, r), lambda r: True, w),
            }
        for mname, (fn, ok, ref) in methods.items():
            fn(8)  # warm-up
            for r in ranks:
                if not ok(r):
                    continue
                walls, cpus = [], []
                for _ in range(repeats):
                    t0, c0 = time.perf_counter(), time.process_time()
                    result = fn(r)
                    cpus.append((time.process_time() - c0) * 1e3)
                    walls.append((time.perf_counter() - t0) * 1e3)
                err = np.linalg.norm(ref - result()) / np.linalg.norm(ref)
                print(f"{name:16s} {mname:14s} {r:5d} {np.median(walls):11.1f} {np.median(cpus):11.1f} {err:10.4f}", flush=True)


if __name__ == "__main__":
    main()
