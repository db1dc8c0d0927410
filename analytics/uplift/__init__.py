"""Uplift modelling: whom a campaign persuades, learnt from its random control group.

``learners`` (T-learner, class transformation, single model with treatment interactions, thin
over scikit-learn classifiers), ``metrics`` (Qini curve and coefficient, AUUC, uplift at k,
uplift by decile, a bootstrap interval), ``training`` (compare the learners on held-out customers
and keep the best), ``types`` (persuadables, sure things, lost causes, do-not-disturb from the
predicted responses) and ``economics`` (contact nobody, everyone or the top k %: contacts,
incremental conversions, cost, revenue, profit, with intervals). Pure: frames and arrays in and
out, no database.
"""
