"""JSON-serialisable data for the report (the conversion lives in :mod:`audit._jsonable`)."""

from audit._jsonable import frame_to_dict, to_jsonable

__all__ = ["to_jsonable", "frame_to_dict"]
