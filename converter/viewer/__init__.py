"""The viewer web service: a notebook URL in, a safe rendered page out (``nbconv serve``)."""
