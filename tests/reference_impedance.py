r"""Exact small-signal impedances of a uniform slab in the continuum Poisson–Nernst–Planck model.

Pure functions (numpy / mpmath only, SI units) used as references for the dynamics tests:

* :func:`reversible_slab` – one mobile species, reversible (ohmic) ends, case (g) of
  ``/work/shared/reference/dynamics.md``;
* :func:`blocking_slab` – one mobile species, blocking ends, case (h);
* :func:`mixed_slab` – mixed ionic–electronic conductor, ends blocking the ions and reversible
  for the electrons (Jamnik & Maier, J. Electrochem. Soc. 146 (1999) 4183; Lai & Haile,
  J. Am. Ceram. Soc. 88 (2005) 2979), solved exactly (no electroneutrality approximation);
* :func:`numerical_slab` – an independent multidomain Chebyshev-collocation solution of the same
  linear boundary-value problem for any set of species and end conditions (verification only);
* :func:`transmission_line_mixed` – the electroneutral Jamnik–Maier transmission-line limit.

Conventions (as in dynamics.md)
-------------------------------
Slab 0 < x < L, ℓ = L/2, e^{iωt}, Z = V/I in Ω·m², V = δφ(L) − δφ(0), I the total current
(conduction + displacement) flowing from the upper end (x = L) to the lower one, i.e. I = −J_x.
Species k: charge q_k = z_k e, bulk density c_k, diffusion coefficient D_k, Boltzmann statistics,
frozen uniform background that makes the bulk neutral.  ε = ε_r ε0.
λ_k² = ε kT/(q_k² c_k) (Debye length of species k alone), g_k = 1/λ_k², σ_k = ε D_k g_k = q_k² D_k c_k/kT,
p_k = iω/D_k.

Linearised equations
--------------------
Let n_k = δc_k, ψ = δφ and u_k = n_k/c_k + q_k ψ/kT (= δμ̃_k/kT, the electrochemical-potential
perturbation).  Nernst–Planck j_k = −D_k(∇c_k + c_k q_k ∇φ/kT) linearises to δj_k = −D_k c_k u_k',
continuity to iω n_k = D_k c_k u_k'', Poisson to ε ψ'' = −ρ, ρ = Σ q_k n_k.  With ρ_k = q_k n_k:

    ρ_k'' = p_k ρ_k + g_k (ρ_1 + ρ_2)          (k = 1, 2)

i.e. ρ'' = M ρ with M = [[p_i + g_i, g_i], [g_e, p_e + g_e]], and ψ = a + b x − Σ_modes ρ_m/(ε κ_m²).
Total current density (uniform in x): J = Σ_k q_k δj_k − iωε ψ' with q_k δj_k = −D_k(ρ_k' + ε g_k ψ').

End conditions
--------------
φ: δφ(0) = 0, δφ(L) = V.
Blocking species: zero flux, u_k'(0) = u_k'(L) = 0, i.e. n_k' + c_k q_k ψ'/kT = 0 at both ends.
Reversible species: the electrode is a reservoir of bulk composition held at the electrode potential,
so it fixes the electrochemical potential of the species: kT ln c_k + q_k φ_electrode.  Linearised at
x = L: n_k/c_k + q_k ψ(L)/kT = q_k V/kT, and since ψ(L) = V this is n_k(L) = 0; at x = 0 likewise
n_k(0) = 0.  (u_k(0) = 0, u_k(L) = q_k V/kT.)

One species (cases (g), (h)): ρ'' = κ² ρ, κ² = (1 + iωτ)/λ², τ = λ²/D = ε/σ.
(g) reversible: n ≡ 0 solves everything, Z = L/(σ + iωε).
(h) blocking:   Z = (2/(ε D κ²)) [ℓ + tanh(κℓ)/(κ iωτ)].

Mixed slab (derivation summary, see :func:`mixed_slab`)
-------------------------------------------------------
The problem is antisymmetric about the midplane (ψ − V/2, ρ odd in s = x − ℓ), so
ρ = Σ_m B_m v_m sinh(κ_m s)/sinh(κ_m ℓ), with κ_m² the eigenvalues of M and eigenvectors
v_m = (a_m, g_e), a_m = κ_m² − p_e − g_e; ψ = V/2 + b s − Σ_m B_m S_m sinh(κ_m s)/(ε κ_m² sinh κ_m ℓ),
S_m = a_m + g_e = κ_m² − p_e.  Conditions at s = ℓ (those at s = −ℓ follow by antisymmetry):
electron n_e = 0 ⇒ B_1 = −B_2 ≡ ε (normalisation); ion zero flux ⇒ using the eigen-relation
(κ² − p_i − g_i)(κ² − p_e − g_e) = g_i g_e, i.e. a_m κ_m² − g_i S_m = p_i a_m:
g_i b = −p_i (a_1 t_1 − a_2 t_2); the potential gives V/2; the current follows from J at s = ℓ where
the ion flux vanishes.  With t_m = coth(κ_m ℓ)/κ_m,
T_0 = t_1 − t_2, T_1 = κ_1² t_1 − κ_2² t_2, Q = 1/κ_1² − 1/κ_2²:

    b  = −(p_i/g_i) [T_1 − (p_e + g_e) T_0]
    V/2 = b ℓ + p_e Q
    −J/ε = D_e { −p_e T_1 + (g_e + p_e) (b + p_e T_0) }
    Z = 2 (b ℓ + p_e Q) / ( ε D_e [ (g_e + p_e)(b + p_e T_0) − p_e T_1 ] ).

Limits: ω → 0 gives L/σ_e exactly; ω → ∞ gives 1/(iω ε/L); D_i → 0 gives the one-species
reversible slab of the electrons, L/(σ_e + iωε); D_e → 0 or c_e → 0 gives the blocking slab (h) of
the ions; for ℓ ≫ λ and ω ≪ 1/τ it approaches the electroneutral Jamnik–Maier transmission line
Z = R_i R_e/(R_i + R_e) + 2 r_e² tanh(kℓ)/((r_i + r_e) k), k² = iω/D̃,
D̃ = (λ_i² + λ_e²)/(λ_i²/D_i + λ_e²/D_e) (see :func:`transmission_line_mixed`).
The formula is singular only where κ_1 = κ_2 (possible only if λ_i = λ_e at one isolated frequency).
"""

