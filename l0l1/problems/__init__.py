"""Objectives, oracles and their constants (THEORY T2)."""
