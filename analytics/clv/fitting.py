"""Driving a lifetimes fitter safely: penalizer retries, degenerate fits refused, parameter rows.

An optimiser on a badly conditioned likelihood lands on different points on different CPUs (BLAS
kernels differ): on a degenerate input one machine raises a ConvergenceError, another "converges"
to r ≈ 2e7, alpha ≈ 2e8, a ≈ 1e-9. Either way the fit must not be used. ``degeneracy`` judges a
converged fit by properties that do not depend on the kernel — parameters that ran off to 0 or
infinity, a Hessian that is not finite or is singular — so every machine refuses the same fits.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from lifetimes.utils import ConvergenceError

RETRY_PENALIZERS = (0.001, 0.01, 0.1)
# Unit-free parameters (alpha over the longest customer age, v over the mean spend) outside this
# range have run off to a boundary of the parameter space: no data set supports them.
UNIT_FREE_RANGE = (1e-6, 1e6)
# Largest standard error of a combination of log-parameters: above it the likelihood is flat in
# that direction (e^(2·10) is a factor of 5e8 either way), so the "optimum" is not identified.
MAX_LOG_PARAMETER_SE = 10.0
# What lifetimes' optimiser raises when it fails: its ConvergenceError (scipy did not converge),
# LinAlgError (inverting a singular Hessian for the standard errors) and floating-point trouble.
OPTIMISER_FAILURES = (ConvergenceError, np.linalg.LinAlgError, ArithmeticError)
PARAM_COLUMNS = ["model", "parameter", "value", "standard_error", "note"]


@dataclass(frozen=True)
class FitResult:
    """The accepted fitter (None when every attempt failed), its penalizer and notes on failures."""

    fitter: Any | None
    penalizer: float | None
    notes: list[str] = field(default_factory=list)


def penalizer_schedule(first: float, retries: Sequence[float]) -> list[float]:
    """``first``, then each larger retry penalizer in turn."""
    return [first, *(p for p in retries if p > first)]


def degeneracy(
    fitter: Any, unit_free: Mapping[str, float], total_weight: float
) -> str | None:
    """Why a converged lifetimes fit must not be used, or None when it may.

    ``unit_free``: parameter name → the divisor that makes it unit-free (1 for shape parameters).
    The Hessian is lifetimes' ``_hessian_`` of the mean penalised negative log-likelihood in
    log-parameters at the optimum; times ``total_weight`` (customers) it is the observed
    information, whose smallest eigenvalue gives the worst-determined direction.
    """
    params = fitter.params_
    values = params.to_numpy(float)
    if not (np.isfinite(values).all() and (values > 0).all()):
        return f"non-finite or non-positive parameters {_rounded(params)}"
    low, high = UNIT_FREE_RANGE
    scaled = {name: float(params[name]) / unit_free.get(name, 1.0) for name in params.index}
    outside = [name for name, value in scaled.items() if not low <= value <= high]
    if outside:
        return (
            f"parameters ran off to a boundary ({', '.join(outside)} outside [{low:g}, {high:g}] "
            f"in unit-free terms): {_rounded(params)}"
        )
    hessian = np.asarray(getattr(fitter, "_hessian_", np.nan), dtype=float)
    if hessian.shape != (len(values), len(values)) or not np.isfinite(hessian).all():
        return "the Hessian at the optimum is not finite"
    smallest = float(np.linalg.eigvalsh((hessian + hessian.T) / 2.0).min()) * total_weight
    if smallest <= 0:
        return "the Hessian at the optimum is singular or not positive definite (no minimum)"
    if smallest ** -0.5 > MAX_LOG_PARAMETER_SE:
        return (
            "the likelihood is flat in one direction at the optimum (a combination of "
            f"log-parameters has standard error {smallest ** -0.5:.3g} > {MAX_LOG_PARAMETER_SE:g})"
        )
    return None


def _rounded(params: pd.Series) -> dict[str, float]:
    return {name: float(f"{value:.4g}") for name, value in params.items()}


def fit_with_retry(
    name: str,
    fit: Callable[[float], Any],
    penalizers: Sequence[float],
    check: Callable[[Any], str | None],
) -> FitResult:
    """Fit with each penalizer in turn until one converges to a fit ``check`` accepts.

    The optimiser's own printout on failure is swallowed; its failures (``OPTIMISER_FAILURES``)
    and refused fits become notes. Any other exception is a bug and propagates.
    """
    notes: list[str] = []
    for penalizer in penalizers:
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore", RuntimeWarning)
                fitter = fit(penalizer)
        except OPTIMISER_FAILURES as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            notes.append(f"{name} fit with penalizer_coef={penalizer} failed: {reason}")
            continue
        problem = check(fitter)
        if problem is not None:
            notes.append(f"{name} fit with penalizer_coef={penalizer} refused: {problem}")
            continue
        if notes:
            notes.append(
                f"{name} refitted with penalizer_coef={penalizer} after the failures above"
            )
        return FitResult(fitter, penalizer, notes)
    return FitResult(None, None, notes)


def param_rows(model: str, fitter: Any, penalizer: float, note: str | None) -> list[dict]:
    """One row per fitted parameter with its standard error (None when not finite)."""
    errors = fitter.standard_errors_
    rows = [
        {
            "model": model,
            "parameter": name,
            "value": float(value),
            "standard_error": float(errors[name]) if np.isfinite(errors[name]) else None,
            "note": None,
        }
        for name, value in fitter.params_.items()
    ]
    rows.append(row(model, "penalizer_coef", penalizer, note))
    return rows


def row(model: str, parameter: str, value: float | None, note: str | None = None) -> dict:
    """A ``model_params`` row without a standard error; a non-finite value becomes None."""
    value = None if value is None or not np.isfinite(value) else float(value)
    return {"model": model, "parameter": parameter, "value": value, "standard_error": None,
            "note": note}