import mpmath
import numpy as np

__all__ = ["ELEMENTARY_CHARGE", "BOLTZMANN_SI", "EPSILON_0_SI", "reversible_slab", "blocking_slab",
           "mixed_slab", "transmission_line_mixed", "numerical_slab", "DPS"]

#: CODATA 2018, the values pinned in ase_spacecharge.constants.
ELEMENTARY_CHARGE = 1.602176634e-19
BOLTZMANN_SI = 1.380649e-23
EPSILON_0_SI = 8.8541878128e-12
#: Working precision of the mpmath evaluations.
DPS = 30


def _mpf(x):
    return mpmath.mpf(repr(float(x))) if not isinstance(x, (mpmath.mpf, mpmath.mpc)) else x


def _species_scales(T, eps_r, z, D, c0, freq):
    """(ε, g = 1/λ², σ, p = iω/D, iω) in mpmath."""
    e, k, e0 = _mpf(ELEMENTARY_CHARGE), _mpf(BOLTZMANN_SI), _mpf(EPSILON_0_SI)
    eps = _mpf(eps_r) * e0
    q = _mpf(z) * e
    g = q * q * _mpf(c0) / (eps * k * _mpf(T))
    D = _mpf(D)
    iw = mpmath.mpc(0, 2 * mpmath.pi * _mpf(freq))
    return eps, g, eps * D * g, iw / D, iw


def reversible_slab(freq, T, eps_r, z, D, c0, L):
    r"""Case (g): one mobile species, reversible (ohmic) ends.

    The ends hold the bulk composition (δc = 0 at both ends); δc ≡ 0, ψ = V x/L solves the
    linearised PNP equations, so the slab is an ideal RC element:
    Z = L/(σ + iωε) = R/(1 + iωRC), R = L/σ, C = ε/L, σ = q² D c0/kT.

    Parameters: freq (Hz), T (K), eps_r, z (charge number), D (m²/s), c0 (m⁻³), L (m).
    Returns complex Z in Ω·m².
    """
    with mpmath.workdps(DPS):
        eps, g, sigma, p, iw = _species_scales(T, eps_r, z, D, c0, freq)
        return complex(_mpf(L) / (sigma + iw * eps))


