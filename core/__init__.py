"""LossLab's engine: project format, catalog, graph builder, data, trainer, diagnostics.

Never imports Qt: everything here runs headless (tests and ``losslab`` subcommands).
"""
__version__ = "0.1.0"
