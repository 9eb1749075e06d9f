"""LossLab's Qt application: thin views and controllers over ``core``."""
