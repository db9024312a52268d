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
 */
#include <math.h>
#include <string.h>

#include "session.h"

/*
 * Standard deviations in the stated error. Three, not two: a bound that a
 * test (and an operator) may rely on in every run, not in 19 of 20.
 */
#define VINFER_ERROR_SIGMAS	3.0

/* Ratio estimate of function @k with per-class probe cost @tau. */
static double ratio_estimate(const struct vinfer_period *pd, size_t n, size_t k,
			     const double *tau, double *sx, double *sy, double *sX,
			     unsigned int *nw)
{
	size_t j;
	int c;

	*sx = *sy = *sX = 0;
	*nw = 0;
	for (j = 0; j < n; j++) {
		double X = pd[j].period_ns;

		for (c = 0; c < VINFER_TRAP_MAX; c++)
			X -= tau[c] * pd[j].period_traps[c];
		*sX += X > 0 ? X : 0;
		if (!pd[j].has_window)
			continue;
		double x = pd[j].win_ns;

		for (c = 0; c < VINFER_TRAP_MAX; c++)
			x -= tau[c] * pd[j].win_traps[c];
		*sx += x > 0 ? x : 0;
		*sy += pd[j].calls[k];
		(*nw)++;
	}
	return *sx > 0 ? *sy / *sx * *sX : 0;
}

void vinfer_estimate(const struct vinfer_period *pd, size_t n, size_t k,
		     const double tau[VINFER_TRAP_MAX],
		     const double tau_err[VINFER_TRAP_MAX],
		     struct vinfer_estimate *e)
{
	double lo[VINFER_TRAP_MAX], hi[VINFER_TRAP_MAX];
	double sx, sy, sX, r, v_ratio = 0, v_pois, est_lo, est_hi, d;
	unsigned int nw;
	size_t j;
	int c;

	memset(e, 0, sizeof(*e));
	e->value = ratio_estimate(pd, n, k, tau, &sx, &sy, &sX, &nw);
	e->sampled = (uint64_t)sy;
	e->windows = nw;
	if (!nw || sx <= 0)
		return;
	r = sy / sx;

	if (nw >= 2) {
		double s2 = 0, xbar = sx / nw;

		for (j = 0; j < n; j++) {
			double x = pd[j].win_ns;

			if (!pd[j].has_window)
				continue;
			for (c = 0; c < VINFER_TRAP_MAX; c++)
				x -= tau[c] * pd[j].win_traps[c];
			if (x < 0)
				x = 0;
			d = pd[j].calls[k] - r * x;
			s2 += d * d;
		}
		s2 /= nw - 1;
		v_ratio = sX * sX * s2 / (nw * xbar * xbar);
	}
	/* sum y counts ~ Poisson(sum y): the floor, and the n < 2 case. */
	v_pois = sX * sX * (sy > 1 ? sy : 1) / (sx * sx);
	e->sigma = sqrt(v_ratio > v_pois ? v_ratio : v_pois);

	for (c = 0; c < VINFER_TRAP_MAX; c++) {
		lo[c] = tau[c] - tau_err[c];
		hi[c] = tau[c] + tau_err[c];
	}
	est_lo = ratio_estimate(pd, n, k, lo, &sx, &sy, &sX, &nw);
	est_hi = ratio_estimate(pd, n, k, hi, &sx, &sy, &sX, &nw);
	e->calib = fabs(est_hi - est_lo) / 2;
	e->error = VINFER_ERROR_SIGMAS * e->sigma + e->calib;
}