def blocking_slab(freq, T, eps_r, z, D, c0, L):
    r"""Case (h): one mobile species, blocking ends (zero flux at both ends).

    ρ'' = κ² ρ with κ² = (1 + iωτ)/λ², λ² = εkT/(q²c0), τ = λ²/D.  The odd solution
    ρ = A sinh(κ s), ψ = V/2 + b s − A sinh(κ s)/(εκ²), s = x − ℓ, with zero flux at s = ±ℓ gives
    Z(ω) = (2/(ε D κ²)) [ℓ + tanh(κℓ)/(κ iωτ)], ℓ = L/2.
    (ω → ∞: 1/(iωε/L); ω → 0, ℓ ≫ λ: (L − 3λ)/σ + 2λ/(iωε).)

    Parameters: freq (Hz), T (K), eps_r, z, D (m²/s), c0 (m⁻³), L (m).  Returns complex Z (Ω·m²).
    """
    with mpmath.workdps(DPS):
        eps, g, sigma, p, iw = _species_scales(T, eps_r, z, D, c0, freq)
        D = _mpf(D)
        ell = _mpf(L) / 2
        tau = 1 / (g * D)
        kap = mpmath.sqrt(g * (1 + iw * tau))
        Z = 2 / (eps * D * kap ** 2) * (ell + mpmath.tanh(kap * ell) / (kap * iw * tau))
        return complex(Z)


def mixed_slab(freq, T, eps_r, z_ion, D_ion, c_ion, z_el, D_el, c_el, L):
    r"""Mixed conductor between electrodes blocking the ions and reversible for the electrons.

    Exact linear-response solution of the Poisson–Nernst–Planck equations (Boltzmann, uniform
    frozen background), no electroneutrality approximation.

    Boundary conditions: δφ(0) = 0, δφ(L) = V; ions: zero flux at both ends
    (δc_i' + c_i q_i δφ'/kT = 0); electrons: electrochemical potential held by the electrode,
    δc_e/c_e + q_e δφ/kT = q_e φ_electrode/kT, i.e. δc_e(0) = δc_e(L) = 0.

    With g_k = 1/λ_k² = q_k² c_k/(εkT), p_k = iω/D_k, κ_{1,2}² the eigenvalues of
    M = [[p_i + g_i, g_i], [g_e, p_e + g_e]] (ρ_k'' = Σ M_kl ρ_l for the charge densities ρ_k = q_k δc_k),
    t_m = coth(κ_m ℓ)/κ_m, T_0 = t_1 − t_2, T_1 = κ_1² t_1 − κ_2² t_2, Q = 1/κ_1² − 1/κ_2², ℓ = L/2:

        b = −(p_i/g_i) [T_1 − (p_e + g_e) T_0]
        Z = 2 (b ℓ + p_e Q) / ( ε D_e [ (g_e + p_e)(b + p_e T_0) − p_e T_1 ] ).

    (t_m is even in κ_m, so the branch of the square root does not matter.)  Evaluated with mpmath
    at DPS digits.  ω → 0: L/σ_e; ω → ∞: 1/(iωε/L).  Requires c_el > 0 and ω > 0.

    Parameters: freq (Hz), T (K), eps_r, z_ion, D_ion (m²/s), c_ion (m⁻³), z_el (−1 for electrons),
    D_el, c_el, L (m).  Returns complex Z (Ω·m²).
    """
    with mpmath.workdps(DPS):
        eps, gi, si, pi_, iw = _species_scales(T, eps_r, z_ion, D_ion, c_ion, freq)
        _, ge, se, pe, _ = _species_scales(T, eps_r, z_el, D_el, c_el, freq)
        De = _mpf(D_el)
        ell = _mpf(L) / 2
        A, Dd = pi_ + gi, pe + ge
        P = A + Dd
        disc = mpmath.sqrt((A - Dd) ** 2 + 4 * gi * ge)
        k1 = (P + disc) / 2 if abs(P + disc) >= abs(P - disc) else (P - disc) / 2
        det = A * Dd - gi * ge  # = p_i p_e + p_i g_e + p_e g_i
        k2 = det / k1           # κ_1² κ_2² = det M, avoids cancellation
        t1 = mpmath.coth(mpmath.sqrt(k1) * ell) / mpmath.sqrt(k1)
        t2 = mpmath.coth(mpmath.sqrt(k2) * ell) / mpmath.sqrt(k2)
        T0, T1, Q = t1 - t2, k1 * t1 - k2 * t2, 1 / k1 - 1 / k2
        b = -(pi_ / gi) * (T1 - (pe + ge) * T0)
        Z = 2 * (b * ell + pe * Q) / (eps * De * ((ge + pe) * (b + pe * T0) - pe * T1))
        return complex(Z)


