/* C references of the benchmarked loops: the "machine's limit" for the same algorithm.
 *
 * Each function is the loop of l0l1.methods.kernels for one case, written the way a
 * careful C programmer would: no allocation in the loop, the same arithmetic in the same
 * order as the Numba kernel (compiled with -ffp-contract=off, so no fused multiply-adds
 * change the rounding; dot products may be reassociated in both, via omp simd here), and NumPy's random streams (PCG64, the 256-layer ziggurat
 * normal, Lemire's bounded integers) re-implemented inline, so a run started from the
 * same generator state draws the same numbers and produces the same iterates.
 *
 * Built at benchmark time by benchmarks/cref.py: cc -O3 -march=native -ffp-contract=off
 * -fno-math-errno -fopenmp-simd -shared (ziggurat_tables.h is written beside this file from Numba's
 * copy of NumPy's tables).
 */
#include <math.h>
#include <stdint.h>

#include "ziggurat_tables.h"

/* ------------------------------------------------------------------ NumPy's PCG64 */
typedef struct {
    __uint128_t state, inc;
    int has32;
    uint32_t u32;
} pcg64;

#define PCG_MULT (((__uint128_t)2549297995355413924ULL << 64) | 4865540595714422341ULL)

static inline uint64_t next64(pcg64 *r) {
    r->state = r->state * PCG_MULT + r->inc;
    uint64_t x = (uint64_t)(r->state >> 64) ^ (uint64_t)r->state;
    unsigned rot = (unsigned)(r->state >> 122);
    return (x >> rot) | (x << ((-rot) & 63));
}

static inline uint32_t next32(pcg64 *r) {
    if (r->has32) {
        r->has32 = 0;
        return r->u32;
    }
    uint64_t v = next64(r);
    r->has32 = 1;
    r->u32 = (uint32_t)(v >> 32);
    return (uint32_t)v;
}

