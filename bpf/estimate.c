// SPDX-License-Identifier: GPL-2.0
/*
 * The estimator of sampled mode: how many calls a duty-cycled ("hot")
 * function received, from the calls counted inside sampling windows.
 *
 * Time is cut into periods; each period holds one window, placed at random,
 * in which the hot uprobes are attached. The time base is the on-CPU time of
 * the scoped tasks, not wall time: a process that waits or is preempted does
 * not dilute the rate. Inside a window every call also costs the caller one
 * probe hit (tau, ~9.5 us single-stepped on the development VMs), so the
 * caller runs slower there than outside; that time is removed before
 * scaling, with the hit counts the kernel keeps per trap class and tau
 * calibrated by the loader on itself (window.c):
 *
 *	U = on-CPU time - sum over classes c of tau_c * hits_c
 *
 * With y_j the calls in window j, x_j its U, and X the U of all periods,
 * the combined ratio estimator is
 *
 *	N = (sum_j y_j / sum_j x_j) * X.
 *
 * Its error: the ratio estimator's linearised variance over the n windows,
 * V = X^2 * s^2 / (n * mean(x)^2), s^2 = sum_j (y_j - r x_j)^2 / (n - 1),
 * floored by the variance the counts would have if the calls were a Poisson
 * process (V_p = X^2 * sum y / (sum x)^2), which also stands alone when
 * n < 2; plus the calibration term, half the spread of N when tau moves by
 * its uncertainty. Reported error = 3 * sqrt(V) + calibration term: a ~99.7%
 * bound (normal approximation) as long as the call rate per unit of CPU time does not change
 * faster than the period in a way correlated with window placement.
 *
 * Nothing here needs a period's values but through sums, so none is kept
 * (a long trace would otherwise grow without bound): per period the loader
 * adds to struct vinfer_est_sums the clamped time bases (for tau and for tau
 * -/+ its error: X and x are clamped at 0 per period, so each variant has
 * its own sums), and per window and hot function sum y, sum x y, sum y^2
 * with sum x^2. With r = sum y / sum x,
 *
 *	sum_j (y_j - r x_j)^2 = sum y^2 - 2 r sum x y + r^2 sum x^2,
 *
 * the same s^2 (the second moments are long double: the expansion cancels
 * where the fit is good). The sums of an interval are the differences of
 * two snapshots, so an interval's estimate and error rest on its own
 * windows only.
 */
#include <math.h>
#include <string.h>

#include "session.h"

/*
 * Standard deviations in the stated error. Three, not two: a bound that a
 * test (and an operator) may rely on in every run, not in 19 of 20.
 */
#define VINFER_ERROR_SIGMAS	3.0

/* U of a span: on-CPU time less the probe cost of its hits, clamped at 0. */
static double time_base(double ns, const double traps[VINFER_TRAP_MAX], const double *tau)
{
	double u = ns;
	int c;

	for (c = 0; c < VINFER_TRAP_MAX; c++)
		u -= tau[c] * traps[c];
	return u > 0 ? u : 0;
}

void vinfer_est_sums_add(struct vinfer_est_sums *s, const struct vinfer_period *pd,
			 unsigned int n_hot, const double tau[VINFER_TRAP_MAX],
			 const double tau_err[VINFER_TRAP_MAX])
{
	double tv[VINFER_TAU_N][VINFER_TRAP_MAX], x;
	unsigned int k;
	int c, v;

	for (c = 0; c < VINFER_TRAP_MAX; c++) {
		tv[VINFER_TAU_MID][c] = tau[c];
		tv[VINFER_TAU_LO][c] = tau[c] - tau_err[c];
		tv[VINFER_TAU_HI][c] = tau[c] + tau_err[c];
	}
	for (v = 0; v < VINFER_TAU_N; v++)
		s->X[v] += time_base(pd->period_ns, pd->period_traps, tv[v]);
	if (!pd->has_window)
		return;
	for (v = 0; v < VINFER_TAU_N; v++)
		s->x[v] += time_base(pd->win_ns, pd->win_traps, tv[v]);
	x = time_base(pd->win_ns, pd->win_traps, tv[VINFER_TAU_MID]);
	s->xx += (long double)x * x;
	for (k = 0; k < n_hot && k < VINFER_MAX_FUNCS; k++) {
		double y = pd->calls[k];

		s->y[k] += y;
		s->xy[k] += (long double)x * y;
		s->yy[k] += (long double)y * y;
	}
	s->windows++;
}

void vinfer_est_sums_sub(struct vinfer_est_sums *d, const struct vinfer_est_sums *a,
			 const struct vinfer_est_sums *b)
{
	size_t k;
	int v;

	d->windows = a->windows - b->windows;
	for (v = 0; v < VINFER_TAU_N; v++) {
		d->X[v] = a->X[v] - b->X[v];
		d->x[v] = a->x[v] - b->x[v];
	}
	d->xx = a->xx - b->xx;
	for (k = 0; k < VINFER_MAX_FUNCS; k++) {
		d->y[k] = a->y[k] - b->y[k];
		d->xy[k] = a->xy[k] - b->xy[k];
		d->yy[k] = a->yy[k] - b->yy[k];
	}
}

/* Ratio estimate of slot @k with tau variant @v. */
static double ratio_estimate(const struct vinfer_est_sums *s, size_t k, int v)
{
	return s->x[v] > 0 ? s->y[k] / s->x[v] * s->X[v] : 0;
}

void vinfer_estimate(const struct vinfer_est_sums *s, size_t k, struct vinfer_estimate *e)
{
	double sx, sy, sX, r, v_ratio = 0, v_pois;
	unsigned int nw;

	memset(e, 0, sizeof(*e));
	if (k >= VINFER_MAX_FUNCS)
		return;
	sx = s->x[VINFER_TAU_MID];
	sy = s->y[k];
	sX = s->X[VINFER_TAU_MID];
	nw = s->windows;
	e->value = ratio_estimate(s, k, VINFER_TAU_MID);
	e->sampled = (uint64_t)sy;
	e->windows = nw;
	if (!nw || sx <= 0)
		return;
	r = sy / sx;

	if (nw >= 2) {
		long double rr = r, ss;
		double s2, xbar = sx / nw;

		/* sum_j (y_j - r x_j)^2, expanded (see the top of this file) */
		ss = s->yy[k] - 2 * rr * s->xy[k] + rr * rr * s->xx;
		s2 = ss > 0 ? (double)ss : 0;
		s2 /= nw - 1;
		v_ratio = sX * sX * s2 / (nw * xbar * xbar);
	}
	/* sum y counts ~ Poisson(sum y): the floor, and the n < 2 case. */
	v_pois = sX * sX * (sy > 1 ? sy : 1) / (sx * sx);
	e->sigma = sqrt(v_ratio > v_pois ? v_ratio : v_pois);
	e->calib = fabs(ratio_estimate(s, k, VINFER_TAU_HI) -
			ratio_estimate(s, k, VINFER_TAU_LO)) / 2;
	e->error = VINFER_ERROR_SIGMAS * e->sigma + e->calib;
}