def transmission_line_mixed(freq, T, eps_r, z_ion, D_ion, c_ion, z_el, D_el, c_el, L):
    r"""Electroneutral (Jamnik–Maier) limit of :func:`mixed_slab`, valid for ℓ ≫ λ, ωτ ≪ 1.

    Two rails r_k = 1/σ_k coupled by the chemical capacitance c_δ = ε/(λ_i² + λ_e²) per length, ion
    rail open at both ends, electron rail connected to the electrodes:
    Z = R_i R_e/(R_i + R_e) + 2 r_e² tanh(kℓ)/((r_i + r_e) k), k² = (r_i + r_e) iω c_δ = iω/D̃.
    No double-layer or geometric capacitance: a check of the bulk, not an exact result.
    """
    with mpmath.workdps(DPS):
        eps, gi, si, pi_, iw = _species_scales(T, eps_r, z_ion, D_ion, c_ion, freq)
        _, ge, se, pe, _ = _species_scales(T, eps_r, z_el, D_el, c_el, freq)
        L = _mpf(L)
        ri, re = 1 / si, 1 / se
        cd = eps / (1 / gi + 1 / ge)
        k = mpmath.sqrt((ri + re) * iw * cd)
        Z = ri * re * L / (ri + re) + 2 * re ** 2 * mpmath.tanh(k * L / 2) / ((ri + re) * k)
        return complex(Z)


# ----------------------------------------------------------------------------------------------
# Independent numerical solution: multidomain Chebyshev collocation of the linear BVP
# ----------------------------------------------------------------------------------------------

def _cheb(n):
    """Chebyshev points on [0, 1] (ascending) and the first-derivative matrix (Trefethen)."""
    j = np.arange(n + 1)
    x = np.cos(np.pi * j / n)
    c = np.where((j == 0) | (j == n), 2.0, 1.0) * (-1.0) ** j
    X = np.tile(x, (n + 1, 1)).T
    dX = X - X.T
    Dm = np.outer(c, 1 / c) / (dX + np.eye(n + 1))
    Dm -= np.diag(Dm.sum(axis=1))
    # map [1, -1] -> [0, 1] ascending: y = (1 - x)/2, d/dy = -2 d/dx
    return (1 - x) / 2, -2 * Dm