static inline double next_double(pcg64 *r) {
    return (double)(next64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double standard_normal(pcg64 *r) {
    for (;;) {
        uint64_t u = next64(r);
        int idx = (int)(u & 0xff);
        u >>= 8;
        int sign = (int)(u & 1);
        uint64_t rabs = (u >> 1) & 0x000fffffffffffffULL;
        double x = (double)rabs * wi_double[idx];
        if (sign) x = -x;
        if (rabs < ki_double[idx]) return x;
        if (idx == 0) {
            for (;;) {
                double xx = -ZIGGURAT_NOR_INV_R * log1p(-next_double(r));
                double yy = -log1p(-next_double(r));
                if (yy + yy > xx * xx)
                    return ((rabs >> 8) & 1) ? -(ZIGGURAT_NOR_R + xx) : ZIGGURAT_NOR_R + xx;
            }
        } else if ((fi_double[idx - 1] - fi_double[idx]) * next_double(r) + fi_double[idx] <
                   exp(-0.5 * x * x)) {
            return x;
        }
    }
}

/* integers(0, rng + 1) for rng < 2^32 - 1: Lemire's rejection on 32-bit draws */
static inline uint32_t bounded32(pcg64 *r, uint32_t rng) {
    uint32_t excl = rng + 1;
    uint64_t m = (uint64_t)next32(r) * excl;
    uint32_t left = (uint32_t)m;
    if (left < excl) {
        uint32_t threshold = (UINT32_MAX - rng) % excl;
        while (left < threshold) {
            m = (uint64_t)next32(r) * excl;
            left = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static void load_state(pcg64 *r, const uint64_t *w) {
    r->state = ((__uint128_t)w[0] << 64) | w[1];
    r->inc = ((__uint128_t)w[2] << 64) | w[3];
    r->has32 = (int)w[4];
    r->u32 = (uint32_t)w[5];
}

/* Tests only: n raw 64-bit draws, n normals, n bounded integers. */
void draws(const uint64_t *state, long n, uint64_t *raw, double *normal, int64_t *ints,
           uint32_t rng) {
    pcg64 r;
    load_state(&r, state);
    for (long i = 0; i < n; i++) raw[i] = next64(&r);
    for (long i = 0; i < n; i++) normal[i] = standard_normal(&r);
    for (long i = 0; i < n; i++) ints[i] = bounded32(&r, rng);
}

/* ------------------------------------------------------------------ shared pieces */
static inline double sumsq(const double *a, long n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    long m = n - n % 8;
    for (long j = 0; j < m; j += 8) {
        s0 += a[j] * a[j];
        s1 += a[j + 1] * a[j + 1];
        s2 += a[j + 2] * a[j + 2];
        s3 += a[j + 3] * a[j + 3];
        s4 += a[j + 4] * a[j + 4];
        s5 += a[j + 5] * a[j + 5];
        s6 += a[j + 6] * a[j + 6];
        s7 += a[j + 7] * a[j + 7];
    }
    for (long j = m; j < n; j++) s0 += a[j] * a[j];
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

static double norm(const double *a, long n) {
    double acc = sumsq(a, n);
    if (isfinite(acc)) return sqrt(acc);
    if (acc != acc) return NAN;
    double scale = 0.0;
    for (long j = 0; j < n; j++) scale = fmax(scale, fabs(a[j]));
    if (isinf(scale)) return INFINITY;
    acc = 0.0;
    for (long j = 0; j < n; j++) acc += (a[j] / scale) * (a[j] / scale);
    return scale * sqrt(acc);
}

/* x <- x - h dir; nonzero when an entry of the new x is not finite */
static inline int step(double *x, double h, const double *dir, long n) {
    int bad = 0;
    for (long j = 0; j < n; j++) {
        double t = x[j] - h * dir[j];
        x[j] = t;
        bad |= (t - t) != 0.0;
    }
    return bad;
}

/* dot products whose sums may be reassociated (vectorised), like the kernels' _row_dot
 * and _dot2 (Numba fastmath={"reassoc"}) */
static inline double dot(const double *a, const double *x, long d) {
    double t = 0.0;
#pragma omp simd reduction(+ : t)
    for (long j = 0; j < d; j++) t += a[j] * x[j];
    return t;
}

static inline void dot2(const double *a, const double *x, const double *y, long d, double *tx,
                        double *ty) {
    double t = 0.0, u = 0.0;
#pragma omp simd reduction(+ : t, u)
    for (long j = 0; j < d; j++) {
        t += a[j] * x[j];
        u += a[j] * y[j];
    }
    *tx = t;
    *ty = u;
}

/* separable polynomial: g_j = p_j'(x_j) by the kernel's Horner (value and derivative) */
static inline void poly_grad(const double *P, long d, long ncol, const double *x, double *g) {
    long deg = ncol - 1;
    for (long j = 0; j < d; j++) {
        const double *c = P + j * ncol;
        double t = x[j], val = c[deg], der = 0.0;
        for (long i = deg - 1; i >= 0; i--) {
            der = der * t + val;
            val = val * t + c[i];
        }
        g[j] = der;
    }
}

/* Results: out[0] status (0 reached, 1 not reached, 2 diverged), out[1] iterations,
 * out[2] oracle calls, out[3] clipped steps, out[4] largest estimator norm. */
static void finish(double *out, int status, long k, long calls, long clipped, double gmax) {
    out[0] = status;
    out[1] = (double)k;
    out[2] = (double)calls;
    out[3] = (double)clipped;
    out[4] = gmax;
}

/* ------------------------------------------------------------------ case loops */
/* Clipped GD (RULE_CLIP, p = [eta, gamma]) with the exact gradient of a separable
 * polynomial; the gradient is the probe (T6). g: workspace of length d. */
void clipped_gd_poly(const double *P, long d, long ncol, double *x, double *g, double eta,
                     double gamma, double eps, long max_iter, double *out) {
    long k = 0, clipped = 0;
    double gmax = 0.0;
    int status = 1;
    for (;;) {
        poly_grad(P, d, ncol, x, g);
        double gn = norm(g, d);
        if (!isfinite(gn)) { status = 2; break; }
        if (gn <= eps) { status = 0; break; }
        if (k >= max_iter) break;
        double h = eta;
        if (gn != 0.0) {
            double b = gamma * eta / gn;
            if (b < eta) { h = b; clipped++; }
        }
        gmax = fmax(gmax, gn);
        int bad = step(x, h, g, d);
        k++;
        if (bad) { status = 2; break; }
    }
    finish(out, status, k, k, clipped, gmax);
}

/* Clipped SGD (RULE_CLIP_SGD, p = [L1, tau, eta]) with bounded noise of radius w (uniform
 * in the ball) on a separable polynomial, batch 1, probed every iteration: the noisy
 * estimate is the probed gradient plus the noise. g, est, s: workspaces of length d. */
void clipped_sgd_poly_bounded(const double *P, long d, long ncol, double *x, double *g,
                              double *est, double *s, double L1, double tau, double eta,
                              double w, double eps, long max_iter, const uint64_t *state,
                              double *out) {
    pcg64 r;
    load_state(&r, state);
    long k = 0, clipped = 0;
    double gmax = 0.0;
    int status = 1;
    for (;;) {
        poly_grad(P, d, ncol, x, g);
        double gn = norm(g, d);
        if (!isfinite(gn)) { status = 2; break; }
        if (gn <= eps) { status = 0; break; }
        if (k >= max_iter) break;
        double uu = 0.0;
        for (long j = 0; j < d; j++) {
            double t = standard_normal(&r);
            s[j] = t;
            uu += t * t;
        }
        double c = w * pow(next_double(&r), 1.0 / (double)d) / sqrt(uu);
        for (long j = 0; j < d; j++) est[j] = g[j] + s[j] * c;
        double en = norm(est, d);
        double h = eta;
        if (L1 != 0.0) {
            double b = 1.0 / (16.0 * L1 * (en + tau));
            if (b < eta) { h = b; clipped++; }
        }
        gmax = fmax(gmax, en);
        int bad = step(x, h, est, d);
        k++;
        if (bad) { status = 2; break; }
    }
    finish(out, status, k, k, clipped, gmax);
}

/* phase retrieval f = (1/(4m)) sum_r ((a_r.x)^2 - y_r)^2: out <- grad f(x), one pass */
static void phase_grad(const double *A, const double *y, long m, long d, const double *x,
                       double *out) {
    for (long j = 0; j < d; j++) out[j] = 0.0;
    for (long r = 0; r < m; r++) {
        const double *a = A + r * d;
        double t = dot(a, x, d);
        double wr = (t * t - y[r]) * t / (double)m;
        for (long j = 0; j < d; j++) out[j] += wr * a[j];
    }
}

/* SPIDER-clip (RULE_SPIDER_CLIP, p = [L0, L1, n0, eps_rule]) on finite-sum phase retrieval:
 * exact refresh every q iterations (m calls), else S2 uniform indices, each evaluated at x
 * and x_prev (2 S2 calls); the exact gradient probed every probe_every iterations.
 * g, est, acc, xp: workspaces of length d (xp holds x_prev). */
void spider_clip_phase(const double *A, const double *y, long m, long d, double *x, double *g,
                       double *est, double *acc, double *xp, double L0, double L1, double n0,
                       double eps_rule, long q, long S2, double eps, long max_iter,
                       long probe_every, const uint64_t *state, double *out) {
    pcg64 r;
    load_state(&r, state);
    long k = 0, clipped = 0, calls = 0, next_probe = 0, next_refresh = 0;
    double gmax = 0.0;
    int status = 1;
    for (long j = 0; j < d; j++) xp[j] = x[j];
    for (;;) {
        if (k == next_probe) {
            next_probe += probe_every;
            phase_grad(A, y, m, d, x, g);
            double gn = norm(g, d);
            if (!isfinite(gn)) { status = 2; break; }
            if (gn <= eps) { status = 0; break; }
        }
        if (k >= max_iter) break;
        if (k == next_refresh) {
            next_refresh += q;
            phase_grad(A, y, m, d, x, est);
            calls += m;
        } else {
            for (long j = 0; j < d; j++) acc[j] = 0.0;
            for (long b = 0; b < S2; b++) {
                long i = (long)bounded32(&r, (uint32_t)(m - 1));
                const double *a = A + i * d;
                double t, u;
                dot2(a, x, xp, d, &t, &u);
                double c = (t * t - y[i]) * t - (u * u - y[i]) * u;
                for (long j = 0; j < d; j++) acc[j] += c * a[j];
            }
            for (long j = 0; j < d; j++) est[j] += acc[j] / (double)S2;
            calls += 2 * S2;
        }
        double en = norm(est, d);
        double scale = 1.0 / (n0 * (L0 + L1 * en)), h;
        if (en == 0.0) {
            h = 0.5 * scale;
        } else {
            double f = 0.5, b = eps_rule / en;
            if (b < f) { f = b; clipped++; }
            h = f * scale;
        }
        gmax = fmax(gmax, en);
        for (long j = 0; j < d; j++) xp[j] = x[j];
        int bad = step(x, h, est, d);
        k++;
        if (bad) { status = 2; break; }
    }
    finish(out, status, k, calls, clipped, gmax);
}

/* ------------------------------------------------------------------ zero chain (A19) */
/* l0l1.problems.chain's formulas, each scalar formed in the same order: Psi, Psi', Phi
 * (through erfc), Phi' (through exp), at u = x / lam. */
#define CHAIN_SQRT_E sqrt(M_E)
#define CHAIN_PHI_SCALE (sqrt(M_E) * sqrt(M_PI / 2.0)) /* Phi(t) = this erfc(-t/sqrt 2) */
#define CHAIN_INV_SQRT2 (1.0 / sqrt(2.0))

static inline double chain_psi(double t) {
    if (t <= 0.5) return 0.0;
    double s = 2.0 * t - 1.0;
    return exp(1.0 - 1.0 / (s * s));
}

/* Psi'(t) given p = Psi(t) */
static inline double chain_dpsi_from(double p, double t) {
    if (p == 0.0) return 0.0;
    double s = 2.0 * t - 1.0;
    return p * 4.0 / (s * s * s);
}

static inline double chain_phi(double t) { return CHAIN_PHI_SCALE * erfc(-t * CHAIN_INV_SQRT2); }

static inline double chain_dphi(double t) { return CHAIN_SQRT_E * exp(-0.5 * t * t); }

/* scaled chain: out <- c grad F_T(x / lam), c = s / lam (chain_grad_into, then the scale) */
static void chain_grad(const double *x, long T, double lam, double c, double *out) {
    double psi_a = 1.0; /* Psi(|u_{i-1}|) when |u_{i-1}| > 1/2, computed once */
    for (long i = 0; i < T; i++) {
        double b = x[i] / lam, g;
        if (i == 0) {
            g = -chain_dphi(b);
        } else {
            double a = x[i - 1] / lam;
            if (a > 0.5) g = -psi_a * chain_dphi(b);
            else if (a < -0.5) g = -psi_a * chain_dphi(-b);
            else g = 0.0;
        }
        if (i + 1 < T) {
            if (b > 0.5) {
                psi_a = chain_psi(b);
                g -= chain_dpsi_from(psi_a, b) * chain_phi(x[i + 1] / lam);
            } else if (b < -0.5) {
                psi_a = chain_psi(-b);
                g -= chain_dpsi_from(psi_a, -b) * chain_phi(-x[i + 1] / lam);
            }
        }
        out[i] = g;
    }
    for (long i = 0; i < T; i++) out[i] *= c;
}

/* prog_a(x / lam): the largest 1-based i with |x_i / lam| > a (0 if none) */
static inline long chain_progress(const double *x, long T, double lam, double a) {
    for (long i = T - 1; i >= 0; i--)
        if (fabs(x[i] / lam) > a) return i + 1;
    return 0;
}

/* SGD (RULE_FIXED, p = [h]) on the scaled zero chain (v = [lam, s, ...]) with the A19
 * Bernoulli oracle of probability p, batch 1, probed every iteration. As in the kernel the
 * oracle's sample is formed from the probed gradient: the coordinates beyond
 * prog_{1/4}(x / lam) times Z/p, Z = (next_double < p). g, est: workspaces of length T. */
void sgd_chain_bernoulli(double *x, double *g, double *est, long T, double lam, double scale,
                         double p, double h, double eps, long max_iter, const uint64_t *state,
                         double *out) {
    pcg64 r;
    load_state(&r, state);
    double c = scale / lam;
    long k = 0;
    double gmax = 0.0;
    int status = 1;
    for (;;) {
        chain_grad(x, T, lam, c, g);
        double gn = norm(g, T);
        if (!isfinite(gn)) { status = 2; break; }
        if (gn <= eps) { status = 0; break; }
        if (k >= max_iter) break;
        double z = next_double(&r) < p ? 1.0 / p : 0.0;
        long start = chain_progress(x, T, lam, 0.25);
        for (long j = 0; j < T; j++) est[j] = j >= start ? g[j] * z : g[j];
        double en = norm(est, T);
        gmax = fmax(gmax, en);
        int bad = step(x, h, est, T);
        k++;
        if (bad) { status = 2; break; }
    }
    finish(out, status, k, k, 0, gmax);
}
