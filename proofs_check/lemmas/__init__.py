"""Lemma modules (THEORY T7): every non-underscore module here is discovered automatically.

Each module defines ``LEMMA`` (or a list ``LEMMAS``) and ``FALSE_SIBLINGS``.
"""
