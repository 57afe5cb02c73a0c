"""Many one-sector equilibria at once: B draws of the A.2 equations, one Newton loop.

Equation references are to ``specs/ignatenko2025.md`` A.2: (1) market clearing (the last
country's replaced by the numeraire Σ (P̂_i − 1) E_i = 0), (2) income = expenditure,
(3) labour supply. The equations, scaling and unknowns x = (log ŵ, log Ê, log L̂) are those of
:class:`tradewar.models.one_sector.OneSectorSystem`; here every array carries the draw first:
vectors are [draw, country], matrices [draw, importer i, exporter j] (importer-major, as the
system's ``KT`` matrices), unknowns and residuals [draw, 3N]. Draws may differ in every
parameter (ε, κ, ψ, φ, ν, transfers) and in their tariffs.

A Newton step eliminates (d log Ê, d log L̂) per country (2×2 blocks plus the rank-one transfer
term of (2), Sherman–Morrison) in the variables z = (dlc, de, dl), dlc = −ε da + εψ dl, leaving an
N×N Schur complement per draw: one batched matrix product and one LU per draw (kept, like
:func:`tradewar.solver.newton`, for the next steps while they converge fast). Each draw has its own backtracking line search and stops
changing once max|F| ≤ tol; :func:`solve_many` returns ``None`` for a draw that does not converge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgetrf, dgetrs

from tradewar.models.one_sector import Baseline

CHUNK = 4          # draws per block of the Newton step (see BatchSystem.factorise)
STACK = 64         # draws stacked at once by solve_many
_ARRAYS = ("K", "eps", "psi", "kappa", "phi", "nu", "E", "Y", "T", "E_sum", "Y_sum")


@dataclass
class BatchSystem:
    """The A.2 residuals of B draws. ``K`` [draw, 3, importer, exporter] holds, per draw,
    λ_ji f_ji, λ_ji f_ji/(1+t_ji) and λ_ji f_ji t_ji/(1+t_ji) with f_ji = (1+t_ji)^(−ε φ_i);
    scalars per draw (``eps``, ``psi``, ``kappa``, ``E_sum``, ``Y_sum``) are [draw, 1]."""

    K: np.ndarray
    eps: np.ndarray
    psi: np.ndarray
    kappa: np.ndarray
    phi: np.ndarray
    nu: np.ndarray
    E: np.ndarray
    Y: np.ndarray
    T: np.ndarray
    E_sum: np.ndarray
    Y_sum: np.ndarray
    lump_sum: bool = False

    @classmethod
    def build(cls, bases: list[Baseline], tariffs: list[np.ndarray]) -> "BatchSystem":
        """Stack the draws' baselines and tariffs t[exporter, importer] (all the same world)."""
        revenue = {b.params.revenue for b in bases}
        if len(revenue) != 1:
            raise ValueError(f"one revenue rule per batch (got {sorted(revenue)})")
        col = lambda v: np.asarray(v, float)[:, None]  # noqa: E731
        eps = col([b.eps for b in bases])
        phi = np.stack([b.phi for b in bases])
        tT = np.stack([np.asarray(t, float).T for t in tariffs])              # [draw, i, j] = t_ji
        K = np.empty((len(bases), 3) + tT.shape[1:])
        f = np.power(1.0 + tT, (-eps * phi)[:, :, None], out=np.ones_like(tT), where=tT != 0)  # untaxed: 1
        np.multiply(np.stack([b.lam.T for b in bases]), f, out=K[:, 0])
        np.divide(K[:, 0], 1.0 + tT, out=K[:, 1])
        np.multiply(K[:, 0], tT / (1.0 + tT), out=K[:, 2])
        E, Y = np.stack([b.E for b in bases]), np.stack([b.Y for b in bases])
        return cls(K=K, eps=eps, psi=col([b.psi for b in bases]), kappa=col([b.kappa for b in bases]), phi=phi,
                   nu=np.stack([b.nu for b in bases]), E=E, Y=Y, T=np.stack([b.T for b in bases]),
                   E_sum=E.sum(axis=1, keepdims=True), Y_sum=Y.sum(axis=1, keepdims=True),
                   lump_sum=revenue == {"lump_sum"})

    @property
    def n(self) -> int:
        return self.E.shape[1]

    def take(self, idx: np.ndarray | slice) -> "BatchSystem":
        """The draws ``idx`` only (views for a slice)."""
        return BatchSystem(**{k: getattr(self, k)[idx] for k in _ARRAYS}, lump_sum=self.lump_sum)

    # -- A.2 quantities ---------------------------------------------------------------------
    def _aggregates(self, x: np.ndarray) -> dict:
        n = self.n
        a, e, l = x[:, :n], x[:, n:2 * n], x[:, 2 * n:]
        w, Eh, L = np.exp(a), np.exp(e), np.exp(l)
        c = np.exp(-self.eps * (a - self.psi * l))                       # (ŵ_j / L̂_j^ψ)^(−ε)
        sums = np.matmul(self.K, c[:, None, :, None])[..., 0]           # [draw, 3, i]
        S, S_net, S_rev = sums[:, 0], sums[:, 1], sums[:, 2]
        Ep, Yp = Eh * self.E, w * L * self.Y
        g = Ep / S                                                       # X'_ji = K1_ij c_j g_i
        R = S_rev * g                                                    # tariff revenue
        P = np.exp((1 - self.phi) * (e - a)) * S ** (-1.0 / self.eps)
        tau = np.zeros_like(R) if self.lump_sum else R / Yp
        Q = w / ((1.0 - tau) * P)
        sales = c * np.matmul(((1 - self.nu) * g)[:, None, :], self.K[:, 1])[:, 0]   # Σ_k (1−ν_k) X'_ik
        return dict(w=w, Eh=Eh, L=L, c=c, S=S, g=g, P=P, Yp=Yp, Ep=Ep, R=R, tau=tau, Q=Q, Mp=S_net * g,
                    sales=sales)

    def residual(self, x: np.ndarray) -> np.ndarray:
        """[draw, 3N]: (1) scaled by Y (numeraire last), (2) by E, (3) — as OneSectorSystem."""
        n, q = self.n, self._aggregates(x)
        r = np.empty_like(x)
        r[:, :n] = (q["sales"] + self.nu * q["Mp"] - q["Yp"]) / self.Y
        r[:, n - 1] = ((q["P"] - 1) * self.E).sum(axis=1) / self.E_sum[:, 0]
        r[:, n:2 * n] = (q["R"] + q["Yp"] + self.T * (q["Yp"].sum(axis=1, keepdims=True) / self.Y_sum)
                         - q["Ep"]) / self.E
        r[:, 2 * n:] = q["L"] - q["Q"] ** self.kappa
        return r

    def newton_direction(self, x: np.ndarray, r: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
        """−J(x)⁻¹ r per draw (rows of NaN where the step cannot be computed)."""
        return np.concatenate([f.direction(r[i:i + chunk]) for i, f in self.factorise(x, chunk)])

    def factorise(self, x: np.ndarray, chunk: int = CHUNK):
        """(first draw, :class:`Factors`) of J(x), ``chunk`` draws at a time (their N×N
        temporaries then stay in the CPU cache)."""
        return [(i, self.take(slice(i, i + chunk))._factorise(x[i:i + chunk])) for i in range(0, len(x), chunk)]

    def _factorise(self, x: np.ndarray) -> "Factors":
        n, q = self.n, self._aggregates(x)
        eps, psi, kap, nu, phi, E, Y = self.eps, self.psi, self.kappa, self.nu, self.phi, self.E, self.Y
        c, S, g, R, Yp, Ep, L, P, tau, Mp = (q[k] for k in ("c", "S", "g", "R", "Yp", "Ep", "L", "P", "tau", "Mp"))
        K0, K1, K2 = self.K[:, 0], self.K[:, 1], self.K[:, 2]
        lamT = K0 * c[:, None, :] / S[:, :, None]                        # [i, k] = λ'_ki
        XpT = K1 * (c[:, None, :] * g[:, :, None])                       # [i, j] = X'_ji
        Xn = (XpT * (1 - nu)[:, :, None]).transpose(0, 2, 1)             # [i, k] = (1−ν_k) X'_ik
        dR = K2 * (c[:, None, :] * g[:, :, None]) - R[:, :, None] * lamT     # ∂R_i/∂lc_j
        Qk = kap * q["Q"] ** kap
        if self.lump_sum:
            dlt_dR, dlt_dy = np.zeros_like(R), np.zeros_like(R)
        else:                                                            # d log(1/(1−τ))
            dlt_dR, dlt_dy = 1.0 / ((1 - tau) * Yp), -tau / (1 - tau)
        dH_da = -Qk * (dlt_dy + 1 + (1 - phi))
        idx = np.arange(n)
        # (2), (3) in z = (dlc, de, dl): C2, C3 dense in dlc; per-country 2×2 blocks in (de, dl)
        C2 = dR / E[:, :, None]
        C2[:, idx, idx] -= Yp / (eps * E)
        C2 -= (self.T / (self.Y_sum * eps * E))[:, :, None] * Yp[:, None, :]
        C3 = -Qk[:, :, None] * (dlt_dR[:, :, None] * dR + lamT / eps[:, :, None])
        C3[:, idx, idx] -= dH_da / eps
        d22, d23 = (R - Ep) / E, (1 + psi) * Yp / E
        d32, d33 = -Qk * (dlt_dR * R - (1 - phi)), L - Qk * dlt_dy + psi * dH_da
        u = (1 + psi) * self.T / (self.Y_sum * E)                        # (2) in dl: diag(d23) + u Y'ᵀ
        with np.errstate(all="ignore"):
            idet = 1.0 / (d22 * d33 - d23 * d32)
            f = Factors(d=np.stack([d33 * idet, -d23 * idet, -d32 * idet, d22 * idet], axis=1),
                        ue=d33 * u * idet, ul=-d32 * u * idet, Yp=Yp, n=n)
            f.denom = 1.0 + (Yp * f.ul).sum(axis=1)
            f.Ye, f.Yl = f.dinv(C2, C3)
            # Schur complement of (1) (scaled by 1/Y) in dlc: A − Be Ye − diag(bl) Yl, where
            # A = [diag(sales + Y'/ε) − Xn λ'ᵀ + ν X'ᵀ − diag(ν M') λ'ᵀ]/Y, Be = [Xn + diag(ν M')]/Y
            f.sY, f.h = 1.0 / Y, nu * Mp
            f.bl = -(1 + psi) * Yp * f.sY
            W = lamT + f.Ye
            Sc = np.matmul(Xn, W)
            Sc *= -f.sY[:, :, None]
            Sc += (f.sY * nu)[:, :, None] * XpT - (f.sY * f.h)[:, :, None] * W - f.bl[:, :, None] * f.Yl
            Sc[:, idx, idx] += f.sY * (q["sales"] + Yp / eps)
            # the numeraire row: A = dN/dlc − (dN/da)/ε, Be = dN/de, Bl = ψ dN/da
            EP = E * P / self.E_sum
            f.dN_de, f.psi, f.eps = EP * (1 - phi), psi, eps
            dN_dlc = -np.einsum("bij,bi->bj", lamT, EP) / eps
            Sc[:, -1] = (dN_dlc + f.dN_de / eps - np.einsum("bi,bij->bj", f.dN_de, f.Ye)
                         + np.einsum("bi,bij->bj", psi * f.dN_de, f.Yl))
        f.Xn, f.lu = Xn, [_lu(a) for a in Sc]
        return f


@dataclass
class Factors:
    """J(x) of a few draws by block elimination: ``direction(r)`` = −J(x)⁻¹ r per draw.

    ``d`` [draw, 4, N]: the per-country inverse 2×2 blocks D0⁻¹ of (2)–(3) in (de, dl); ``ue``,
    ``ul``: D0⁻¹ of the rank-one transfer column; ``Ye``, ``Yl`` [draw, N, N]: D⁻¹C; ``lu`` the
    LU factors (LAPACK getrf; None if singular) of the Schur complement of (1) in dlc, per draw;
    ``Xn``, ``sY``, ``h``, ``bl``, ``dN_de``: the (de, dl) part of (1).
    """

    d: np.ndarray
    ue: np.ndarray
    ul: np.ndarray
    Yp: np.ndarray
    n: int
    denom: np.ndarray = None
    Ye: np.ndarray = None
    Yl: np.ndarray = None
    Xn: np.ndarray = None
    lu: list = None
    sY: np.ndarray = None
    h: np.ndarray = None
    bl: np.ndarray = None
    dN_de: np.ndarray = None
    psi: np.ndarray = None
    eps: np.ndarray = None

    def take(self, k: int) -> "Factors":
        """The factors of draw ``k`` alone (views)."""
        return Factors(**{f: (v if f == "n" else [v[k]] if f == "lu" else v[k:k + 1]) for f, v in vars(self).items()})

    def dinv(self, p2: np.ndarray, p3: np.ndarray):
        """D⁻¹ (p2, p3) with D = D0 + (u, 0) Y'ᵀ on dl (Sherman–Morrison); p [draw, N(, m)]."""
        m = (slice(None), slice(None)) + (None,) * (p2.ndim - 2)
        d = self.d
        pe = d[:, 0][m] * p2 + d[:, 1][m] * p3
        pl = d[:, 2][m] * p2 + d[:, 3][m] * p3
        k = np.einsum("bi,bi...->b...", self.Yp, pl)
        k = (k / (self.denom if p2.ndim == 2 else self.denom[:, None]))[:, None]     # [draw, 1(, m)]
        return pe - self.ue[m] * k, pl - self.ul[m] * k

    def direction(self, r: np.ndarray) -> np.ndarray:
        n = self.n
        with np.errstate(all="ignore"):
            qe, ql = self.dinv(r[:, n:2 * n], r[:, 2 * n:])
            rhs = r[:, :n] - self.sY * (np.matmul(self.Xn, qe[:, :, None])[:, :, 0] + self.h * qe) - self.bl * ql
            rhs[:, -1] = r[:, n - 1] - (self.dN_de * qe).sum(axis=1) + (self.psi * self.dN_de * ql).sum(axis=1)
            dlc = np.full_like(rhs, np.nan)
            for k, lu in enumerate(self.lu):
                if lu is not None and np.isfinite(rhs[k]).all():
                    dlc[k] = dgetrs(lu[0], lu[1], rhs[k])[0]
            de = qe - np.matmul(self.Ye, dlc[:, :, None])[:, :, 0]
            dl = ql - np.matmul(self.Yl, dlc[:, :, None])[:, :, 0]
            return -np.concatenate([self.psi * dl - dlc / self.eps, de, dl], axis=1)


def _lu(a: np.ndarray):
    """LAPACK LU factors of one N×N matrix, or None if it is singular or not finite."""
    if not np.isfinite(a).all():
        return None
    lu, piv, info = dgetrf(a)
    return (lu, piv) if info == 0 else None


def _maxabs(r: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(r).all(axis=1), np.abs(r).max(axis=1), np.inf)


def solve_many(bases: list[Baseline], tariffs: list[np.ndarray], x0: np.ndarray | None = None, *,
               tol: float = 1e-10, max_iter: int = 60, max_halvings: int = 30, reuse_ratio: float = 0.2,
               chunk: int = CHUNK, stack: int = STACK) -> list[np.ndarray | None]:
    """The unknowns x [3N] of each draw's equilibrium (A.2), or ``None`` where Newton fails.

    ``x0``: a common start [3N] or one per draw [draw, 3N] (default: the baseline, x = 0).
    Per draw, the iteration of :func:`tradewar.solver.newton`: the factorised Jacobian is reused
    while each step cuts max|F| by ``1/reuse_ratio``, every step backtracks on ||F||₂ (Armijo),
    and the draw is done when max|F| ≤ ``tol``. New factorisations are formed ``chunk`` draws
    at a time; at most ``stack`` draws are stacked at once (memory: 3N² numbers per draw).
    """
    if len(bases) > stack:
        x0s = None if x0 is None or np.ndim(x0) == 1 else np.asarray(x0)
        return [x for i in range(0, len(bases), stack) for x in solve_many(
            bases[i:i + stack], tariffs[i:i + stack], x0 if x0s is None else x0s[i:i + stack], tol=tol,
            max_iter=max_iter, max_halvings=max_halvings, reuse_ratio=reuse_ratio, chunk=chunk, stack=stack)]
    system = BatchSystem.build(bases, tariffs)
    B, n3 = len(bases), 3 * system.n
    x = np.zeros((B, n3)) if x0 is None else np.array(np.broadcast_to(x0, (B, n3)), float)
    with np.errstate(all="ignore"):
        r = system.residual(x)
    norm = _maxabs(r)
    failed = np.zeros(B, bool)
    iterations = np.zeros(B, int)
    factors: list[Factors | None] = [None] * B
    while True:
        act = np.flatnonzero(~failed & (norm > tol) & (iterations < max_iter))
        if not act.size:
            break
        fresh = np.array([factors[k] is None for k in act])
        new = act[fresh]
        for i in range(0, len(new), chunk):
            ids = new[i:i + chunk]
            contiguous = ids[-1] - ids[0] == len(ids) - 1                # then views, not copies
            f = system.take(slice(ids[0], ids[-1] + 1) if contiguous else ids)._factorise(x[ids])
            for j, k in enumerate(ids):
                factors[k] = f.take(j)
        dx = np.concatenate([factors[k].direction(r[k:k + 1]) for k in act])
        iterations[act] += 1
        good = np.isfinite(dx).all(axis=1)
        f0, n0 = (r[act] ** 2).sum(axis=1), norm[act]
        step, pending = np.ones(len(act)), good.copy()
        for _ in range(max_halvings):
            if not pending.any():
                break
            with np.errstate(all="ignore"):
                trial = x[act] + step[:, None] * dx
                r_new = np.full_like(trial, np.nan)
                ids = act[pending]
                if 2 * len(ids) > B:             # all draws' residuals: cheaper than copying K
                    full = x.copy()
                    full[ids] = trial[pending]
                    r_new[pending] = system.residual(full)[ids]
                else:
                    r_new[pending] = system.take(ids).residual(trial[pending])
                f1 = (r_new ** 2).sum(axis=1)
            accept = pending & np.isfinite(r_new).all(axis=1) & (f1 <= (1.0 - 1e-4 * step) * f0)
            x[act[accept]] = trial[accept]
            r[act[accept]] = r_new[accept]
            norm[act[accept]] = _maxabs(r_new[accept])
            pending &= ~accept
            step[pending] *= 0.5
        stuck = ~good | pending                                          # no step, or no decrease
        failed[act[stuck & fresh]] = True
        slow = np.where(fresh, step < 1.0, False) | (norm[act] > reuse_ratio * n0)
        for k in act[stuck | slow]:
            factors[k] = None                                            # refactorise next time
    return [x[k].copy() if not failed[k] and norm[k] <= tol else None for k in range(B)]
