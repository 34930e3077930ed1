"""
Integrations with third-party packages, one module per package.

Only these modules import their package: ``tokens`` itself needs none of them.
"""
