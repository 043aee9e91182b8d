"""Persons, residences and vehicles: integrity rules and screens."""
