"""A synthetic grocery shop in the generic orders format with item lines (issue 16's demo)."""
