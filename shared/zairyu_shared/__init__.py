"""Zairyu common library."""