def numerical_slab(freq, T, eps_r, species, L, n=24, ratio=1.4, first=0.1, mid_panels=8, refine=0):
    r"""Independent numerical impedance (multidomain Chebyshev collocation, complex double).

    ``species`` is a list of (z, D, c0, kind) with kind 'blocking' or 'reversible'.  On x̂ = x/L,
    with ψ̂ = eδφ/kT, ν_k = δc_k/c_k, u_k = ν_k + z_k ψ̂ (electrochemical-potential perturbation) and
    P_k = L² iω/D_k, the linearised equations are u_k'' = P_k ν_k and ψ̂'' = −L² G Σ_m z_m c_m ν_m,
    G = e²/(εkT).  The unknown per species is chosen so that the discrete problem stays well
    conditioned as ω → 0:
      reversible: u_k, with ν_k = u_k − z_k ψ̂:  u_k'' − P_k (u_k − z_k ψ̂) = 0, u_k(0) = 0, u_k(1) = z_k;
      blocking:   the scaled flux F_k = u_k'/P_k, with ν_k = F_k':  F_k'' − P_k F_k + z_k ψ̂' = 0,
                  F_k(0) = F_k(1) = 0;
    ψ̂(0) = 0, ψ̂(1) = 1 (V = kT/e).  Current J = −(e/L) Σ z_k D_k c_k u_k' − iωε (kT/e) ψ̂'/L.
    Panels are graded geometrically (``ratio``) from a first width ``first``/κ_max at each end;
    value and derivative are continuous across panel interfaces; ``refine`` steps of iterative
    refinement are optional.  Z is taken from J at the midplane (wide panels, least round-off: with
    this choice the formulas are matched to ~1e-11); ``spread`` is the relative difference of J at
    x = 0 and L from the midplane value, a round-off diagnostic (the end panels are ~0.1/κ_max wide,
    so derivatives there lose digits: 1e-10 to 1e-7 at the highest frequencies).
    Returns (Z, spread).  Only for verification: O(10^3) unknowns, dense solve, ~1 s per call.
    """
    e, k, e0 = ELEMENTARY_CHARGE, BOLTZMANN_SI, EPSILON_0_SI
    eps = eps_r * e0
    w = 2 * np.pi * freq
    G = e * e / (eps * k * T)
    z = np.array([s[0] for s in species], float)
    D = np.array([s[1] for s in species], float)
    c = np.array([s[2] for s in species], float)
    kinds = [s[3] for s in species]
    ns = len(species)
    nv = ns + 1  # species ..., psi
    g_tot = G * np.sum(z * z * c)
    kmax = np.sqrt(g_tot + np.max(w / D))  # largest decay rate (1/m)
    # breakpoints in x̂
    h0 = first / (kmax * L)
    left = [0.0]
    hw = h0
    while left[-1] + hw < 0.25:
        left.append(left[-1] + hw)
        hw *= ratio
    left = np.array(left)
    middle = np.linspace(left[-1], 1 - left[-1], mid_panels + 1)
    brk = np.concatenate([left, middle[1:-1], (1 - left)[::-1]])
    npan = len(brk) - 1
    y, D1 = _cheb(n)
    m = n + 1
    N = npan * nv * m
    A = np.zeros((N, N), complex)
    rhs = np.zeros(N, complex)

    def idx(p, v):
        return (p * nv + v) * m

    coup = L * L * G * z * c  # Poisson: psi'' + sum_m coup_m nu_m = 0
    P = L * L * 1j * w / D
    blk = [kd == "blocking" for kd in kinds]
    Ds = []
    for p in range(npan):
        a, b = brk[p], brk[p + 1]
        d1 = D1 / (b - a)
        d2 = d1 @ d1
        Ds.append(d1)
        ip = idx(p, ns)
        jj = np.arange(1, n)  # interior collocation points of the panel
        for v in range(nv):
            r = idx(p, v) + jj
            A[r, idx(p, v):idx(p, v) + m] = d2[jj]
            if v < ns:
                A[r, r] -= P[v]
                if blk[v]:
                    A[r, ip:ip + m] += z[v] * d1[jj]
                else:
                    A[r, ip + jj] += P[v] * z[v]
            else:
                for mm in range(ns):
                    if blk[mm]:
                        A[r, idx(p, mm):idx(p, mm) + m] += coup[mm] * d1[jj]
                    else:
                        A[r, idx(p, mm) + jj] += coup[mm]
                        A[r, ip + jj] -= coup[mm] * z[mm]
    for p in range(npan):
        for v in range(nv):
            r0 = idx(p, v)
            # left end
            r = r0
            if p == 0:
                A[r, r0] = 1.0  # psi(0) = 0, u_k(0) = 0 or F_k(0) = 0
            else:  # derivative continuity with panel p-1
                A[r, r0:r0 + m] = Ds[p][0]
                q0 = idx(p - 1, v)
                A[r, q0:q0 + m] -= Ds[p - 1][n]
            # right end
            r = r0 + n
            if p == npan - 1:
                if v == ns:
                    A[r, r0 + n] = 1.0
                    rhs[r] = 1.0
                elif not blk[v]:
                    A[r, r0 + n] = 1.0
                    rhs[r] = z[v]
                else:
                    A[r, r0 + n] = 1.0
            else:  # value continuity with panel p+1
                A[r, r0 + n] = 1.0
                A[r, idx(p + 1, v)] = -1.0
    # row equilibration then solve
    s = np.abs(A).max(axis=1)
    A /= s[:, None]
    rhs /= s
    sol = np.linalg.solve(A, rhs)
    for _ in range(refine):  # iterative refinement
        sol += np.linalg.solve(A, rhs - A @ sol)

    def current(p, j):
        """J (A/m²) at node j of panel p, for V = kT/e."""
        dpsi = Ds[p][j] @ sol[idx(p, ns):idx(p, ns) + m] / L
        J = -1j * w * eps * (k * T / e) * dpsi
        for v in range(ns):
            if blk[v]:
                du = P[v] * sol[idx(p, v) + j] / L
            else:
                du = Ds[p][j] @ sol[idx(p, v):idx(p, v) + m] / L
            J += -e * z[v] * D[v] * c[v] * du
        return J

    pm = int(np.searchsorted(brk, 0.5)) - 1
    Js = [current(0, 0), current(npan - 1, n)]
    if np.isclose(brk[pm + 1], 0.5):
        Js.append(current(pm, n))
    Js = np.array(Js)
    V = k * T / e
    Jz = Js[-1]  # the midplane value: widest panels, least round-off in the derivatives
    Z = V / (-Jz)
    spread = np.max(np.abs(Js - Jz)) / abs(Jz)
    return complex(Z), float(spread)


