"""Loaders for the real datasets shipped in ``datasets/`` (UCI Adult, UCI German credit)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from audit.errors import ModelFileError

__all__ = ["data_dir", "load_adult", "load_german_credit"]

_NOT_FOUND = (
    "The bundled dataset file {name!r} was not found (looked in {places}). "
    "Reinstall model-audit, or run from a checkout that has datasets/."
)

ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income",
]

GERMAN_COLUMNS = [
    "checking_status",
    "duration_months",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment_since",
    "installment_rate",
    "personal_status",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "other_installment_plans",
    "housing",
    "existing_credits",
    "job",
    "people_liable",
    "telephone",
    "foreign_worker",
    "credit_risk",
]

# Attribute codes of german.data, decoded as in the UCI documentation (german.doc).
GERMAN_CODES: dict[str, dict[str, str]] = {
    "checking_status": {
        "A11": "< 0 DM",
        "A12": "0 <= ... < 200 DM",
        "A13": ">= 200 DM / salary assignment",
        "A14": "no checking account",
    },
    "credit_history": {
        "A30": "no credits / all paid back duly",
        "A31": "all credits at this bank paid back duly",
        "A32": "existing credits paid back duly till now",
        "A33": "delay in paying off in the past",
        "A34": "critical account / other credits elsewhere",
    },
    "purpose": {
        "A40": "car (new)",
        "A41": "car (used)",
        "A42": "furniture/equipment",
        "A43": "radio/television",
        "A44": "domestic appliances",
        "A45": "repairs",
        "A46": "education",
        "A47": "vacation",
        "A48": "retraining",
        "A49": "business",
        "A410": "others",
    },
    "savings": {
        "A61": "< 100 DM",
        "A62": "100 <= ... < 500 DM",
        "A63": "500 <= ... < 1000 DM",
        "A64": ">= 1000 DM",
        "A65": "unknown / no savings account",
    },
    "employment_since": {
        "A71": "unemployed",
        "A72": "< 1 year",
        "A73": "1 <= ... < 4 years",
        "A74": "4 <= ... < 7 years",
        "A75": ">= 7 years",
    },
    "personal_status": {
        "A91": "male: divorced/separated",
        "A92": "female: divorced/separated/married",
        "A93": "male: single",
        "A94": "male: married/widowed",
        "A95": "female: single",
    },
    "other_debtors": {"A101": "none", "A102": "co-applicant", "A103": "guarantor"},
    "property": {
        "A121": "real estate",
        "A122": "building society savings / life insurance",
        "A123": "car or other",
        "A124": "unknown / no property",
    },
    "other_installment_plans": {"A141": "bank", "A142": "stores", "A143": "none"},
    "housing": {"A151": "rent", "A152": "own", "A153": "for free"},
    "job": {
        "A171": "unemployed / unskilled non-resident",
        "A172": "unskilled resident",
        "A173": "skilled employee / official",
        "A174": "management / self-employed / highly qualified",
    },
    "telephone": {"A191": "none", "A192": "yes"},
    "foreign_worker": {"A201": "yes", "A202": "no"},
}


def data_dir() -> Path:
    """The folder holding the bundled data files (installed wheel or source checkout)."""
    here = Path(__file__).resolve().parent
    candidates = [here.parent / "_datasets", here.parents[1] / "datasets"]
    for folder in candidates:
        if (folder / "adult").is_dir():
            return folder
    return candidates[-1]


def _file(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.is_file():
        here = Path(__file__).resolve().parent
        places = f"{here.parent / '_datasets'} and {here.parents[1] / 'datasets'}"
        raise ModelFileError(_NOT_FOUND.format(name="/".join(parts), places=places))
    return path


@lru_cache(maxsize=2)
def _adult_raw() -> pd.DataFrame:
    frames = []
    for split, name in (("train", "adult.data.gz"), ("test", "adult.test.gz")):
        part = pd.read_csv(
            _file("adult", name),
            header=None,
            names=ADULT_COLUMNS,
            skipinitialspace=True,
            na_values="?",
            comment="|",
            compression="gzip",
        )
        part = part.dropna(how="all")
        part["split"] = split
        frames.append(part)
    df = pd.concat(frames, ignore_index=True)
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].str.strip()
    df["income"] = df["income"].str.rstrip(".").map({">50K": 1, "<=50K": 0}).astype("int64")
    return df


def load_adult(*, drop_missing: bool = False) -> pd.DataFrame:
    """Load the UCI Adult (Census Income) data, train and test files together.

    Parameters
    ----------
    drop_missing : bool, default=False
        Drop the 3,620 rows with a missing workclass, occupation or
        native_country (the raw files mark them ``?``); otherwise they are NaN.

    Returns
    -------
    pandas.DataFrame
        48,842 rows (45,222 with ``drop_missing=True``): the 14 attributes with
        snake_case names, the target ``income`` (1 = ">50K", 0 = "<=50K") and
        ``split`` ("train" / "test"). Sensitive attributes: ``sex``, ``race``
        (also ``age``, ``marital_status``, ``native_country``). See
        ``datasets/adult/README.md`` for the source, license and caveats.
    """
    df = _adult_raw().copy()
    if drop_missing:
        df = df.dropna().reset_index(drop=True)
    return df


def load_german_credit() -> pd.DataFrame:
    """Load the UCI Statlog German credit data, decoded.

    Returns
    -------
    pandas.DataFrame
        1,000 rows: the 20 attributes with their codes decoded to text, the
        target ``credit_risk`` (1 = good, 0 = bad), and derived sensitive
        columns ``sex`` (from ``personal_status``) and ``age_group``
        (``"< 25"`` / ``">= 25"``). See ``datasets/german_credit/README.md``.
    """
    df = pd.read_csv(
        _file("german_credit", "german.data.gz"),
        sep=" ",
        header=None,
        names=GERMAN_COLUMNS,
        compression="gzip",
    )
    for col, codes in GERMAN_CODES.items():
        df[col] = df[col].map(codes).astype(str)
    df["credit_risk"] = (df["credit_risk"] == 1).astype("int64")
    df["sex"] = df["personal_status"].str.split(":").str[0].str.strip()
    df["age_group"] = pd.Series(["< 25" if a < 25 else ">= 25" for a in df["age"]], index=df.index)
    return df
