"""shop: a tiny pricing service used as the cdsh example project."""