if __name__ == "__main__":
    T, eps_r = 823.0, 29.0
    zi, Di, ci = 2, 1e-11, 1e27
    ze, De, ce = -1, 1e-8, 1e26
    L = 50e-9
    freqs = [1e0, 1e3, 1e5, 1e7, 1e9]

    def rel(a, b):
        return abs(a - b) / abs(b)

    print("== dynamics.md tables (g), (h): z=2, D=1e-11, c0=1e27, L=50 nm ==")
    table = {1e0: (5.47718608971e-7, -0.208967108299, 5.53314872112e-7, -9.87873370696e-15),
             1e3: (5.47718608797e-7, -2.08967118052e-4, 5.53314871936e-7, -9.87873370381e-12),
             1e5: (5.47716871268e-7, -2.09064646399e-6, 5.53313108396e-7, -9.87870221804e-10),
             1e7: (5.30876463654e-7, -1.15433826986e-7, 5.36222478471e-7, -9.57357074513e-8),
             1e9: (1.72831935867e-9, -3.08928518517e-8, 1.73043040449e-9, -3.08946352717e-8)}
    worst_tab = 0.0
    for f in freqs:
        zb = blocking_slab(f, T, eps_r, zi, Di, ci, L)
        zr = reversible_slab(f, T, eps_r, zi, Di, ci, L)
        rb, ib, rr, ir = table[f]
        d = max(abs(zb.real - rb) / abs(rb), abs(zb.imag - ib) / abs(ib),
                abs(zr.real - rr) / abs(rr), abs(zr.imag - ir) / abs(ir))
        worst_tab = max(worst_tab, d)
        print(f"f={f:8.0e}  blocking {zb.real:.11e} {zb.imag:.11e}  reversible {zr.real:.11e} "
              f"{zr.imag:.11e}  max rel diff (per component) {d:.1e}")
    print(f"max relative difference vs dynamics.md tables: {worst_tab:.2e}")

    print("\n== formulas vs independent Chebyshev collocation ==")
    worst = 0.0
    cases = [("(g) reversible", lambda f: reversible_slab(f, T, eps_r, zi, Di, ci, L),
              [(zi, Di, ci, "reversible")]),
             ("(h) blocking", lambda f: blocking_slab(f, T, eps_r, zi, Di, ci, L),
              [(zi, Di, ci, "blocking")]),
             ("mixed (test set)", lambda f: mixed_slab(f, T, eps_r, zi, Di, ci, ze, De, ce, L),
              [(zi, Di, ci, "blocking"), (ze, De, ce, "reversible")]),
             ("mixed, D_el=1e-10", lambda f: mixed_slab(f, T, eps_r, zi, Di, ci, ze, 1e-10, ce, L),
              [(zi, Di, ci, "blocking"), (ze, 1e-10, ce, "reversible")]),
             ("mixed, z_i=1,c_e=c_i,L=5nm",
              lambda f: mixed_slab(f, T, eps_r, 1, 3e-9, 1e25, -1, 1e-8, 1e25, 5e-9),
              [(1, 3e-9, 1e25, "blocking"), (-1, 1e-8, 1e25, "reversible")], 5e-9),
             ("mixed, holes z_e=+1, ion z=-2",
              lambda f: mixed_slab(f, T, eps_r, -2, 1e-11, 1e26, +1, 1e-9, 3e26, L),
              [(-2, 1e-11, 1e26, "blocking"), (+1, 1e-9, 3e26, "reversible")])]
    for case in cases:
        name, fn, sp = case[:3]
        LL = case[3] if len(case) > 3 else L
        for f in freqs + [3.3e11]:
            za = fn(f)
            zn, spread = numerical_slab(f, T, eps_r, sp, LL)
            d = rel(za, zn)
            worst = max(worst, d)
            print(f"{name:30s} f={f:8.1e}  Z={za.real: .12e}{za.imag:+.12e}j  rel diff {d:.1e}"
                  f"  (J spread {spread:.0e})")
    print(f"max relative difference formula vs numerics: {worst:.2e}")

    print("\n== limits of mixed_slab (test set) ==")
    sig_e = (ELEMENTARY_CHARGE ** 2 * De * ce / (BOLTZMANN_SI * T))
    eps = eps_r * EPSILON_0_SI
    z0 = mixed_slab(1e-6, T, eps_r, zi, Di, ci, ze, De, ce, L)
    print(f"f=1e-6 Hz: Z={z0:.12e}  L/sigma_e={L / sig_e:.12e}  rel {rel(z0, L / sig_e):.1e}")
    fh = 1e15
    zh = mixed_slab(fh, T, eps_r, zi, Di, ci, ze, De, ce, L)
    zc = 1 / (2j * np.pi * fh * eps / L)
    print(f"f=1e15 Hz: Z={zh:.6e}  1/(iwCg)={zc:.6e}  rel {rel(zh, zc):.1e}")
    for f in [1e3, 1e7]:
        zs = mixed_slab(f, T, eps_r, zi, Di, ci, ze, De, 1e8, L)
        zb = blocking_slab(f, T, eps_r, zi, Di, ci, L)
        zd = mixed_slab(f, T, eps_r, zi, Di, ci, ze, 1e-30, ce, L)
        zf = mixed_slab(f, T, eps_r, zi, 1e-30, ci, ze, De, ce, L)
        zr = reversible_slab(f, T, eps_r, ze, De, ce, L)
        print(f"f={f:.0e}: c_e->1e8: rel to (h) {rel(zs, zb):.1e};  D_e->1e-30: rel to (h) {rel(zd, zb):.1e};"
              f"  D_i->1e-30: rel to (g, electrons) {rel(zf, zr):.1e}")
    for Lt, f in [(5e-6, 1e0), (5e-6, 1e2), (5e-6, 1e4), (5e-5, 1e0), (5e-5, 1e2)]:
        zx = mixed_slab(f, T, eps_r, zi, Di, ci, ze, De, ce, Lt)
        zt = transmission_line_mixed(f, T, eps_r, zi, Di, ci, ze, De, ce, Lt)
        print(f"L={Lt:.0e} f={f:.0e}: exact {zx:.6e}  Jamnik-Maier TL {zt:.6e}  rel {rel(zx, zt):.1e}")

    print("\n== test parameter set, mixed_slab (Ohm m^2) ==")
    for f in freqs:
        za = mixed_slab(f, T, eps_r, zi, Di, ci, ze, De, ce, L)
        print(f"f={f:8.0e}  Re Z = {za.real:.12g}   Im Z = {za.imag:.12g}")
