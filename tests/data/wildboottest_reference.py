"""Wild cluster bootstrap p-values from the ``wildboottest`` package (Alexander Fischer), quoted.

Produced once with wildboottest 0.3.2 (PyPI; numba 0.68.1, numpy 2.4, statsmodels 0.15) on the
panels of ``tests/test_wild_bootstrap.py::_panel(seed)`` (12 branch clusters), with the unit
and period effects as explicit dummies:

    X = [const, treated, x1, get_dummies(unit, period, drop_first=True)]
    model = sm.OLS(p["y"], X)
    wildboottest(model, B=9999, cluster=pd.factorize(p["branch"])[0], param="treated",
                 weights_type="rademacher", impose_null=True, bootstrap_type="11",
                 show=False, parallel=False)

With 2^12 = 4,096 < B it enumerates every Rademacher pattern (no random numbers). Its
p-value is ``mean(|t| < |t*|)``: the two patterns v = +1 and v = -1, which reproduce the
sample exactly, count as ties, which it drops (strict ``<``) and we keep (``>=``), so ours
is the same or 2/4096 larger. (Its t statistic differs from ours by a constant factor:
its small-sample factor counts the dummy columns in K; the p-value does not depend on it.)
The package is not a test dependency (it needs numba); re-run the lines above to refresh.
"""

# seed -> p-value of H0: coefficient of `treated` = 0
PVALUES = {
    3: 0.25244140625,
    4: 0.0947265625,
    5: 0.39111328125,
}
