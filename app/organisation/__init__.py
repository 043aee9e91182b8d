"""Zones, committees, blocks, buildings and houses: screens."""
