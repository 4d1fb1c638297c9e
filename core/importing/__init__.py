"""Importing files into Tripod: read and decode, map columns, validate, resolve codes, write, report."""
